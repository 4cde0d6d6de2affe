using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Disk encryption sets, api-version 2023-10-02: the set is the customer key holder for the managed disks, snapshots
    /// and images that name it. properties.activeKey {keyUrl (always versioned), sourceVault.id}, rotationToLatestKeyVersionEnabled,
    /// federatedClientId; written by DiskEncryptionSets_Update (PATCH, long-running). Get also counts the resources that use
    /// the set (DiskEncryptionSets_ListAssociatedResources).
    /// </summary>
    /// <remarks>
    /// A set has no "off" switch: there is no Microsoft-managed state for it to go back to. Disks leave customer-managed
    /// keys through Disks_Update (their own encryption type), and a disk with incremental snapshots can never leave them
    /// (disk-encryption restrictions), so Disable is refused with that reason before any write.
    /// </remarks>
    public sealed class DiskEncryptionSetAdapter : CmkServiceAdapter
    {
        public const string OverviewDocs = "https://learn.microsoft.com/azure/virtual-machines/disk-encryption";
        public const string PowerShellDocs = "https://learn.microsoft.com/azure/virtual-machines/windows/disks-enable-customer-managed-keys-powershell";
        public const string Spec = "azure-specs/compute/resource-manager/Microsoft.Compute/DiskRP/stable/2023-10-02/diskEncryptionSet.json";

        public override CmkService Service => CmkService.DiskEncryptionSet;
        public override string ResourceType => "Microsoft.Compute/diskEncryptionSets";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.DiskEncryptionSet,
            DisplayName = "Disk encryption set",
            AllowedKeySizes = new[] { 2048, 3072, 4096 },
            SameRegionRequired = true,
            RequiresVersionedKey = true,
            SupportedIdentityTypes = new[] { CmkIdentityType.SystemAssigned },
            Sources = new[] { OverviewDocs, PowerShellDocs, Spec },
            Notes = new[]
            {
                "Software or HSM RSA keys of 2048, 3072 or 4096 bits only (disk-encryption, restrictions).",
                "Purge protection is mandatory, soft delete with it (disks-enable-customer-managed-keys-powershell).",
                "The vault may be in another subscription but must be in the set's region (disk-encryption, restrictions).",
                "Creating a set creates its system-assigned identity, which is granted wrapkey, unwrapkey and get; user-assigned identities are a preview for Ultra Disks and Premium SSD v2 only, and the spec accepts only SystemAssigned for new sets: system-assigned only here.",
                "activeKey.keyUrl always carries a version, even with rotationToLatestKeyVersionEnabled; sourceVault cannot be used for a vault in another subscription (spec 2023-10-02). A versionless -KeyUri is resolved to the key's current version.",
                "rotationToLatestKeyVersionEnabled (-AutoRotate) moves every disk, snapshot and image of the set to a new key version within an hour (disk-encryption).",
                "No way back to platform-managed keys for the set itself; disks with incremental snapshots keep customer-managed keys for good (disk-encryption, restrictions).",
                "Managed HSM keys are supported (disk-encryption).",
            },
        };

        public static class DetailKeys
        {
            public const string EncryptionType = "encryptionType";
            public const string SourceVault = "sourceVault";
            public const string RotationToLatestKeyVersionEnabled = "rotationToLatestKeyVersionEnabled";
            public const string AssociatedResources = "associatedResources";
            public const string AutoKeyRotationError = "autoKeyRotationError";
            public const string FederatedClientId = "federatedClientId";
        }

        public override TargetIdentity ReadIdentity(JsonObject resource) => FromManagedIdentity(resource, null);

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var p = resource.Json.At("properties");
            var keyUrl = p.Str("activeKey", "keyUrl");
            var status = p.Str("provisioningState");
            var encryptionType = p.Str("encryptionType");
            if (keyUrl == null) return CmkEncryptionState.MicrosoftManaged(encryptionType) with { ServiceStatus = status };
            KeyIdentifier.TryParse(keyUrl, out var key);
            var rotates = p.Bool("rotationToLatestKeyVersionEnabled") == true;
            var rotationError = p.Str("autoKeyRotationError", "message") ?? p.Str("autoKeyRotationError", "code");
            var notes = new List<string>();
            if (rotates) notes.Add("rotationToLatestKeyVersionEnabled: the set moves its disks to a new key version within an hour of its creation.");
            if (rotationError != null) notes.Add($"Automatic rotation failed and is not retried until fixed: {rotationError}");
            var state = new CmkEncryptionState
            {
                CustomerManaged = true,
                KeySource = encryptionType,
                KeyUri = keyUrl,
                KeyVaultUri = key?.VaultUri,
                KeyName = key?.Name,
                KeyVersion = key?.Version,
                ServiceStatus = status,
                ServiceRotatesKey = rotates,
                Notes = notes,
                Details = new Dictionary<string, string?>
                {
                    [DetailKeys.EncryptionType] = encryptionType,
                    [DetailKeys.SourceVault] = p.Str("activeKey", "sourceVault", "id"),
                    [DetailKeys.RotationToLatestKeyVersionEnabled] = rotates ? "true" : "false",
                    [DetailKeys.AutoKeyRotationError] = rotationError,
                    [DetailKeys.FederatedClientId] = p.Str("federatedClientId"),
                },
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        /// <summary>Get-AzCmkEncryption also says how many disks, snapshots and images use the set (first page of the list).</summary>
        public override async Task<CmkEncryptionState> ReadDetailedStateAsync(IAzureResources azure, CmkResource resource, ICmkHost host,
            CancellationToken cancellationToken)
        {
            var state = ReadState(resource);
            var list = await azure.GetAsync(resource.Id + "/associatedResources", cancellationToken).ConfigureAwait(false);
            if (!(list.At("value") is JsonArray uris)) return state;
            var details = state.Details.ToDictionary(p => p.Key, p => p.Value);
            details[DetailKeys.AssociatedResources] = uris.Count + (list.Str("nextLink") != null ? "+" : "");
            return state with { Details = details };
        }

        protected override bool AcceptsFederatedClientId => true;
        protected override bool AcceptsAutoRotate => true;

        public override bool IsConfigured(CmkResource resource, CmkEnableRequest request)
        {
            var state = ReadState(resource);
            return base.IsConfigured(resource, request)
                && (request.AutoRotate == null || request.AutoRotate == state.ServiceRotatesKey)
                && (request.FederatedClientId == null
                    || string.Equals(state.Details.TryGetValue(DetailKeys.FederatedClientId, out var f) ? f : null, request.FederatedClientId, StringComparison.OrdinalIgnoreCase));
        }

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var activeKey = new JsonObject { ["keyUrl"] = request.Key.Uri };
            // sourceVault names the vault for the service, but the spec says it cannot be used for a vault in another subscription.
            if (request.KeyVaultResourceId != null && SameSubscription(request.KeyVaultResourceId, resource.Id))
                activeKey["sourceVault"] = new JsonObject { ["id"] = request.KeyVaultResourceId };
            var properties = new JsonObject { ["activeKey"] = activeKey };
            if (request.AutoRotate != null) properties["rotationToLatestKeyVersionEnabled"] = request.AutoRotate.Value;
            if (request.FederatedClientId != null) properties["federatedClientId"] = request.FederatedClientId;
            var what = $"activeKey {request.Key.Uri}"
                + (request.AutoRotate == true ? ", rotation to the latest key version on" : request.AutoRotate == false ? ", rotation to the latest key version off" : "");
            return new[] { ResourceWrite.Patch(resource.Id, new JsonObject { ["properties"] = properties }, what) };
        }

        private static bool SameSubscription(string a, string b)
            => string.Equals(ArmScopes.ParseResourceId(a).SubscriptionId, ArmScopes.ParseResourceId(b).SubscriptionId, StringComparison.OrdinalIgnoreCase);

        protected override string? DisableUnsupportedReason =>
            "a disk encryption set is itself the holder of the customer-managed key and has no Microsoft-managed state. Move its disks to platform-managed keys (Disks_Update, encryption type EncryptionAtRestWithPlatformKey; not for disks with incremental snapshots, which keep customer-managed keys for good) or delete the set once nothing uses it.";
    }
}
