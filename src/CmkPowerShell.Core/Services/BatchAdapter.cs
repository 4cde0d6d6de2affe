using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure Batch accounts, api-version 2024-02-01: properties.encryption {keySource Microsoft.Batch | Microsoft.KeyVault,
    /// keyVaultProperties.keyIdentifier}; the account identity must be SystemAssigned (the spec's KeySource description).
    /// </summary>
    /// <remarks>
    /// "CMK only on new accounts": seed 004's FAQ (2020) says customer-managed keys are not supported for existing
    /// accounts, while the same page's procedure creates the account with a system-assigned identity, grants access and
    /// only then updates the account with the key identifier, and the pinned spec's BatchAccountUpdateParameters carries
    /// encryption (and keyIdentifier's description lists the prerequisites as "the Batch Account has a System Assigned
    /// identity" plus key permissions, nothing about the account's age). The rule encoded reconciles the three: the key
    /// may be set by update on an account that already has its system-assigned identity (an account created for CMK, as
    /// the procedure does); the module does not give an existing account a system-assigned identity in order to add a key
    /// (the case the FAQ rules out), and stops with BatchCmkNotSupportedOnExistingAccount before any write instead.
    /// Batch's identity type has no "SystemAssigned, UserAssigned" value either, so adding one would drop any
    /// user-assigned identities the account holds.
    /// </remarks>
    public sealed class BatchAdapter : CmkServiceAdapter
    {
        public override CmkService Service => CmkService.Batch;
        public override string ResourceType => "Microsoft.Batch/batchAccounts";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
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
                "A key is set by update only on an account that already has its system-assigned identity (seed 004 procedure and FAQ; see BatchAdapter).",
            },
        };

        public const string CustomerKeySource = "Microsoft.KeyVault";
        public const string ServiceKeySource = "Microsoft.Batch";

        /// <summary>A UserAssigned-only account is reported as such so that Identity.Type can say Batch needs SystemAssigned.</summary>
        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var type = resource.Str("identity", "type");
            if (!string.Equals(type, "UserAssigned", StringComparison.OrdinalIgnoreCase)) return FromManagedIdentity(resource, null);
            var sole = SoleUserAssignedIdentity(resource);
            return sole != null ? FromManagedIdentity(resource, sole) : new TargetIdentity(CmkIdentityType.UserAssigned, null, null, null);
        }

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var encryption = resource.Json.At("properties", "encryption");
            var keySource = encryption.Str("keySource") ?? ServiceKeySource;
            var status = resource.Json.Str("properties", "provisioningState");
            var keyId = encryption.Str("keyVaultProperties", "keyIdentifier");
            if (!string.Equals(keySource, CustomerKeySource, StringComparison.OrdinalIgnoreCase) || keyId == null)
                return CmkEncryptionState.MicrosoftManaged(keySource) with { ServiceStatus = status };
            var state = CustomerKeyState(keyId, keySource, status);
            state = state with
            {
                Notes = state.Key != null && state.KeyVersion == null
                    ? new[] { "The key identifier has no version: Batch uses the key's current version." }
                    : new string[0],
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            base.ValidateEnable(resource, request);
            if (ReadIdentity(resource.Json).Type != CmkIdentityType.SystemAssigned)
            {
                throw CmkErrors.Create("BatchCmkNotSupportedOnExistingAccount", resource.Id,
                    $"Batch account {resource.Name} has no system-assigned identity; the module does not add one to an existing account to set a key.");
            }
        }

        /// <summary>Batch's identity enum has SystemAssigned, UserAssigned and None only.</summary>
        protected override string? CombinedIdentityType => null;

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var body = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["encryption"] = new JsonObject
                    {
                        ["keySource"] = CustomerKeySource,
                        ["keyVaultProperties"] = new JsonObject { ["keyIdentifier"] = request.Key.Uri },
                    },
                },
            };
            return new[] { ResourceWrite.Patch(resource.Id, body, $"keySource Microsoft.KeyVault with key {request.Key.Uri}") };
        }

        protected override string? DisableUnsupportedReason => null;

        protected override IReadOnlyList<ResourceWrite> BuildDisableWrites(CmkResource resource)
        {
            var body = new JsonObject
            {
                ["properties"] = new JsonObject { ["encryption"] = new JsonObject { ["keySource"] = ServiceKeySource } },
            };
            return new[] { ResourceWrite.Patch(resource.Id, body, "keySource Microsoft.Batch: back to Microsoft-managed keys") };
        }
    }
}
