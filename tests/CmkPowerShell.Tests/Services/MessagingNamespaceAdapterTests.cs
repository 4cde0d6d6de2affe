using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>
    /// Event Hubs and Service Bus namespaces against the spec-validating demo emulator: evhns-demo / sbns-demo are empty
    /// Premium namespaces whose system identity may use kv-good; evhns-busy / sbns-busy hold an event hub / a queue.
    /// </summary>
    public class MessagingNamespaceAdapterTests : ServiceEmulatorTest
    {
        public static TheoryData<string> Namespaces => new() { "EventHubs", "ServiceBus" };

        /// <summary>The demo namespace of a service ("demo": empty; "busy": holds an entity).</summary>
        private string Ns(string service, string name)
            => service == "EventHubs" ? $"{Rg}/providers/Microsoft.EventHub/namespaces/evhns-{name}" : $"{Rg}/providers/Microsoft.ServiceBus/namespaces/sbns-{name}";

        private static string ApiVersion(string service) => service == "EventHubs" ? "2024-01-01" : "2021-11-01";

        [Theory]
        [MemberData(nameof(Namespaces))]
        public async Task Set_on_an_empty_namespace_writes_one_patch_then_a_second_Set_writes_nothing(string service)
        {
            var ns = Ns(service, "demo");
            var status = await Manager.SetAsync(new CmkSetOptions(ns, Key("kv-good")));

            Assert.True(status!.Changed && status.CustomerManaged);
            Assert.Equal(service, status.Service.ToString());
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal(CmkEncryptionStatus.Versionless, status.KeyVersion);
            Assert.Equal("SystemAssigned", status.IdentityType);
            var patch = Assert.Single(Writes(ns));
            Assert.Equal("PATCH", patch.Method);
            var entry = JsonNode.Parse(patch.RequestBody!)!["properties"]!["encryption"]!["keyVaultProperties"]![0]!;
            Assert.Equal("cmk", entry["keyName"]!.GetValue<string>());
            Assert.Equal("", entry["keyVersion"]!.GetValue<string>());
            Assert.Null(entry["identity"]);

            Emulator.Server.Log.Clear();
            var again = await Manager.SetAsync(new CmkSetOptions(ns, Key("kv-good")));
            Assert.False(again!.Changed);
            Assert.Empty(Writes());

            var read = await Manager.GetAsync(ns);
            Assert.True(read.CustomerManaged);
            Assert.Equal("Active", read.ServiceStatus);
            Assert.Contains(read.Notes, n => n.Contains("always uses the key's current version"));
            AssertNoRejectedRequests();
        }

        [Theory]
        [MemberData(nameof(Namespaces))]
        public async Task Set_on_a_namespace_with_entities_is_refused_before_any_write(string service)
        {
            var ns = Ns(service, "busy");
            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(new CmkSetOptions(ns, Key("kv-good")) { GrantAccess = true }));

            Assert.Equal(MessagingNamespaceAdapter.OnlyOnEmptyNamespaceId, ex.ErrorId);
            Assert.Equal(ns, ex.Target, System.StringComparer.OrdinalIgnoreCase);
            Assert.Contains(service == "EventHubs" ? "telemetry" : "orders", ex.Message);
            Assert.Contains("new namespace", ex.RecommendedAction);
            Assert.Empty(Writes());
        }

        [Theory]
        [MemberData(nameof(Namespaces))]
        public async Task The_emulator_refuses_an_update_adding_a_key_to_a_namespace_with_entities(string service)
        {
            // What the service does when a client skips the check: the write fails with its message, nothing is stored.
            var ns = Ns(service, "busy");
            var body = JsonNode.Parse("""{ "properties": { "encryption": { "keySource": "Microsoft.KeyVault", "keyVaultProperties": [ { "keyName": "cmk", "keyVaultUri": "https://kv-good.vault.azure.net" } ] } } }""");
            var (response, answer) = await Emulator.SendAsync(new HttpMethod("PATCH"), $"{ns}?api-version={ApiVersion(service)}", body);

            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("only for new or empty namespaces", answer!["error"]!["message"]!.GetValue<string>());
            Assert.Null(Emulator.Server.Store.Get(ns)!["properties"]!["encryption"]);
        }

        [Theory]
        [MemberData(nameof(Namespaces))]
        public async Task A_Standard_namespace_is_refused_as_the_wrong_tier_by_Set_and_by_the_emulator(string service)
        {
            var ns = Ns(service, "demo");
            Emulator.Server.Store.Update(ns, n => n["sku"] = new JsonObject { ["name"] = "Standard", ["tier"] = "Standard" });

            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(new CmkSetOptions(ns, Key("kv-good"))));
            Assert.Equal(MessagingNamespaceAdapter.SkuNotSupportedId, ex.ErrorId);
            Assert.Empty(Writes());

            var body = JsonNode.Parse("""{ "properties": { "encryption": { "keyVaultProperties": [ { "keyName": "cmk", "keyVaultUri": "https://kv-good.vault.azure.net" } ] } } }""");
            var (response, answer) = await Emulator.SendAsync(new HttpMethod("PATCH"), $"{ns}?api-version={ApiVersion(service)}", body);
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("Premium", answer!["error"]!["message"]!.GetValue<string>());
        }

        [Theory]
        [MemberData(nameof(Namespaces))]
        public async Task Disable_is_refused_with_the_documented_reason(string service)
        {
            var ns = Ns(service, "demo");
            await Manager.SetAsync(new CmkSetOptions(ns, Key("kv-good")));
            Emulator.Server.Log.Clear();

            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.DisableAsync(ns));
            Assert.Equal(CmkServiceAdapter.DisableNotSupportedId, ex.ErrorId);
            Assert.Contains("keySource", ex.Message);
            Assert.Empty(Writes());
        }

        [Theory]
        [MemberData(nameof(Namespaces))]
        public async Task Update_reports_AutoRotating_for_a_versionless_key_and_moves_a_pinned_one(string service)
        {
            var ns = Ns(service, "demo");
            await Manager.SetAsync(new CmkSetOptions(ns, Key("kv-good")));
            var rotation = new KeyRotation(Session);

            var auto = await rotation.RotateAsync(new CmkKeyRotationRequest(ns), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.AutoRotating, auto.Status);

            // Pinned to the current version, then a newer one appears: Update moves the namespace to it.
            var current = (await Session.GetAsync(Emulator.VaultId("kv-good") + "/keys/cmk", CancellationToken.None))!["properties"]!["keyUriWithVersion"]!.GetValue<string>();
            await Manager.SetAsync(new CmkSetOptions(ns, current));
            var newer = Emulator.Server.Store.AddKeyVersion(Emulator.VaultId("kv-good"), "cmk", new KeyVersionSpec(KeySize: 3072, KeyOps: new[] { "encrypt", "decrypt", "wrapKey", "unwrapKey" }));
            Emulator.Server.Log.Clear();

            var moved = await rotation.RotateAsync(new CmkKeyRotationRequest(ns), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.Updated, moved.Status);
            Assert.EndsWith(newer, moved.NewKeyUri);
            var patch = Assert.Single(Writes(ns));
            Assert.Equal(newer, JsonNode.Parse(patch.RequestBody!)!["properties"]!["encryption"]!["keyVaultProperties"]![0]!["keyVersion"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }

        [Theory]
        [MemberData(nameof(Namespaces))]
        public async Task Preflight_for_a_namespace_not_created_yet_catches_vault_key_sku_and_identity(string service)
        {
            var svc = System.Enum.Parse<CmkService>(service);
            Task<string[]> Failed(string vault, string key, string sku, string uai) => PreflightFailuresAsync(svc, Key(vault, key), uai, sku);

            Assert.Empty(await Failed("kv-good", "cmk", "Premium", "uai-good"));
            Assert.Equal(new[] { CheckIds.KeyVaultPurgeProtection }, await Failed("kv-nopurge", "cmk", "Premium", "uai-good"));
            Assert.Equal(new[] { CheckIds.KeyType }, await Failed("kv-good", "ec-key", "Premium", "uai-good"));
            Assert.Equal(new[] { CheckIds.ResourceSku }, await Failed("kv-good", "cmk", "Standard", "uai-good"));
            Assert.Equal(new[] { CheckIds.IdentityAccess }, await Failed("kv-good", "cmk", "Premium", "uai-noaccess"));
            Assert.Empty(Writes());
        }
    }
}
