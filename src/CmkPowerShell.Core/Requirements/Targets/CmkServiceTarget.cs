using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Requirements.Targets
{
    /// <summary>The identity a resource uses (or will use) for its key, as read from the resource body.</summary>
    public sealed record TargetIdentity(CmkIdentityType? Type, string? PrincipalId, string? TenantId, string? UserAssignedIdentityId)
    {
        public static TargetIdentity None { get; } = new TargetIdentity(null, null, null, null);
    }

    /// <summary>
    /// What the requirement engine needs to know about one service's resources: its resource type, how
    /// to read it and how to find the identity it uses for its key. One subclass per service; the
    /// issue-5 service adapters take these over.
    /// </summary>
    public abstract class CmkServiceTarget
    {
        public abstract CmkService Service { get; }
        /// <summary>The ARM resource type, e.g. "Microsoft.NetApp/netAppAccounts".</summary>
        public abstract string ResourceType { get; }
        /// <summary>A query the GET needs to return the key settings (Data Box: $expand=details).</summary>
        public virtual string? ReadQuery => null;
        public ServiceRequirements Requirements => ServiceProfiles.For(Service);

        /// <summary>The identity the resource uses for its key; <see cref="TargetIdentity.None"/> when it has none yet.</summary>
        public abstract TargetIdentity ReadIdentity(JsonObject resource);

        /// <summary>Subnets the service's data path lives in (NetApp volumes' delegated subnets); empty elsewhere.</summary>
        public virtual Task<IReadOnlyList<string>> ReadDelegatedSubnetIdsAsync(KeyVaultReader reader, string resourceId, CancellationToken cancellationToken)
            => Task.FromResult<IReadOnlyList<string>>(Array.Empty<string>());

        public static IReadOnlyList<CmkServiceTarget> All { get; } = new CmkServiceTarget[]
        {
            new NetAppFilesTarget(), new DataBoxTarget(), new DataExplorerTarget(), new ManagedCassandraTarget(), new BatchTarget(),
        };

        public static CmkServiceTarget For(CmkService service) => All.First(t => t.Service == service);

        /// <summary>The service of a resource type, or null when the module does not handle it.</summary>
        public static CmkServiceTarget? ForResourceType(string? resourceType)
            => All.FirstOrDefault(t => string.Equals(t.ResourceType, resourceType, StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// The shared reading of a ManagedServiceIdentity-shaped "identity": the chosen user-assigned
        /// identity when one is named, else the system-assigned one when enabled.
        /// </summary>
        protected static TargetIdentity FromManagedIdentity(JsonObject resource, string? chosenUserAssignedId)
        {
            var identity = resource.At("identity");
            if (chosenUserAssignedId != null)
            {
                var entry = identity.At("userAssignedIdentities") is JsonObject map
                    ? map.FirstOrDefault(p => string.Equals(p.Key, chosenUserAssignedId, StringComparison.OrdinalIgnoreCase)).Value
                    : null;
                return new TargetIdentity(CmkIdentityType.UserAssigned, entry.Str("principalId"), null, chosenUserAssignedId);
            }
            var type = identity.Str("type") ?? "";
            if (type.IndexOf("SystemAssigned", StringComparison.OrdinalIgnoreCase) >= 0)
                return new TargetIdentity(CmkIdentityType.SystemAssigned, identity.Str("principalId"), identity.Str("tenantId"), null);
            return TargetIdentity.None;
        }

        /// <summary>The only user-assigned identity of a resource, when it has exactly one.</summary>
        protected static string? SoleUserAssignedIdentity(JsonObject resource)
            => resource.At("identity", "userAssignedIdentities") is JsonObject map && map.Count == 1 ? map.First().Key : null;
    }
}
