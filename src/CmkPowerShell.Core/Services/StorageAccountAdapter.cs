using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure Storage accounts, api-version 2023-05-01: properties.encryption {keySource Microsoft.Keyvault,
    /// keyvaultproperties {keyvaulturi, keyname, keyversion}, identity {userAssignedIdentity, federatedIdentityClientId}},
    /// written by StorageAccounts_Update (PATCH, synchronous). An empty keyversion is automatic version updates; keySource
    /// Microsoft.Storage is back to Microsoft-managed keys.
    /// </summary>
    /// <remarks>
    /// The module enables keys on existing accounts, where the documentation allows a system- or a user-assigned identity
    /// (customer-managed-keys-configure-existing-account); the "user-assigned only" rule applies to CMK set while the
    /// account is being created, which the module does not do. A cross-tenant key needs a user-assigned identity plus the
    /// multi-tenant application's client id (federatedIdentityClientId); a system-assigned identity cannot be federated.
    /// </remarks>
    public sealed class StorageAccountAdapter : CmkServiceAdapter
    {
        public const string OverviewDocs = "https://learn.microsoft.com/azure/storage/common/customer-managed-keys-overview";
        public const string ExistingAccountDocs = "https://learn.microsoft.com/azure/storage/common/customer-managed-keys-configure-existing-account";
        public const string TrustedServicesDocs = "https://learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints";
        public const string Spec = "azure-specs/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/storage.json";

        public override CmkService Service => CmkService.StorageAccount;
        public override string ResourceType => "Microsoft.Storage/storageAccounts";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.StorageAccount,
            DisplayName = "Azure Storage",
            AllowedKeySizes = new[] { 2048, 3072, 4096 },
            Sources = new[] { OverviewDocs, ExistingAccountDocs, TrustedServicesDocs, Spec },
            Notes = new[]
            {
                "RSA or RSA-HSM keys of 2048, 3072 or 4096 bits; soft delete and purge protection; Get, WrapKey, UnwrapKey or Key Vault Crypto Service Encryption User (overview).",
                "The vault may be in another region, subscription or tenant (overview); Azure Storage is a trusted service for the vault firewall (Key Vault trusted services list).",
                "An existing account may use its system- or a user-assigned identity (configure-existing-account); CMK set at account creation needs a user-assigned identity, which the module does not do.",
                "An empty key version makes Storage check the vault daily and move to the newest version (auto-rotation); a pinned version stays until the account is updated (overview).",
                "Back to Microsoft-managed keys at any time: keySource Microsoft.Storage (overview; spec StorageAccountUpdate example).",
                "Managed HSM keys are supported for new and existing accounts (overview).",
            },
        };

        public const string CustomerKeySource = "Microsoft.Keyvault";
        public const string ServiceKeySource = "Microsoft.Storage";

        public static class DetailKeys
        {
            public const string FederatedIdentityClientId = "federatedIdentityClientId";
            public const string CurrentVersionedKeyIdentifier = "currentVersionedKeyIdentifier";
            public const string LastKeyRotationTimestamp = "lastKeyRotationTimestamp";
        }

        private static readonly KeyVaultPropertiesBlock Block = new KeyVaultPropertiesBlock("keyvaulturi", "keyname", "keyversion");
        private static readonly EncryptionIdentityBlock EncryptionIdentity = new EncryptionIdentityBlock(DetailKeys.FederatedIdentityClientId);

        private static JsonNode? Encryption(JsonObject account) => account.At("properties", "encryption");

        public override TargetIdentity ReadIdentity(JsonObject resource)
            => FromManagedIdentity(resource, EncryptionIdentityBlock.UserAssignedIdentity(Encryption(resource).At("identity")));

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var encryption = Encryption(resource.Json);
            var keySource = encryption.Str("keySource") ?? ServiceKeySource;
            var status = resource.Json.Str("properties", "provisioningState");
            var kv = encryption.At("keyvaultproperties");
            if (!string.Equals(keySource, CustomerKeySource, StringComparison.OrdinalIgnoreCase) || Block.Read(kv) == null)
                return CmkEncryptionState.MicrosoftManaged(keySource) with { ServiceStatus = status };
            var state = Block.State(kv, DisplayName, keySource) with
            {
                ServiceStatus = status,
                Details = new Dictionary<string, string?>
                {
                    [DetailKeys.CurrentVersionedKeyIdentifier] = kv.Str("currentVersionedKeyIdentifier"),
                    [DetailKeys.LastKeyRotationTimestamp] = kv.Str("lastKeyRotationTimestamp"),
                    [DetailKeys.FederatedIdentityClientId] = EncryptionIdentity.FederatedClientId(encryption.At("identity")),
                },
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        protected override bool AcceptsFederatedClientId => true;

        /// <summary>Storage's Identity enum spells "both" without a space.</summary>
        protected override string? CombinedIdentityType => "SystemAssigned,UserAssigned";

        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            base.ValidateEnable(resource, request);
            RequireUserAssignedForFederation(resource, request);
        }

        public override bool IsConfigured(CmkResource resource, CmkEnableRequest request)
            => base.IsConfigured(resource, request)
               && EncryptionIdentity.HasFederatedClientId(Encryption(resource.Json).At("identity"), request.FederatedClientId);

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var encryption = new JsonObject
            {
                ["keySource"] = CustomerKeySource,
                ["keyvaultproperties"] = Block.Write(request.Key),
            };
            if (EncryptionIdentity.Write(request, Encryption(resource.Json).At("identity")) is { } identity) encryption["identity"] = identity;
            var body = new JsonObject { ["properties"] = new JsonObject { ["encryption"] = encryption } };
            var what = $"keySource {CustomerKeySource}: " + KeyVaultPropertiesBlock.Describe(request.Key)
                + (request.Identity.Type == CmkIdentityType.UserAssigned
                    ? $" through user-assigned identity {request.Identity.UserAssignedIdentityId}" + (request.FederatedClientId != null ? $" (cross-tenant application {request.FederatedClientId})" : "")
                    : " through the system-assigned identity");
            return new[] { ResourceWrite.Patch(resource.Id, body, what) };
        }

        protected override string? DisableUnsupportedReason => null;

        protected override IReadOnlyList<ResourceWrite> BuildDisableWrites(CmkResource resource)
        {
            var body = new JsonObject
            {
                ["properties"] = new JsonObject { ["encryption"] = new JsonObject { ["keySource"] = ServiceKeySource } },
            };
            return new[] { ResourceWrite.Patch(resource.Id, body, $"keySource {ServiceKeySource}: back to Microsoft-managed keys") };
        }
    }
}
