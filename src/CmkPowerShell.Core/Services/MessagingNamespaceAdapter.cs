using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// What Event Hubs and Service Bus namespaces share (their specs define the same encryption model): properties.encryption
    /// {keySource Microsoft.KeyVault only, keyVaultProperties[] {keyName, keyVaultUri, keyVersion, identity.userAssignedIdentity},
    /// requireInfrastructureEncryption}, a namespace identity with "SystemAssigned, UserAssigned", a SKU limit, and the rule
    /// that a key can be added only while the namespace holds no entities. Each service's file says which tier and which
    /// entity collections.
    /// </summary>
    /// <remarks>
    /// Rules, from the two configure-customer-managed-key pages (<see cref="Requirements.RequirementSources.EventHubs"/>,
    /// <see cref="Requirements.RequirementSources.ServiceBus"/>): encryption can be enabled only on a new or empty namespace
    /// (the operation fails when it holds event hubs / queues or topics), so Set refuses before any write with
    /// CmkOnlyOnEmptyNamespace; a namespace already under a key may change keys. Without an identity on a key entry the
    /// system-assigned identity is used; all entries share one identity. New key versions are picked up by the service
    /// (keys are polled every 5 minutes), so a versionless entry is auto-rotating. The keySource enum has no
    /// Microsoft-managed value and the pages document no way back, so Disable is refused.
    /// </remarks>
    public abstract class MessagingNamespaceAdapter : CmkServiceAdapter
    {
        public const string CustomerKeySource = "Microsoft.KeyVault";
        public const string OnlyOnEmptyNamespaceId = "CmkOnlyOnEmptyNamespace";
        public const string SkuNotSupportedId = "CmkSkuNotSupported";

        /// <summary>The entity collections whose items make a namespace non-empty (eventhubs; queues and topics).</summary>
        protected abstract IReadOnlyList<string> EntityCollections { get; }

        /// <summary>What the entities are called in messages ("event hubs", "queues or topics").</summary>
        protected abstract string EntityWords { get; }

        /// <summary>The namespace and its entities: whether it is empty decides whether a key may be added.</summary>
        public override async Task<CmkResource?> ReadAsync(IAzureResources azure, string resourceId, CancellationToken cancellationToken)
        {
            var ns = await azure.GetAsync(resourceId, cancellationToken).ConfigureAwait(false);
            if (ns == null) return null;
            var entities = new List<JsonObject>();
            foreach (var collection in EntityCollections)
                entities.AddRange(await azure.ListAsync(resourceId.TrimEnd('/') + "/" + collection, cancellationToken).ConfigureAwait(false));
            return new CmkResource(resourceId, ns, entities);
        }

        public override TargetIdentity ReadIdentity(JsonObject resource)
            => FromManagedIdentity(resource, KeyEntries(resource).Select(e => e.Str("identity", "userAssignedIdentity")).FirstOrDefault(u => !string.IsNullOrEmpty(u)));

        private static IReadOnlyList<JsonObject> KeyEntries(JsonObject resource) => resource.Objects("properties", "encryption", "keyVaultProperties");

        /// <summary>Each keyVaultProperties item is the shared {keyVaultUri, keyName, keyVersion} block plus its identity.</summary>
        private static readonly KeyVaultPropertiesBlock Block = KeyVaultPropertiesBlock.CamelCase;

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var keys = KeyEntries(resource.Json).Select(e => Block.Read(e)).Where(k => k != null).Select(k => k!.Value).ToList();
            var status = resource.Json.Str("properties", "status") ?? resource.Json.Str("properties", "provisioningState");
            var first = KeyEntries(resource.Json).FirstOrDefault(e => Block.Read(e) != null);
            if (first == null) return CmkEncryptionState.MicrosoftManaged(null) with { ServiceStatus = status };

            var state = Block.State(first, DisplayName, resource.Json.Str("properties", "encryption", "keySource") ?? CustomerKeySource);
            var details = new Dictionary<string, string?>();
            for (int i = 0; i < keys.Count; i++)
                details[$"key{i + 1}"] = KeyIdentifier.Compose(keys[i].VaultUri, keys[i].KeyName, keys[i].Version);
            details["requireInfrastructureEncryption"] = resource.Json.Bool("properties", "encryption", "requireInfrastructureEncryption")?.ToString();
            var notes = state.Notes.ToList();
            if (keys.Count > 1)
                notes.Add($"The namespace lists {keys.Count} keys and stays usable while any of them is reachable; KeyUri shows the first.");
            return WithIdentity(state with { ServiceStatus = status, Details = details, Notes = notes }, ReadIdentity(resource.Json));
        }

        /// <summary>
        /// The tier and emptiness rules, before any write (and so also under -WhatIf). A namespace already configured
        /// exactly so passes whatever it holds: a second identical Set writes nothing rather than fail.
        /// </summary>
        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            base.ValidateEnable(resource, request);
            if (IsConfigured(resource, request)) return;
            var sku = ReadSku(resource.Json);
            if (sku == null || !Requirements.IsSkuSupported(sku))
            {
                throw CmkErrors.Create(SkuNotSupportedId, resource.Id,
                    $"{DisplayName} namespace {resource.Name} is {sku ?? "of no SKU"}; customer-managed keys need {string.Join(" or ", Requirements.SupportedSkus!)}.");
            }
            if (!ReadState(resource).CustomerManaged && resource.Children.Count > 0)
            {
                var names = string.Join(", ", resource.Children.Take(5).Select(c => c.Str("name")));
                throw CmkErrors.Create(OnlyOnEmptyNamespaceId, resource.Id,
                    $"{DisplayName} namespace {resource.Name} holds {resource.Children.Count} {EntityWords} ({names}); encryption can be enabled only on a new or empty namespace.");
            }
        }

        /// <summary>
        /// One key entry, replacing the list (a JSON merge patch replaces arrays whole): the identity named only for a
        /// user-assigned identity, as the service uses the system-assigned one otherwise; an empty keyVersion when versionless.
        /// </summary>
        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var key = request.Key;
            var entry = Block.Write(key);
            var uai = request.Identity.Type == CmkIdentityType.UserAssigned ? request.Identity.UserAssignedIdentityId : null;
            if (uai != null) entry["identity"] = new JsonObject { ["userAssignedIdentity"] = uai };
            var body = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["encryption"] = new JsonObject
                    {
                        ["keySource"] = CustomerKeySource,
                        ["keyVaultProperties"] = new JsonArray(entry),
                    },
                },
            };
            var what = KeyVaultPropertiesBlock.Describe(key)
                + (uai != null ? $" through user-assigned identity {uai}" : " through the system-assigned identity");
            return new[] { ResourceWrite.Patch(resource.Id, body, what) };
        }

        protected override string? DisableUnsupportedReason =>
            "the encryption keySource has no Microsoft-managed value (spec) and the documentation describes no way back; create a new namespace to use Microsoft-managed keys.";
    }
}
