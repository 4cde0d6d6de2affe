using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>Shapes of Key Vault management-plane resources (vaults, keys, key versions) as Azure returns them.</summary>
    internal static class KeyVaultModel
    {
        public const string VaultType = "Microsoft.KeyVault/vaults";
        public const string KeyType = "Microsoft.KeyVault/vaults/keys";
        public const string VersionType = "Microsoft.KeyVault/vaults/keys/versions";
        public const string HsmType = "Microsoft.KeyVault/managedHSMs";

        public static string VaultUri(string vaultName, EmulatedCloud cloud) => $"https://{vaultName.ToLowerInvariant()}.{cloud.KeyVaultDnsSuffix}/";

        /// <summary>The management plane reports key URIs with the explicit :443 port (see the getKey examples).</summary>
        public static string KeyUri(string host, string keyName) => $"https://{host}:443/keys/{keyName}";

        public static bool IsHsm(JsonObject vaultOrHsm) => string.Equals(vaultOrHsm["type"]?.GetValue<string>(), HsmType, StringComparison.OrdinalIgnoreCase);

        /// <summary>"{name}.vault.azure.net" or "{name}.managedhsm.azure.net" in the imitated cloud.</summary>
        public static string Host(JsonObject vaultOrHsm, EmulatedCloud cloud) =>
            $"{vaultOrHsm["name"]!.GetValue<string>().ToLowerInvariant()}.{(IsHsm(vaultOrHsm) ? cloud.ManagedHsmDnsSuffix : cloud.KeyVaultDnsSuffix)}";

        public static string RecoveryLevel(JsonObject vault)
        {
            var p = vault["properties"] as JsonObject;
            bool soft = p?["enableSoftDelete"]?.GetValue<bool>() ?? true;
            bool purge = p?["enablePurgeProtection"]?.GetValue<bool>() ?? false;
            if (!soft) return "Purgeable";
            return purge ? "Recoverable" : "Recoverable+Purgeable";
        }

        /// <summary>Stable 32-hex version names, so scenario files without explicit versions load identically every time.</summary>
        public static string DeterministicVersion(string vaultId, string keyName, int index)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{vaultId.ToLowerInvariant()}|{keyName}|{index}"));
            return Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
        }

        public static string AddVersion(ResourceStore store, string vaultId, string keyName, KeyVersionSpec spec)
        {
            var vault = store.Get(vaultId) ?? throw new ArmException(404, "ResourceNotFound", $"Vault '{vaultId}' was not found.");
            var vaultName = vault["name"]!.GetValue<string>();
            var keyId = ArmId.Normalize(vaultId) + "/keys/" + keyName;
            var existingCount = store.ListChildren(keyId, "versions").Count;
            var version = spec.Version ?? DeterministicVersion(vaultId, keyName, existingCount);
            var now = DateTimeOffset.UtcNow;
            var created = (spec.Created ?? now).ToUnixTimeSeconds();

            var attributes = new JsonObject
            {
                ["enabled"] = spec.Enabled,
                ["created"] = created,
                ["updated"] = created,
                ["recoveryLevel"] = RecoveryLevel(vault),
                ["exportable"] = false,
            };
            if (spec.NotBefore is { } nbf) attributes["nbf"] = nbf.ToUnixTimeSeconds();
            if (spec.Expires is { } exp) attributes["exp"] = exp.ToUnixTimeSeconds();

            var ops = new JsonArray((spec.KeyOps ?? DefaultOps(spec.Kty)).Select(o => (JsonNode?)JsonValue.Create(o)).ToArray());
            var properties = new JsonObject
            {
                ["attributes"] = attributes,
                ["kty"] = spec.Kty,
                ["keyOps"] = ops,
            };
            if (spec.KeySize is { } size && spec.Kty.StartsWith("RSA", StringComparison.OrdinalIgnoreCase)) properties["keySize"] = size;
            if (spec.CurveName != null) properties["curveName"] = spec.CurveName;
            var keyUri = KeyUri(Host(vault, store.Cloud), keyName);
            properties["keyUri"] = keyUri;
            properties["keyUriWithVersion"] = keyUri + "/" + version;

            // Vault keys carry their vault's location; ManagedHsmKey (a proxy resource) has none.
            var location = IsHsm(vault) ? null : vault["location"]?.GetValue<string>();
            var versionResource = new JsonObject
            {
                ["name"] = version,
                ["type"] = IsHsm(vault) ? HsmType + "/keys/versions" : VersionType,
                ["location"] = location,
                ["properties"] = properties.DeepClone(),
            };
            if (location == null) versionResource.Remove("location");
            store.Put(keyId + "/versions/" + version, versionResource);

            var existingKey = store.Get(keyId);
            var keyProps = (JsonObject)properties.DeepClone();
            if (existingKey?["properties"]?["rotationPolicy"] is JsonNode policy) keyProps["rotationPolicy"] = policy.DeepClone();
            var keyResource = new JsonObject
            {
                ["name"] = keyName,
                ["type"] = IsHsm(vault) ? HsmType + "/keys" : KeyType,
                ["location"] = location,
                ["tags"] = existingKey?["tags"]?.DeepClone() ?? new JsonObject(),
                ["properties"] = keyProps,
            };
            if (existingKey?["properties"]?["attributes"]?["created"] is JsonNode firstCreated)
                ((JsonObject)keyProps["attributes"]!)["created"] = firstCreated.DeepClone();
            if (location == null) keyResource.Remove("location");
            ResourceStore.Hidden(keyResource)["currentVersion"] = version;
            store.Put(keyId, keyResource);
            return version;
        }

        public static void SetAttributes(ResourceStore store, string vaultId, string keyName, string version,
            bool? enabled, DateTimeOffset? notBefore, DateTimeOffset? expires)
        {
            var keyId = ArmId.Normalize(vaultId) + "/keys/" + keyName;
            void Apply(JsonObject resource)
            {
                var attributes = (JsonObject)resource["properties"]!["attributes"]!;
                if (enabled is { } e) attributes["enabled"] = e;
                if (notBefore is { } n) attributes["nbf"] = n.ToUnixTimeSeconds();
                if (expires is { } x) attributes["exp"] = x.ToUnixTimeSeconds();
                attributes["updated"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            }
            store.Update(keyId + "/versions/" + version, Apply);
            var key = store.Get(keyId);
            if (key != null && string.Equals(CurrentVersion(key), version, StringComparison.OrdinalIgnoreCase))
                store.Update(keyId, Apply);
        }

        public static string? CurrentVersion(JsonObject key) => key[ResourceStore.HiddenProperty]?["currentVersion"]?.GetValue<string>();

        private static string[] DefaultOps(string kty) =>
            kty.StartsWith("EC", StringComparison.OrdinalIgnoreCase)
                ? new[] { "sign", "verify" }
                : new[] { "encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey" };

        /// <summary>
        /// A Managed HSM as ManagedHsms_Get shapes it (Key Vault 2026-02-01). Soft delete is always on for an HSM; its keys are
        /// authorized by the HSM's local RBAC, which lives in the data plane and is kept here as hidden state.
        /// </summary>
        public static JsonObject NewManagedHsm(string id, string location, string tenantId, JsonObject? properties, EmulatedCloud cloud)
        {
            var parsed = ArmId.Parse(id);
            var props = properties != null ? (JsonObject)properties.DeepClone() : new JsonObject();
            props["tenantId"] ??= tenantId;
            props["initialAdminObjectIds"] ??= new JsonArray();
            props["hsmUri"] = $"https://{parsed.Name!.ToLowerInvariant()}.{cloud.ManagedHsmDnsSuffix}/";
            props["enableSoftDelete"] = true;
            props["softDeleteRetentionInDays"] ??= 90;
            props["publicNetworkAccess"] ??= "Enabled";
            props["provisioningState"] = "Succeeded";
            props["securityDomainProperties"] ??= new JsonObject { ["activationStatus"] = "Active", ["activationStatusMessage"] = "Your HSM has been activated and can be used for cryptographic operations." };
            return new JsonObject
            {
                ["name"] = parsed.Name,
                ["type"] = HsmType,
                ["location"] = location,
                ["tags"] = new JsonObject(),
                ["sku"] = new JsonObject { ["family"] = "B", ["name"] = "Standard_B1" },
                ["properties"] = props,
            };
        }

        public static JsonObject NewVault(string id, string location, string tenantId, JsonObject? properties, EmulatedCloud cloud)
        {
            var parsed = ArmId.Parse(id);
            var props = properties != null ? (JsonObject)properties.DeepClone() : new JsonObject();
            props["tenantId"] ??= tenantId;
            props["sku"] ??= new JsonObject { ["family"] = "A", ["name"] = "standard" };
            props["accessPolicies"] ??= new JsonArray();
            props["enableSoftDelete"] ??= true;
            props["softDeleteRetentionInDays"] ??= 90;
            props["enableRbacAuthorization"] ??= true;
            props["vaultUri"] = VaultUri(parsed.Name!, cloud);
            props["publicNetworkAccess"] ??= "Enabled";
            props["provisioningState"] = "Succeeded";
            props["privateEndpointConnections"] ??= new JsonArray();
            props.Remove("createMode");
            // Azure never reports enablePurgeProtection=false: the property is absent until it is switched on.
            if (props["enablePurgeProtection"] is JsonValue v && v.TryGetValue<bool>(out var purge) && !purge)
                props.Remove("enablePurgeProtection");
            return new JsonObject
            {
                ["name"] = parsed.Name,
                ["type"] = VaultType,
                ["location"] = location,
                ["tags"] = new JsonObject(),
                ["properties"] = props,
            };
        }
    }
}
