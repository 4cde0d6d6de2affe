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
    /// Container registries against the spec-validating demo emulator: acrdemo was created with a versionless kv-good key
    /// through uai-good; acrplain was created without a key.
    /// </summary>
    public class ContainerRegistryAdapterTests : ServiceEmulatorTest
    {
        private string AcrDemo => $"{Rg}/providers/Microsoft.ContainerRegistry/registries/acrdemo";
        private string AcrPlain => $"{Rg}/providers/Microsoft.ContainerRegistry/registries/acrplain";
        private const string ApiVersion = "2023-07-01";

        [Fact]
        public async Task Get_reads_the_key_the_identity_by_client_id_and_that_it_is_versionless()
        {
            var status = await Manager.GetAsync(AcrDemo);

            Assert.True(status.CustomerManaged);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal(CmkEncryptionStatus.Versionless, status.KeyVersion);
            Assert.Equal("UserAssigned", status.IdentityType);
            Assert.Equal(Uai("uai-good"), status.UserAssignedIdentityId, System.StringComparer.OrdinalIgnoreCase);
            Assert.Contains(status.Notes, n => n.Contains("auto-rotation"));
            Assert.False((await Manager.GetAsync(AcrPlain)).CustomerManaged);
        }

        [Fact]
        public async Task Set_on_a_registry_created_without_a_key_is_refused_before_any_write()
        {
            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(new CmkSetOptions(AcrPlain, Key("kv-good"))
            {
                UserAssignedIdentityId = Uai("uai-good"),
                GrantAccess = true,
            }));

            Assert.Equal(ContainerRegistryAdapter.OnlyAtCreationId, ex.ErrorId);
            Assert.Equal(AcrPlain, ex.Target, System.StringComparer.OrdinalIgnoreCase);
            Assert.Contains("Create a new resource with the key", ex.RecommendedAction);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task The_emulator_refuses_to_enable_or_disable_encryption_on_an_existing_registry()
        {
            var enable = JsonNode.Parse("""{ "properties": { "encryption": { "status": "enabled", "keyVaultProperties": { "keyIdentifier": "https://kv-good.vault.azure.net/keys/cmk", "identity": "77777777-7777-7777-7777-000000000001" } } } }""");
            var (response, answer) = await Emulator.SendAsync(new HttpMethod("PATCH"), $"{AcrPlain}?api-version={ApiVersion}", enable);
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("only when a registry is created", answer!["error"]!["message"]!.GetValue<string>());

            var disable = JsonNode.Parse("""{ "properties": { "encryption": { "status": "disabled" } } }""");
            (response, answer) = await Emulator.SendAsync(new HttpMethod("PATCH"), $"{AcrDemo}?api-version={ApiVersion}", disable);
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("cannot be disabled", answer!["error"]!["message"]!.GetValue<string>());
            Assert.Equal("enabled", Emulator.Server.Store.Get(AcrDemo)!["properties"]!["encryption"]!["status"]!.GetValue<string>());
        }

        [Fact]
        public async Task Set_pins_a_registry_created_with_a_key_to_a_version_in_one_write_and_a_second_Set_writes_nothing()
        {
            var versioned = (await Session.GetAsync(Emulator.VaultId("kv-good") + "/keys/cmk", CancellationToken.None))!["properties"]!["keyUriWithVersion"]!.GetValue<string>()
                .Replace(":443", ""); // the vault reports its URI with the port; the module writes the canonical form
            var options = new CmkSetOptions(AcrDemo, versioned) { UserAssignedIdentityId = Uai("uai-good") };

            var status = await Manager.SetAsync(options);
            Assert.True(status!.Changed);
            Assert.Equal(versioned, status.KeyUri);
            var patch = Assert.Single(Writes(AcrDemo));
            var kv = JsonNode.Parse(patch.RequestBody!)!["properties"]!["encryption"]!["keyVaultProperties"]!;
            Assert.Equal(versioned, kv["keyIdentifier"]!.GetValue<string>());
            Assert.Equal("77777777-7777-7777-7777-000000000001", kv["identity"]!.GetValue<string>());
            Assert.False(Emulator.Server.Store.Get(AcrDemo)!["properties"]!["encryption"]!["keyVaultProperties"]!["keyRotationEnabled"]!.GetValue<bool>());

            Emulator.Server.Log.Clear();
            Assert.False((await Manager.SetAsync(options))!.Changed);
            Assert.Empty(Writes());
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task Disable_is_refused_and_Update_reports_AutoRotating_for_the_versionless_key()
        {
            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.DisableAsync(AcrDemo));
            Assert.Equal(CmkServiceAdapter.DisableNotSupportedId, ex.ErrorId);
            Assert.Contains("cannot be disabled", ex.Message);

            var result = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(AcrDemo), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.AutoRotating, result.Status);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Preflight_for_a_registry_not_created_yet_catches_sku_key_and_identity_and_warns_about_purge_protection()
        {
            async Task<CmkRequirementResult[]> Run(string vault, string key, string sku, string uai)
                => (await PreflightAsync(CmkService.ContainerRegistry, Key(vault, key), uai, sku)).ToArray();

            Assert.Empty(FailedChecks(await Run("kv-good", "cmk", "Premium", "uai-good")));
            Assert.Equal(new[] { CheckIds.ResourceSku }, FailedChecks(await Run("kv-good", "cmk", "Standard", "uai-good")));
            Assert.Equal(new[] { CheckIds.KeyType }, FailedChecks(await Run("kv-good", "ec-key", "Premium", "uai-good")));
            Assert.Equal(new[] { CheckIds.IdentityAccess }, FailedChecks(await Run("kv-good", "cmk", "Premium", "uai-noaccess")));
            // Purge protection is recommended, not required, for registries: a warning, so -Quiet still passes.
            var nopurge = await Run("kv-nopurge", "cmk", "Premium", "uai-good");
            Assert.Empty(FailedChecks(nopurge));
            Assert.Equal(RequirementStatus.Warning, nopurge.Single(r => r.Check == CheckIds.KeyVaultPurgeProtection).Status);
        }
    }
}
