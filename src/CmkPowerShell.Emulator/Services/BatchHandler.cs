using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.Batch batchAccounts: GET; PUT (BatchAccount_Create: 202 with Location, the account appears when the
    /// operation ends); PATCH (BatchAccount_Update: synchronous 200). Encryption is checked per the 004 file.
    /// </summary>
    internal sealed class BatchHandler : ServiceHandlerBase
    {
        // BatchAccount_Create declares 200 or 202 with Location + Retry-After, final-state-via location; no 201 and no Azure-AsyncOperation.
        private static readonly WriteShape Create = new(true, 202, AsyncHeader: false, LocationHeader: true);

        // What the spec's create examples show for a new account; the real values depend on the subscription's quota.
        private const int DefaultQuota = 20;

        // Set by the service, never by the caller: a re-PUT of the account keeps them.
        private static readonly string[] ServiceState =
        {
            "accountEndpoint", "nodeManagementEndpoint", "dedicatedCoreQuota", "lowPriorityCoreQuota", "dedicatedCoreQuotaPerVMFamily",
            "dedicatedCoreQuotaPerVMFamilyEnforced", "poolQuota", "activeJobAndJobScheduleQuota", "privateEndpointConnections",
        };

        public BatchHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.Batch", "batchAccounts") { }

        protected override ArmResult? HandleService(ArmRequest r)
            => HandleTopLevel(r, Create, WriteShape.Synchronous, InitializeAccount, (body, _, candidate) => EncryptionFailure(body, candidate), SyncAutoStorage);

        /// <summary>What Batch fills in on a new account (endpoint, defaults, quotas), or keeps from the account a re-PUT replaces.</summary>
        private static void InitializeAccount(JsonObject account, JsonObject? existing)
        {
            var props = JsonUtil.Obj(account, "properties");
            var name = account["name"]!.GetValue<string>();
            var region = (JsonUtil.Str(account, "location") ?? "").Replace(" ", "").ToLowerInvariant();
            account["identity"] ??= new JsonObject { ["type"] = "None" };
            if (existing?["properties"] is JsonObject before)
            {
                foreach (var key in ServiceState)
                    if (before[key] is { } value) props[key] = value.DeepClone();
            }
            else
            {
                props["accountEndpoint"] = $"{name.ToLowerInvariant()}.{region}.batch.azure.com";
                foreach (var quota in new[] { "dedicatedCoreQuota", "lowPriorityCoreQuota", "poolQuota", "activeJobAndJobScheduleQuota" })
                    props[quota] = DefaultQuota;
            }
            props["poolAllocationMode"] ??= "BatchService";
            props["publicNetworkAccess"] ??= "Enabled";
            props["encryption"] ??= new JsonObject { ["keySource"] = "Microsoft.Batch" };
            SyncAutoStorage(account, existing);
        }

        /// <summary>Batch syncs the storage keys when an auto-storage account is linked; the answer carries when (lastKeySync, required by the spec).</summary>
        private static void SyncAutoStorage(JsonObject account, JsonObject? existing)
        {
            if (JsonUtil.Node(account, "properties.autoStorage") is not JsonObject storage) return;
            var previous = JsonUtil.Node(existing, "properties.autoStorage") as JsonObject;
            bool sameAccount = previous != null && string.Equals(JsonUtil.Str(previous, "storageAccountId"), JsonUtil.Str(storage, "storageAccountId"), StringComparison.OrdinalIgnoreCase);
            storage["lastKeySync"] = sameAccount && previous!["lastKeySync"] is { } synced ? synced.DeepClone() : DateTimeOffset.UtcNow.UtcDateTime.ToString("o");
        }

        private CmkFailure? EncryptionFailure(JsonObject body, JsonObject candidate)
        {
            var keySource = JsonUtil.Str(candidate, "properties.encryption.keySource");
            if (string.Equals(keySource, "Microsoft.Batch", StringComparison.OrdinalIgnoreCase) && candidate["properties"]?["encryption"] is JsonObject enc)
            {
                enc.Remove("keyVaultProperties");
                return null;
            }
            if (!Touches(body, "properties.encryption", "identity") || !string.Equals(keySource, "Microsoft.KeyVault", StringComparison.OrdinalIgnoreCase))
                return null;
            var keyId = JsonUtil.Str(candidate, "properties.encryption.keyVaultProperties.keyIdentifier") ?? "";
            var key = KeyReference.FromKeyIdentifier(keyId);
            var principal = SystemPrincipal(candidate);
            KeyIdentity identity = principal != null
                ? new KeyIdentity(principal, false)
                : JsonUtil.Node(candidate, "identity.userAssignedIdentities") is JsonObject map && map.Count > 0
                    ? UserIdentity(candidate, map.First().Key)
                    : new KeyIdentity(null, false);
            return Checker.Check(ServiceErrorTable.Batch, key, JsonUtil.Str(candidate, "location"), identity);
        }
    }
}
