using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Requirements.Targets
{
    /// <summary>NetApp accounts: identity + properties.encryption.identity.userAssignedIdentity; volumes give the VNet.</summary>
    public sealed class NetAppFilesTarget : CmkServiceTarget
    {
        public override CmkService Service => CmkService.NetAppFiles;
        public override string ResourceType => "Microsoft.NetApp/netAppAccounts";

        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var chosen = resource.Str("properties", "encryption", "identity", "userAssignedIdentity");
            var identity = FromManagedIdentity(resource, chosen);
            // encryption.identity.principalId is the read-only principal the account actually uses.
            var principal = identity.PrincipalId ?? resource.Str("properties", "encryption", "identity", "principalId");
            return identity with { PrincipalId = principal };
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
            return subnets.Distinct(System.StringComparer.OrdinalIgnoreCase).ToList();
        }
    }
}
