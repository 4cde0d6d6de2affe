using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Container registries, api-version 2023-07-01: properties.encryption {status enabled | disabled,
    /// keyVaultProperties {keyIdentifier (versioned or versionless), identity (the client id of the identity), read-only
    /// versionedKeyIdentifier, keyRotationEnabled, lastKeyRotationTimestamp}}.
    /// </summary>
    /// <remarks>
    /// From the customer-managed-keys tutorials (<see cref="RequirementSources.ContainerRegistry"/>,
    /// <see cref="RequirementSources.ContainerRegistryEnable"/>): Premium only; the key can be chosen only when the registry
    /// is created (with a user-assigned identity), so Set on a registry without one is refused with CmkOnlyAtCreation
    /// before any write, and a registry created with a key can change keys or identity later (az acr encryption
    /// rotate-key); encryption cannot be disabled. A versionless key identifier is followed by the registry within an
    /// hour (auto-rotating); a versioned one is rotated by hand. Purge protection is recommended, not required: a
    /// warning. The identity field holds a client id: a user-assigned identity's clientId, or for the system-assigned
    /// identity its principal id (what az acr encryption rotate-key --identity [system] sends).
    /// </remarks>
    public sealed class ContainerRegistryAdapter : CmkServiceAdapter
    {
        public const string OnlyAtCreationId = "CmkOnlyAtCreation";
        public const string IdentityNotAttachedId = "ContainerRegistryIdentityNotAttached";
        public const string Enabled = "enabled";

        public override CmkService Service => CmkService.ContainerRegistry;
        public override string ResourceType => "Microsoft.ContainerRegistry/registries";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.ContainerRegistry,
            DisplayName = "Azure Container Registry",
            SupportedSkus = new[] { "Premium" },
            PurgeProtectionRequired = false,
            PurgeProtectionRecommended = true,
            WhenKeyCanBeSet = "only when the registry is created; a registry created with a key can change keys or identity, never go back",
            Sources = new[] { RequirementSources.ContainerRegistry, RequirementSources.ContainerRegistryEnable, RequirementSources.ContainerRegistrySpec },
            Notes = new[]
            {
                "Premium tier only; customer-managed keys only at registry creation; cannot be disabled (tutorial-customer-managed-keys).",
                "RSA or RSA-HSM (no EC); sizes are not stated: the common 2048+ applies.",
                "Soft delete is on by default and purge protection is recommended, not required: a vault without purge protection is a warning.",
                "get, wrapKey, unwrapKey, or Key Vault Crypto Service Encryption User (tutorial-enable-customer-managed-keys).",
                "A versionless key identifier is followed within an hour (auto-rotation); a versioned one is rotated by hand.",
            },
        };

        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var clientId = resource.Str("properties", "encryption", "keyVaultProperties", "identity");
            if (clientId != null && UserAssignedByClientId(resource, clientId) is { } uai) return FromManagedIdentity(resource, uai);
            return FromManagedIdentity(resource, null);
        }

        private static string? UserAssignedByClientId(JsonObject resource, string clientId)
            => resource.At("identity", "userAssignedIdentities") is JsonObject map
                ? map.FirstOrDefault(p => string.Equals(p.Value.Str("clientId"), clientId, StringComparison.OrdinalIgnoreCase)).Key
                : null;

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var encryption = resource.Json.At("properties", "encryption");
            var status = encryption.Str("status");
            var keyId = encryption.Str("keyVaultProperties", "keyIdentifier");
            var service = resource.Json.Str("properties", "provisioningState");
            if (!string.Equals(status, Enabled, StringComparison.OrdinalIgnoreCase) || keyId == null)
                return CmkEncryptionState.MicrosoftManaged(null) with { ServiceStatus = service };
            var details = new Dictionary<string, string?>
            {
                ["versionedKeyIdentifier"] = encryption.Str("keyVaultProperties", "versionedKeyIdentifier"),
                ["keyRotationEnabled"] = encryption.Bool("keyVaultProperties", "keyRotationEnabled")?.ToString(),
                ["lastKeyRotationTimestamp"] = encryption.Str("keyVaultProperties", "lastKeyRotationTimestamp"),
            };
            var state = CustomerKeyState(keyId, null, service);
            state = state with
            {
                Details = details,
                Notes = state.Key != null && state.KeyVersion == null
                    ? new[] { "The key identifier has no version: the registry moves to a new key version within an hour (auto-rotation)." }
                    : new string[0],
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        /// <summary>
        /// The creation-only rule before anything else: a registry created without a key never gets one. One created with
        /// a key may change it (and its identity), which needs the identity on the registry already: its client id is
        /// what the registry stores.
        /// </summary>
        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            base.ValidateEnable(resource, request);
            if (!ReadState(resource).CustomerManaged)
            {
                throw CmkErrors.Create(OnlyAtCreationId, resource.Id,
                    $"Container registry {resource.Name} was created without a customer-managed key; a key can be set only when a registry is created.");
            }
            if (request.Identity.Type == CmkIdentityType.UserAssigned && ClientIdOf(resource, request.Identity) == null)
            {
                throw CmkErrors.Create(IdentityNotAttachedId, resource.Id,
                    $"User-assigned identity {request.Identity.UserAssignedIdentityId} is not attached to registry {resource.Name}; the registry names the identity for its key by client id.");
            }
        }

        private static string? ClientIdOf(CmkResource resource, CmkIdentitySelection identity)
        {
            if (identity.Type == CmkIdentityType.SystemAssigned) return resource.Json.Str("identity", "principalId");
            return resource.Json.At("identity", "userAssignedIdentities") is JsonObject map
                ? map.FirstOrDefault(p => string.Equals(p.Key, identity.UserAssignedIdentityId, StringComparison.OrdinalIgnoreCase)).Value.Str("clientId")
                : null;
        }

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var key = request.Key;
            // The system identity exists only after its write (PlanIdentity); its principal id then comes with the request.
            var clientId = ClientIdOf(resource, request.Identity) ?? request.PrincipalId;
            var kv = new JsonObject { ["keyIdentifier"] = key.Uri };
            if (clientId != null) kv["identity"] = clientId;
            var body = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["encryption"] = new JsonObject { ["status"] = Enabled, ["keyVaultProperties"] = kv },
                },
            };
            var what = $"encryption with key {key.Uri}" + (key.IsVersioned ? " (versioned: rotated by hand)" : " (versionless: followed within an hour)")
                + $" through the {request.Identity.Type} identity";
            return new[] { ResourceWrite.Patch(resource.Id, body, what) };
        }

        protected override string? DisableUnsupportedReason =>
            "customer-managed key encryption cannot be disabled once a registry has it (tutorial-customer-managed-keys); create a new registry without a key and import the images.";
    }
}
