using System.Collections.Generic;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Event Hubs namespaces, api-version 2024-01-01 (the shared namespace model: <see cref="MessagingNamespaceAdapter"/>).
    /// Premium namespaces, and namespaces in a Dedicated cluster (properties.clusterArmId), take a key; an existing namespace
    /// only while it holds no event hubs.
    /// </summary>
    public sealed class EventHubsAdapter : MessagingNamespaceAdapter
    {
        public const string DedicatedSku = "Dedicated";

        public override CmkService Service => CmkService.EventHubs;
        public override string ResourceType => "Microsoft.EventHub/namespaces";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.EventHubs,
            DisplayName = "Azure Event Hubs",
            SupportedSkus = new[] { "Premium", DedicatedSku },
            WhenKeyCanBeSet = "at creation, or later while the namespace holds no event hubs; keys can then be changed, never removed",
            Sources = new[] { RequirementSources.EventHubs, RequirementSources.EventHubsSpec },
            Notes = new[]
            {
                "Premium and Dedicated tiers only; encryption only on a new or empty namespace (the operation fails if it contains event hubs).",
                "Soft delete and purge protection; get, wrapKey, unwrapKey (the page's access policy adds list, which the service does not need to use a known key).",
                "Key type and size are not stated: the common RSA/RSA-HSM 2048+ applies.",
                "Up to 3 keys; the module writes one. New key versions are picked up by the service (polled every 5 minutes).",
                "keySource has only Microsoft.KeyVault (spec): no documented way back to Microsoft-managed keys.",
            },
        };

        protected override IReadOnlyList<string> EntityCollections { get; } = new[] { "eventhubs" };
        protected override string EntityWords => "event hub(s)";

        /// <summary>A namespace in a Dedicated cluster reports its own sku; the cluster makes it Dedicated.</summary>
        public override string? ReadSku(JsonObject resource)
            => string.IsNullOrEmpty(resource.Str("properties", "clusterArmId")) ? base.ReadSku(resource) : DedicatedSku;
    }
}
