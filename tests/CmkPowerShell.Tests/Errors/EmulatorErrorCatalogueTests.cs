using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.Azure;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Errors
{
    /// <summary>
    /// The demo emulator for the error table: no Retry-After header (so the session's own short poll interval
    /// applies), short LROs, and an admin session that never retries (a retry would hide a 429, 503 or 504).
    /// </summary>
    public sealed class CatalogueEmulator : IAsyncLifetime
    {
        public EmulatorServer Server { get; private set; } = null!;
        public CmkSession Admin { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await EmulatorServer.StartAsync(new EmulatorOptions { Scenario = "demo", LroDelay = TimeSpan.FromMilliseconds(100), RetryAfter = null });
            Admin = await ConnectAsync();
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();

        public string Rg => $"/subscriptions/{Server.SubscriptionId}/resourceGroups/rg-cmk-demo";
        public string Kusto => Rg + "/providers/Microsoft.Kusto/clusters/kusto-demo";
        public string NetApp => Rg + "/providers/Microsoft.NetApp/netAppAccounts/anf-demo";
        public string DataBox => Rg + "/providers/Microsoft.DataBox/jobs/databox-demo";
        public string CassandraDc => Rg + "/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo/dataCenters/dc1";
        public string Batch => Rg + "/providers/Microsoft.Batch/batchAccounts/batchdemo";
        public string LaCluster => Rg + "/providers/Microsoft.OperationalInsights/clusters/la-cluster-demo";
        public string Cosmos => Rg + "/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-demo";
        public string Vault(string name) => Rg + "/providers/Microsoft.KeyVault/vaults/" + name;

        public Task<CmkSession> ConnectAsync(Action<CmkConnectionOptions>? configure = null)
        {
            var options = new CmkConnectionOptions
            {
                ResourceManagerEndpoint = Server.Endpoint,
                TrustedCertificateThumbprint = Server.CertificateThumbprint,
                CredentialKind = CmkCredentialKind.AccessToken,
                AccessToken = TestTokens.Secure(Server.AdminToken),
                Transport = new CmkTransportOptions
                {
                    MaxRetries = 0,
                    RetryDelay = TimeSpan.FromMilliseconds(5),
                    MaxRetryDelay = TimeSpan.FromMilliseconds(50),
                    DefaultPollInterval = TimeSpan.FromMilliseconds(25),
                    NetworkTimeout = TimeSpan.FromSeconds(20),
                },
            };
            configure?.Invoke(options);
            return CmkSession.ConnectAsync(options, new RecordingHost());
        }

        public Task<CmkSession> ConnectAsAsync(string token) => ConnectAsync(o => o.AccessToken = TestTokens.Secure(token));

        // ---- the writes each service takes a key with (bodies as in the emulator's own service tests) ----

        public static JsonObject KustoKey(string vault, string key = "cmk") => KeyVaultPropertiesKey($"https://{vault}.vault.azure.net/", key);

        /// <summary>properties.keyVaultProperties {keyVaultUri, keyName, keyVersion}: Data Explorer and Log Analytics clusters.</summary>
        public static JsonObject KeyVaultPropertiesKey(string vaultUri, string key = "cmk") => new()
        {
            ["properties"] = new JsonObject
            {
                ["keyVaultProperties"] = new JsonObject { ["keyVaultUri"] = vaultUri, ["keyName"] = key, ["keyVersion"] = "" },
            },
        };

        public static JsonObject NetAppKey(string vaultUri, string key = "cmk") => new()
        {
            ["properties"] = new JsonObject
            {
                ["encryption"] = new JsonObject
                {
                    ["keySource"] = "Microsoft.KeyVault",
                    ["keyVaultProperties"] = new JsonObject { ["keyVaultUri"] = vaultUri, ["keyName"] = key },
                },
            },
        };

        public static JsonObject DataBoxKek(string keyUrl) => new()
        {
            ["properties"] = new JsonObject
            {
                ["details"] = new JsonObject
                {
                    ["keyEncryptionKey"] = new JsonObject
                    {
                        ["kekType"] = "CustomerManaged", ["kekUrl"] = keyUrl, ["identityProperties"] = new JsonObject { ["type"] = "SystemAssigned" },
                    },
                },
            },
        };

        public static JsonObject CassandraKey(string keyUri) => new() { ["properties"] = new JsonObject { ["managedDiskCustomerKeyUri"] = keyUri } };

        public static JsonObject BatchKey(string keyId) => new()
        {
            ["properties"] = new JsonObject
            {
                ["encryption"] = new JsonObject { ["keySource"] = "Microsoft.KeyVault", ["keyVaultProperties"] = new JsonObject { ["keyIdentifier"] = keyId } },
            },
        };

        public static readonly HttpMethod Patch = new("PATCH");

        public Task<JsonObject?> PatchKusto(string vault, string key = "cmk") => Admin.SendAsync(Patch, Kusto, KustoKey(vault, key), CancellationToken.None);
        public Task<JsonObject?> PatchNetApp(string vault, string key = "cmk") => PatchNetAppUri($"https://{vault}.vault.azure.net/", key);
        public Task<JsonObject?> PatchNetAppUri(string vaultUri, string key = "cmk") => Admin.SendAsync(Patch, NetApp, NetAppKey(vaultUri, key), CancellationToken.None);
        public Task<JsonObject?> PatchDataBox(string keyUrl) => Admin.SendAsync(Patch, DataBox, DataBoxKek(keyUrl), CancellationToken.None);
        public Task<JsonObject?> PatchCassandra() => Admin.SendAsync(Patch, CassandraDc, CassandraKey("https://kv-good.vault.azure.net/keys/cmk"), CancellationToken.None);
        public Task<JsonObject?> PatchLaCluster(string vaultUri, string key = "cmk") => Admin.SendAsync(Patch, LaCluster, KeyVaultPropertiesKey(vaultUri, key), CancellationToken.None);
        /// <summary>properties.keyVaultKeyUri + defaultIdentity: a Cosmos DB account's key, checked in its encryption operation.</summary>
        public Task<JsonObject?> PatchCosmos(string keyUri, string defaultIdentity = "SystemAssignedIdentity")
            => Admin.SendAsync(Patch, Cosmos, new JsonObject
            {
                ["properties"] = new JsonObject { ["keyVaultKeyUri"] = keyUri, ["defaultIdentity"] = defaultIdentity },
            }, CancellationToken.None);
        public Task<JsonObject?> PatchBatch() => Admin.SendAsync(Patch, Batch, BatchKey("https://kv-rbac.vault.azure.net/keys/cmk"), CancellationToken.None);

        /// <summary>The service accepts the write (201/202), then its operation ends Failed with this error.</summary>
        public void FailOperation(string pathPattern, string code, string message)
            => Server.Faults.Add(new FaultRule("PATCH", pathPattern, 1, 400, code, message, FailLongRunningOperation: true));

        /// <summary>The request is answered at once with this status and error body.</summary>
        public void FailAtOnce(string method, string pathPattern, int status, string code, string message = "Injected by the error table.")
            => Server.Faults.Add(new FaultRule(method, pathPattern, 1, status, code, message));
    }

    /// <summary>How a case reached the error: the emulator's own behaviour, or an injected fault.</summary>
    public enum Provoked { RealBehaviour, Fault }

    /// <param name="Origin">Where the service reported it; null when the engine raised it itself (no service answer to read).</param>
    public sealed record ErrorCase(string ErrorId, string Operation, Provoked How, ServiceErrorOrigin? Origin, Func<CatalogueEmulator, Task> Provoke)
    {
        public string Name => $"{ErrorId} <- {Operation}";
    }

    /// <summary>
    /// Issue 3's table: for every catalogue entry a service (or ARM, or the transport) can return, the emulator returns
    /// it on the operation where the service does, through the real CmkSession, and the error comes out typed by its
    /// family with the catalogue's id, category and fix.
    /// </summary>
    public class EmulatorErrorCatalogueTests : IClassFixture<CatalogueEmulator>
    {
        private readonly CatalogueEmulator _e;
        public EmulatorErrorCatalogueTests(CatalogueEmulator emulator) { _e = emulator; }

        private const string KustoPatch = "/clusters/kusto-demo$";
        private const string NetAppPatch = "/netAppAccounts/anf-demo$";
        private const string DataBoxPatch = "/jobs/databox-demo$";
        private const string CassandraPatch = "/dataCenters/dc1$";
        private const string BatchPatch = "/batchAccounts/batchdemo$";
        private const string LaClusterPatch = "/clusters/la-cluster-demo$";
        private const string CosmosPatch = "/databaseAccounts/cosmos-demo$";
        private const string Sync = nameof(ServiceErrorOrigin.Synchronous);

        private static ErrorCase Real(string id, string operation, ServiceErrorOrigin? origin, Func<CatalogueEmulator, Task> provoke)
            => new(id, operation, Provoked.RealBehaviour, origin, provoke);

        private static ErrorCase Fault(string id, string operation, ServiceErrorOrigin? origin, Func<CatalogueEmulator, Task> provoke)
            => new(id, operation, Provoked.Fault, origin, provoke);

        private static ErrorCase DataBoxReal(string id, string keyUrl)
            => Real(id, "Data Box PATCH " + keyUrl, ServiceErrorOrigin.LongRunningOperation, e => e.PatchDataBox(keyUrl));

        private static ErrorCase DataBoxFault(string id, string code, string message)
            => Fault(id, "Data Box PATCH, operation failed with " + code, ServiceErrorOrigin.LongRunningOperation, e =>
            {
                e.FailOperation(DataBoxPatch, code, message);
                return e.PatchDataBox("https://kv-good.vault.azure.net/keys/cmk");
            });

        private static ErrorCase KustoReal(string id, string vault, string key = "cmk")
            => Real(id, $"Kusto PATCH {vault}/{key}", ServiceErrorOrigin.LongRunningOperation, e => e.PatchKusto(vault, key));

        private static ErrorCase KustoFault(string id, string code, string message)
            => Fault(id, "Kusto PATCH, operation failed with " + code, ServiceErrorOrigin.LongRunningOperation, e =>
            {
                e.FailOperation(KustoPatch, code, message);
                return e.PatchKusto("kv-good");
            });

        private static ErrorCase NetAppReal(string id, string vault, string key = "cmk")
            => Real(id, $"NetApp account PATCH {vault}/{key}", ServiceErrorOrigin.LongRunningOperation, e => e.PatchNetApp(vault, key));

        private static ErrorCase LaClusterReal(string id, string vaultUri, string key = "cmk")
            => Real(id, $"Log Analytics cluster PATCH (synchronous) {vaultUri} {key}", ServiceErrorOrigin.Synchronous, e => e.PatchLaCluster(vaultUri, key));

        private static ErrorCase CosmosReal(string id, string keyUri, string defaultIdentity = "SystemAssignedIdentity")
            => Real(id, $"Cosmos DB account PATCH {keyUri} ({defaultIdentity})", ServiceErrorOrigin.LongRunningOperation, e => e.PatchCosmos(keyUri, defaultIdentity));

        private static ErrorCase CosmosFault(string id, string message)
            => Fault(id, "Cosmos DB account PATCH, operation failed with: " + message, ServiceErrorOrigin.LongRunningOperation, e =>
            {
                e.FailOperation(CosmosPatch, "BadRequest", message);
                return e.PatchCosmos("https://kv-good.vault.azure.net/keys/cmk");
            });

        private static ErrorCase CassandraFault(string id, string code, string message)
            => Fault(id, "Cassandra data center PATCH, operation failed with " + code, ServiceErrorOrigin.LongRunningOperation, e =>
            {
                e.FailOperation(CassandraPatch, code, message);
                return e.PatchCassandra();
            });

        private static ErrorCase BatchFault(string id, string code, string message)
            => Fault(id, "Batch PATCH (synchronous) answered 400 " + code, ServiceErrorOrigin.Synchronous, e =>
            {
                e.FailAtOnce("PATCH", BatchPatch, 400, code, message);
                return e.PatchBatch();
            });

        private static ErrorCase ArmFault(string id, string method, int status, string code, string? message = null)
            => Fault(id, $"{method} Kusto answered {status} {code}", ServiceErrorOrigin.Synchronous, e =>
            {
                e.FailAtOnce(method, KustoPatch, status, code, message ?? "Injected by the error table.");
                return method == "GET"
                    ? e.Admin.GetAsync(e.Kusto, CancellationToken.None)
                    : e.PatchKusto("kv-good");
            });

        private static ErrorCase KeyVaultFault(string id, string code)
            => Fault(id, "GET vault keys answered 403 " + code, ServiceErrorOrigin.Synchronous, e =>
            {
                e.FailAtOnce("GET", "/vaults/kv-good/keys$", 403, code, "Injected by the error table.");
                return e.Admin.ListAsync(e.Vault("kv-good") + "/keys", CancellationToken.None);
            });

        private static ErrorCase NetAppVolumeFault(string id, string message)
            => Fault(id, "NetApp volume PUT answered 400 BadRequest", ServiceErrorOrigin.Synchronous, e =>
            {
                var volume = e.NetApp + "/capacityPools/pool1/volumes/vol-cmk";
                e.FailAtOnce("PUT", "/volumes/vol-cmk$", 400, "BadRequest", message);
                return e.Admin.SendAsync(HttpMethod.Put, volume, new JsonObject
                {
                    ["location"] = "westeurope",
                    ["properties"] = new JsonObject { ["creationToken"] = "vol-cmk", ["encryptionKeySource"] = "Microsoft.KeyVault" },
                }, CancellationToken.None);
            });

        public static readonly IReadOnlyList<ErrorCase> Cases = new[]
        {
            // ---- Data Box: the SsemUserError* table, at the end of the order's Location-polled PATCH ----
            DataBoxReal("DataBoxEncryptionKeyDisabled", "https://kv-good.vault.azure.net/keys/disabled-key"),
            DataBoxReal("DataBoxEncryptionKeyExpired", "https://kv-good.vault.azure.net/keys/expired-key"),
            DataBoxReal("DataBoxKeyDetailsNotFound", "https://kv-good.vault.azure.net/keys/nope"),
            DataBoxReal("DataBoxKeyVaultBadRequestException", "https://kv-firewall.vault.azure.net/keys/cmk"),
            DataBoxReal("DataBoxKeyVaultDetailsNotFound", "https://kv-missing.vault.azure.net/keys/cmk"),
            DataBoxFault("DataBoxSystemAssignedIdentityAbsent", "SsemUserErrorSystemAssignedIdentityAbsent", "Could not fetch the passkey as the customer-managed key could not be found."),
            DataBoxFault("DataBoxUserAssignedLimitReached", "SsemUserErrorUserAssignedLimitReached", "Adding new User Assigned Identity failed as you have reached the limit on the total number of user assigned identities that can be added."),
            DataBoxFault("DataBoxCrossTenantIdentityAccessForbidden", "SsemUserErrorCrossTenantIdentityAccessForbidden", "Managed identity access operation failed."),
            DataBoxFault("DataBoxKekUserIdentityNotFound", "SsemUserErrorKekUserIdentityNotFound", "Applied a customer-managed key but the user assigned identity that has access to the key was not found in the active directory."),
            DataBoxFault("DataBoxUserAssignedIdentityAbsent", "SsemUserErrorUserAssignedIdentityAbsent", "Could not fetch the passkey as the customer-managed key could not be found."),
            DataBoxReal("DataBoxEncryptionKeyTypeNotSupported", "https://kv-good.vault.azure.net/keys/rsa-1024"),
            DataBoxReal("DataBoxKeyVaultSoftDeleteAndPurgeProtectionNotEnabled", "https://kv-nopurge.vault.azure.net/keys/cmk"),
            DataBoxFault("DataBoxInvalidKeyVaultUrl", "SsemUserErrorInvalidKeyVaultUrl", "An invalid key vault URI was used."),
            DataBoxReal("DataBoxKeyVaultUrlWithInvalidScheme", "http://kv-good.vault.azure.net/keys/cmk"),
            DataBoxReal("DataBoxKeyVaultUrlInvalidHost", "https://kv-good.example.com/keys/cmk"),
            // The table's generic row has a message and no code: any code, the message decides.
            DataBoxFault("DataBoxPasskeyFetchFailed", "BadRequest", "Could not fetch the passkey."),

            // ---- Data Explorer, at the end of the cluster's Azure-AsyncOperation PATCH ----
            KustoReal("InvalidKeyVaultProperties", "kv-eastus"),
            Fault("CannotProvideKeyVaultPropertiesDuringCreation", "Kusto PUT (create) answered 400", ServiceErrorOrigin.Synchronous, e =>
            {
                e.FailAtOnce("PUT", "/clusters/kusto-new$", 400, "CannotProvideKeyVaultPropertiesDuringCreation", "KeyVaultProperties cannot be provided during cluster creation.");
                var body = CatalogueEmulator.KustoKey("kv-good");
                body["location"] = "westeurope";
                return e.Admin.SendAsync(HttpMethod.Put, e.Rg + "/providers/Microsoft.Kusto/clusters/kusto-new", body, CancellationToken.None);
            }),
            KustoFault("KeyVaultPropertiesOnlyForSystemAssignedResources", "KeyVaultPropertiesOnlyForSystemAssignedResources", "KeyVaultProperties can be provided only for resources with SystemAssigned Identity."),
            KustoReal("KeyVaultNotFound", "kv-missing"),
            BatchFault("KeyVaultNotFound", "KeyVaultNotFound", "The key vault was not found."),
            KustoReal("KeyNotFound", "kv-good", "nope"),
            CassandraFault("KeyNotFound", "KeyNotFound", "The key was not found."),
            KustoReal("IdentityDoesNotHaveAccessToKeyVault", "kv-firewall"),
            KustoReal("KeyVaultNotPurgeProtected", "kv-nopurge"),
            CassandraFault("KeyVaultNotPurgeProtected", "KeyVaultNotPurgeProtected", "The key vault is not purge protected."),
            BatchFault("KeyVaultNotPurgeProtected", "KeyVaultNotPurgeProtected", "The key vault is not purge protected."),
            KustoReal("KeyVaultNotSoftDeleteEnabled", "kv-nosoftdelete"),
            // Batch and Managed Cassandra document no codes; these are what reaches the module when the key or vault changes
            // between validation and write (e.g. the key is disabled as the write arrives): the same family and fix as the check.
            BatchFault("KeyDisabled", "KeyDisabled", "The key is disabled."),
            CassandraFault("KeyDisabled", "KeyDisabled", "The key is disabled."),
            BatchFault("KeyExpired", "KeyExpired", "The key has expired."),
            BatchFault("KeyNotActive", "KeyNotActive", "The key is not active yet."),
            BatchFault("KeyTypeNotSupported", "InvalidKeyType", "The key must be an RSA key."),
            BatchFault("KeySizeNotSupported", "InvalidKeySize", "The key must be an RSA key of 2048 bits or more."),
            BatchFault("KeyOperationsNotPermitted", "KeyOperationNotPermitted", "The key does not permit wrapKey and unwrapKey."),
            BatchFault("IdentityNotFound", "IdentityNotFound", "The Batch account needs a system-assigned managed identity."),
            BatchFault("KeyVaultNotSoftDeleteEnabled", "KeyVaultSoftDeleteNotEnabled", "The key vault must have soft delete enabled."),
            CassandraFault("KeyVaultNotPurgeProtected", "KeyVaultPurgeProtectionNotEnabled", "The key vault must have purge protection enabled."),
            BatchFault("InvalidKeyUri", "InvalidKeyVaultUri", "The key identifier is not a valid Key Vault key URI."),

            // ---- NetApp Files: documented messages (code BadRequest) at the end of the account's Location-polled PATCH ----
            NetAppReal("NetAppKeyVaultKeyNotFound", "kv-good", "nope"),
            NetAppReal("NetAppKeyNotRsa", "kv-good", "ec-key"),
            NetAppReal("NetAppKeyNotEnabled", "kv-good", "disabled-key"),
            NetAppReal("NetAppKeyExpired", "kv-good", "expired-key"),
            NetAppReal("NetAppKeyNotActivated", "kv-good", "future-key"),
            Real("NetAppKeyVaultUriInvalid", "NetApp account PATCH with a non-Key Vault host", ServiceErrorOrigin.LongRunningOperation,
                e => e.PatchNetAppUri("https://kv-good.example.com/")),
            NetAppReal("NetAppKeyVaultNotRecoverable", "kv-nosoftdelete"),
            NetAppReal("NetAppKeyVaultRegionMismatch", "kv-eastus"),
            NetAppVolumeFault("NetAppAccountNotConfiguredForCmk", "NetAppAccount has not been configured with KeyVault encryption"),
            NetAppVolumeFault("NetAppEncryptionKeySourceCannotBeChanged", "EncryptionKeySource cannot be changed"),
            NetAppReal("NetAppEncryptionKeyUnusable", "kv-rbac"),

            // ---- Log Analytics clusters: documented 400 messages (code BadRequest) on the cluster's PATCH ----
            LaClusterReal("LogAnalyticsKeyNotRecoverable", "https://kv-nopurge.vault.azure.net/"),
            LaClusterReal("LogAnalyticsKeyValidationFailed", "https://kv-good.vault.azure.net/", "nope"),
            LaClusterReal("LogAnalyticsKeyVaultPropertiesMalformed", "https://kv-good.example.com/"),
            Fault("LogAnalyticsClusterBusy", "Log Analytics cluster PATCH answered 400 while an operation runs", ServiceErrorOrigin.Synchronous, e =>
            {
                e.FailAtOnce("PATCH", LaClusterPatch, 400, "BadRequest", "Cluster is in deleting state. Async operation is in progress.");
                return e.PatchLaCluster("https://kv-good.vault.azure.net/");
            }),

            // ---- Cosmos DB accounts: cmk-troubleshooting-guide's messages (code BadRequest), in the encryption operation ----
            CosmosReal("CosmosDbKeyNotFound", "https://kv-good.vault.azure.net/keys/nope"),
            CosmosReal("CosmosDbDefaultIdentityUnauthorized", "https://kv-good.vault.azure.net/keys/disabled-key"),
            CosmosReal("CosmosDbKeyVaultUriInvalid", "https://kv-good.example.com/keys/cmk"),
            CosmosReal("CosmosDbKeyVaultDnsUnresolved", "https://kv-deleted.vault.azure.net/keys/cmk"),
            Real("CosmosDbInvalidDefaultIdentity", "Cosmos DB account PATCH naming a user-assigned identity the account does not carry",
                ServiceErrorOrigin.LongRunningOperation, e => e.PatchCosmos("https://kv-good.vault.azure.net/keys/cmk", "UserAssignedIdentity=" + e.Rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-good")),
            CosmosFault("CosmosDbTokenAcquisitionFailed", "Azure Active Directory Token Acquisition error for the default identity."),
            CosmosFault("CosmosDbKeyUnwrapFailed", "Internal unwrapping procedure error."),

            // ---- Azure Resource Manager, answered at once on the request ARM refuses ----
            Real("AuthorizationFailed", "PATCH Kusto as the read-only principal", ServiceErrorOrigin.Synchronous, async e =>
            {
                var reader = await e.ConnectAsAsync(e.Server.IssueToken(EmulatorFixtureIds.Restricted));
                await reader.SendAsync(CatalogueEmulator.Patch, e.Kusto, CatalogueEmulator.KustoKey("kv-good"), CancellationToken.None);
            }),
            Fault("LinkedAuthorizationFailed", "Data Box PATCH answered 403", ServiceErrorOrigin.Synchronous, e =>
            {
                e.FailAtOnce("PATCH", DataBoxPatch, 403, "LinkedAuthorizationFailed", "The client has permission to perform action 'Microsoft.DataBox/jobs/write', however it does not have permission to perform action 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on the linked scope(s).");
                return e.PatchDataBox("https://kv-good.vault.azure.net/keys/cmk");
            }),
            // A GET's 404 means "absent" (null); a write to something absent is the error.
            Real("ResourceNotFound", "PATCH a cluster that does not exist", ServiceErrorOrigin.Synchronous,
                e => e.Admin.SendAsync(CatalogueEmulator.Patch, e.Rg + "/providers/Microsoft.Kusto/clusters/kusto-missing", CatalogueEmulator.KustoKey("kv-good"), CancellationToken.None)),
            Real("ResourceGroupNotFound", "PATCH in a resource group that does not exist", ServiceErrorOrigin.Synchronous,
                e => e.Admin.SendAsync(CatalogueEmulator.Patch, e.Kusto.Replace("rg-cmk-demo", "rg-missing"), CatalogueEmulator.KustoKey("kv-good"), CancellationToken.None)),
            ArmFault("SubscriptionNotFound", "PATCH", 404, "SubscriptionNotFound", "The subscription '00000000-0000-0000-0000-000000000000' could not be found."),
            Real("SubscriptionNotFound", "Connect-AzCmk -Subscription that the listing does not show", null,
                e => e.ConnectAsync(o => o.SubscriptionId = "00000000-0000-0000-0000-000000000000")),
            Real("InvalidApiVersionParameter", "GET with an api-version the provider does not offer", ServiceErrorOrigin.Synchronous,
                e => e.Admin.GetAsync(e.Kusto + "?api-version=2000-01-01", CancellationToken.None)),
            ArmFault("MissingSubscriptionRegistration", "PATCH", 409, "MissingSubscriptionRegistration", "The subscription is not registered to use namespace 'Microsoft.Kusto'."),
            ArmFault("RequestThrottled", "GET", 429, "SubscriptionRequestsThrottled"),
            ArmFault("AuthenticationTokenExpired", "GET", 401, "ExpiredAuthenticationToken"),
            Real("AuthenticationTokenInvalid", "a token whose signature ARM rejects", null, async e =>
            {
                var token = e.Server.AdminToken;
                await e.ConnectAsAsync(token.Substring(0, token.LastIndexOf('.') + 1) + "c2lnbmF0dXJl");
            }),
            ArmFault("AuthenticationTokenWrongTenant", "GET", 401, "InvalidAuthenticationTokenTenant"),
            ArmFault("AuthenticationFailed", "GET", 401, "AuthenticationFailed"),
            Real("AuthenticationFailed", "a client secret the token endpoint rejects", null, e => e.ConnectAsync(o =>
            {
                o.CredentialKind = CmkCredentialKind.ServicePrincipalSecret;
                o.AccessToken = null;
                o.TenantId = e.Server.TenantId;
                o.ClientId = "55555555-5555-5555-5555-555555555555";
                o.ClientSecret = TestTokens.Secure("not-the-secret");
            })),
            ArmFault("AccessDenied", "PATCH", 403, "RequestDisallowedByPolicy"),

            // ---- Key Vault (management plane) refusals ----
            KeyVaultFault("KeyVaultAccessForbidden", "Forbidden"),
            KeyVaultFault("KeyVaultForbiddenByPolicy", "ForbiddenByPolicy"),
            KeyVaultFault("KeyVaultForbiddenByRbac", "ForbiddenByRbac"),
            KeyVaultFault("KeyVaultForbiddenByFirewall", "ForbiddenByFirewall"),

            // ---- The engine's transport and operation outcomes ----
            Real("ServiceUnreachable", "the connection drops (no retries)", null, e =>
            {
                e.Server.Faults.Add(new FaultRule("GET", KustoPatch, 1, DropConnection: true));
                return e.Admin.GetAsync(e.Kusto, CancellationToken.None);
            }),
            ArmFault("GatewayTimeout", "GET", 504, "GatewayTimeout"),
            KustoFault("OperationFailed", "OperationFailed", "The operation failed."),
            KustoFault("OperationCanceled", "OperationCanceled", "The operation was canceled."),
            KustoFault(CmkErrors.UnknownServiceErrorId, "SomethingNobodyDocumented", "A code the catalogue does not know."),
            Real("ServerCertificateNotTrusted", "a pin that is not the emulator's certificate", null,
                e => e.ConnectAsync(o => o.TrustedCertificateThumbprint = new string('A', 64))),
            Real("AccessTokenExpired", "a token the emulator issued already expired", null,
                e => e.ConnectAsAsync(e.Server.IssueToken(EmulatorFixtureIds.Admin, lifetime: TimeSpan.FromMinutes(-5)))),
            // (The emulator lists its subscription to every caller, so "no role anywhere" cannot be shown; another tenant can.)
            Real("NoSubscriptionFound", "Connect-AzCmk -Tenant of a tenant that holds no subscription", null,
                e => e.ConnectAsync(o => o.TenantId = "12121212-1212-1212-1212-121212121212")),
            Real("RequestTimeout", "the emulator answers after the network timeout (no retries)", null, async e =>
            {
                var impatient = await e.ConnectAsync(o => o.Transport.NetworkTimeout = TimeSpan.FromMilliseconds(300));
                e.Server.SetLatency(TimeSpan.FromSeconds(2), TimeSpan.Zero);
                try { await impatient.GetAsync(e.Kusto, CancellationToken.None); }
                finally { e.Server.SetLatency(TimeSpan.Zero, TimeSpan.Zero); }
            }),
        };

        public static IEnumerable<object[]> CaseNames => Cases.Select(c => new object[] { c.Name });

        internal static Type ExceptionTypeOf(CmkErrorFamily family) => family switch
        {
            CmkErrorFamily.KeyVaultConfiguration => typeof(KeyVaultConfigurationException),
            CmkErrorFamily.KeyState => typeof(KeyStateException),
            CmkErrorFamily.Access => typeof(CmkAccessException),
            CmkErrorFamily.Network => typeof(CmkNetworkException),
            CmkErrorFamily.UnsupportedOperation => typeof(CmkUnsupportedOperationException),
            CmkErrorFamily.Throttled => typeof(CmkThrottledException),
            CmkErrorFamily.Input => typeof(CmkInputException),
            _ => typeof(CmkServiceException),
        };

        internal static void AssertReadsAs(CmkErrorEntry entry, CmkException ex)
        {
            Assert.Equal(entry.ErrorId, ex.ErrorId);
            Assert.IsType(ExceptionTypeOf(entry.Family), ex);
            Assert.Equal(entry.Category, ex.Category);
            Assert.Equal(entry.RecommendedAction, ex.RecommendedAction);
            Assert.Equal(entry.UserCanFix, ex.UserCanFix);
        }

        [Theory]
        [MemberData(nameof(CaseNames))]
        public async Task The_emulator_returns_the_catalogued_error_and_it_comes_out_typed(string name)
        {
            var c = Cases.Single(x => x.Name == name);
            var entry = CmkErrorCatalogue.Get(c.ErrorId);
            _e.Server.Faults.Clear();
            try
            {
                var ex = await Assert.ThrowsAnyAsync<CmkException>(() => c.Provoke(_e));
                AssertReadsAs(entry, ex);
                if (c.Origin is { } origin)
                {
                    Assert.NotNull(ex.ServiceError);
                    Assert.Equal(origin, ex.ServiceError!.Origin);
                    Assert.NotNull(ex.ServiceCode ?? ex.ServiceMessage);
                }
                if (c.ErrorId == CmkErrors.UnknownServiceErrorId)
                {
                    // Nothing is lost for a code the catalogue does not know.
                    Assert.Equal("SomethingNobodyDocumented", ex.ServiceCode);
                    Assert.Equal("A code the catalogue does not know.", ex.ServiceMessage);
                }
                // The injected fault was taken by the operation it was meant for, not by something before it.
                Assert.Empty(_e.Server.Faults.Active);
            }
            finally
            {
                _e.Server.Faults.Clear();
            }
        }

        /// <summary>Entries a service, ARM or the transport returns (as opposed to ones only the engine's checks or states raise).</summary>
        private static bool IsReturnedByAService(CmkErrorEntry e)
            => e.ServiceCodes.Count > 0 || e.MessagePatterns.Count > 0 || e.FallbackForStatus.Count > 0;

        [Fact]
        public void Every_entry_a_service_returns_has_a_case()
        {
            var covered = Cases.Select(c => c.ErrorId).ToHashSet();
            var missing = CmkErrorCatalogue.Entries.Where(IsReturnedByAService).Select(e => e.ErrorId).Where(id => !covered.Contains(id)).ToList();
            Assert.Empty(missing);
            Assert.All(Cases, c => Assert.NotNull(CmkErrorCatalogue.TryGet(c.ErrorId)));
        }

        [Fact]
        public void Every_family_has_a_case_the_emulator_produces_by_its_own_behaviour()
        {
            // Input errors are the caller's values, never a service answer; throttling needs 250 reads in a burst
            // (a fault stands in); the rest must come from the emulator's own model at least once.
            var exempt = new[] { CmkErrorFamily.Input, CmkErrorFamily.Throttled };
            var real = Cases.Where(c => c.How == Provoked.RealBehaviour).Select(c => CmkErrorCatalogue.Get(c.ErrorId).Family).ToHashSet();
            foreach (CmkErrorFamily family in Enum.GetValues(typeof(CmkErrorFamily)))
            {
                if (!exempt.Contains(family)) Assert.Contains(family, real);
            }
        }

        public static IEnumerable<object[]> CheckBackedCodes => new[]
        {
            new object[] { CheckIds.KeyVaultPurgeProtection, "kv-nopurge", "cmk" },
            new object[] { CheckIds.KeyVaultSoftDelete, "kv-nosoftdelete", "cmk" },
            new object[] { CheckIds.KeyVaultExists, "kv-missing", "cmk" },
            new object[] { CheckIds.KeyExists, "kv-good", "nope" },
            new object[] { CheckIds.IdentityAccess, "kv-firewall", "cmk" },
        };

        [Theory]
        [MemberData(nameof(CheckBackedCodes))]
        public async Task A_code_reads_the_same_synchronously_as_a_failed_operation_and_as_a_failed_check(string checkId, string vault, string key)
        {
            var entry = CmkErrorCatalogue.FindByCheck(checkId)!;
            var code = entry.ServiceCodes.First(); // the code Kusto answers; the others are Batch's and Cassandra's wording of it
            _e.Server.Faults.Clear();

            // 1. The emulator's own Kusto check fails the long-running operation.
            var lro = await Assert.ThrowsAnyAsync<CmkException>(() => _e.PatchKusto(vault, key));
            Assert.Equal(ServiceErrorOrigin.LongRunningOperation, lro.ServiceError!.Origin);
            Assert.Equal(code, lro.ServiceCode);

            // 2. The same code answered at once (Batch writes are synchronous).
            _e.FailAtOnce("PATCH", BatchPatch, 400, code, "Answered synchronously.");
            var sync = await Assert.ThrowsAnyAsync<CmkException>(() => _e.PatchBatch());
            Assert.Equal(ServiceErrorOrigin.Synchronous, sync.ServiceError!.Origin);

            // 3. The requirement engine predicting it.
            var check = CmkErrors.FromFailedChecks(new[] { new CmkFailedCheck(checkId, "Predicted by the requirement engine.", "Engine advice.", _e.Kusto) });

            foreach (var ex in new[] { lro, sync, check })
            {
                AssertReadsAs(entry, ex);
            }
        }
    }

    /// <summary>The demo scenario's principals (a contract of the scenario, see EmulatorFixture).</summary>
    internal static class EmulatorFixtureIds
    {
        public const string Admin = CmkPowerShell.Tests.Emulator.EmulatorFixture.AdminId;
        public const string Restricted = CmkPowerShell.Tests.Emulator.EmulatorFixture.RestrictedId;
    }
}
