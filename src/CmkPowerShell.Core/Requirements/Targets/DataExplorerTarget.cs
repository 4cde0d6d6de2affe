using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Requirements.Targets
{
    /// <summary>Kusto clusters: identity + properties.keyVaultProperties.userIdentity (empty means system-assigned).</summary>
    public sealed class DataExplorerTarget : CmkServiceTarget
    {
        public override CmkService Service => CmkService.DataExplorer;
        public override string ResourceType => "Microsoft.Kusto/clusters";

        public override TargetIdentity ReadIdentity(JsonObject resource)
            => FromManagedIdentity(resource, resource.Str("properties", "keyVaultProperties", "userIdentity"));
    }
}
