using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Core.KeyVault
{
    /// <summary>An access policy entry of an access-policy vault (key permissions only: we never touch secrets).</summary>
    public sealed record KeyVaultAccessPolicy(string? TenantId, string? ObjectId, string? ApplicationId, IReadOnlyList<string> KeyPermissions)
    {
        internal static KeyVaultAccessPolicy FromJson(JsonObject json) => new KeyVaultAccessPolicy(
            json.Str("tenantId"), json.Str("objectId"), json.Str("applicationId"), json.Strings("permissions", "keys"));
    }

    /// <summary>properties.networkAcls of a vault or HSM. Null properties mean "not set" (Allow).</summary>
    public sealed record KeyVaultNetworkAcls(string? DefaultAction, string? Bypass, int IpRuleCount, IReadOnlyList<string> VirtualNetworkRuleIds)
    {
        public bool DeniesByDefault => string.Equals(DefaultAction, "Deny", StringComparison.OrdinalIgnoreCase);
        /// <summary>Bypass is a comma-separated flag list ("AzureServices", "None").</summary>
        public bool BypassesAzureServices => (Bypass ?? "").Split(',').Any(b => string.Equals(b.Trim(), "AzureServices", StringComparison.OrdinalIgnoreCase));

        internal static KeyVaultNetworkAcls? FromJson(JsonNode? json) => json is JsonObject o
            ? new KeyVaultNetworkAcls(o.Str("defaultAction"), o.Str("bypass"), o.Objects("ipRules").Count,
                o.Objects("virtualNetworkRules").Select(r => r.Str("id")).Where(id => id != null).Select(id => id!).ToList())
            : null;
    }

    /// <summary>A private endpoint connection listed on the vault (properties.privateEndpointConnections).</summary>
    public sealed record KeyVaultPrivateEndpointConnection(string? Id, string? PrivateEndpointId, string? Status, string? ProvisioningState)
    {
        public bool IsApproved => string.Equals(Status, "Approved", StringComparison.OrdinalIgnoreCase);

        internal static KeyVaultPrivateEndpointConnection FromJson(JsonObject json) => new KeyVaultPrivateEndpointConnection(
            json.Str("id"), json.Str("properties", "privateEndpoint", "id"),
            json.Str("properties", "privateLinkServiceConnectionState", "status"), json.Str("properties", "provisioningState"));
    }

    /// <summary>A key vault or Managed HSM as the management plane returns it (never key material).</summary>
    public sealed class KeyVaultResource
    {
        public KeyVaultResource(string id, string name, KeyVaultKind kind, string? location, string? tenantId,
            bool? enableSoftDelete, bool? enablePurgeProtection, bool? enableRbacAuthorization,
            IReadOnlyList<KeyVaultAccessPolicy> accessPolicies, KeyVaultNetworkAcls? networkAcls, string? publicNetworkAccess,
            IReadOnlyList<KeyVaultPrivateEndpointConnection> privateEndpointConnections, string? vaultUri)
        {
            Id = id; Name = name; Kind = kind; Location = location; TenantId = tenantId;
            EnableSoftDelete = enableSoftDelete; EnablePurgeProtection = enablePurgeProtection;
            EnableRbacAuthorization = enableRbacAuthorization; AccessPolicies = accessPolicies; NetworkAcls = networkAcls;
            PublicNetworkAccess = publicNetworkAccess; PrivateEndpointConnections = privateEndpointConnections; VaultUri = vaultUri;
        }

        public string Id { get; }
        public string Name { get; }
        public KeyVaultKind Kind { get; }
        public string? Location { get; }
        public string? TenantId { get; }
        public bool? EnableSoftDelete { get; }
        public bool? EnablePurgeProtection { get; }
        public bool? EnableRbacAuthorization { get; }
        public IReadOnlyList<KeyVaultAccessPolicy> AccessPolicies { get; }
        public KeyVaultNetworkAcls? NetworkAcls { get; }
        public string? PublicNetworkAccess { get; }
        public IReadOnlyList<KeyVaultPrivateEndpointConnection> PrivateEndpointConnections { get; }
        public string? VaultUri { get; }

        /// <summary>The spec's default for enableSoftDelete is true; only an explicit false turns it off.</summary>
        public bool SoftDeleteEnabled => EnableSoftDelete ?? true;
        public bool PurgeProtectionEnabled => EnablePurgeProtection ?? false;
        /// <summary>
        /// Which permission model decides data access. Managed HSMs use their own local RBAC. For vaults,
        /// the 2026-02-01 spec defaults enableRbacAuthorization to true when absent.
        /// </summary>
        public KeyVaultPermissionModel PermissionModel => Kind == KeyVaultKind.ManagedHsm
            ? KeyVaultPermissionModel.ManagedHsmLocalRbac
            : (EnableRbacAuthorization ?? true) ? KeyVaultPermissionModel.Rbac : KeyVaultPermissionModel.AccessPolicy;

        public static KeyVaultResource FromJson(JsonObject json)
        {
            var id = json.Str("id") ?? throw new ArgumentException("The vault body has no id.", nameof(json));
            var type = json.Str("type") ?? ArmScopes.KeyVaultType;
            var kind = type.EndsWith("managedHSMs", StringComparison.OrdinalIgnoreCase) ? KeyVaultKind.ManagedHsm : KeyVaultKind.Vault;
            var p = json.At("properties");
            return new KeyVaultResource(id, json.Str("name") ?? id.Substring(id.LastIndexOf('/') + 1), kind,
                json.Str("location"), p.Str("tenantId"), p.Bool("enableSoftDelete"), p.Bool("enablePurgeProtection"),
                p.Bool("enableRbacAuthorization"), p.Objects("accessPolicies").Select(KeyVaultAccessPolicy.FromJson).ToList(),
                KeyVaultNetworkAcls.FromJson(p.At("networkAcls")), p.Str("publicNetworkAccess"),
                p.Objects("privateEndpointConnections").Select(KeyVaultPrivateEndpointConnection.FromJson).ToList(),
                p.Str(kind == KeyVaultKind.ManagedHsm ? "hsmUri" : "vaultUri"));
        }
    }

    public enum KeyVaultPermissionModel { AccessPolicy, Rbac, ManagedHsmLocalRbac }

    /// <summary>properties.attributes of a key or key version (epoch seconds on the wire).</summary>
    public sealed record KeyVaultKeyAttributes(bool? Enabled, DateTimeOffset? NotBefore, DateTimeOffset? Expires, string? RecoveryLevel)
    {
        internal static KeyVaultKeyAttributes FromJson(JsonNode? json) => new KeyVaultKeyAttributes(
            json.Bool("enabled"), json.EpochSeconds("nbf"), json.EpochSeconds("exp"), json.Str("recoveryLevel"));
    }

    /// <summary>A key (its current version) or one key version from the management plane.</summary>
    public sealed class KeyVaultKey
    {
        public KeyVaultKey(string id, string name, string? kty, int? keySize, string? curveName, IReadOnlyList<string> keyOps,
            KeyVaultKeyAttributes attributes, string? keyUri, string? keyUriWithVersion)
        {
            Id = id; Name = name; Kty = kty; KeySize = keySize; CurveName = curveName; KeyOps = keyOps;
            Attributes = attributes; KeyUri = keyUri; KeyUriWithVersion = keyUriWithVersion;
        }

        public string Id { get; }
        public string Name { get; }
        public string? Kty { get; }
        public int? KeySize { get; }
        public string? CurveName { get; }
        public IReadOnlyList<string> KeyOps { get; }
        public KeyVaultKeyAttributes Attributes { get; }
        public string? KeyUri { get; }
        public string? KeyUriWithVersion { get; }

        /// <summary>The version this body describes, from keyUriWithVersion.</summary>
        public string? Version => KeyUriWithVersion is null ? null : KeyUriWithVersion.Substring(KeyUriWithVersion.TrimEnd('/').LastIndexOf('/') + 1);

        public static KeyVaultKey FromJson(JsonObject json)
        {
            var id = json.Str("id") ?? throw new ArgumentException("The key body has no id.", nameof(json));
            var p = json.At("properties");
            var size = p.Long("keySize");
            return new KeyVaultKey(id, json.Str("name") ?? id.Substring(id.LastIndexOf('/') + 1), p.Str("kty"),
                size.HasValue ? (int)size.Value : (int?)null, p.Str("curveName"), p.Strings("keyOps"),
                KeyVaultKeyAttributes.FromJson(p.At("attributes")), p.Str("keyUri"), p.Str("keyUriWithVersion"));
        }

        /// <summary>
        /// A version body may omit what only the key body carries (the list-versions example has attributes
        /// and URIs only); fill the gaps from the key.
        /// </summary>
        public KeyVaultKey WithFallback(KeyVaultKey key) => new KeyVaultKey(Id, Name, Kty ?? key.Kty, KeySize ?? key.KeySize,
            CurveName ?? key.CurveName, KeyOps.Count > 0 ? KeyOps : key.KeyOps, Attributes, KeyUri ?? key.KeyUri, KeyUriWithVersion);
    }

    /// <summary>A role assignment (Microsoft.Authorization/roleAssignments).</summary>
    public sealed record RoleAssignment(string? Id, string? Scope, string? RoleDefinitionId, string? PrincipalId, string? Condition)
    {
        public static RoleAssignment FromJson(JsonObject json)
        {
            var p = json.At("properties");
            return new RoleAssignment(json.Str("id"), p.Str("scope"), p.Str("roleDefinitionId"), p.Str("principalId"), p.Str("condition"));
        }
    }

    /// <summary>One permissions[] block of a role definition; notDataActions subtract within the block.</summary>
    public sealed record RolePermission(IReadOnlyList<string> Actions, IReadOnlyList<string> NotActions,
        IReadOnlyList<string> DataActions, IReadOnlyList<string> NotDataActions)
    {
        public static RolePermission FromJson(JsonObject json) => new RolePermission(
            json.Strings("actions"), json.Strings("notActions"), json.Strings("dataActions"), json.Strings("notDataActions"));
    }

    /// <summary>A role definition (Microsoft.Authorization/roleDefinitions).</summary>
    public sealed record RoleDefinition(string? Id, string? RoleName, IReadOnlyList<RolePermission> Permissions)
    {
        public static RoleDefinition FromJson(JsonObject json) => new RoleDefinition(json.Str("id"),
            json.Str("properties", "roleName"), json.Objects("properties", "permissions").Select(RolePermission.FromJson).ToList());
    }

    /// <summary>A user-assigned managed identity (Microsoft.ManagedIdentity/userAssignedIdentities).</summary>
    public sealed record UserAssignedIdentityResource(string Id, string? Name, string? PrincipalId, string? ClientId, string? TenantId, string? Location)
    {
        public static UserAssignedIdentityResource FromJson(JsonObject json) => new UserAssignedIdentityResource(
            json.Str("id") ?? "", json.Str("name"), json.Str("properties", "principalId"), json.Str("properties", "clientId"),
            json.Str("properties", "tenantId"), json.Str("location"));
    }

    /// <summary>A private endpoint (Microsoft.Network/privateEndpoints): where it lives and what it connects to.</summary>
    public sealed record PrivateEndpointResource(string Id, string? SubnetId, IReadOnlyList<string> PrivateLinkServiceIds)
    {
        /// <summary>The virtual network of the subnet: the subnet id without "/subnets/{name}".</summary>
        public string? VirtualNetworkId => VirtualNetworkOf(SubnetId);

        public static string? VirtualNetworkOf(string? subnetId)
        {
            if (subnetId is null) return null;
            var i = subnetId.LastIndexOf("/subnets/", StringComparison.OrdinalIgnoreCase);
            return i > 0 ? subnetId.Substring(0, i) : null;
        }

        public static PrivateEndpointResource FromJson(JsonObject json)
        {
            var p = json.At("properties");
            var links = p.Objects("privateLinkServiceConnections").Concat(p.Objects("manualPrivateLinkServiceConnections"))
                .Select(c => c.Str("properties", "privateLinkServiceId")).Where(s => s != null).Select(s => s!).ToList();
            return new PrivateEndpointResource(json.Str("id") ?? "", p.Str("subnet", "id"), links);
        }
    }
}
