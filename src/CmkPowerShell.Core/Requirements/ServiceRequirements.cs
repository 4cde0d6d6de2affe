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
        /// <summary>Where the documentation recommends purge protection without requiring it: a vault without it is a warning.</summary>
        public bool PurgeProtectionRecommended { get; init; }
        public bool SameRegionRequired { get; init; }
        /// <summary>The key vault must be in the identity's (the resource's) tenant: the service takes no cross-tenant key.</summary>
        public bool SameTenantRequired { get; init; }
        public IReadOnlyList<CmkIdentityType> SupportedIdentityTypes { get; init; } = new[] { CmkIdentityType.SystemAssigned, CmkIdentityType.UserAssigned };
        public FirewallRule Firewall { get; init; } = FirewallRule.Warn;
        public bool PrivateEndpointRequired { get; init; }
        /// <summary>
        /// The SKUs (tiers) under which the service takes a customer-managed key, where its documentation limits them
        /// (Event Hubs: Premium or Dedicated); null = any SKU.
        /// </summary>
        public IReadOnlyList<string>? SupportedSkus { get; init; }
        /// <summary>When the key can be chosen, in words (creation only, while empty, any time): said by Test and the docs.</summary>
        public string? WhenKeyCanBeSet { get; init; }
        /// <summary>True when the service stores only the key name and always uses the current version.</summary>
        public bool UsesCurrentVersionOnly { get; init; }
        /// <summary>
        /// True when the service takes only a versioned key URL (disk encryption sets' activeKey.keyUrl, SQL server keys):
        /// Set-AzCmkEncryption then resolves a versionless -KeyUri to the key's current version before writing.
        /// </summary>
        public bool RequiresVersionedKey { get; init; }
        /// <summary>The documents these rules come from, main source first.</summary>
        public IReadOnlyList<string> Sources { get; init; } = Array.Empty<string>();
        /// <summary>Why a rule is what it is, where a document and the specs disagree or a rule is inferred.</summary>
        public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

        public bool IsKeySizeAllowed(int size)
            => size >= MinimumKeySize && (AllowedKeySizes == null || AllowedKeySizes.Contains(size));

        public bool IsSkuSupported(string sku)
            => SupportedSkus == null || SupportedSkus.Contains(sku, StringComparer.OrdinalIgnoreCase);

        public string KeySizeRule => AllowedKeySizes == null
            ? $"{MinimumKeySize} bits or larger"
            : string.Join(", ", AllowedKeySizes) + " bits";
    }

    /// <summary>
    /// The generic profile (no target); each service's own profile lives in its adapter
    /// (<see cref="Services.CmkServiceAdapter.Requirements"/>), so this folder holds no per-service rules.
    /// </summary>
    public static class ServiceProfiles
    {
        /// <summary>No target: what every service asks (the common Get + WrapKey + UnwrapKey set).</summary>
        public static ServiceRequirements Generic { get; } = new ServiceRequirements
        {
            DisplayName = "any supported service",
            Sources = new[] { RequirementSources.KeyVaultSpec },
            Notes = new[] { "Without a target the common rules apply: RSA 2048+, soft delete, purge protection, wrapKey+unwrapKey (NetApp Files uses encrypt+decrypt instead)." },
        };

        /// <summary>Every service's profile, from its adapter.</summary>
        public static IReadOnlyList<ServiceRequirements> All => Services.CmkServiceAdapter.All.Select(a => a.Requirements).ToList();

        public static ServiceRequirements For(CmkService service) => Services.CmkServiceAdapter.For(service).Requirements;
    }
}
