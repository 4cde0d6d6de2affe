using System;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.Storage storageAccounts (2023-05-01): GET; PUT (StorageAccounts_Create: 202 with Location and no body, the
    /// account appears when the operation ends); PATCH (StorageAccounts_Update: synchronous 200). A key is checked when
    /// encryption.keySource is Microsoft.Keyvault (customer-managed-keys-overview); keySource Microsoft.Storage drops the
    /// key vault properties, as going back to Microsoft-managed keys does. The answer carries the version in use
    /// (currentVersionedKeyIdentifier), which for an empty keyversion is the key's current one.
    /// </summary>
    internal sealed class StorageHandler : ServiceHandlerBase
    {
        // StorageAccounts_Create declares 200 and 202 without a body or final-state option: ARM's Location polling.
        private static readonly WriteShape Create = new(true, 202, AsyncHeader: false, LocationHeader: true);

        public StorageHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.Storage", "storageAccounts") { }

        protected override ArmResult? HandleService(ArmRequest r)
            => HandleTopLevel(r, Create, WriteShape.Synchronous, OnCreate, (body, _, candidate) => KeyFailure(body, candidate));

        private static void OnCreate(JsonObject candidate, JsonObject? existing)
        {
            var props = JsonUtil.Obj(candidate, "properties");
            props["creationTime"] = existing?["properties"]?["creationTime"]?.DeepClone() ?? EmulatorWorld.Now();
            props["primaryLocation"] = JsonUtil.Str(candidate, "location");
            props["statusOfPrimary"] = "available";
            props["encryption"] ??= new JsonObject { ["keySource"] = "Microsoft.Storage" };
        }

        private CmkFailure? KeyFailure(JsonObject body, JsonObject candidate)
        {
            if (JsonUtil.Node(candidate, "properties.encryption") is not JsonObject encryption) return null;
            var keySource = JsonUtil.Str(encryption, "keySource");
            if (!string.Equals(keySource, "Microsoft.Keyvault", StringComparison.OrdinalIgnoreCase))
            {
                encryption.Remove("keyvaultproperties");
                encryption.Remove("identity");
                return null;
            }
            if (!Touches(body, "properties.encryption", "identity")) return null;
            var kv = JsonUtil.Obj(encryption, "keyvaultproperties");
            var version = JsonUtil.Str(kv, "keyversion");
            var key = new KeyReference(JsonUtil.Str(kv, "keyvaulturi") ?? "", JsonUtil.Str(kv, "keyname"), string.IsNullOrEmpty(version) ? null : version);
            var uai = JsonUtil.Str(encryption, "identity.userAssignedIdentity");
            var identity = !string.IsNullOrEmpty(uai) ? UserIdentity(candidate, uai) : new KeyIdentity(SystemPrincipal(candidate), false);
            var failure = Checker.Check(ServiceErrorTable.Storage, key, JsonUtil.Str(candidate, "location"), identity);
            if (failure == null && Checker.VersionInUse(key) is { } inUse)
            {
                kv["currentVersionedKeyIdentifier"] = key.VaultUri.TrimEnd('/') + "/keys/" + key.KeyName + "/" + inUse;
                kv["lastKeyRotationTimestamp"] = EmulatorWorld.Now();
            }
            return failure;
        }
    }
}
