using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Recovery Services vaults, api-version 2024-04-01: properties.encryption {keyVaultProperties.keyUri, kekIdentity
    /// {useSystemAssignedIdentity | userAssignedIdentity} (mutually exclusive), infrastructureEncryption}.
    /// </summary>
    /// <remarks>
    /// From encryption-at-rest-with-cmk (<see cref="RequirementSources.RecoveryServicesVault"/>): a key can be set only on a
    /// vault that has never had items protected or registered, so Set refuses a vault that lists protected items
    /// (CmkOnlyOnUnusedVault) before any write (a vault whose items were all removed cannot be recognised from ARM: the
    /// service's own error then says so); a vault with a key may change key or identity; it can never go back to
    /// platform-managed keys. The vault in the same region; soft delete and purge protection; Get, List, Wrap Key,
    /// Unwrap Key; with a user-assigned identity a vault limited to selected networks is not supported. A versionless key
    /// rotates automatically (applied within an hour).
    /// </remarks>
    public sealed class RecoveryServicesVaultAdapter : CmkServiceAdapter
    {
        public const string OnlyOnUnusedVaultId = "CmkOnlyOnUnusedVault";

        public override CmkService Service => CmkService.RecoveryServicesVault;
        public override string ResourceType => "Microsoft.RecoveryServices/vaults";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.RecoveryServicesVault,
            DisplayName = "Azure Backup (Recovery Services vault)",
            Access = new KeyAccessRequirement(new[] { "get", "list", "wrapKey", "unwrapKey" }, KeyAccessRequirement.WrapUnwrap.DataActions),
            SameRegionRequired = true,
            Firewall = FirewallRule.FailWithUserAssignedIdentity,
            WhenKeyCanBeSet = "only on a vault that never had items protected or registered; a vault with a key can change key or identity, never go back",
            Sources = new[] { RequirementSources.RecoveryServicesVault, RequirementSources.RecoveryServicesSpec },
            Notes = new[]
            {
                "Only on a vault that never protected or registered an item; cannot be reverted to platform-managed keys (encryption-at-rest-with-cmk).",
                "RSA keys in the enabled state (the 2021 page: RSA 2048); soft delete and purge protection; key vault in the vault's region.",
                "Get, List, Wrap Key, Unwrap Key; an RBAC role holding them (the page's example is Key Vault Crypto Officer).",
                "With a user-assigned identity, key vaults limited to selected networks are not supported.",
                "A versionless key rotates automatically (up to an hour); keep the old version enabled for one more backup job.",
            },
        };

        /// <summary>The vault and its protected items: whether it ever protected one decides whether a key may be added.</summary>
        public override async Task<CmkResource?> ReadAsync(IAzureResources azure, string resourceId, CancellationToken cancellationToken)
        {
            var vault = await azure.GetAsync(resourceId, cancellationToken).ConfigureAwait(false);
            if (vault == null) return null;
            var items = await azure.ListAsync(resourceId.TrimEnd('/') + "/backupProtectedItems", cancellationToken).ConfigureAwait(false);
            return new CmkResource(resourceId, vault, items);
        }

        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var kek = resource.At("properties", "encryption", "kekIdentity");
            var uai = kek.Bool("useSystemAssignedIdentity") == true ? null : kek.Str("userAssignedIdentity");
            return FromManagedIdentity(resource, uai);
        }

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var encryption = resource.Json.At("properties", "encryption");
            var keyUri = encryption.Str("keyVaultProperties", "keyUri");
            var status = resource.Json.Str("properties", "provisioningState");
            if (keyUri == null) return CmkEncryptionState.MicrosoftManaged(null) with { ServiceStatus = status };
            var state = CustomerKeyState(keyUri, null, status);
            state = state with
            {
                Details = new Dictionary<string, string?> { ["infrastructureEncryption"] = encryption.Str("infrastructureEncryption") },
                Notes = state.Key != null && state.KeyVersion == null
                    ? new[] { "The key URI has no version: the vault moves to new key versions itself (within an hour); keep the old version enabled for one more backup job." }
                    : new string[0],
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            base.ValidateEnable(resource, request);
            if (!ReadState(resource).CustomerManaged && resource.Children.Count > 0)
            {
                var names = string.Join(", ", resource.Children.Take(5).Select(c => c.Str("name")));
                throw CmkErrors.Create(OnlyOnUnusedVaultId, resource.Id,
                    $"Recovery Services vault {resource.Name} protects {resource.Children.Count} item(s) ({names}); a customer-managed key can be set only on a vault that never protected or registered an item.");
            }
        }

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var uai = request.Identity.Type == CmkIdentityType.UserAssigned ? request.Identity.UserAssignedIdentityId : null;
            // The two fields are mutually exclusive (spec): one is set, the other cleared, as PATCH merges.
            var kek = uai != null
                ? new JsonObject { ["useSystemAssignedIdentity"] = false, ["userAssignedIdentity"] = uai }
                : new JsonObject { ["useSystemAssignedIdentity"] = true };
            var body = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["encryption"] = new JsonObject
                    {
                        ["keyVaultProperties"] = new JsonObject { ["keyUri"] = request.Key.Uri },
                        ["kekIdentity"] = kek,
                    },
                },
            };
            var what = $"encryption with key {request.Key.Uri}" + (request.Key.IsVersioned ? "" : " (versionless: rotated by the vault)")
                + (uai != null ? $" through user-assigned identity {uai}" : " through the system-assigned identity");
            return new[] { ResourceWrite.Patch(resource.Id, body, what) };
        }

        protected override string? DisableUnsupportedReason =>
            "a vault's customer-managed key cannot be reverted to platform-managed keys (encryption-at-rest-with-cmk); only the key can be changed.";
    }
}
