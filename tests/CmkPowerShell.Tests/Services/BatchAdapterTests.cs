using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>Batch (batchdemo, system-assigned identity) against the spec-validating demo emulator.</summary>
    public class BatchAdapterTests : ServiceEmulatorTest
    {
        [Fact]
        public async Task Enable_sets_keySource_and_keyIdentifier_then_disable_goes_back_to_Microsoft_Batch()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Batch, Key("kv-good")));

            Assert.True(status!.Changed && status.CustomerManaged);
            Assert.Equal(BatchAdapter.CustomerKeySource, status.KeySource);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal("SystemAssigned", status.IdentityType);
            var patch = Assert.Single(Writes(Batch));
            var encryption = JsonNode.Parse(patch.RequestBody!)!["properties"]!["encryption"]!;
            Assert.Equal("Microsoft.KeyVault", encryption["keySource"]!.GetValue<string>());
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", encryption["keyVaultProperties"]!["keyIdentifier"]!.GetValue<string>());
            Assert.Null(JsonNode.Parse(patch.RequestBody!)!["identity"]);

            var read = await Manager.GetAsync(Batch);
            Assert.Equal(status.KeyUri, read.KeyUri);
            Assert.Equal("Succeeded", read.ServiceStatus);

            Emulator.Server.Log.Clear();
            var again = await Manager.SetAsync(new CmkSetOptions(Batch, Key("kv-good")));
            Assert.False(again!.Changed);
            Assert.Empty(Writes());

            var disabled = await Manager.DisableAsync(Batch);
            Assert.False(disabled!.CustomerManaged);
            Assert.Equal(BatchAdapter.ServiceKeySource, disabled.KeySource);
            var disable = Assert.Single(Writes(Batch));
            Assert.Equal("{\"properties\":{\"encryption\":{\"keySource\":\"Microsoft.Batch\"}}}", disable.RequestBody);
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task A_key_disabled_as_the_write_arrives_is_a_key_state_error_with_its_fix_not_a_service_error()
        {
            // -SkipValidation stands for the race: the key was enabled when checked and is disabled when Batch reads it.
            var ex = await Assert.ThrowsAsync<KeyStateException>(() => Manager.SetAsync(new CmkSetOptions(Batch, Key("kv-good", "disabled-key"))
            {
                SkipValidation = true,
            }));

            Assert.Equal("KeyDisabled", ex.ErrorId);
            Assert.Equal("KeyDisabled", ex.ServiceCode);
            Assert.Equal(CmkErrorCatalogue.Get("KeyDisabled").RecommendedAction, ex.RecommendedAction);
            Assert.Single(Writes(Batch));
        }

        [Fact]
        public async Task A_user_assigned_identity_is_refused_before_any_call_that_writes()
        {
            var ex = await Assert.ThrowsAsync<CmkAccessException>(() => Manager.SetAsync(new CmkSetOptions(Batch, Key("kv-good"))
            {
                UserAssignedIdentityId = Uai("uai-good"),
            }));

            Assert.Equal("IdentityTypeNotSupported", ex.ErrorId);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task An_account_without_its_system_identity_does_not_get_one_to_add_a_key()
        {
            var (response, _) = await Emulator.SendAsync(HttpMethod.Patch, Batch + "?api-version=2024-02-01",
                JsonNode.Parse("""{ "identity": { "type": "None" } }"""));
            response.EnsureSuccessStatusCode();
            Emulator.Server.Log.Clear();

            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(new CmkSetOptions(Batch, Key("kv-good")) { GrantAccess = true }));

            Assert.Equal("BatchCmkNotSupportedOnExistingAccount", ex.ErrorId);
            Assert.Equal(Batch, ex.Target, System.StringComparer.OrdinalIgnoreCase);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task A_key_too_small_fails_its_check_without_writing()
        {
            var ex = await Assert.ThrowsAsync<KeyStateException>(() => Manager.SetAsync(new CmkSetOptions(Batch, Key("kv-good", "rsa-1024"))));

            Assert.Equal("KeySizeNotSupported", ex.ErrorId);
            Assert.Equal(new[] { CheckIds.KeySize }, ex.FailedChecks.Select(c => c.CheckId));
            Assert.Empty(Writes());
        }
    }
}
