using System;
using System.Collections.Generic;
using System.Linq;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// The api-version sent for each resource type, pinned to the versions in azure-specs/INDEX.md so that
    /// behaviour is what was tested. Never discovered at run time.
    /// </summary>
    public static class ApiVersions
    {
        public const string NetApp = "2026-01-01";
        public const string DataBox = "2025-07-01";
        public const string Kusto = "2023-08-15";
        public const string ManagedCassandra = "2025-10-15";
        /// <summary>Cosmos DB database accounts: 2024-05-15, the newest stable with split files (INDEX.md section 15).</summary>
        public const string CosmosDb = "2024-05-15";
        public const string Batch = "2024-02-01";
        public const string EventHub = "2024-01-01";
        public const string ServiceBus = "2021-11-01";
        public const string ContainerRegistry = "2023-07-01";
        public const string PostgreSql = "2022-12-01";
        public const string RecoveryServices = "2024-04-01";
        public const string Storage = "2023-05-01";
        public const string DiskEncryptionSets = "2023-10-02";
        public const string Sql = "2021-11-01";
        public const string OperationalInsights = "2022-10-01";
        public const string KeyVault = "2026-02-01";
        public const string Authorization = "2022-04-01";
        public const string Network = "2024-01-01";
        public const string ResourceGraph = "2024-04-01";
        public const string ManagedIdentity = "2023-01-31";
        public const string Resources = "2022-12-01";
        public const string GenericResourceList = "2021-04-01";
        /// <summary>
        /// Key Vault data plane of a Managed HSM (its local RBAC: role assignments and role definitions), rbac.json 7.5.
        /// Sent to https://{hsm}.{managedhsm suffix}/, never to ARM.
        /// </summary>
        public const string ManagedHsmDataPlane = "7.5";

        /// <summary>Provider namespace (or full type) to api-version, longest match wins.</summary>
        public static readonly IReadOnlyDictionary<string, string> ByResourceType = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Microsoft.NetApp"] = NetApp,
            ["Microsoft.DataBox"] = DataBox,
            ["Microsoft.Kusto"] = Kusto,
            ["Microsoft.DocumentDB"] = ManagedCassandra,
            ["Microsoft.DocumentDB/databaseAccounts"] = CosmosDb,
            ["Microsoft.Batch"] = Batch,
            ["Microsoft.EventHub"] = EventHub,
            ["Microsoft.ServiceBus"] = ServiceBus,
            ["Microsoft.ContainerRegistry"] = ContainerRegistry,
            ["Microsoft.DBforPostgreSQL"] = PostgreSql,
            ["Microsoft.RecoveryServices"] = RecoveryServices,
            ["Microsoft.Storage"] = Storage,
            ["Microsoft.Compute"] = DiskEncryptionSets,
            ["Microsoft.Sql"] = Sql,
            ["Microsoft.OperationalInsights"] = OperationalInsights,
            ["Microsoft.KeyVault"] = KeyVault,
            ["Microsoft.Authorization"] = Authorization,
            ["Microsoft.Network"] = Network,
            ["Microsoft.ResourceGraph"] = ResourceGraph,
            ["Microsoft.ManagedIdentity"] = ManagedIdentity,
            ["Microsoft.Resources"] = Resources,
        };

        /// <summary>
        /// Full resource types (as ArmClient's GenericResource looks them up) pinned on ArmClientOptions, so
        /// that it never asks /providers/{namespace} which versions exist. Must agree with ByResourceType.
        /// </summary>
        public static readonly IReadOnlyDictionary<string, string> PinnedResourceTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Microsoft.NetApp/netAppAccounts"] = NetApp,
            ["Microsoft.NetApp/netAppAccounts/capacityPools"] = NetApp,
            ["Microsoft.NetApp/netAppAccounts/capacityPools/volumes"] = NetApp,
            ["Microsoft.DataBox/jobs"] = DataBox,
            ["Microsoft.Kusto/clusters"] = Kusto,
            ["Microsoft.DocumentDB/cassandraClusters"] = ManagedCassandra,
            ["Microsoft.DocumentDB/cassandraClusters/dataCenters"] = ManagedCassandra,
            ["Microsoft.DocumentDB/databaseAccounts"] = CosmosDb,
            ["Microsoft.Batch/batchAccounts"] = Batch,
            ["Microsoft.EventHub/namespaces"] = EventHub,
            ["Microsoft.EventHub/namespaces/eventhubs"] = EventHub,
            ["Microsoft.ServiceBus/namespaces"] = ServiceBus,
            ["Microsoft.ServiceBus/namespaces/queues"] = ServiceBus,
            ["Microsoft.ServiceBus/namespaces/topics"] = ServiceBus,
            ["Microsoft.ContainerRegistry/registries"] = ContainerRegistry,
            ["Microsoft.DBforPostgreSQL/flexibleServers"] = PostgreSql,
            ["Microsoft.RecoveryServices/vaults"] = RecoveryServices,
            ["Microsoft.RecoveryServices/vaults/backupProtectedItems"] = RecoveryServices,
            ["Microsoft.Storage/storageAccounts"] = Storage,
            ["Microsoft.Compute/diskEncryptionSets"] = DiskEncryptionSets,
            ["Microsoft.Sql/servers"] = Sql,
            ["Microsoft.Sql/servers/keys"] = Sql,
            ["Microsoft.Sql/servers/encryptionProtector"] = Sql,
            ["Microsoft.OperationalInsights/clusters"] = OperationalInsights,
            ["Microsoft.KeyVault/vaults"] = KeyVault,
            ["Microsoft.KeyVault/vaults/keys"] = KeyVault,
            ["Microsoft.KeyVault/vaults/keys/versions"] = KeyVault,
            ["Microsoft.KeyVault/vaults/accessPolicies"] = KeyVault,
            ["Microsoft.Authorization/roleAssignments"] = Authorization,
            ["Microsoft.Authorization/roleDefinitions"] = Authorization,
            ["Microsoft.Network/privateEndpoints"] = Network,
            ["Microsoft.Network/virtualNetworks"] = Network,
            ["Microsoft.Network/virtualNetworks/subnets"] = Network,
            ["Microsoft.ResourceGraph/resources"] = ResourceGraph,
            ["Microsoft.ManagedIdentity/userAssignedIdentities"] = ManagedIdentity,
            ["Microsoft.Resources/subscriptions"] = Resources,
            ["Microsoft.Resources/resourceGroups"] = Resources,
            ["Microsoft.Resources/tenants"] = Resources,
            ["Microsoft.Resources/resources"] = GenericResourceList,
        };

        /// <summary>
        /// The api-version for an ARM path: the type or else the provider of the last "/providers/{ns}/{type}" segments, or the
        /// Resources version for subscriptions and resource groups, or the generic list version for
        /// "/subscriptions/{id}/resources".
        /// </summary>
        public static string ForPath(string path)
        {
            if (path is null) throw new ArgumentNullException(nameof(path));
            var segments = path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
            for (int i = segments.Length - 2; i >= 0; i--)
            {
                if (!string.Equals(segments[i], "providers", StringComparison.OrdinalIgnoreCase)) continue;
                if (i + 2 < segments.Length && ByResourceType.TryGetValue(segments[i + 1] + "/" + segments[i + 2], out var typeVersion))
                {
                    return typeVersion;
                }
                if (ByResourceType.TryGetValue(segments[i + 1], out var version))
                {
                    return version;
                }
            }
            if (segments.Length > 0 && string.Equals(segments.Last(), "resources", StringComparison.OrdinalIgnoreCase))
            {
                return GenericResourceList;
            }
            return Resources;
        }
    }
}
