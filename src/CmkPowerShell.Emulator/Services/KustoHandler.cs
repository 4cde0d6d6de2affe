using System;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.Kusto clusters: GET, PATCH (202 with Azure-AsyncOperation at locations/{loc}/operationResults/{id} and
    /// Location). keyVaultProperties are checked as Data Explorer documents (002 file).
    /// </summary>
    internal sealed class KustoHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Patch = new(true, 202, AsyncHeader: true, LocationHeader: true);

        public KustoHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.Kusto", "clusters") { }

        protected override ArmResult? HandleService(ArmRequest r)
        {
            if (r.Id.Segments.Count != 1 || r.Id.EndsWithType) return null;
            if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(World.Require(r.Id)));
            if (!r.IsPatch) return null;
            var existing = World.Require(r.Id);
            var candidate = Candidate(existing, r.BodyObject);
            CmkFailure? failure = null;
            if (JsonUtil.Node(candidate, "properties.keyVaultProperties") is JsonObject emptied
                && string.IsNullOrEmpty(JsonUtil.Str(emptied, "keyVaultUri")) && string.IsNullOrEmpty(JsonUtil.Str(emptied, "keyName")))
            {
                // Emptied key vault properties take the cluster back to Microsoft-managed keys (issue 5).
                ((JsonObject)candidate["properties"]!).Remove("keyVaultProperties");
            }
            else if (Touches(r.BodyObject, "properties.keyVaultProperties", "identity") && JsonUtil.Node(candidate, "properties.keyVaultProperties") is JsonObject kv)
            {
                var key = new KeyReference(JsonUtil.Str(kv, "keyVaultUri") ?? "", JsonUtil.Str(kv, "keyName"), NullIfEmpty(JsonUtil.Str(kv, "keyVersion")));
                var uai = NullIfEmpty(JsonUtil.Str(kv, "userIdentity"));
                var identity = uai != null ? UserIdentity(candidate, uai) : new KeyIdentity(SystemPrincipal(candidate), false);
                failure = Checker.Check(ServiceErrorTable.Kusto, key, JsonUtil.Str(candidate, "location"), identity);
            }
            return Complete(r, candidate, failure, Patch);
        }

        private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    }

    /// <summary>Microsoft.Batch batchAccounts: GET, PATCH (synchronous 200). Encryption checked per the 004 file.</summary>
    internal sealed class BatchHandler : ServiceHandlerBase
    {
        public BatchHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.Batch", "batchAccounts") { }

        protected override ArmResult? HandleService(ArmRequest r)
        {
            if (r.Id.Segments.Count != 1 || r.Id.EndsWithType) return null;
            if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(World.Require(r.Id)));
            if (!r.IsPatch) return null;
            var existing = World.Require(r.Id);
            var candidate = Candidate(existing, r.BodyObject);
            CmkFailure? failure = null;
            var keySource = JsonUtil.Str(candidate, "properties.encryption.keySource");
            if (Touches(r.BodyObject, "properties.encryption", "identity") && string.Equals(keySource, "Microsoft.KeyVault", StringComparison.OrdinalIgnoreCase))
            {
                var keyId = JsonUtil.Str(candidate, "properties.encryption.keyVaultProperties.keyIdentifier") ?? "";
                var key = KeyReference.FromKeyIdentifier(keyId);
                var principal = SystemPrincipal(candidate);
                KeyIdentity identity = principal != null
                    ? new KeyIdentity(principal, false)
                    : JsonUtil.Node(candidate, "identity.userAssignedIdentities") is JsonObject map && map.Count > 0
                        ? UserIdentity(candidate, System.Linq.Enumerable.First(map).Key)
                        : new KeyIdentity(null, false);
                failure = Checker.Check(ServiceErrorTable.Batch, key, JsonUtil.Str(candidate, "location"), identity);
            }
            else if (string.Equals(keySource, "Microsoft.Batch", StringComparison.OrdinalIgnoreCase) && candidate["properties"]?["encryption"] is JsonObject enc)
            {
                enc.Remove("keyVaultProperties");
            }
            return Complete(r, candidate, failure, WriteShape.Synchronous);
        }
    }

    /// <summary>
    /// Microsoft.DataBox jobs: GET (details only with $expand=details), PATCH (202 Location). keyEncryptionKey checked
    /// with the SsemUserError* table of the 001 file.
    /// </summary>
    internal sealed class DataBoxHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Patch = new(true, 202, AsyncHeader: false, LocationHeader: true);

        public DataBoxHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.DataBox", "jobs") { }

        protected override ArmResult? HandleService(ArmRequest r)
        {
            if (r.Id.Segments.Count != 1 || r.Id.EndsWithType) return null;
            if (r.IsGet)
            {
                var job = World.Require(r.Id);
                bool expand = string.Equals(r.Q("$expand"), "details", StringComparison.OrdinalIgnoreCase);
                return ArmResult.Ok(ResourceStore.Present(expand ? job : Present(job)));
            }
            if (!r.IsPatch) return null;
            var existing = World.Require(r.Id);
            var candidate = Candidate(existing, r.BodyObject);
            CmkFailure? failure = null;
            var kek = JsonUtil.Node(candidate, "properties.details.keyEncryptionKey") as JsonObject;
            if (Touches(r.BodyObject, "properties.details.keyEncryptionKey", "identity") && kek != null &&
                string.Equals(JsonUtil.Str(kek, "kekType"), "CustomerManaged", StringComparison.OrdinalIgnoreCase))
            {
                var key = KeyReference.FromKeyIdentifier(JsonUtil.Str(kek, "kekUrl") ?? "");
                var idType = JsonUtil.Str(kek, "identityProperties.type") ?? "SystemAssigned";
                KeyIdentity identity = idType.Equals("UserAssigned", StringComparison.OrdinalIgnoreCase)
                    ? UserIdentity(candidate, JsonUtil.Str(kek, "identityProperties.userAssigned.resourceId") ?? "")
                    : new KeyIdentity(SystemPrincipal(candidate), false);
                failure = Checker.Check(ServiceErrorTable.DataBox, key, JsonUtil.Str(candidate, "location"), identity);
            }
            else if (kek != null && string.Equals(JsonUtil.Str(kek, "kekType"), "MicrosoftManaged", StringComparison.OrdinalIgnoreCase))
            {
                kek.Remove("kekUrl");
                kek.Remove("kekVaultResourceID");
            }
            return Complete(r, candidate, failure, Patch);
        }

        /// <summary>Without $expand=details, Data Box leaves properties.details out.</summary>
        protected override JsonObject Present(JsonObject resource)
        {
            var copy = (JsonObject)resource.DeepClone();
            (copy["properties"] as JsonObject)?.Remove("details");
            return copy;
        }

        protected override void Prepare(JsonObject candidate)
        {
            // Data Box jobs report their order status, not a provisioning state.
        }
    }
}
