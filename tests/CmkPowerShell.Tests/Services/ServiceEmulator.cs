using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Threading;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.Emulator;
using CmkPowerShell.Tests.Specs;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>The demo scenario with every request body validated against the pinned specs (a violation answers 400).</summary>
    public sealed class SpecCheckedDemoEmulator : EmulatorFixture
    {
        protected override EmulatorOptions CreateOptions() => new()
        {
            Scenario = "demo",
            Validator = ShippedSpecs.Catalog,
            LroDelay = TimeSpan.FromMilliseconds(50),
            RetryAfter = TimeSpan.Zero,
        };
    }

    /// <summary>
    /// A fresh demo emulator per test (the tests change the demo resources), an admin session over the real transport,
    /// a recording host and the manager under test; plus the request-log questions the tests ask.
    /// </summary>
    public abstract class ServiceEmulatorTest : IAsyncLifetime
    {
        protected SpecCheckedDemoEmulator Emulator { get; } = new();
        protected CmkSession Session { get; private set; } = null!;
        protected RecordingHost Host { get; } = new();
        protected CmkEncryptionManager Manager { get; private set; } = null!;

        protected string Rg => Emulator.RgPath;
        protected string Kusto => $"{Rg}/providers/Microsoft.Kusto/clusters/kusto-demo";
        protected string Batch => $"{Rg}/providers/Microsoft.Batch/batchAccounts/batchdemo";
        protected string NetApp => $"{Rg}/providers/Microsoft.NetApp/netAppAccounts/anf-demo";
        protected string Cassandra => $"{Rg}/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo";
        protected string DataBox => $"{Rg}/providers/Microsoft.DataBox/jobs/databox-demo";
        protected string Storage => $"{Rg}/providers/Microsoft.Storage/storageAccounts/stcmkdemo";
        protected string Sql => $"{Rg}/providers/Microsoft.Sql/servers/sql-demo";
        protected string Des => $"{Rg}/providers/Microsoft.Compute/diskEncryptionSets/des-demo";
        protected string LaCluster => $"{Rg}/providers/Microsoft.OperationalInsights/clusters/la-cluster-demo";
        protected string Cosmos => $"{Rg}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-demo";
        protected string CosmosCassandra => $"{Rg}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-cassandra";
        /// <summary>anf-demo's volume network, and kv-good's approved private endpoint in it.</summary>
        protected string Vnet => $"{Rg}/providers/Microsoft.Network/virtualNetworks/vnet-demo";
        protected string PeKvGood => $"{Rg}/providers/Microsoft.Network/privateEndpoints/pe-kv-good";
        protected string Uai(string name) => $"{Rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}";
        protected static string Key(string vault, string key = "cmk") => $"https://{vault}.vault.azure.net/keys/{key}";

        public async Task InitializeAsync()
        {
            await Emulator.InitializeAsync();
            Session = await EmulatorSessions.ConnectAsync(Emulator.Server, Host);
            Manager = new CmkEncryptionManager(Session, Host, new CmkGrantOptions { VisibilityAttempts = 3, VisibilityInterval = TimeSpan.FromMilliseconds(20) });
            Emulator.Server.Log.Clear();
            Host.Clear();
        }

        public async Task DisposeAsync()
        {
            Host.Dispose();
            await Emulator.DisposeAsync();
        }

        /// <summary>
        /// A second vault like kv-good (same access policies, key 'cmk') and, unless told not to, an approved private
        /// endpoint to it in vnet-demo's pe-subnet, as the demo scenario builds pe-kv-good: what a NetApp Files
        /// changeKeyVault needs.
        /// </summary>
        protected string SeedVault(string name, bool withPrivateEndpoint)
        {
            var store = Emulator.Server.Store;
            var vaultId = Emulator.VaultId(name);
            var vault = store.Get(Emulator.VaultId("kv-good"))!;
            vault.Remove("id");
            vault["name"] = name;
            vault["properties"]!["vaultUri"] = $"https://{name}.vault.azure.net/";
            vault["properties"]!["privateEndpointConnections"] = new JsonArray();
            store.Put(vaultId, vault);
            store.AddKeyVersion(vaultId, "cmk", new KeyVersionSpec(KeySize: 3072, KeyOps: new[] { "encrypt", "decrypt", "wrapKey", "unwrapKey" }));
            if (!withPrivateEndpoint) return vaultId;

            var peId = $"{Rg}/providers/Microsoft.Network/privateEndpoints/pe-{name}";
            var pe = store.Get(PeKvGood)!;
            pe.Remove("id");
            pe.Remove("name");
            var connection = (JsonObject)pe["properties"]!["privateLinkServiceConnections"]![0]!;
            connection["id"] = $"{peId}/privateLinkServiceConnections/pe-{name}-connection";
            connection["properties"]!["privateLinkServiceId"] = vaultId;
            store.Put(peId, pe);
            store.Update(vaultId, v => ((JsonArray)v["properties"]!["privateEndpointConnections"]!).Add(new JsonObject
            {
                ["id"] = $"{vaultId}/privateEndpointConnections/pe-{name}-connection",
                ["properties"] = new JsonObject
                {
                    ["privateEndpoint"] = new JsonObject { ["id"] = peId },
                    ["privateLinkServiceConnectionState"] = new JsonObject { ["status"] = "Approved" },
                    ["provisioningState"] = "Succeeded",
                },
            }));
            return vaultId;
        }

        /// <summary>
        /// The checks Test-AzCmkKeyVault -Service -Location -UserAssignedIdentityId [-Sku] fails for a resource not created
        /// yet (the pre-creation preflight), in catalogue order.
        /// </summary>
        protected async Task<string[]> PreflightFailuresAsync(CmkService service, string keyUri, string uai, string? sku = null, string location = "westeurope")
            => FailedChecks(await PreflightAsync(service, keyUri, uai, sku, location));

        /// <summary>The checks that failed, in catalogue order.</summary>
        protected static string[] FailedChecks(IEnumerable<CmkRequirementResult> results)
            => results.Where(r => r.Status == RequirementStatus.Failed).Select(r => r.Check).ToArray();

        /// <summary>Test-AzCmkKeyVault -ResourceId: the requirements for an existing resource and its own identity.</summary>
        protected Task<IReadOnlyList<CmkRequirementResult>> TestResourceAsync(string keyUri, string resourceId)
            => RequirementEngine.RunAsync(new RequirementRequest(KeyReference.FromUri(keyUri), RequirementTarget.FromResourceId(resourceId)), Session, Host, CancellationToken.None);

        protected async Task<IReadOnlyList<CmkRequirementResult>> PreflightAsync(CmkService service, string keyUri, string uai, string? sku = null, string location = "westeurope")
        {
            var target = RequirementTarget.ForService(service, location, userAssignedIdentityId: Uai(uai), sku: sku);
            return await RequirementEngine.RunAsync(new RequirementRequest(KeyReference.FromUri(keyUri), target), Session, Host, CancellationToken.None);
        }

        protected IReadOnlyList<LoggedRequest> Log => Emulator.Server.Log.Entries;

        /// <summary>PUT, PATCH, POST or DELETE requests whose path starts with <paramref name="pathPrefix"/> (any when null).</summary>
        protected IReadOnlyList<LoggedRequest> Writes(string? pathPrefix = null)
            => Log.Where(e => e.Method != "GET" && e.Method != "HEAD"
                              && (pathPrefix == null || e.Path.StartsWith(pathPrefix, StringComparison.OrdinalIgnoreCase))).ToList();

        /// <summary>The demo keys that break one requirement each (vault, key, user-assigned identity, the check it fails).</summary>
        public static TheoryData<string, string, string?, string> BrokenRequirements => new()
        {
            { "kv-nopurge", "cmk", null, CheckIds.KeyVaultPurgeProtection },
            { "kv-good", "ec-key", null, CheckIds.KeyType },
            { "kv-good", "cmk", "uai-noaccess", CheckIds.IdentityAccess },
        };

        /// <summary>
        /// Set-AzCmkEncryption on <paramref name="resourceId"/> with a key of the demo vaults (and a user-assigned identity
        /// when named) is refused for exactly <paramref name="checks"/>, before any write.
        /// </summary>
        protected async Task<CmkException> AssertSetRefusedBeforeAnyWrite(string resourceId, string keyUri, string? uai, params string[] checks)
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(resourceId, keyUri)
            {
                UserAssignedIdentityId = uai == null ? null : Uai(uai),
            }));
            Assert.Equal(checks, ex.FailedChecks.Select(c => c.CheckId));
            Assert.Empty(Writes());
            return ex;
        }

        /// <summary>Set-AzCmkEncryption with the same key twice: the second reports no change and writes nothing.</summary>
        protected async Task AssertSecondSetWritesNothing(string resourceId, string keyUri)
        {
            await Manager.SetAsync(new CmkSetOptions(resourceId, keyUri));
            Emulator.Server.Log.Clear();

            var again = await Manager.SetAsync(new CmkSetOptions(resourceId, keyUri));

            Assert.False(again!.Changed);
            Assert.True(again.CustomerManaged);
            Assert.Empty(Writes());
        }

        /// <summary>Disable-AzCmkEncryption is refused with CmkDisableNotSupported giving <paramref name="reason"/>; nothing is written and the key stays.</summary>
        protected async Task<CmkException> AssertDisableRefused(string resourceId, string reason)
        {
            Emulator.Server.Log.Clear();
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.DisableAsync(resourceId));
            Assert.Equal(CmkServiceAdapter.DisableNotSupportedId, ex.ErrorId);
            Assert.Contains(reason, ex.Message);
            Assert.Empty(Writes());
            Assert.True((await Manager.GetAsync(resourceId)).CustomerManaged);
            return ex;
        }

        /// <summary>Every ARM request the emulator refused as malformed (schema validation answers 400 before the provider).</summary>
        protected void AssertNoRejectedRequests()
        {
            var rejected = Log.Where(e => e.Status == 400).Select(e => $"{e.Method} {e.Path} {e.RequestBody}").ToList();
            Assert.True(rejected.Count == 0, "Rejected: " + string.Join("\n", rejected));
        }
    }
}
