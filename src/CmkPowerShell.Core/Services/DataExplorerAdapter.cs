using System.Collections.Generic;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure Data Explorer (Kusto) clusters, api-version 2023-08-15: properties.keyVaultProperties {keyVaultUri, keyName,
    /// keyVersion, userIdentity}. An empty userIdentity means the system-assigned identity; an empty keyVersion means the
    /// cluster always uses the key's current version.
    /// </summary>
    public sealed class DataExplorerAdapter : CmkServiceAdapter
    {
        public override CmkService Service => CmkService.DataExplorer;
        public override string ResourceType => "Microsoft.Kusto/clusters";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.DataExplorer,
            DisplayName = "Azure Data Explorer",
            AllowedKeySizes = new[] { 2048, 3072, 4096 },
            SameRegionRequired = true,
            Sources = new[] { RequirementSources.DataExplorer, RequirementSources.DataExplorerCurrentDocs, RequirementSources.KustoSpec },
            Notes = new[]
            {
                "Cluster and key vault must be in the same region; soft delete and purge protection (seed 002).",
                "Seed 002 (2020) says 'Only RSA keys and key size 2048'; the current page allows RSA and RSA-HSM of 2048, 3072 and 4096, which is encoded.",
                "Seed 002 says system-assigned only (KeyVaultPropertiesOnlyForSystemAssignedResources); spec 2023-08-15 has keyVaultProperties.userIdentity and the current page allows both: both are accepted.",
            },
        };

        private static readonly KeyVaultPropertiesBlock Block = KeyVaultPropertiesBlock.CamelCase;

        public static string VersionlessNote => KeyVaultPropertiesBlock.VersionlessNote("Data Explorer");

        public override TargetIdentity ReadIdentity(JsonObject resource)
            => FromManagedIdentity(resource, resource.Str("properties", "keyVaultProperties", "userIdentity"));

        /// <summary>Kusto has no key-source field: the key vault properties alone say whether a customer key is set, so KeySource stays null.</summary>
        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var state = Block.State(resource.Json.At("properties", "keyVaultProperties"), "Data Explorer")
                with { ServiceStatus = resource.Json.Str("properties", "state") };
            return state.CustomerManaged ? WithIdentity(state, ReadIdentity(resource.Json)) : state;
        }

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var key = request.Key;
            var properties = Block.Write(key);
            var userIdentity = request.Identity.Type == CmkIdentityType.UserAssigned ? request.Identity.UserAssignedIdentityId : null;
            // Empty clears a user identity set before; left out when there is none, to keep the body minimal.
            if (userIdentity != null || resource.Json.Str("properties", "keyVaultProperties", "userIdentity") != null)
                properties["userIdentity"] = userIdentity ?? "";
            var body = new JsonObject { ["properties"] = new JsonObject { ["keyVaultProperties"] = properties } };
            var what = KeyVaultPropertiesBlock.Describe(key)
                + (userIdentity != null ? $" through user-assigned identity {userIdentity}" : " through the system-assigned identity");
            return new[] { ResourceWrite.Patch(resource.Id, body, what) };
        }

        protected override string? DisableUnsupportedReason => null;

        /// <summary>Back to Microsoft-managed keys: every key vault property emptied (PATCH merges, so null would not clear).</summary>
        protected override IReadOnlyList<ResourceWrite> BuildDisableWrites(CmkResource resource)
        {
            var empty = Block.Empty();
            empty["userIdentity"] = "";
            var body = new JsonObject { ["properties"] = new JsonObject { ["keyVaultProperties"] = empty } };
            return new[] { ResourceWrite.Patch(resource.Id, body, "empty keyVaultProperties: back to Microsoft-managed keys") };
        }
    }
}
