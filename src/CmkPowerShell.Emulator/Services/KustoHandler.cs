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

        // Clusters are not created through the emulator's Kusto surface: a PUT is left to the plain resource handler.
        protected override ArmResult? HandleService(ArmRequest r) => HandleTopLevel(r, null, Patch, null, KeyFailure);

        private CmkFailure? KeyFailure(JsonObject body, JsonObject? existing, JsonObject candidate)
        {
            if (JsonUtil.Node(candidate, "properties.keyVaultProperties") is JsonObject emptied
                && string.IsNullOrEmpty(JsonUtil.Str(emptied, "keyVaultUri")) && string.IsNullOrEmpty(JsonUtil.Str(emptied, "keyName")))
            {
                // Emptied key vault properties take the cluster back to Microsoft-managed keys (issue 5).
                ((JsonObject)candidate["properties"]!).Remove("keyVaultProperties");
                return null;
            }
            if (!Touches(body, "properties.keyVaultProperties", "identity") || JsonUtil.Node(candidate, "properties.keyVaultProperties") is not JsonObject kv)
                return null;
            var key = new KeyReference(JsonUtil.Str(kv, "keyVaultUri") ?? "", JsonUtil.Str(kv, "keyName"), NullIfEmpty(JsonUtil.Str(kv, "keyVersion")));
            var uai = NullIfEmpty(JsonUtil.Str(kv, "userIdentity"));
            var identity = uai != null ? UserIdentity(candidate, uai) : new KeyIdentity(SystemPrincipal(candidate), false);
            return Checker.Check(ServiceErrorTable.Kusto, key, JsonUtil.Str(candidate, "location"), identity);
        }

        private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    }
}
