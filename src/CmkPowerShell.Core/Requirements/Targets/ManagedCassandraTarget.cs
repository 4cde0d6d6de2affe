using System.Text.Json.Nodes;

namespace CmkPowerShell.Core.Requirements.Targets
{
    /// <summary>Managed Cassandra clusters: the cluster's identity, SystemAssigned or None.</summary>
    public sealed class ManagedCassandraTarget : CmkServiceTarget
    {
        public override CmkService Service => CmkService.ManagedCassandra;
        public override string ResourceType => "Microsoft.DocumentDB/cassandraClusters";

        public override TargetIdentity ReadIdentity(JsonObject resource) => FromManagedIdentity(resource, null);
    }
}
