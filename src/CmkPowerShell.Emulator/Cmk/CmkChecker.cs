using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>The checks a service runs when pointed at a key, in the order they are run.</summary>
    internal enum CmkCheck
    {
        InvalidUri,
        InvalidScheme,
        InvalidHost,
        VaultNotFound,
        SoftDeleteDisabled,
        PurgeProtectionDisabled,
        RegionMismatch,
        KeyNotFound,
        KeyNotRsa,
        KeyTooSmall,
        KeyDisabled,
        KeyExpired,
        KeyNotActive,
        KeyOperationsMissing,
        SystemIdentityMissing,
        UserIdentityMissing,
        FirewallBlocked,
        NoAccess,
        // Rules on the resource rather than the key, checked by the handlers that have them (never by CmkChecker).
        SkuNotSupported,
        ResourceNotEmpty,
        OnlyAtCreation,
        CannotDisable,
    }

    /// <summary>A key a service is asked to use: vault URI + key name (+ version), or a full key identifier.</summary>
    internal sealed record KeyReference(string VaultUri, string? KeyName, string? KeyVersion)
    {
        /// <summary>Parses "https://{vault}.vault.azure.net/keys/{name}[/{version}]".</summary>
        public static KeyReference FromKeyIdentifier(string keyId)
        {
            if (!Uri.TryCreate(keyId, UriKind.Absolute, out var uri)) return new KeyReference(keyId, null, null);
            var segs = uri.AbsolutePath.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            var vaultUri = $"{uri.Scheme}://{uri.Host}/";
            if (segs.Length < 2 || !segs[0].Equals("keys", StringComparison.OrdinalIgnoreCase)) return new KeyReference(keyId, null, null);
            return new KeyReference(vaultUri, segs[1], segs.Length > 2 ? segs[2] : null);
        }
    }

    /// <summary>Which identity the service uses for the key: its principal, or why there is none.</summary>
    internal sealed record KeyIdentity(string? PrincipalId, bool UserAssigned);

    /// <summary>What a service needs from the key and the vault.</summary>
    internal sealed record ServiceKeyRules(
        bool SameRegion,
        int? MinimumRsaSize,
        string[] AccessPolicyPermissions,
        string[] DataActions,
        string[] KeyOperations,
        bool PrivateEndpointReachesFirewalledVault)
    {
        public static readonly string[] WrapPermissions = { "get", "wrapKey", "unwrapKey" };
        public static readonly string[] WrapDataActions =
            { "Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/wrap/action", "Microsoft.KeyVault/vaults/keys/unwrap/action" };
        public static readonly string[] WrapOps = { "wrapKey", "unwrapKey" };
        public static readonly string[] EncryptPermissions = { "get", "encrypt", "decrypt" };
        public static readonly string[] EncryptDataActions =
            { "Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/encrypt/action", "Microsoft.KeyVault/vaults/keys/decrypt/action" };
        public static readonly string[] EncryptOps = { "encrypt", "decrypt" };
    }

    /// <summary>A failed check with the service's code and message (placeholders filled).</summary>
    internal sealed record CmkFailure(CmkCheck Check, string Code, string Message)
    {
        public (string Code, string Message) AsError => (Code, Message);
    }

    /// <summary>
    /// Runs the documented checks of one service against the store: the vault (found by name from the URI, as Azure
    /// does), its recovery settings and region, the key version's type/size/state/operations, the network path and the
    /// identity's permission in whichever model the vault uses (access policies, or RBAC data actions at the key scope).
    /// </summary>
    internal sealed class CmkChecker
    {
        private readonly EmulatorWorld _world;

        public CmkChecker(EmulatorWorld world) => _world = world;

        public CmkFailure? Check(ServiceErrorTable table, KeyReference key, string? resourceLocation, KeyIdentity identity)
        {
            var failed = FirstFailure(table.Rules, key, resourceLocation, identity);
            return failed == null ? null : table.Failure(failed.Value, key);
        }

        /// <summary>The version a service uses for this key: the one named, or the key's current version; null when not found.</summary>
        public string? VersionInUse(KeyReference key)
        {
            if (!string.IsNullOrEmpty(key.KeyVersion)) return key.KeyVersion;
            var vault = FindVault(key);
            var keyResource = vault == null ? null : _world.Store.Get($"{vault["id"]!.GetValue<string>()}/keys/{key.KeyName}");
            return keyResource == null ? null : KeyVaultModel.CurrentVersion(keyResource);
        }

        private JsonObject? FindVault(KeyReference key)
        {
            if (!Uri.TryCreate(key.VaultUri, UriKind.Absolute, out var uri)) return null;
            var vaultName = uri.Host.Split('.')[0];
            var vaultType = IsManagedHsmHost(uri) ? KeyVaultModel.HsmType : KeyVaultModel.VaultType;
            return _world.Store.Where((id, o) =>
                    string.Equals(o["type"]?.GetValue<string>(), vaultType, StringComparison.OrdinalIgnoreCase) &&
                    string.Equals(o["name"]?.GetValue<string>(), vaultName, StringComparison.OrdinalIgnoreCase))
                .FirstOrDefault();
        }

        private bool IsManagedHsmHost(Uri uri) => uri.Host.EndsWith("." + _world.Store.Cloud.ManagedHsmDnsSuffix, StringComparison.OrdinalIgnoreCase);

        private CmkCheck? FirstFailure(ServiceKeyRules rules, KeyReference key, string? resourceLocation, KeyIdentity identity)
        {
            if (!Uri.TryCreate(key.VaultUri, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(key.KeyName)) return CmkCheck.InvalidUri;
            if (uri.Scheme != Uri.UriSchemeHttps) return CmkCheck.InvalidScheme;
            // Services that take Managed HSM keys are pointed at https://{hsm}.managedhsm.azure.net/ the same way as at a vault.
            bool hsm = IsManagedHsmHost(uri);
            if (!hsm && !uri.Host.EndsWith("." + _world.Store.Cloud.KeyVaultDnsSuffix, StringComparison.OrdinalIgnoreCase)) return CmkCheck.InvalidHost;
            var vault = FindVault(key);
            if (vault == null) return CmkCheck.VaultNotFound;
            var vp = vault["properties"];
            if (JsonUtil.Bool(vp, "enableSoftDelete") == false) return CmkCheck.SoftDeleteDisabled;
            if (JsonUtil.Bool(vp, "enablePurgeProtection") != true) return CmkCheck.PurgeProtectionDisabled;
            if (rules.SameRegion && resourceLocation != null &&
                !Normalize(resourceLocation).Equals(Normalize(vault["location"]?.GetValue<string>() ?? ""), StringComparison.Ordinal))
                return CmkCheck.RegionMismatch;

            var vaultId = vault["id"]!.GetValue<string>();
            var keyId = $"{vaultId}/keys/{key.KeyName}";
            var keyResource = _world.Store.Get(keyId);
            if (keyResource == null) return CmkCheck.KeyNotFound;
            var version = string.IsNullOrEmpty(key.KeyVersion) ? KeyVaultModel.CurrentVersion(keyResource) : key.KeyVersion;
            var versionResource = version == null ? null : _world.Store.Get($"{keyId}/versions/{version}");
            if (versionResource == null) return CmkCheck.KeyNotFound;
            var kp = versionResource["properties"];
            var kty = JsonUtil.Str(kp, "kty") ?? "";
            if (!kty.StartsWith("RSA", StringComparison.OrdinalIgnoreCase)) return CmkCheck.KeyNotRsa;
            if (rules.MinimumRsaSize is { } min && (JsonUtil.Long(kp, "keySize") ?? 0) < min) return CmkCheck.KeyTooSmall;
            if (JsonUtil.Bool(kp, "attributes.enabled") == false) return CmkCheck.KeyDisabled;
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (JsonUtil.Long(kp, "attributes.exp") is { } exp && exp <= now) return CmkCheck.KeyExpired;
            if (JsonUtil.Long(kp, "attributes.nbf") is { } nbf && nbf > now) return CmkCheck.KeyNotActive;
            var ops = (JsonUtil.Node(kp, "keyOps") as JsonArray)?.Select(o => o?.GetValue<string>() ?? "").ToList() ?? new();
            if (!rules.KeyOperations.All(op => ops.Contains(op, StringComparer.OrdinalIgnoreCase))) return CmkCheck.KeyOperationsMissing;

            if (identity.PrincipalId == null) return identity.UserAssigned ? CmkCheck.UserIdentityMissing : CmkCheck.SystemIdentityMissing;

            if (Blocked(vault, rules)) return CmkCheck.FirewallBlocked;
            if (hsm)
                return ManagedHsmLocalRbac.Allows(vault, identity.PrincipalId, key.KeyName!, ManagedHsmLocalRbac.WrapDataActions) ? null : CmkCheck.NoAccess;
            if (!HasAccess(vault, keyId, identity.PrincipalId, rules)) return CmkCheck.NoAccess;
            return null;
        }

        /// <summary>A Deny firewall stops a service unless trusted services may bypass it (or, for NetApp, a private endpoint reaches the vault).</summary>
        private static bool Blocked(JsonObject vault, ServiceKeyRules rules)
        {
            var p = vault["properties"];
            bool publicOff = string.Equals(JsonUtil.Str(p, "publicNetworkAccess"), "Disabled", StringComparison.OrdinalIgnoreCase);
            bool deny = string.Equals(JsonUtil.Str(p, "networkAcls.defaultAction"), "Deny", StringComparison.OrdinalIgnoreCase);
            if (!deny && !publicOff) return false;
            if (!publicOff && string.Equals(JsonUtil.Str(p, "networkAcls.bypass"), "AzureServices", StringComparison.OrdinalIgnoreCase)) return false;
            if (rules.PrivateEndpointReachesFirewalledVault &&
                (JsonUtil.Node(p, "privateEndpointConnections") as JsonArray)?.OfType<JsonObject>()
                .Any(c => string.Equals(JsonUtil.Str(c, "properties.privateLinkServiceConnectionState.status"), "Approved", StringComparison.OrdinalIgnoreCase)) == true)
                return false;
            return true;
        }

        private bool HasAccess(JsonObject vault, string keyId, string principalId, ServiceKeyRules rules)
        {
            if (JsonUtil.Bool(vault["properties"], "enableRbacAuthorization") == true)
                return rules.DataActions.All(a => _world.Rbac.HasDataAction(principalId, a, keyId));
            var policies = (JsonUtil.Node(vault["properties"], "accessPolicies") as JsonArray)?.OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>();
            var granted = policies
                .Where(p => string.Equals(JsonUtil.Str(p, "objectId"), principalId, StringComparison.OrdinalIgnoreCase))
                .SelectMany(p => (JsonUtil.Node(p, "permissions.keys") as JsonArray)?.Select(k => k?.GetValue<string>() ?? "") ?? Enumerable.Empty<string>())
                .ToList();
            if (granted.Contains("all", StringComparer.OrdinalIgnoreCase)) return true;
            return rules.AccessPolicyPermissions.All(p => granted.Contains(p, StringComparer.OrdinalIgnoreCase));
        }

        private static string Normalize(string location) => location.Replace(" ", "").ToLowerInvariant();
    }
}
