using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure Cosmos DB accounts, api-version 2024-05-15: properties.keyVaultKeyUri (the versionless key identifier) and
    /// properties.defaultIdentity (FirstPartyIdentity | SystemAssignedIdentity | UserAssignedIdentity=&lt;id&gt;), written
    /// by DatabaseAccounts_Update (PATCH, long-running). On an existing account the PATCH starts a background job that
    /// encrypts the existing data; its Azure-AsyncOperation ends when that job does.
    /// </summary>
    /// <remarks>
    /// The account reaches its key with its default identity. The module sets it to one of the account's managed
    /// identities in the same PATCH as the key; the first-party principal, which the service uses when none is set, has a
    /// per-tenant object id that the management plane does not show, so an account left on it has no identity the
    /// requirement engine can check. The service always uses the key's current version (the URI carries none), so key
    /// versions roll forward by themselves. Encryption cannot be reversed once started, so Disable is refused.
    /// </remarks>
    public sealed class CosmosDbAccountAdapter : CmkServiceAdapter
    {
        public const string Docs = "https://learn.microsoft.com/azure/cosmos-db/how-to-setup-customer-managed-keys";
        public const string ExistingAccountDocs = "https://learn.microsoft.com/azure/cosmos-db/how-to-setup-customer-managed-keys-existing-accounts";
        public const string ManagedHsmDocs = "https://learn.microsoft.com/azure/cosmos-db/how-to-setup-customer-managed-keys-mhsm";
        public const string TroubleshootingDocs = "https://learn.microsoft.com/azure/cosmos-db/cmk-troubleshooting-guide";
        public const string CrossTenantDocs = "https://learn.microsoft.com/azure/cosmos-db/how-to-setup-cross-tenant-customer-managed-keys";
        public const string Spec = "azure-specs/cosmos-db/resource-manager/Microsoft.DocumentDB/stable/2024-05-15/cosmos-db.json";

        public const string CassandraNotSupportedId = "CosmosDbCassandraAccountNotSupported";

        public override CmkService Service => CmkService.CosmosDbAccount;
        public override string ResourceType => "Microsoft.DocumentDB/databaseAccounts";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.CosmosDbAccount,
            DisplayName = "Azure Cosmos DB",
            UsesCurrentVersionOnly = true,
            Firewall = FirewallRule.PublicOrTrustedServices,
            WhenKeyCanBeSet = "at creation or on an existing account (not an API for Apache Cassandra account); once set it cannot be removed",
            Sources = new[] { Docs, ExistingAccountDocs, ManagedHsmDocs, TroubleshootingDocs, CrossTenantDocs, Spec },
            Notes = new[]
            {
                "RSA keys; 3072 bits or more are recommended, no smaller size is refused by the documentation, so RSA/RSA-HSM 2048+ applies (how-to-setup-customer-managed-keys).",
                "Soft delete and purge protection; Get, Wrap Key, Unwrap Key or Key Vault Crypto Service Encryption User for the account's default identity (how-to-setup-customer-managed-keys).",
                "The vault must allow public network access or let trusted Microsoft services through its firewall; a vault reachable only through private endpoints cannot hold the key (how-to-setup-customer-managed-keys, Configure your Azure Key Vault instance). Key Vault's own trusted-services page does not list Cosmos DB; the Cosmos DB page, which is specific, is followed.",
                "The vault may be in another region (how-to-setup-customer-managed-keys). A key in another tenant is reached through a user-assigned identity federated with a multi-tenant application: defaultIdentity UserAssignedIdentity=<id>&FederatedClientId=<application id> (how-to-setup-cross-tenant-customer-managed-keys).",
                "keyVaultKeyUri is the key identifier without its version: the service uses the key's current version, and a new version or Key Vault auto-rotation is picked up by itself; keep the previous version enabled until no use is logged (how-to-setup-customer-managed-keys).",
                "Enabling on an existing account starts an asynchronous encryption of the existing data (Azure-AsyncOperation); the account stays usable, control-plane changes such as adding a region wait for it; document ids must be 990 bytes or less (how-to-setup-customer-managed-keys-existing-accounts).",
                "Not for existing API for Apache Cassandra accounts; an account with continuous backup takes the key only through a user-assigned identity (how-to-setup-customer-managed-keys-existing-accounts, Known limitations).",
                "Once encryption has started it cannot be reversed: there is no way back to Microsoft-managed keys (how-to-setup-customer-managed-keys-existing-accounts, FAQ).",
                "Managed HSM keys are supported (how-to-setup-customer-managed-keys-mhsm).",
            },
        };

        public static class DetailKeys
        {
            public const string DefaultIdentity = "defaultIdentity";
            public const string CustomerManagedKeyStatus = "customerManagedKeyStatus";
            public const string BackupPolicy = "backupPolicy";
            public const string FederatedClientId = "federatedClientId";
        }

        public const string FirstPartyIdentity = "FirstPartyIdentity";
        public const string SystemAssignedIdentity = "SystemAssignedIdentity";
        public const string UserAssignedIdentityPrefix = "UserAssignedIdentity=";
        public const string FederatedClientIdSeparator = "&FederatedClientId=";

        /// <summary>Told with the state of an account that reaches its key with the Azure Cosmos DB first-party principal.</summary>
        public const string FirstPartyNote =
            "The account reaches its key with the Azure Cosmos DB first-party principal (defaultIdentity FirstPartyIdentity), whose access is not checked here; Set-AzCmkEncryption moves it to a managed identity.";

        private static string? KeyUri(JsonObject account) => account.Str("properties", "keyVaultKeyUri") is { Length: > 0 } uri ? uri : null;

        private static string? DefaultIdentity(JsonObject account) => account.Str("properties", "defaultIdentity");

        /// <summary>
        /// The managed identity named by defaultIdentity; without one (the first-party principal, or nothing set), the
        /// account's system-assigned identity while no key is set, which is the identity Set uses by default.
        /// </summary>
        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            if (UserAssignedDefault(resource) is { } user) return FromManagedIdentity(resource, user.Identity);
            if (string.Equals(DefaultIdentity(resource), SystemAssignedIdentity, StringComparison.OrdinalIgnoreCase) || KeyUri(resource) == null)
                return FromManagedIdentity(resource, null);
            return TargetIdentity.None;
        }

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var account = resource.Json;
            var status = account.Str("properties", "provisioningState");
            var keyUri = KeyUri(account);
            if (keyUri == null) return CmkEncryptionState.MicrosoftManaged(null) with { ServiceStatus = status };
            var keyStatus = account.Str("properties", "customerManagedKeyStatus");
            var state = CustomerKeyState(keyUri, null, keyStatus ?? status) with
            {
                Details = new Dictionary<string, string?>
                {
                    [DetailKeys.DefaultIdentity] = DefaultIdentity(account),
                    [DetailKeys.CustomerManagedKeyStatus] = keyStatus,
                    [DetailKeys.BackupPolicy] = BackupPolicyType(account),
                    [DetailKeys.FederatedClientId] = FederatedClientIdOf(account),
                },
            };
            var identity = ReadIdentity(account);
            var notes = new List<string> { $"{DisplayName} always uses the current version of key '{state.KeyName}'." };
            if (IsFirstParty(account)) notes.Add(FirstPartyNote);
            return WithIdentity(state with { Notes = notes }, identity);
        }

        /// <summary>
        /// defaultIdentity "UserAssignedIdentity={identity id}[&amp;FederatedClientId={application id}]" split in two (no
        /// application for a same-tenant identity); null when the default identity is not a user-assigned one.
        /// </summary>
        private static (string Identity, string? FederatedClientId)? UserAssignedDefault(JsonObject account)
        {
            var chosen = DefaultIdentity(account);
            if (chosen == null || !chosen.StartsWith(UserAssignedIdentityPrefix, StringComparison.OrdinalIgnoreCase)) return null;
            var value = chosen.Substring(UserAssignedIdentityPrefix.Length);
            var at = value.IndexOf(FederatedClientIdSeparator, StringComparison.OrdinalIgnoreCase);
            return at < 0 ? (value, null) : (value.Substring(0, at), value.Substring(at + FederatedClientIdSeparator.Length));
        }

        private static string? FederatedClientIdOf(JsonObject account) => UserAssignedDefault(account)?.FederatedClientId;

        protected override bool AcceptsFederatedClientId => true;

        private static bool IsFirstParty(JsonObject account)
            => DefaultIdentity(account) is not { Length: > 0 } chosen || string.Equals(chosen, FirstPartyIdentity, StringComparison.OrdinalIgnoreCase);

        /// <summary>Microsoft.DocumentDB's identity type spells "both" without a space.</summary>
        protected override string? CombinedIdentityType => "SystemAssigned,UserAssigned";

        private static string? BackupPolicyType(JsonObject account) => account.Str("properties", "backupPolicy", "type");

        /// <summary>An API for Apache Cassandra account carries the EnableCassandra capability.</summary>
        private static bool IsCassandraApi(JsonObject account)
            => account.Objects("properties", "capabilities").Any(c => string.Equals(c.Str("name"), "EnableCassandra", StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// The documented limits of an existing account, before any write: no API for Apache Cassandra account, and a
        /// user-assigned identity for an account with continuous backup (existing-accounts, Known limitations and
        /// continuous backup steps). An account already under exactly this key passes: a second Set writes nothing.
        /// </summary>
        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            base.ValidateEnable(resource, request);
            RequireUserAssignedForFederation(resource, request);
            if (IsConfigured(resource, request)) return;
            if (KeyUri(resource.Json) == null && IsCassandraApi(resource.Json))
            {
                throw CmkErrors.Create(CassandraNotSupportedId, resource.Id,
                    $"Cosmos DB account {resource.Name} uses the API for Apache Cassandra, on which a customer-managed key cannot be enabled after creation.");
            }
            if (request.Identity.Type == CmkIdentityType.SystemAssigned
                && string.Equals(BackupPolicyType(resource.Json), "Continuous", StringComparison.OrdinalIgnoreCase))
            {
                throw CmkErrors.Create("IdentityTypeNotSupported", resource.Id,
                    $"Cosmos DB account {resource.Name} has continuous backup, for which only a user-assigned identity can reach the key; pass -UserAssignedIdentityId.");
            }
        }

        /// <summary>
        /// The service keeps no version, so a versionless -KeyUri or a versioned one is configured when the key, the default
        /// identity and the cross-tenant application asked for (if any) match.
        /// </summary>
        public override bool IsConfigured(CmkResource resource, CmkEnableRequest request)
            => base.IsConfigured(resource, request with { Key = request.Key.WithVersion(null) })
               && (request.FederatedClientId == null || string.Equals(FederatedClientIdOf(resource.Json), request.FederatedClientId, StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// One PATCH with the versionless key and the default identity (Microsoft.DocumentDB's identity reference: the
        /// system-assigned identity by name, a user-assigned one by resource id).
        /// </summary>
        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var key = request.Key.VersionlessUri;
            var identity = request.Identity.Type == CmkIdentityType.UserAssigned
                ? UserAssignedIdentityPrefix + request.Identity.UserAssignedIdentityId
                  + (FederationToWrite(resource, request) is { } application ? FederatedClientIdSeparator + application : "")
                : SystemAssignedIdentity;
            var body = new JsonObject
            {
                ["properties"] = new JsonObject { ["keyVaultKeyUri"] = key, ["defaultIdentity"] = identity },
            };
            var what = $"use key {key} with default identity {identity}"
                + (request.Key.IsVersioned ? " (Cosmos DB uses the key's current version; the version given is not stored)" : "")
                + (KeyUri(resource.Json) == null ? "; the service then encrypts the account's existing data in the background, which cannot be reversed" : "");
            return new[] { ResourceWrite.Patch(resource.Id, body, what) };
        }

        /// <summary>
        /// The application asked for, else the one the account already pairs with the same identity: defaultIdentity is one
        /// string, so writing the identity alone would cut a cross-tenant account off its key.
        /// </summary>
        private static string? FederationToWrite(CmkResource resource, CmkEnableRequest request)
            => request.FederatedClientId
               ?? (UserAssignedDefault(resource.Json) is { } current
                   && string.Equals(current.Identity, request.Identity.UserAssignedIdentityId, StringComparison.OrdinalIgnoreCase)
                       ? current.FederatedClientId
                       : null);

        protected override string? DisableUnsupportedReason =>
            "once customer-managed key encryption has started on an account it cannot be reversed (how-to-setup-customer-managed-keys-existing-accounts). Rotate the key with Update-AzCmkKeyVersion, or move the data to a new account created without a key.";
    }
}
