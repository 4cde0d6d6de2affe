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
        {
            if (r.Id.Segments.Count != 1 || r.Id.EndsWithType) return null;
            if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(World.Require(r.Id)));
            if (r.IsPut)
            {
                var existing = World.Store.Get(r.Id.ItemPath);
                var candidate = CreateCandidate(r, existing);
                var props = JsonUtil.Obj(candidate, "properties");
                props["creationTime"] = existing?["properties"]?["creationTime"]?.DeepClone() ?? EmulatorWorld.Now();
                props["primaryLocation"] = JsonUtil.Str(candidate, "location");
                props["statusOfPrimary"] = "available";
                props["encryption"] ??= new JsonObject { ["keySource"] = "Microsoft.Storage" };
                return Complete(r, candidate, KeyFailure(r.BodyObject, candidate), Create);
            }
            if (r.IsPatch)
            {
                var existing = World.Require(r.Id);
                var candidate = Candidate(existing, r.BodyObject);
                return Complete(r, candidate, KeyFailure(r.BodyObject, candidate), WriteShape.Synchronous);
            }
            return null;
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
