using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure NetApp Files accounts, api-version 2026-01-01: properties.encryption {keySource, keyVaultProperties {keyVaultUri,
    /// keyName, keyVaultResourceId}, identity {userAssignedIdentity, principalId, federatedClientId}}; volumes give the VNet.
    /// The writes (enable, rekey, changeKeyVault) belong to the NetApp lifecycle work (branch services-more / issue 6).
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

        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var chosen = resource.Str("properties", "encryption", "identity", "userAssignedIdentity");
            var identity = FromManagedIdentity(resource, chosen);
            // encryption.identity.principalId is the read-only principal the account actually uses.
            var principal = identity.PrincipalId ?? resource.Str("properties", "encryption", "identity", "principalId");
            return identity with { PrincipalId = principal };
        }

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var encryption = resource.Json.At("properties", "encryption");
            var keySource = encryption.Str("keySource") ?? ServiceKeySource;
            var kv = encryption.At("keyVaultProperties");
            var vaultUri = kv.Str("keyVaultUri");
            var keyName = kv.Str("keyName");
            if (!string.Equals(keySource, CustomerKeySource, StringComparison.OrdinalIgnoreCase) || vaultUri == null || keyName == null)
                return CmkEncryptionState.MicrosoftManaged(keySource);
            var state = new CmkEncryptionState
            {
                CustomerManaged = true,
                KeySource = keySource,
                KeyVaultUri = vaultUri,
                KeyName = keyName,
                KeyUri = vaultUri.TrimEnd('/') + "/keys/" + keyName,
                ServiceStatus = kv.Str("status"),
                Details = new Dictionary<string, string?>
                {
                    ["keyVaultResourceId"] = kv.Str("keyVaultResourceId"),
                    ["encryptionIdentityPrincipalId"] = encryption.Str("identity", "principalId"),
                    ["federatedClientId"] = encryption.Str("identity", "federatedClientId"),
                },
                Notes = new[] { "NetApp Files stores only the key name: it always uses the key's current version." },
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        /// <summary>Every volume's subnetId (delegated to Microsoft.NetApp/volumes), across capacity pools.</summary>
        public override async Task<IReadOnlyList<string>> ReadDelegatedSubnetIdsAsync(KeyVaultReader reader, string resourceId, CancellationToken cancellationToken)
        {
            var pools = await reader.ListAsync(resourceId + "/capacityPools", cancellationToken).ConfigureAwait(false);
            var subnets = new List<string>();
            foreach (var pool in pools)
            {
                var poolId = pool.Str("id");
                if (poolId == null) continue;
                var volumes = await reader.ListAsync(poolId + "/volumes", cancellationToken).ConfigureAwait(false);
                subnets.AddRange(volumes.Select(v => v.Str("properties", "subnetId")).Where(s => s != null).Select(s => s!));
            }
            return subnets.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }

        protected override bool AcceptsFederatedClientId => true;

        protected override string? DisableUnsupportedReason =>
            "an account's encryption key source cannot go back from Microsoft.KeyVault to Microsoft.NetApp (seed 000).";

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
            => throw new NotSupportedException("NetApp Files enable writes are added with the NetApp adapter (branch services-more).");
    }
}
