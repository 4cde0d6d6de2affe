using System;
using System.Collections.Generic;
using System.Linq;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Requirements
{
    /// <summary>
    /// What one service requires of its key, vault and identity. The service adapters expose these
    /// profiles; the requirement engine reads them and nothing else service-specific.
    /// </summary>
    public sealed record ServiceRequirements
    {
        public CmkService? Service { get; init; }
        public string DisplayName { get; init; } = "";
        /// <summary>Access-policy key permissions and RBAC data actions the identity needs.</summary>
        public KeyAccessRequirement Access { get; init; } = KeyAccessRequirement.WrapUnwrap;
        /// <summary>Operations the key itself must permit (properties.keyOps).</summary>
        public IReadOnlyList<string> KeyOperations { get; init; } = new[] { "wrapKey", "unwrapKey" };
        public IReadOnlyList<string> AllowedKeyTypes { get; init; } = new[] { "RSA", "RSA-HSM" };
        public int MinimumKeySize { get; init; } = 2048;
        /// <summary>The only sizes the service accepts, where its documentation narrows them; null = any from the minimum.</summary>
        public IReadOnlyList<int>? AllowedKeySizes { get; init; }
        public bool SoftDeleteRequired { get; init; } = true;
        public bool PurgeProtectionRequired { get; init; } = true;
        public bool SameRegionRequired { get; init; }
        public IReadOnlyList<CmkIdentityType> SupportedIdentityTypes { get; init; } = new[] { CmkIdentityType.SystemAssigned, CmkIdentityType.UserAssigned };
        public FirewallRule Firewall { get; init; } = FirewallRule.Warn;
        public bool PrivateEndpointRequired { get; init; }
        /// <summary>True when the service stores only the key name and always uses the current version.</summary>
        public bool UsesCurrentVersionOnly { get; init; }
        /// <summary>The documents these rules come from, main source first.</summary>
        public IReadOnlyList<string> Sources { get; init; } = Array.Empty<string>();
        /// <summary>Why a rule is what it is, where a document and the specs disagree or a rule is inferred.</summary>
        public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

        public bool IsKeySizeAllowed(int size)
            => size >= MinimumKeySize && (AllowedKeySizes == null || AllowedKeySizes.Contains(size));

        public string KeySizeRule => AllowedKeySizes == null
            ? $"{MinimumKeySize} bits or larger"
            : string.Join(", ", AllowedKeySizes) + " bits";
    }

    /// <summary>The five service profiles, and the generic one used when no target is given.</summary>
    public static class ServiceProfiles
    {
        /// <summary>No target: what every service asks (the common Get + WrapKey + UnwrapKey set).</summary>
        public static ServiceRequirements Generic { get; } = new ServiceRequirements
        {
            DisplayName = "any supported service",
            Sources = new[] { RequirementSources.KeyVaultSpec },
            Notes = new[] { "Without a target the common rules apply: RSA 2048+, soft delete, purge protection, wrapKey+unwrapKey (NetApp Files uses encrypt+decrypt instead)." },
        };

        public static ServiceRequirements NetAppFiles { get; } = new ServiceRequirements
        {
            Service = CmkService.NetAppFiles,
            DisplayName = "Azure NetApp Files",
            Access = KeyAccessRequirement.EncryptDecrypt,
            KeyOperations = new[] { "encrypt", "decrypt" },
            SameRegionRequired = true,
            Firewall = FirewallRule.PrivateEndpoint,
            PrivateEndpointRequired = true,
            UsesCurrentVersionOnly = true,
            Sources = new[] { RequirementSources.NetAppFiles, RequirementSources.NetAppSpec },
            Notes = new[]
            {
                "Key must be RSA; vault needs soft delete + purge protection and a private endpoint in the volumes' VNet, outside the delegated subnet (seed 000, Requirements).",
                "Access policy Get, Encrypt, Decrypt; RBAC keys/read + encrypt/action + decrypt/action (seed 000).",
                "'Account must be in the same region as the Vault' (seed 000, error table).",
                "keyVaultProperties holds keyVaultUri + keyName only, so the current key version is always used (spec 2026-01-01).",
            },
        };

        public static ServiceRequirements DataBox { get; } = new ServiceRequirements
        {
            Service = CmkService.DataBox,
            DisplayName = "Azure Data Box",
            Firewall = FirewallRule.FailWithUserAssignedIdentity,
            Sources = new[] { RequirementSources.DataBox },
            Notes = new[]
            {
                "RSA key of 2048 or larger; soft delete and purge protection; Get, UnwrapKey, WrapKey (seed 001, Requirements).",
                "SsemUserErrorKeyVaultBadRequestException: with the vault firewall enabled, switch to a system-assigned identity (seed 001).",
            },
        };

        public static ServiceRequirements DataExplorer { get; } = new ServiceRequirements
        {
            Service = CmkService.DataExplorer,
            DisplayName = "Azure Data Explorer",
            AllowedKeySizes = new[] { 2048, 3072, 4096 },
            SameRegionRequired = true,
            Sources = new[] { RequirementSources.DataExplorer, RequirementSources.DataExplorerCurrentDocs, RequirementSources.KustoSpec },
            Notes = new[]
            {
                "Cluster and key vault must be in the same region; soft delete and purge protection (seed 002).",
                "Seed 002 (2020) says 'Only RSA keys and key size 2048'; the current page allows RSA and RSA-HSM of 2048, 3072 and 4096, which is encoded.",
                "Seed 002 says system-assigned only (KeyVaultPropertiesOnlyForSystemAssignedResources); spec 2023-08-15 has keyVaultProperties.userIdentity and the current page allows both: both are accepted.",
            },
        };

        public static ServiceRequirements ManagedCassandra { get; } = new ServiceRequirements
        {
            Service = CmkService.ManagedCassandra,
            DisplayName = "Azure Managed Instance for Apache Cassandra",
            SupportedIdentityTypes = new[] { CmkIdentityType.SystemAssigned },
            Sources = new[] { RequirementSources.ManagedCassandra, RequirementSources.CassandraSpec },
            Notes = new[]
            {
                "Cluster identity is SystemAssigned or None (spec 2025-10-15 ManagedCassandraManagedServiceIdentity).",
                "Key permissions get, wrap, unwrap; purge protection required or data center deployments fail (seed 003). No key size rule is documented: the common 2048+ applies.",
            },
        };

        public static ServiceRequirements Batch { get; } = new ServiceRequirements
        {
            Service = CmkService.Batch,
            DisplayName = "Azure Batch",
            SupportedIdentityTypes = new[] { CmkIdentityType.SystemAssigned },
            Sources = new[] { RequirementSources.Batch, RequirementSources.BatchSpec },
            Notes = new[]
            {
                "Soft delete + purge protection; Get, Wrap, Unwrap; key permitted operations Wrap Key + Unwrap Key (seed 004).",
                "Seed 004 generates an RSA 2048 key but states no size limit: the common 2048+ applies.",
                "keySource Microsoft.KeyVault requires the account identity to be SystemAssigned (spec 2024-02-01 KeySource and KeyVaultProperties).",
            },
        };

        public static IReadOnlyList<ServiceRequirements> All { get; } = new[] { NetAppFiles, DataBox, DataExplorer, ManagedCassandra, Batch };

        public static ServiceRequirements For(CmkService service) => All.First(p => p.Service == service);
    }
}
