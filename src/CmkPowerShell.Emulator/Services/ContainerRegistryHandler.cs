using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.ContainerRegistry registries: GET; PUT (Registries_Create) and PATCH (Registries_Update), both long-running
    /// with 201 + Azure-AsyncOperation as the spec declares. Encryption follows the customer-managed-keys tutorials: Premium
    /// only, chosen when the registry is created (an update cannot enable it, nor disable it), the key reached through the
    /// identity whose client id keyVaultProperties.identity names; versionedKeyIdentifier and keyRotationEnabled are the
    /// service's read-only account of the version in use.
    /// </summary>
    internal sealed class ContainerRegistryHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Write = new(true, 201, AsyncHeader: true, LocationHeader: false);

        public ContainerRegistryHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.ContainerRegistry", "registries") { }

        protected override ArmResult? HandleService(ArmRequest r)
            => HandleTopLevel(r, Write, Write, OnCreate, (body, existing, candidate) => Refuse(EncryptionFailure(body, existing, candidate)));

        private static void OnCreate(JsonObject candidate, JsonObject? existing)
        {
            var props = JsonUtil.Obj(candidate, "properties");
            props["loginServer"] = $"{candidate["name"]!.GetValue<string>().ToLowerInvariant()}.azurecr.io";
            props["creationDate"] = existing?["properties"]?["creationDate"]?.DeepClone() ?? EmulatorWorld.Now();
            props["encryption"] ??= new JsonObject { ["status"] = "disabled" };
        }

        /// <summary>
        /// The registry's own rules (tier, creation only, no way back) are request validation: answered 400 at once. What
        /// needs the key vault fails the long-running operation, as the service learns it only then.
        /// </summary>
        private static CmkFailure? Refuse(CmkFailure? failure)
        {
            if (failure?.Check is CmkCheck.SkuNotSupported or CmkCheck.OnlyAtCreation or CmkCheck.CannotDisable)
                throw new ArmException(400, failure.Code, failure.Message);
            return failure;
        }

        private static bool IsEnabled(JsonNode? registry) =>
            string.Equals(JsonUtil.Str(registry, "properties.encryption.status"), "enabled", StringComparison.OrdinalIgnoreCase);

        private CmkFailure? EncryptionFailure(JsonObject body, JsonObject? existing, JsonObject candidate)
        {
            if (!Touches(body, "properties.encryption", "identity", "sku")) return null;
            var table = ServiceErrorTable.ContainerRegistry;
            if (existing != null && IsEnabled(existing) && !IsEnabled(candidate)) return table.Rule(CmkCheck.CannotDisable, "");
            if (!IsEnabled(candidate)) return null;
            if (existing != null && !IsEnabled(existing)) return table.Rule(CmkCheck.OnlyAtCreation, "");
            var sku = JsonUtil.Str(candidate, "sku.name");
            if (!string.Equals(sku, "Premium", StringComparison.OrdinalIgnoreCase)) return table.Rule(CmkCheck.SkuNotSupported, sku ?? "(none)");

            var keyId = JsonUtil.Str(candidate, "properties.encryption.keyVaultProperties.keyIdentifier") ?? "";
            var key = KeyReference.FromKeyIdentifier(keyId);
            var failure = Checker.Check(table, key, JsonUtil.Str(candidate, "location"), IdentityFor(candidate));
            if (failure == null) RecordVersionInUse(candidate, key);
            return failure;
        }

        /// <summary>The identity whose client id the encryption names: a user-assigned one by clientId, or the system one by principal id.</summary>
        private KeyIdentity IdentityFor(JsonObject registry)
        {
            var clientId = JsonUtil.Str(registry, "properties.encryption.keyVaultProperties.identity");
            if (string.IsNullOrEmpty(clientId)) return new KeyIdentity(null, true);
            var system = SystemPrincipal(registry);
            if (string.Equals(system, clientId, StringComparison.OrdinalIgnoreCase)) return new KeyIdentity(system, false);
            var map = JsonUtil.Node(registry, "identity.userAssignedIdentities") as JsonObject;
            var uai = map?.FirstOrDefault(kv => string.Equals(World.Store.Get(kv.Key)?["properties"]?["clientId"]?.GetValue<string>(), clientId,
                StringComparison.OrdinalIgnoreCase)).Key;
            return uai == null ? new KeyIdentity(null, true) : UserIdentity(registry, uai);
        }

        /// <summary>What the registry reports it uses: the versioned identifier, and whether it follows new versions.</summary>
        private void RecordVersionInUse(JsonObject registry, KeyReference key)
        {
            var kv = (JsonObject)JsonUtil.Node(registry, "properties.encryption.keyVaultProperties")!;
            var vaultName = new Uri(key.VaultUri).Host.Split('.')[0];
            var vault = World.Store.Where((id, o) => string.Equals(o["type"]?.GetValue<string>(), KeyVaultModel.VaultType, StringComparison.OrdinalIgnoreCase)
                && string.Equals(o["name"]?.GetValue<string>(), vaultName, StringComparison.OrdinalIgnoreCase)).FirstOrDefault();
            var keyResource = vault == null ? null : World.Store.Get($"{vault["id"]!.GetValue<string>()}/keys/{key.KeyName}");
            var version = key.KeyVersion ?? (keyResource == null ? null : KeyVaultModel.CurrentVersion(keyResource));
            kv["versionedKeyIdentifier"] = $"{key.VaultUri.TrimEnd('/')}/keys/{key.KeyName}/{version}";
            kv["keyRotationEnabled"] = key.KeyVersion == null;
            kv["lastKeyRotationTimestamp"] = EmulatorWorld.Now();
        }
    }
}
