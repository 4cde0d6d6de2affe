using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure Managed Instance for Apache Cassandra, api-version 2025-10-15: the cluster's identity (SystemAssigned or None)
    /// and each data center's managedDiskCustomerKeyUri + backupStorageCustomerKeyUri. The writes belong to branch services-more.
    /// </summary>
    public sealed class ManagedCassandraAdapter : CmkServiceAdapter
    {
        public override CmkService Service => CmkService.ManagedCassandra;
        public override string ResourceType => "Microsoft.DocumentDB/cassandraClusters";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.ManagedCassandra,
            DisplayName = "Azure Managed Instance for Apache Cassandra",
            SupportedIdentityTypes = new[] { CmkIdentityType.SystemAssigned },
            Sources = new[] { RequirementSources.ManagedCassandra, RequirementSources.CassandraSpec },
            Notes = new[]
            {
                "Cluster identity is SystemAssigned or None (spec 2025-10-15 ManagedCassandraManagedServiceIdentity).",
                "Key permissions get, wrap, unwrap; purge protection required or data center deployments fail (seed 003). No key size rule is documented: the common 2048+ applies.",
            },
        };

        public const string CustomerKeySource = "Microsoft.KeyVault";
        public const string ServiceKeySource = "Microsoft-managed";

        /// <summary>The cluster and its data centers: the key settings live on the data centers.</summary>
        public override async Task<CmkResource?> ReadAsync(IAzureResources azure, string resourceId, CancellationToken cancellationToken)
        {
            var cluster = await azure.GetAsync(resourceId, cancellationToken).ConfigureAwait(false);
            if (cluster == null) return null;
            var dataCenters = await azure.ListAsync(resourceId + "/dataCenters", cancellationToken).ConfigureAwait(false);
            return new CmkResource(resourceId, cluster, dataCenters);
        }

        public override TargetIdentity ReadIdentity(JsonObject resource) => FromManagedIdentity(resource, null);

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var details = new Dictionary<string, string?>();
            var diskKeys = new List<string?>();
            foreach (var dc in resource.Children)
            {
                var name = dc.Str("name") ?? "?";
                var disk = dc.Str("properties", "managedDiskCustomerKeyUri");
                details[name + ".managedDiskCustomerKeyUri"] = disk;
                details[name + ".backupStorageCustomerKeyUri"] = dc.Str("properties", "backupStorageCustomerKeyUri");
                diskKeys.Add(disk);
            }
            var status = resource.Json.Str("properties", "provisioningState");
            var configured = diskKeys.Where(k => k != null).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (configured.Count == 0)
                return CmkEncryptionState.MicrosoftManaged(ServiceKeySource) with { ServiceStatus = status, Details = details };
            KeyIdentifier.TryParse(configured[0], out var key);
            var state = new CmkEncryptionState
            {
                CustomerManaged = true,
                KeySource = CustomerKeySource,
                KeyUri = configured[0],
                KeyVaultUri = key?.VaultUri,
                KeyName = key?.Name,
                KeyVersion = key?.Version,
                ServiceStatus = status,
                Details = details,
                Notes = configured.Count > 1 || diskKeys.Contains(null)
                    ? new[] { "The data centers do not all use the same disk key: see Details." }
                    : new string[0],
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        protected override bool AcceptsDataCenters => true;
        protected override bool AcceptsBackupKey => true;

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
            => throw new NotSupportedException("Managed Cassandra enable writes are added with the Cassandra adapter (branch services-more).");
    }
}
