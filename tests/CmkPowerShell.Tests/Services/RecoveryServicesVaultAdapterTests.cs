using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>
    /// Recovery Services vaults against the spec-validating demo emulator: rsv-demo never protected an item and its system
    /// identity may use kv-good; rsv-busy protects a VM.
    /// </summary>
    public class RecoveryServicesVaultAdapterTests : ServiceEmulatorTest
    {
        private string RsvDemo => $"{Rg}/providers/Microsoft.RecoveryServices/vaults/rsv-demo";
        private string RsvBusy => $"{Rg}/providers/Microsoft.RecoveryServices/vaults/rsv-busy";

        [Fact]
        public async Task Set_on_an_unused_vault_writes_once_a_second_Set_writes_nothing_Update_is_AutoRotating_and_Disable_refused()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(RsvDemo, Key("kv-good")));
            Assert.True(status!.Changed && status.CustomerManaged);
            Assert.Equal("SystemAssigned", status.IdentityType);
            var patch = Assert.Single(Writes(RsvDemo));
            var encryption = JsonNode.Parse(patch.RequestBody!)!["properties"]!["encryption"]!;
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", encryption["keyVaultProperties"]!["keyUri"]!.GetValue<string>());
            Assert.True(encryption["kekIdentity"]!["useSystemAssignedIdentity"]!.GetValue<bool>());

            Emulator.Server.Log.Clear();
            Assert.False((await Manager.SetAsync(new CmkSetOptions(RsvDemo, Key("kv-good"))))!.Changed);
            var rotation = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(RsvDemo), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.AutoRotating, rotation.Status);
            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.DisableAsync(RsvDemo));
            Assert.Equal(CmkServiceAdapter.DisableNotSupportedId, ex.ErrorId);
            Assert.Empty(Writes());
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task Set_on_a_vault_with_protected_items_is_refused_before_any_write()
        {
            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(new CmkSetOptions(RsvBusy, Key("kv-good")) { GrantAccess = true }));
            Assert.Equal(RecoveryServicesVaultAdapter.OnlyOnUnusedVaultId, ex.ErrorId);
            Assert.Contains("vm1", ex.Message);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task The_emulator_refuses_a_key_for_a_vault_with_protected_items()
        {
            var body = JsonNode.Parse("""{ "properties": { "encryption": { "keyVaultProperties": { "keyUri": "https://kv-good.vault.azure.net/keys/cmk" }, "kekIdentity": { "useSystemAssignedIdentity": true } } } }""");
            var (response, answer) = await Emulator.SendAsync(new HttpMethod("PATCH"), $"{RsvBusy}?api-version=2024-04-01", body);
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("never had items protected", answer!["error"]!["message"]!.GetValue<string>());
            Assert.Null(Emulator.Server.Store.Get(RsvBusy)!["properties"]!["encryption"]);
        }

        [Fact]
        public async Task Preflight_for_a_vault_not_created_yet_catches_vault_key_region_and_identity()
        {
            Task<string[]> Failed(string vault, string key, string uai, string location = "westeurope")
                => PreflightFailuresAsync(CmkService.RecoveryServicesVault, Key(vault, key), uai, location: location);

            Assert.Empty(await Failed("kv-good", "cmk", "uai-pg"));
            Assert.Equal(new[] { CheckIds.KeyVaultPurgeProtection }, await Failed("kv-nopurge", "cmk", "uai-pg"));
            Assert.Equal(new[] { CheckIds.KeyType }, await Failed("kv-good", "ec-key", "uai-pg"));
            Assert.Equal(new[] { CheckIds.KeyVaultRegion }, await Failed("kv-good", "cmk", "uai-pg", "eastus"));
            Assert.Equal(new[] { CheckIds.IdentityAccess }, await Failed("kv-good", "cmk", "uai-noaccess"));
        }
    }
}
