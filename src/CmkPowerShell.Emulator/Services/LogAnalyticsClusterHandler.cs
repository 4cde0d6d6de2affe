using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.OperationalInsights clusters (Log Analytics dedicated clusters), 2022-10-01: GET; PUT long-running
    /// (201/202 declared, answered 202 with Azure-AsyncOperation and Location); PATCH long-running but declaring only 200,
    /// so answered 200 with the result. A write that sets keyVaultProperties is checked as customer-managed-keys
    /// documents (ServiceErrorTable.LogAnalytics); the check uses the cluster's one identity.
    /// </summary>
    internal sealed class LogAnalyticsClusterHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Create = new(true, 202, AsyncHeader: true, LocationHeader: true);

        public LogAnalyticsClusterHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.OperationalInsights", "clusters") { }

        protected override ArmResult? HandleService(ArmRequest r)
            => HandleTopLevel(r, Create, WriteShape.Synchronous, OnCreate, (body, _, candidate) => KeyFailure(body, candidate));

        private static void OnCreate(JsonObject candidate, JsonObject? existing)
        {
            var props = JsonUtil.Obj(candidate, "properties");
            props["clusterId"] = existing?["properties"]?["clusterId"]?.DeepClone() ?? System.Guid.NewGuid().ToString();
            props["createdDate"] = existing?["properties"]?["createdDate"]?.DeepClone() ?? EmulatorWorld.Now();
            props["isDoubleEncryptionEnabled"] ??= true;
        }

        protected override void Prepare(JsonObject candidate)
        {
            base.Prepare(candidate);
            if (candidate["properties"] is JsonObject p) p["lastModifiedDate"] = EmulatorWorld.Now();
        }

        private CmkFailure? KeyFailure(JsonObject body, JsonObject candidate)
        {
            if (!Touches(body, "properties.keyVaultProperties", "identity")) return null;
            if (JsonUtil.Node(candidate, "properties.keyVaultProperties") is not JsonObject kv || string.IsNullOrEmpty(JsonUtil.Str(kv, "keyVaultUri")))
                return null;
            var version = JsonUtil.Str(kv, "keyVersion");
            var key = new KeyReference(JsonUtil.Str(kv, "keyVaultUri") ?? "", JsonUtil.Str(kv, "keyName"), string.IsNullOrEmpty(version) ? null : version);
            var type = JsonUtil.Str(candidate, "identity.type") ?? "None";
            var uai = type.Equals("UserAssigned", System.StringComparison.OrdinalIgnoreCase)
                && JsonUtil.Node(candidate, "identity.userAssignedIdentities") is JsonObject map && map.Count == 1
                ? System.Linq.Enumerable.First(map).Key
                : null;
            var identity = uai != null ? UserIdentity(candidate, uai) : new KeyIdentity(SystemPrincipal(candidate), uai != null);
            return Checker.Check(ServiceErrorTable.LogAnalytics, key, JsonUtil.Str(candidate, "location"), identity);
        }
    }
}
