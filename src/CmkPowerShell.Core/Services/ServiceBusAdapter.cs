using System.Collections.Generic;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Service Bus namespaces, api-version 2021-11-01 (the shared namespace model: <see cref="MessagingNamespaceAdapter"/>).
    /// Premium namespaces only; an existing namespace takes a key only while it holds no queues or topics.
    /// </summary>
    public sealed class ServiceBusAdapter : MessagingNamespaceAdapter
    {
        public override CmkService Service => CmkService.ServiceBus;
        public override string ResourceType => "Microsoft.ServiceBus/namespaces";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.ServiceBus,
            DisplayName = "Azure Service Bus",
            SupportedSkus = new[] { "Premium" },
            WhenKeyCanBeSet = "at creation, or later while the namespace holds no queues or topics; keys can then be changed, never removed",
            Sources = new[] { RequirementSources.ServiceBus, RequirementSources.ServiceBusSpec },
            Notes = new[]
            {
                "Premium only; encryption only on a new or empty namespace (it fails if queues or topics exist).",
                "Soft delete and purge protection; get, wrapKey, unwrapKey (the page's access policy adds list).",
                "The 2021 page shows a system-assigned identity; the spec's keyVaultProperties[].identity.userAssignedIdentity allows a user-assigned one: both are accepted.",
                "Key type and size are not stated: the common RSA/RSA-HSM 2048+ applies.",
                "Up to 3 keys; the module writes one. New key versions are detected automatically (polled every 5 minutes).",
            },
        };

        protected override IReadOnlyList<string> EntityCollections { get; } = new[] { "queues", "topics" };
        protected override string EntityWords => "queue(s) or topic(s)";
    }
}
