using System.Collections.Generic;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// How one service reports each failed key check: the code and message from that service's documentation
    /// (../shared/seed-docs), with {vaultUri}, {keyName} and {keyUri} filled in. Where the documentation gives no code
    /// or message, the entry says so (Documented = false) and the wording is the emulator's own.
    /// </summary>
    internal sealed class ServiceErrorTable
    {
        private readonly Dictionary<CmkCheck, Entry> _entries;

        public ServiceErrorTable(string service, string source, ServiceKeyRules rules, Dictionary<CmkCheck, Entry> entries)
        {
            Service = service;
            Source = source;
            Rules = rules;
            _entries = entries;
        }

        public string Service { get; }
        public string Source { get; }
        public ServiceKeyRules Rules { get; }
        public IReadOnlyDictionary<CmkCheck, Entry> Entries => _entries;

        public CmkFailure? Failure(CmkCheck check, KeyReference key)
        {
            if (!_entries.TryGetValue(check, out var e)) return null;
            var keyUri = key.VaultUri.TrimEnd('/') + "/keys/" + key.KeyName + (key.KeyVersion != null ? "/" + key.KeyVersion : "");
            var message = e.Message.Replace("{vaultUri}", key.VaultUri).Replace("{keyName}", key.KeyName ?? "").Replace("{keyUri}", keyUri);
            return new CmkFailure(check, e.Code, message);
        }

        /// <summary>A failed rule on the resource itself (tier, emptiness); {detail} in the message is filled from <paramref name="detail"/>.</summary>
        public CmkFailure Rule(CmkCheck check, string detail)
        {
            var e = _entries[check];
            return new CmkFailure(check, e.Code, e.Message.Replace("{detail}", detail));
        }

        internal sealed record Entry(string Code, string Message, bool Documented = true);

        // ---------------------------------------------------------------------------------------------------------
        // Azure NetApp Files: 000_9cfddea33322c270.txt, "Errors configuring customer-managed key encryption on a NetApp
        // account" (messages only; the page gives no codes, so every entry uses ARM's generic "BadRequest"). Needs RSA,
        // soft delete + purge protection, same region, Get/Encrypt/Decrypt (RBAC: keys/read, encrypt, decrypt), and
        // reaches the vault through a private endpoint.
        private const string NetAppKeyNotFound = "The operation failed because the specified key vault key was not found";
        private const string NetAppUnusable = "Unable to use the configured encryption key, please check if key is active";

        public static readonly ServiceErrorTable NetApp = new("Microsoft.NetApp", "000_9cfddea33322c270.txt",
            new ServiceKeyRules(SameRegion: true, MinimumRsaSize: null, ServiceKeyRules.EncryptPermissions, ServiceKeyRules.EncryptDataActions,
                ServiceKeyRules.EncryptOps, PrivateEndpointReachesFirewalledVault: true),
            new Dictionary<CmkCheck, Entry>
            {
                [CmkCheck.InvalidUri] = new("BadRequest", "Key Vault URI is invalid"),
                [CmkCheck.InvalidScheme] = new("BadRequest", "Key Vault URI is invalid"),
                [CmkCheck.InvalidHost] = new("BadRequest", "Key Vault URI is invalid"),
                [CmkCheck.VaultNotFound] = new("BadRequest", NetAppKeyNotFound),
                [CmkCheck.SoftDeleteDisabled] = new("BadRequest", "Azure Key Vault is not recoverable. Make sure that Soft-delete and Purge protection are both enabled on the Azure Key Vault"),
                [CmkCheck.PurgeProtectionDisabled] = new("BadRequest", "Azure Key Vault is not recoverable. Make sure that Soft-delete and Purge protection are both enabled on the Azure Key Vault"),
                [CmkCheck.RegionMismatch] = new("BadRequest", "Account must be in the same region as the Vault"),
                [CmkCheck.KeyNotFound] = new("BadRequest", NetAppKeyNotFound),
                [CmkCheck.KeyNotRsa] = new("BadRequest", "Azure Key Vault key is not a valid RSA key"),
                [CmkCheck.KeyDisabled] = new("BadRequest", "Azure Key Vault key is not enabled"),
                [CmkCheck.KeyExpired] = new("BadRequest", "Azure Key Vault key is expired"),
                [CmkCheck.KeyNotActive] = new("BadRequest", "Azure Key Vault key has not been activated"),
                // The page lists this message for volume creation; it is the nearest documented text for a key the
                // account's identity cannot use (operations, identity, network, permissions).
                [CmkCheck.KeyOperationsMissing] = new("BadRequest", NetAppUnusable),
                [CmkCheck.SystemIdentityMissing] = new("BadRequest", NetAppUnusable),
                [CmkCheck.UserIdentityMissing] = new("BadRequest", NetAppUnusable),
                [CmkCheck.FirewallBlocked] = new("BadRequest", NetAppUnusable),
                [CmkCheck.NoAccess] = new("BadRequest", NetAppUnusable),
            });

        // ---------------------------------------------------------------------------------------------------------
        // Azure Data Box: 001_b2922f741fbba4d7.txt, "Troubleshoot errors" table (SsemUserError* codes with their
        // details text). Needs RSA >= 2048, soft delete + purge protection, Get/WrapKey/UnwrapKey.
        private const string DataBoxAccess = "Applied a customer-managed key but the key access has not been granted or has been revoked, or unable to access key vault due to firewall being enabled.";

        public static readonly ServiceErrorTable DataBox = new("Microsoft.DataBox", "001_b2922f741fbba4d7.txt",
            new ServiceKeyRules(SameRegion: false, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            new Dictionary<CmkCheck, Entry>
            {
                [CmkCheck.InvalidUri] = new("SsemUserErrorInvalidKeyVaultUrl", "An invalid key vault URI was used."),
                [CmkCheck.InvalidScheme] = new("SsemUserErrorKeyVaultUrlWithInvalidScheme", "Only HTTPS is supported for passing the key vault URI."),
                [CmkCheck.InvalidHost] = new("SsemUserErrorKeyVaultUrlInvalidHost", "The key vault URI host is not an allowed host in the geographical region."),
                [CmkCheck.VaultNotFound] = new("SsemUserErrorKeyVaultDetailsNotFound", "Could not fetch the passkey as the associated key vault for the customer-managed key could not be found."),
                [CmkCheck.SoftDeleteDisabled] = new("SsemUserErrorSoftDeleteAndPurgeProtectionNotEnabled", "Key vault does not have soft delete or purge protection enabled."),
                [CmkCheck.PurgeProtectionDisabled] = new("SsemUserErrorSoftDeleteAndPurgeProtectionNotEnabled", "Key vault does not have soft delete or purge protection enabled."),
                [CmkCheck.KeyNotFound] = new("SsemUserErrorKeyDetailsNotFound", "Could not fetch the passkey as the customer-managed key could not be found."),
                [CmkCheck.KeyNotRsa] = new("SsemUserErrorEncryptionKeyTypeNotSupported", "The encryption key type isn't supported for the operation."),
                [CmkCheck.KeyTooSmall] = new("SsemUserErrorEncryptionKeyTypeNotSupported", "The encryption key type isn't supported for the operation."),
                [CmkCheck.KeyDisabled] = new("SsemUserErrorEncryptionKeyDisabled", "Could not fetch the passkey as the customer-managed key is disabled."),
                [CmkCheck.KeyExpired] = new("SsemUserErrorEncryptionKeyExpired", "Could not fetch the passkey as the customer-managed key has expired."),
                // Not-yet-active keys have no row of their own: Key Vault refuses the wrap, which Data Box reports as a bad request.
                [CmkCheck.KeyNotActive] = new("SsemUserErrorKeyVaultBadRequestException", DataBoxAccess),
                [CmkCheck.KeyOperationsMissing] = new("SsemUserErrorKeyVaultBadRequestException", DataBoxAccess),
                [CmkCheck.SystemIdentityMissing] = new("SsemUserErrorSystemAssignedIdentityAbsent", "Could not fetch the passkey as the customer-managed key could not be found."),
                [CmkCheck.UserIdentityMissing] = new("SsemUserErrorUserAssignedIdentityAbsent", "Could not fetch the passkey as the customer-managed key could not be found."),
                [CmkCheck.FirewallBlocked] = new("SsemUserErrorKeyVaultBadRequestException", DataBoxAccess),
                [CmkCheck.NoAccess] = new("SsemUserErrorKeyVaultBadRequestException", DataBoxAccess),
            });

        // ---------------------------------------------------------------------------------------------------------
        // Azure Data Explorer: 002_7bb5e20a75f786ac.txt, "Common customer-managed keys errors". Needs the cluster and
        // vault in the same region, soft delete + purge protection, RSA (the page says 2048; current clusters take
        // 2048 and larger, so only smaller keys fail here), Get/WrapKey/UnwrapKey. Key-state problems have no code of
        // their own and are reported as InvalidKeyVaultProperties.
        private const string KustoInvalid = "The provided KeyVaultProperties are invalid.";

        public static readonly ServiceErrorTable Kusto = new("Microsoft.Kusto", "002_7bb5e20a75f786ac.txt",
            new ServiceKeyRules(SameRegion: true, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            new Dictionary<CmkCheck, Entry>
            {
                [CmkCheck.InvalidUri] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.InvalidScheme] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.InvalidHost] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.VaultNotFound] = new("KeyVaultNotFound", "KeyVault '{vaultUri}' was not found"),
                [CmkCheck.SoftDeleteDisabled] = new("KeyVaultNotSoftDeleteEnabled", "KeyVault '{vaultUri}' is not Soft-Delete enabled"),
                [CmkCheck.PurgeProtectionDisabled] = new("KeyVaultNotPurgeProtected", "KeyVault '{vaultUri}' is not Purge Protected"),
                [CmkCheck.RegionMismatch] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.KeyNotFound] = new("KeyNotFound", "Key '{keyName}' was not found in KeyVault '{vaultUri}'"),
                [CmkCheck.KeyNotRsa] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.KeyTooSmall] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.KeyDisabled] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.KeyExpired] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.KeyNotActive] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.KeyOperationsMissing] = new("IdentityDoesNotHaveAccessToKeyVault", "Cluster identity does not have access to KeyVault '{vaultUri}'"),
                [CmkCheck.SystemIdentityMissing] = new("KeyVaultPropertiesOnlyForSystemAssignedResources", "KeyVaultProperties can be provided only for resources with SystemAssigned Identity."),
                [CmkCheck.UserIdentityMissing] = new("InvalidKeyVaultProperties", KustoInvalid),
                [CmkCheck.FirewallBlocked] = new("IdentityDoesNotHaveAccessToKeyVault", "Cluster identity does not have access to KeyVault '{vaultUri}'"),
                [CmkCheck.NoAccess] = new("IdentityDoesNotHaveAccessToKeyVault", "Cluster identity does not have access to KeyVault '{vaultUri}'"),
            });

        // ---------------------------------------------------------------------------------------------------------
        // Managed Instance for Apache Cassandra: 003_6865a656ebcf83a5.txt documents the requirements (system-assigned
        // cluster identity; Get/Wrap/Unwrap; "Make sure that the key vault has purge protection turned on. Datacenter
        // deployments will fail without it.") but no error codes or messages: all entries are the emulator's wording.
        public static readonly ServiceErrorTable Cassandra = new("Microsoft.DocumentDB", "003_6865a656ebcf83a5.txt",
            new ServiceKeyRules(SameRegion: false, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            Undocumented("data center", "cluster's system-assigned identity"));

        // ---------------------------------------------------------------------------------------------------------
        // Azure Batch: 004_6a9f3355d7170975.txt documents the requirements (system-assigned identity; soft delete and
        // purge protection; RSA 2048; Get/Wrap/Unwrap) but no error codes or messages: the emulator's wording.
        public static readonly ServiceErrorTable Batch = new("Microsoft.Batch", "004_6a9f3355d7170975.txt",
            new ServiceKeyRules(SameRegion: false, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            Undocumented("Batch account", "account's managed identity"));

        // ---------------------------------------------------------------------------------------------------------
        // Event Hubs and Service Bus namespaces: the configure-customer-managed-key pages document the requirements
        // (Premium/Dedicated resp. Premium; soft delete and purge protection; get/wrapKey/unwrapKey; "the encryption can be
        // enabled only for new or empty namespaces. If the namespace contains event hubs [queues or topics], the encryption
        // operation fails") but no error codes or messages: the emulator's wording, with ARM's generic BadRequest code.
        public static readonly ServiceErrorTable EventHub = new("Microsoft.EventHub", "https://learn.microsoft.com/azure/event-hubs/configure-customer-managed-key",
            new ServiceKeyRules(SameRegion: false, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            Messaging(Undocumented("namespace", "namespace's managed identity"), "Premium or Dedicated", "event hubs"));

        public static readonly ServiceErrorTable ServiceBus = new("Microsoft.ServiceBus", "https://learn.microsoft.com/azure/service-bus-messaging/configure-customer-managed-key",
            new ServiceKeyRules(SameRegion: false, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            Messaging(Undocumented("namespace", "namespace's managed identity"), "Premium", "queues or topics"));

        // ---------------------------------------------------------------------------------------------------------
        // Container Registry: the customer-managed-keys tutorials document the rules (Premium only; "currently only when
        // the registry is created"; "can't be disabled"; RSA or RSA-HSM) but no error codes or messages: the emulator's wording.
        public static readonly ServiceErrorTable ContainerRegistry = new("Microsoft.ContainerRegistry", "https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys",
            new ServiceKeyRules(SameRegion: false, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            Registry(Undocumented("registry", "registry's identity")));

        // ---------------------------------------------------------------------------------------------------------
        // PostgreSQL flexible server: concepts-data-encryption documents the rules (mode fixed at creation; RSA 2048/3072/4096;
        // vault in the server's region; user-assigned identity; get, list, wrapKey, unwrapKey) and the Inaccessible state,
        // but no error codes or messages: the emulator's wording.
        public static readonly ServiceErrorTable PostgreSql = new("Microsoft.DBforPostgreSQL", "https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-data-encryption",
            new ServiceKeyRules(SameRegion: true, MinimumRsaSize: 2048, new[] { "get", "list", "wrapKey", "unwrapKey" }, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            PostgreSqlRules(Undocumented("server", "server's user-assigned identity")));

        private static Dictionary<CmkCheck, Entry> PostgreSqlRules(Dictionary<CmkCheck, Entry> entries)
        {
            entries[CmkCheck.RegionMismatch] = new("BadRequest", "The key vault '{vaultUri}' must be in the same region as the server.", false);
            entries[CmkCheck.OnlyAtCreation] = new("BadRequest",
                "The data encryption type of a server is chosen when it is created and cannot be changed; this server uses {detail}.", false);
            return entries;
        }

        // ---------------------------------------------------------------------------------------------------------
        // Recovery Services vaults: encryption-at-rest-with-cmk documents the rules (only on a vault that never protected
        // or registered items; cannot be reverted; vault in the same region; Get, List, Wrap Key, Unwrap Key) and says
        // progress shows as a Backup job, with no error codes or messages: the emulator's wording.
        public static readonly ServiceErrorTable RecoveryServices = new("Microsoft.RecoveryServices", "https://learn.microsoft.com/azure/backup/encryption-at-rest-with-cmk",
            new ServiceKeyRules(SameRegion: true, MinimumRsaSize: 2048, new[] { "get", "list", "wrapKey", "unwrapKey" }, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            VaultRules(Undocumented("Recovery Services vault", "vault's managed identity")));

        private static Dictionary<CmkCheck, Entry> VaultRules(Dictionary<CmkCheck, Entry> entries)
        {
            entries[CmkCheck.RegionMismatch] = new("BadRequest", "The key vault '{vaultUri}' must be in the same region as the Recovery Services vault.", false);
            entries[CmkCheck.ResourceNotEmpty] = new("BadRequest",
                "Customer-managed key encryption can be enabled only on a vault that has never had items protected or registered; this vault protects {detail} item(s).", false);
            entries[CmkCheck.CannotDisable] = new("BadRequest",
                "Customer-managed key encryption cannot be reverted to platform-managed keys; only the key can be changed.", false);
            return entries;
        }

        private static Dictionary<CmkCheck, Entry> Registry(Dictionary<CmkCheck, Entry> entries)
        {
            entries[CmkCheck.SkuNotSupported] = new("BadRequest",
                "Customer-managed key encryption is supported only for registries in the Premium tier; this registry is {detail}.", false);
            entries[CmkCheck.OnlyAtCreation] = new("BadRequest",
                "Customer-managed key encryption can be enabled only when a registry is created.", false);
            entries[CmkCheck.CannotDisable] = new("BadRequest",
                "Customer-managed key encryption cannot be disabled once it is enabled on a registry.", false);
            return entries;
        }

        private static Dictionary<CmkCheck, Entry> Messaging(Dictionary<CmkCheck, Entry> entries, string tiers, string entities)
        {
            entries[CmkCheck.SkuNotSupported] = new("BadRequest",
                "Customer-managed key encryption is supported only for namespaces in the " + tiers + " tier; this namespace is {detail}.", false);
            entries[CmkCheck.ResourceNotEmpty] = new("BadRequest",
                "Encryption can be enabled only for new or empty namespaces; this namespace contains {detail} " + entities + ".", false);
            return entries;
        }

        // ---------------------------------------------------------------------------------------------------------
        // Azure Storage accounts: customer-managed-keys-overview documents the requirements (RSA or RSA-HSM 2048/3072/
        // 4096, soft delete + purge protection, Get/WrapKey/UnwrapKey, any region) and, as its only error, HTTP 403 on
        // data operations once the key is revoked; the 2023-05-01 spec declares no error schema. No management-plane
        // code or message is documented: all entries are the emulator's wording.
        public static readonly ServiceErrorTable Storage = new("Microsoft.Storage", "https://learn.microsoft.com/azure/storage/common/customer-managed-keys-overview",
            new ServiceKeyRules(SameRegion: false, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            Undocumented("storage account", "account's managed identity"));

        // ---------------------------------------------------------------------------------------------------------
        // Disk encryption sets: disk-encryption and disks-enable-customer-managed-keys-powershell document the rules
        // (RSA 2048/3072/4096, purge protection, the vault in the set's region, wrapkey/unwrapkey/get for the set's
        // system-assigned identity) but no error codes for them: the emulator's wording (ARM's CloudError shape).
        public static readonly ServiceErrorTable DiskEncryptionSet = new("Microsoft.Compute", "https://learn.microsoft.com/azure/virtual-machines/disk-encryption",
            new ServiceKeyRules(SameRegion: true, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            Undocumented("disk encryption set", "set's system-assigned identity"));

        // ---------------------------------------------------------------------------------------------------------
        // Azure SQL TDE protector: transparent-data-encryption-byok-overview documents the rules (RSA or RSA-HSM 2048 or
        // 3072, soft delete + purge protection checked when the protector is set, get/wrapKey/unwrapKey, any region) and,
        // for a user-assigned identity without access, a message naming the identity and the missing permissions
        // (byok-identity) without a code: the emulator's wording.
        public static readonly ServiceErrorTable SqlServer = new("Microsoft.Sql", "https://learn.microsoft.com/azure/azure-sql/database/transparent-data-encryption-byok-overview",
            new ServiceKeyRules(SameRegion: false, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false),
            Undocumented("SQL server", "server's managed identity"));

        // ---------------------------------------------------------------------------------------------------------
        // Log Analytics dedicated clusters: customer-managed-keys, "Troubleshooting > Error messages > Cluster Update"
        // documents HTTP 400 with messages and no codes (ARM's generic "BadRequest" here, as for NetApp Files): "Key isn't
        // recoverable" for soft delete / purge protection, "Failed to validate key in Key Vault" for missing permissions
        // or key, "KeyVaultProperties isn't empty but has a bad format". Vault, cluster and workspaces share a region;
        // Azure Monitor is not a trusted service (overview-vnet-service-endpoints), so only a private endpoint gets it
        // through a closed vault. The remaining entries are the emulator's wording.
        private const string LogAnalyticsKeyValidation = "Failed to validate key in Key Vault. Could be due to lack of permissions or when key doesn't exist.";
        private const string LogAnalyticsBadFormat = "KeyVaultProperties isn't empty but has a bad format.";

        public static readonly ServiceErrorTable LogAnalytics = new("Microsoft.OperationalInsights", "https://learn.microsoft.com/azure/azure-monitor/logs/customer-managed-keys",
            new ServiceKeyRules(SameRegion: true, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: true, TrustedService: false),
            new Dictionary<CmkCheck, Entry>(Undocumented("Log Analytics cluster", "cluster's managed identity"))
            {
                [CmkCheck.InvalidUri] = new("BadRequest", LogAnalyticsBadFormat),
                [CmkCheck.InvalidScheme] = new("BadRequest", LogAnalyticsBadFormat),
                [CmkCheck.InvalidHost] = new("BadRequest", LogAnalyticsBadFormat),
                [CmkCheck.SoftDeleteDisabled] = new("BadRequest", "Key isn't recoverable. Key Vault must be set to Soft-delete and Purge-protection."),
                [CmkCheck.PurgeProtectionDisabled] = new("BadRequest", "Key isn't recoverable. Key Vault must be set to Soft-delete and Purge-protection."),
                [CmkCheck.VaultNotFound] = new("BadRequest", LogAnalyticsKeyValidation),
                [CmkCheck.KeyNotFound] = new("BadRequest", LogAnalyticsKeyValidation),
                [CmkCheck.NoAccess] = new("BadRequest", LogAnalyticsKeyValidation),
                [CmkCheck.FirewallBlocked] = new("BadRequest", LogAnalyticsKeyValidation),
                [CmkCheck.RegionMismatch] = new("BadRequest", "The key vault '{vaultUri}' must be in the cluster's region.", false),
            });

        // ---------------------------------------------------------------------------------------------------------
        // Azure Cosmos DB: cmk-troubleshooting-guide names each revocation error by its message (no codes; ARM's generic
        // BadRequest is used). Cosmos DB reaches the vault over public access or the trusted-services bypass, never a
        // private endpoint (how-to-setup-customer-managed-keys); the vault may be in another region.
        private const string CosmosDbUnauthorized = "Default Identity is unauthorized to access the Azure Key Vault key.";
        private const string CosmosDbBadUri = "Improper Syntax Detected on the Key Vault URI Property.";

        public static readonly ServiceErrorTable CosmosDb = new("Microsoft.DocumentDB/databaseAccounts", "https://learn.microsoft.com/azure/cosmos-db/cmk-troubleshooting-guide",
            new ServiceKeyRules(SameRegion: false, MinimumRsaSize: 2048, ServiceKeyRules.WrapPermissions, ServiceKeyRules.WrapDataActions,
                ServiceKeyRules.WrapOps, PrivateEndpointReachesFirewalledVault: false, TrustedService: true),
            new Dictionary<CmkCheck, Entry>(Undocumented("Cosmos DB account", "account's default identity"))
            {
                [CmkCheck.InvalidUri] = new("BadRequest", CosmosDbBadUri),
                [CmkCheck.InvalidScheme] = new("BadRequest", CosmosDbBadUri),
                [CmkCheck.InvalidHost] = new("BadRequest", CosmosDbBadUri),
                [CmkCheck.VaultNotFound] = new("BadRequest", "Unable to Resolve the Key Vault's DNS."),
                [CmkCheck.KeyNotFound] = new("BadRequest", "Customer Managed Key does not exist."),
                [CmkCheck.KeyDisabled] = new("BadRequest", CosmosDbUnauthorized),
                [CmkCheck.KeyExpired] = new("BadRequest", CosmosDbUnauthorized),
                [CmkCheck.NoAccess] = new("BadRequest", CosmosDbUnauthorized),
                [CmkCheck.SystemIdentityMissing] = new("BadRequest", "Invalid Azure Cosmos DB default identity."),
                [CmkCheck.UserIdentityMissing] = new("BadRequest", "Invalid Azure Cosmos DB default identity."),
                [CmkCheck.OnlyAtCreation] = new("BadRequest", "Enabling customer-managed keys on an existing Azure Cosmos DB for Apache Cassandra account is not supported.", false),
                [CmkCheck.CannotDisable] = new("BadRequest", "Customer-managed key encryption cannot be reverted once it has started.", false),
            });

        private static Dictionary<CmkCheck, Entry> Undocumented(string what, string identity) => new()
        {
            [CmkCheck.RegionMismatch] = new("KeyVaultRegionMismatch", "The key vault '{vaultUri}' must be in the same region as the " + what + ".", false),
            [CmkCheck.InvalidUri] = new("InvalidKeyVaultUri", "The key identifier '{keyUri}' is not a valid Key Vault key URI.", false),
            [CmkCheck.InvalidScheme] = new("InvalidKeyVaultUri", "The key identifier '{keyUri}' must use https.", false),
            [CmkCheck.InvalidHost] = new("InvalidKeyVaultUri", "The key identifier '{keyUri}' does not point to an Azure Key Vault.", false),
            [CmkCheck.VaultNotFound] = new("KeyVaultNotFound", "The key vault '{vaultUri}' was not found.", false),
            [CmkCheck.SoftDeleteDisabled] = new("KeyVaultSoftDeleteNotEnabled", "The key vault '{vaultUri}' must have soft delete enabled to encrypt a " + what + ".", false),
            [CmkCheck.PurgeProtectionDisabled] = new("KeyVaultPurgeProtectionNotEnabled", "The key vault '{vaultUri}' must have purge protection enabled to encrypt a " + what + ".", false),
            [CmkCheck.KeyNotFound] = new("KeyNotFound", "The key '{keyUri}' was not found.", false),
            [CmkCheck.KeyNotRsa] = new("InvalidKeyType", "The key '{keyUri}' must be an RSA key.", false),
            [CmkCheck.KeyTooSmall] = new("InvalidKeySize", "The key '{keyUri}' must be an RSA key of 2048 bits or more.", false),
            [CmkCheck.KeyDisabled] = new("KeyDisabled", "The key '{keyUri}' is disabled.", false),
            [CmkCheck.KeyExpired] = new("KeyExpired", "The key '{keyUri}' has expired.", false),
            [CmkCheck.KeyNotActive] = new("KeyNotActive", "The key '{keyUri}' is not active yet.", false),
            [CmkCheck.KeyOperationsMissing] = new("KeyOperationNotPermitted", "The key '{keyUri}' does not permit the wrapKey and unwrapKey operations.", false),
            [CmkCheck.SystemIdentityMissing] = new("IdentityNotFound", "The " + what + " needs a system-assigned managed identity to use a customer-managed key.", false),
            [CmkCheck.UserIdentityMissing] = new("IdentityNotFound", "The user-assigned identity for the " + what + " was not found.", false),
            [CmkCheck.FirewallBlocked] = new("KeyVaultAccessForbidden", "The key vault '{vaultUri}' firewall does not allow access from trusted Azure services.", false),
            [CmkCheck.NoAccess] = new("KeyVaultAccessForbidden", "The " + identity + " does not have Get, WrapKey and UnwrapKey permissions on the key '{keyUri}'.", false),
        };
    }
}
