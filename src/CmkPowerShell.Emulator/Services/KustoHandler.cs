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
}
