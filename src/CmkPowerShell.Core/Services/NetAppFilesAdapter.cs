using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure NetApp Files accounts, api-version 2026-01-01: properties.encryption {keySource, keyVaultProperties {keyVaultUri,
    /// keyName, keyVaultResourceId}, identity {userAssignedIdentity, principalId, federatedClientId}} plus the account
    /// identity. The account is read with its volumes (as children): their key sources and virtual networks decide what
    /// Disable may do and which private endpoints a key vault change needs. The account operations beyond PATCH are in
    /// <see cref="NetAppLifecycle"/>.
    /// </summary>
    public sealed class NetAppFilesAdapter : CmkServiceAdapter
    {
        public override CmkService Service => CmkService.NetAppFiles;
        public override string ResourceType => "Microsoft.NetApp/netAppAccounts";
        public override string? CustomRoleName => "CmkPowerShell NetApp Key Encryption";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
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

        public const string CustomerKeySource = "Microsoft.KeyVault";
        public const string ServiceKeySource = "Microsoft.NetApp";

        public const string CurrentVersionNote = "NetApp Files stores only the key name: it always uses the key's current version.";
        public const string CertificateNote =
            "The account reaches the key with a managed-identity certificate that lives 90 days and can be renewed from day 46 "
            + "(Invoke-AzNetAppRenewCredential); Azure Resource Manager does not expose its dates.";

        /// <summary>Keys of <see cref="CmkEncryptionState.Details"/> (and so of CmkEncryptionStatus.Details).</summary>
        public static class DetailKeys
        {
            public const string KeyVaultResourceId = "keyVaultResourceId";
            public const string EncryptionPrincipalId = "encryptionIdentityPrincipalId";
            public const string IdentityPrincipalId = "identityPrincipalId";
            public const string FederatedClientId = "federatedClientId";
            public const string PrincipalMismatch = "principalMismatch";
            public const string CustomerManagedVolumes = "customerManagedVolumes";
            public const string MicrosoftManagedVolumes = "microsoftManagedVolumes";
            public const string KeyVaultPrivateEndpoints = "keyVaultPrivateEndpoints";
            public const string KeyVaultStatusError = "keyVaultStatusError";
        }

        // ---- reading ----------------------------------------------------------------------------------------------

        /// <summary>The state needs the children <see cref="ReadAsync"/> lists, which a Resource Graph row does not carry.</summary>
        public override bool StateFromResourceGraph => false;

        /// <summary>The account and, as children, every volume of its capacity pools.</summary>
        public override async Task<CmkResource?> ReadAsync(IAzureResources azure, string resourceId, CancellationToken cancellationToken)
        {
            var json = await azure.GetAsync(resourceId, cancellationToken, ReadQuery).ConfigureAwait(false);
            if (json == null) return null;
            var volumes = await NetAppLifecycle.ReadVolumesAsync(p => azure.ListAsync(p, cancellationToken), resourceId).ConfigureAwait(false);
            return new CmkResource(resourceId, json, volumes);
        }

        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var chosen = resource.Str("properties", "encryption", "identity", "userAssignedIdentity");
            var identity = FromManagedIdentity(resource, chosen);
            // encryption.identity.principalId is the read-only principal the account actually uses.
            var principal = identity.PrincipalId ?? resource.Str("properties", "encryption", "identity", "principalId");
            return identity with { PrincipalId = principal };
        }

        public static IReadOnlyList<NetAppVolume> Volumes(CmkResource resource) => resource.Children.Select(NetAppVolume.FromJson).ToList();

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var encryption = resource.Json.At("properties", "encryption");
            var keySource = encryption.Str("keySource") ?? ServiceKeySource;
            var kv = encryption.At("keyVaultProperties");
            var vaultUri = kv.Str("keyVaultUri");
            var keyName = kv.Str("keyName");
            var volumes = Volumes(resource);
            var details = new Dictionary<string, string?>
            {
                [DetailKeys.CustomerManagedVolumes] = string.Join(", ", volumes.Where(v => v.CustomerManaged).Select(v => v.Name)),
                [DetailKeys.MicrosoftManagedVolumes] = string.Join(", ", volumes.Where(v => !v.CustomerManaged).Select(v => v.Name)),
            };
            if (!string.Equals(keySource, CustomerKeySource, StringComparison.OrdinalIgnoreCase) || vaultUri == null || keyName == null)
                return CmkEncryptionState.MicrosoftManaged(keySource) with { Details = details };

            var identity = ReadIdentity(resource.Json);
            var systemPrincipal = resource.Json.Str("identity", "principalId");
            var keyPrincipal = encryption.Str("identity", "principalId");
            var mismatch = NetAppLifecycle.PrincipalsDiffer(resource.Json.Str("identity", "type"), identity.UserAssignedIdentityId, systemPrincipal, keyPrincipal);
            details[DetailKeys.KeyVaultResourceId] = kv.Str("keyVaultResourceId");
            details[DetailKeys.EncryptionPrincipalId] = keyPrincipal;
            details[DetailKeys.IdentityPrincipalId] = systemPrincipal;
            details[DetailKeys.FederatedClientId] = encryption.Str("identity", "federatedClientId");
            details[DetailKeys.PrincipalMismatch] = mismatch ? "True" : "False";
            var notes = new List<string> { CurrentVersionNote, CertificateNote };
            if (mismatch) notes.Add(MismatchMessage(resource.Id, keyPrincipal, systemPrincipal));
            var state = new CmkEncryptionState
            {
                CustomerManaged = true,
                KeySource = keySource,
                KeyVaultUri = vaultUri,
                KeyName = keyName,
                KeyUri = KeyIdentifier.Compose(vaultUri, keyName, null),
                ServiceStatus = kv.Str("status"),
                Details = details,
                Notes = notes,
            };
            return WithIdentity(state, identity);
        }

        private static string MismatchMessage(string accountId, string? keyPrincipal, string? systemPrincipal)
            => $"{accountId}: encryption.identity.principalId ({keyPrincipal}) differs from identity.principalId ({systemPrincipal}); "
               + "NetApp Files may fail to reach the key. Run Invoke-AzNetAppRenewCredential: renewCredentials fixes it.";

        /// <summary>
        /// Get-AzCmkEncryption's view: the state plus POST getKeyVaultStatus (the private endpoint each virtual network uses;
        /// it reads, it changes nothing) and a warning when the key principal differs from the system-assigned identity.
        /// A failed getKeyVaultStatus is a warning and a detail, not a failed Get.
        /// </summary>
        public override async Task<CmkEncryptionState> ReadDetailedStateAsync(IAzureResources azure, CmkResource resource, ICmkHost host,
            CancellationToken cancellationToken)
        {
            var state = ReadState(resource);
            if (!state.CustomerManaged) return state;
            var details = new Dictionary<string, string?>(state.Details.ToDictionary(p => p.Key, p => p.Value));
            try
            {
                var status = await new NetAppLifecycle(azure).GetKeyVaultStatusAsync(resource.Id, cancellationToken).ConfigureAwait(false);
                details[DetailKeys.KeyVaultPrivateEndpoints] = string.Join("; ", status.PrivateEndpoints.Select(e => $"{e.VirtualNetworkId} -> {e.PrivateEndpointId}"));
            }
            catch (CmkException ex) when (!cancellationToken.IsCancellationRequested)
            {
                details[DetailKeys.KeyVaultStatusError] = ex.Message;
                host.WriteWarning($"{resource.Id}: getKeyVaultStatus failed, so the private endpoints in use are unknown: {ex.Message}");
            }
            if (details.TryGetValue(DetailKeys.PrincipalMismatch, out var m) && m == "True")
                host.WriteWarning(MismatchMessage(resource.Id, details[DetailKeys.EncryptionPrincipalId], details[DetailKeys.IdentityPrincipalId]));
            return state with { Details = details };
        }

        /// <summary>Every volume's subnetId (delegated to Microsoft.NetApp/volumes), across capacity pools.</summary>
        public override async Task<IReadOnlyList<string>> ReadDelegatedSubnetIdsAsync(KeyVaultReader reader, string resourceId, CancellationToken cancellationToken)
        {
            var volumes = await NetAppLifecycle.ReadVolumesAsync(p => reader.ListAsync(p, cancellationToken), resourceId).ConfigureAwait(false);
            return volumes.Select(NetAppVolume.FromJson).Select(v => v.SubnetId).Where(s => s != null).Select(s => s!)
                .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }

        // ---- enabling ---------------------------------------------------------------------------------------------

        protected override bool AcceptsFederatedClientId => true;

        private static readonly EncryptionIdentityBlock EncryptionIdentity = new EncryptionIdentityBlock(DetailKeys.FederatedClientId);

        /// <summary>common-types v6 ManagedServiceIdentity spells "both" without a space.</summary>
        protected override string? CombinedIdentityType => "SystemAssigned,UserAssigned";

        /// <summary>
        /// Documented rules, before any write: an account under CMK cannot switch its key identity from user-assigned to
        /// system-assigned (seed 000), and PATCH cannot move it to another vault (changeKeyVault does: Update-AzCmkKeyVersion).
        /// </summary>
        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            ValidateKeyChange(resource, request);
            var state = ReadState(resource);
            if (state.CustomerManaged && state.Key is { } current && !SameVault(current, request.Key))
            {
                throw CmkErrors.Create(KeyVaultChangeNeedsChangeKeyVaultId, resource.Id,
                    $"The account uses vault {current.VaultUri}; {request.Key.VaultUri} is another vault.");
            }
        }

        /// <summary>Another vault is allowed here: <see cref="PlanKeyChangeAsync"/> plans it as changeKeyVault.</summary>
        public override void ValidateKeyChange(CmkResource resource, CmkEnableRequest request)
        {
            base.ValidateEnable(resource, request);
            var state = ReadState(resource);
            if (state.CustomerManaged && state.IdentityType == CmkIdentityType.UserAssigned && request.Identity.Type == CmkIdentityType.SystemAssigned)
            {
                throw CmkErrors.Create("NetAppUserToSystemAssignedNotSupported", resource.Id,
                    $"The account uses user-assigned identity {state.UserAssignedIdentityId} for its key.");
            }
        }

        public const string KeyVaultChangeNeedsChangeKeyVaultId = "NetAppKeyVaultChangeNeedsChangeKeyVault";

        /// <summary>NetApp keeps no version, so a versioned -KeyUri is configured when the key name, vault and identity match.</summary>
        public override bool IsConfigured(CmkResource resource, CmkEnableRequest request)
        {
            var state = ReadState(resource);
            return state.CustomerManaged
                && state.Key is { } current && current.Equals(request.Key.WithVersion(null))
                && state.IdentityType == request.Identity.Type
                && (request.Identity.Type != CmkIdentityType.UserAssigned
                    || string.Equals(state.UserAssignedIdentityId, request.Identity.UserAssignedIdentityId, StringComparison.OrdinalIgnoreCase))
                && (request.FederatedClientId == null
                    || string.Equals(state.Details.TryGetValue(DetailKeys.FederatedClientId, out var f) ? f : null, request.FederatedClientId, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>
        /// One PATCH of properties.encryption (the identity itself is written before, by <see cref="CmkServiceAdapter.PlanIdentity"/>).
        /// On an account already under this vault's key, a different key name is the documented rekey of all its volumes.
        /// </summary>
        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var key = request.Key;
            var encryptionIdentity = EncryptionIdentity.Write(request, resource.Json.At("properties", "encryption", "identity"));

            var encryption = new JsonObject
            {
                ["keySource"] = CustomerKeySource,
                ["keyVaultProperties"] = KeyVaultProperties(key, request.KeyVaultResourceId),
            };
            if (encryptionIdentity != null) encryption["identity"] = encryptionIdentity;
            var body = new JsonObject { ["properties"] = new JsonObject { ["encryption"] = encryption } };

            var rekey = ReadState(resource) is { CustomerManaged: true } state && !string.Equals(state.KeyName, key.Name, StringComparison.OrdinalIgnoreCase);
            var what = rekey
                ? $"rekey every volume of the account from key '{ReadState(resource).KeyName}' to '{key.Name}' ({key.VersionlessUri})"
                : $"use key {key.VersionlessUri}"
                  + (request.Identity.Type == CmkIdentityType.UserAssigned ? $" through user-assigned identity {request.Identity.UserAssignedIdentityId}" : " through the system-assigned identity");
            if (key.IsVersioned) what += " (NetApp Files uses the key's current version; the version given is not stored)";
            return new[] { ResourceWrite.Patch(resource.Id, body, what) };
        }

        private static JsonObject KeyVaultProperties(KeyIdentifier key, string? vaultResourceId)
        {
            var kv = new JsonObject { ["keyVaultUri"] = key.VaultUri, ["keyName"] = key.Name };
            if (vaultResourceId != null) kv["keyVaultResourceId"] = vaultResourceId;
            return kv;
        }

        private static bool SameVault(KeyIdentifier a, KeyIdentifier b) => string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase);

        // ---- disabling --------------------------------------------------------------------------------------------

        protected override string? DisableUnsupportedReason =>
            "NetApp Files documents no way back from Microsoft.KeyVault to Microsoft.NetApp for an account (seed 000; spec 2026-01-01 has no such operation).";

        /// <summary>
        /// Always refused, before any write. With customer-managed-key volumes the reason is the documented rule that a
        /// volume's encryptionKeySource cannot change; without, that no way back is documented.
        /// </summary>
        protected override IReadOnlyList<ResourceWrite> BuildDisableWrites(CmkResource resource)
        {
            var cmkVolumes = Volumes(resource).Where(v => v.CustomerManaged).Select(v => v.Name).ToList();
            if (cmkVolumes.Count > 0)
            {
                throw CmkErrors.Create("NetAppEncryptionKeySourceCannotBeChanged", resource.Id,
                    $"Going back to Microsoft-managed keys would change the key source of volume(s) {string.Join(", ", cmkVolumes)}, which NetApp Files does not allow (seed 000: 'EncryptionKeySource cannot be changed').");
            }
            return base.BuildDisableWrites(resource);
        }

        // ---- changing the key ---------------------------------------------------------------------------------------

        /// <summary>
        /// Same vault: a different key name is the rekey (PATCH keyName); the same key is up to date whatever the version,
        /// because NetApp always uses the current one. Another vault needs changeKeyVault and its private endpoints, which
        /// only <see cref="PlanKeyChangeAsync"/> can find.
        /// </summary>
        public override IReadOnlyList<ResourceWrite> PlanKeyChange(CmkResource resource, KeyIdentifier newKey, CmkKeyChangeOptions options)
        {
            var state = ReadState(resource);
            var current = state.Key;
            if (!state.CustomerManaged || current == null) return base.PlanKeyChange(resource, newKey, options);
            if (!SameVault(current, newKey))
                throw CmkErrors.Create(KeyVaultChangeNeedsChangeKeyVaultId, resource.Id, "The private endpoints of the new vault must be found first (PlanKeyChangeAsync).");
            if (string.Equals(current.Name, newKey.Name, StringComparison.OrdinalIgnoreCase)) return Array.Empty<ResourceWrite>();
            var body = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["encryption"] = new JsonObject
                    {
                        ["keySource"] = CustomerKeySource,
                        ["keyVaultProperties"] = KeyVaultProperties(newKey.WithVersion(null), options.KeyVaultResourceId ?? (state.Details.TryGetValue(DetailKeys.KeyVaultResourceId, out var id) ? id : null)),
                    },
                },
            };
            return new[] { ResourceWrite.Patch(resource.Id, body, $"rekey every volume of the account from key '{current.Name}' to '{newKey.Name}' in the same vault") };
        }

        /// <summary>
        /// Another vault: POST changeKeyVault {keyVaultUri, keyName, keyVaultResourceId, keyVaultPrivateEndpoints}, with the new
        /// vault's approved private endpoint in each virtual network that has customer-managed-key volumes (spec 2026-01-01:
        /// every such network needs its own). A network without one fails with KeyVaultPrivateEndpointMissing before any write.
        /// </summary>
        public override async Task<IReadOnlyList<ResourceWrite>> PlanKeyChangeAsync(IAzureResources azure, CmkResource resource, KeyIdentifier newKey,
            CmkKeyChangeOptions options, CancellationToken cancellationToken)
        {
            var state = ReadState(resource);
            if (!state.CustomerManaged || state.Key == null || SameVault(state.Key, newKey)) return PlanKeyChange(resource, newKey, options);
            var vaultId = options.KeyVaultResourceId
                ?? (await new KeyVaultReader(azure).FindVaultAsync(newKey, cancellationToken).ConfigureAwait(false))?.Id
                ?? throw CmkErrors.Create("KeyVaultNotFound", newKey.VaultUri, $"No key vault named '{newKey.VaultName}' is visible in the subscription.");
            var volumes = Volumes(resource);
            var vnets = volumes.Where(v => v.CustomerManaged && v.VirtualNetworkId != null).Select(v => v.VirtualNetworkId!).ToList();
            var delegated = volumes.Select(v => v.SubnetId).Where(s => s != null).Select(s => s!).ToList();
            var endpoints = await new NetAppLifecycle(azure).FindPrivateEndpointsAsync(vaultId, vnets, delegated, resource.Id, cancellationToken).ConfigureAwait(false);
            var body = new JsonObject
            {
                ["keyVaultUri"] = newKey.VaultUri,
                ["keyName"] = newKey.Name,
                ["keyVaultResourceId"] = vaultId,
                ["keyVaultPrivateEndpoints"] = new JsonArray(endpoints.Select(e => (JsonNode?)e.ToJson()).ToArray()),
            };
            var through = endpoints.Count == 0 ? "no customer-managed-key volumes yet" : "private endpoint(s) " + string.Join(", ", endpoints);
            return new[]
            {
                ResourceWrite.Post(resource.Id.TrimEnd('/') + "/changeKeyVault", body,
                    $"move the account and its volumes from vault {state.Key.VaultUri} to key '{newKey.Name}' of vault {newKey.VaultUri} (changeKeyVault; {through})"),
            };
        }
    }
}
