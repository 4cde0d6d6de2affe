using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Log Analytics dedicated clusters (Azure Monitor), api-version 2022-10-01: properties.keyVaultProperties
    /// {keyVaultUri, keyName, keyVersion} written by Clusters_Update (PATCH); an empty keyVersion makes the cluster's
    /// storage use the key's latest version. The cluster's one managed identity (system- or user-assigned) reaches the key.
    /// </summary>
    /// <remarks>
    /// Customer-managed-keys documents that identity and key must not change in the same update: the identity write
    /// (<see cref="PlanIdentity"/>) and the key write are always two requests. A cluster holds a single identity, so
    /// choosing the other kind replaces it rather than adding one. There is no documented way back to Microsoft-managed
    /// keys for a cluster (unlinking a workspace is per workspace, and identity None revokes access for good), so Disable
    /// is refused. The spec's PATCH declares only 200 (long-running), while the page describes the key update as
    /// asynchronous with a 202; the emulator answers as the spec declares and the module accepts both.
    /// </remarks>
    public sealed class LogAnalyticsClusterAdapter : CmkServiceAdapter
    {
        public const string Docs = "https://learn.microsoft.com/azure/azure-monitor/logs/customer-managed-keys";
        public const string TrustedServicesDocs = "https://learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints";
        public const string Spec = "azure-specs/operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2022-10-01/Clusters.json";

        public override CmkService Service => CmkService.LogAnalyticsCluster;
        public override string ResourceType => "Microsoft.OperationalInsights/clusters";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.LogAnalyticsCluster,
            DisplayName = "Log Analytics dedicated cluster",
            SameRegionRequired = true,
            Firewall = FirewallRule.NotTrustedService,
            PrivateLinkNeedsSystemAssignedIdentity = true,
            Sources = new[] { Docs, TrustedServicesDocs, Spec },
            Notes = new[]
            {
                "Soft delete and purge protection (the key must be recoverable); Get, Wrap Key, Unwrap Key or Key Vault Crypto Service Encryption User; Get is used to check recoverability (customer-managed-keys).",
                "Key type and size are not documented: the cluster's storage wraps its account key with an RSA key as Azure Storage does (the page says encryption is identical to Storage's), so the common RSA/RSA-HSM 2048+ applies; spec keyRsaSize is only the selected key's minimum size.",
                "Vault, cluster and linked workspaces share region and Microsoft Entra tenant; subscriptions may differ (customer-managed-keys).",
                "Azure Monitor is not on Key Vault's trusted-services list: a closed vault needs a private endpoint, and there a user-assigned identity cannot be used (customer-managed-keys; overview-vnet-service-endpoints).",
                "An empty keyVersion makes the cluster use the latest key version; an explicit version stays until the cluster is updated (customer-managed-keys, Key rotation).",
                "No documented way back to Microsoft-managed keys: unlinking a workspace makes its new data Microsoft-key encrypted, and identity None revokes access irreversibly (customer-managed-keys).",
            },
        };

        public static class DetailKeys
        {
            public const string LinkedWorkspaces = "linkedWorkspaces";
            public const string DoubleEncryption = "isDoubleEncryptionEnabled";
        }

        /// <summary>What the key does to the data of the cluster's linked workspaces, told with every customer-managed state.</summary>
        public const string LinkedWorkspacesNote =
            "Only data ingested into the linked workspaces after the key was set is encrypted with it; older data stays under Microsoft-managed keys, and a workspace unlinked from the cluster gets its new data encrypted with Microsoft-managed keys.";

        private static readonly KeyVaultPropertiesBlock Block = KeyVaultPropertiesBlock.CamelCase;

        /// <summary>A cluster holds one identity: its user-assigned one when the type says so, else the system-assigned one.</summary>
        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var type = resource.Str("identity", "type") ?? "";
            var user = type.IndexOf("UserAssigned", StringComparison.OrdinalIgnoreCase) >= 0 && type.IndexOf("SystemAssigned", StringComparison.OrdinalIgnoreCase) < 0
                ? SoleUserAssignedIdentity(resource)
                : null;
            return FromManagedIdentity(resource, user);
        }

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var properties = resource.Json.At("properties");
            var state = Block.State(properties.At("keyVaultProperties"), DisplayName) with { ServiceStatus = properties.Str("provisioningState") };
            if (!state.CustomerManaged) return state;
            var workspaces = properties.At("associatedWorkspaces") as JsonArray;
            return WithIdentity(state with
            {
                Details = new Dictionary<string, string?>
                {
                    [DetailKeys.LinkedWorkspaces] = (workspaces?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [DetailKeys.DoubleEncryption] = properties.At("isDoubleEncryptionEnabled")?.ToString(),
                },
                Notes = state.Notes.Concat(new[] { LinkedWorkspacesNote }).ToArray(),
            }, ReadIdentity(resource.Json));
        }

        /// <summary>The "both" identity type would give the cluster two identities, which it does not hold.</summary>
        protected override string? CombinedIdentityType => null;

        /// <summary>
        /// The cluster's single identity becomes the chosen one: none when it already is, else one identity write that
        /// replaces the other kind (customer-managed-keys: the identity type can change; one identity per cluster).
        /// </summary>
        public override IReadOnlyList<ResourceWrite> PlanIdentity(CmkResource resource, CmkIdentitySelection identity)
        {
            var current = ReadIdentity(resource.Json);
            var wantsUser = identity.Type == CmkIdentityType.UserAssigned;
            if (current.Type == identity.Type && (!wantsUser || string.Equals(current.UserAssignedIdentityId, identity.UserAssignedIdentityId, StringComparison.OrdinalIgnoreCase)))
                return Array.Empty<ResourceWrite>();
            var body = new JsonObject { ["type"] = wantsUser ? "UserAssigned" : "SystemAssigned" };
            if (wantsUser) body["userAssignedIdentities"] = new JsonObject { [identity.UserAssignedIdentityId!] = new JsonObject() };
            var what = wantsUser
                ? $"make user-assigned identity {identity.UserAssignedIdentityId} the cluster's identity"
                : "make the system-assigned identity the cluster's identity";
            return new[] { ResourceWrite.Patch(resource.Id, IdentityWriteBody(body), what) };
        }

        /// <summary>The key alone: the identity is never in the same update (customer-managed-keys).</summary>
        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var body = new JsonObject { ["properties"] = new JsonObject { ["keyVaultProperties"] = Block.Write(request.Key) } };
            return new[] { ResourceWrite.Patch(resource.Id, body, KeyVaultPropertiesBlock.Describe(request.Key)) };
        }

        protected override string? DisableUnsupportedReason =>
            "Azure Monitor documents no way back to Microsoft-managed keys for a cluster. Unlink the workspaces from the cluster (their new data is then encrypted with Microsoft-managed keys), or revoke access by disabling the key; setting the cluster's identity to None also revokes access but cannot be undone without support.";
    }
}
