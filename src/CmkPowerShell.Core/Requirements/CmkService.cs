namespace CmkPowerShell.Core.Requirements
{
    /// <summary>The services whose customer-managed keys the module manages.</summary>
    public enum CmkService { NetAppFiles, DataBox, DataExplorer, ManagedCassandra, Batch, EventHubs, ServiceBus, ContainerRegistry, PostgreSqlFlexibleServer, RecoveryServicesVault, StorageAccount, DiskEncryptionSet, SqlServer, LogAnalyticsCluster, CosmosDbAccount }

    /// <summary>The kind of managed identity a service uses to reach its key.</summary>
    public enum CmkIdentityType { SystemAssigned, UserAssigned }

    /// <summary>
    /// What happens when the vault's firewall denies public access without the trusted-services bypass (with it, for a
    /// service that is not on Key Vault's trusted-services list).
    /// </summary>
    public enum FirewallRule
    {
        /// <summary>A warning: the service may be unable to reach the key.</summary>
        Warn,
        /// <summary>A warning, but a failure when the service uses a user-assigned identity (documented by Data Box).</summary>
        FailWithUserAssignedIdentity,
        /// <summary>The service reaches the vault through a private endpoint, so the public firewall does not matter.</summary>
        PrivateEndpoint,
        /// <summary>
        /// The service is not on Key Vault's trusted-services list (overview-vnet-service-endpoints: Azure Monitor and
        /// Cosmos DB are absent), so the "Allow trusted Microsoft services" bypass does not let it in: a vault that denies
        /// public access fails unless an approved private endpoint connection gives the service a path.
        /// </summary>
        NotTrustedService,
        /// <summary>
        /// The service reaches the vault over public access or through the trusted-services bypass, never through a private
        /// endpoint (Cosmos DB: "an instance that is exclusively accessible through private endpoints cannot be used"), so a
        /// closed vault fails instead of warning.
        /// </summary>
        PublicOrTrustedServices,
    }

    /// <summary>Where the requirements come from: the seed documents (by file name) and the pinned specs.</summary>
    public static class RequirementSources
    {
        public const string NetAppFiles = "000_9cfddea33322c270.txt";
        public const string DataBox = "001_b2922f741fbba4d7.txt";
        public const string DataExplorer = "002_7bb5e20a75f786ac.txt";
        public const string ManagedCassandra = "003_6865a656ebcf83a5.txt";
        public const string Batch = "004_6a9f3355d7170975.txt";
        public const string KeyVaultSpec = "azure-specs/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/openapi.json";
        public const string AuthorizationSpec = "azure-specs/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01";
        public const string BuiltInRoles = "azure-specs/builtin-roles.json";
        public const string NetAppSpec = "azure-specs/netapp/resource-manager/Microsoft.NetApp/NetApp/stable/2026-01-01/netapp.json";
        public const string BatchSpec = "azure-specs/batch/resource-manager/Microsoft.Batch/stable/2024-02-01/BatchManagement.json";
        public const string CassandraSpec = "azure-specs/cosmos-db/resource-manager/Microsoft.DocumentDB/DocumentDB/stable/2025-10-15/managedCassandra.json";
        public const string KustoSpec = "azure-specs/azure-kusto/resource-manager/Microsoft.Kusto/stable/2023-08-15/kusto.json";
        public const string EventHubs = "https://learn.microsoft.com/azure/event-hubs/configure-customer-managed-key";
        public const string EventHubsSpec = "azure-specs/eventhub/resource-manager/Microsoft.EventHub/stable/2024-01-01/namespaces.json";
        public const string ServiceBus = "https://learn.microsoft.com/azure/service-bus-messaging/configure-customer-managed-key";
        public const string ServiceBusSpec = "azure-specs/servicebus/resource-manager/Microsoft.ServiceBus/stable/2021-11-01/namespace-preview.json";
        public const string ContainerRegistry = "https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys";
        public const string ContainerRegistryEnable = "https://learn.microsoft.com/azure/container-registry/tutorial-enable-customer-managed-keys";
        public const string ContainerRegistrySpec = "azure-specs/containerregistry/resource-manager/Microsoft.ContainerRegistry/stable/2023-07-01/containerregistry.json";
        public const string PostgreSqlFlexibleServer = "https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-data-encryption";
        public const string PostgreSqlSpec = "azure-specs/postgresql/resource-manager/Microsoft.DBforPostgreSQL/stable/2022-12-01/FlexibleServers.json";
        public const string RecoveryServicesVault = "https://learn.microsoft.com/azure/backup/encryption-at-rest-with-cmk";
        public const string RecoveryServicesSpec = "azure-specs/recoveryservices/resource-manager/Microsoft.RecoveryServices/stable/2024-04-01/vaults.json";
        /// <summary>The current Data Explorer page, newer than the seed document on key sizes and identity types.</summary>
        public const string DataExplorerCurrentDocs = "https://learn.microsoft.com/azure/data-explorer/customer-managed-keys";
    }
}
