using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Tests.Services;

namespace CmkPowerShell.Tests.Rotation
{
    /// <summary>
    /// Update-AzCmkKeyVersion -KeyUri on a NetApp Files account to a key in another vault: the rotation engine must plan
    /// through the adapter's asynchronous key change (changeKeyVault needs the new vault's private endpoints, which only a
    /// read finds). A fresh emulator per test, because moving anf-demo to another vault cannot be undone by Set.
    /// </summary>
    public class NetAppKeyVaultMoveRotationTests : ServiceEmulatorTest
    {
        private string ChangeKeyVault => NetApp + "/changeKeyVault";

        /// <summary>anf-demo on kv-good's 'cmk' with vol1 (in vnet-demo) switched to it, then a log and host with nothing in them.</summary>
        private async Task CmkAccountWithCmkVolumeAsync()
        {
            Assert.True((await Manager.SetAsync(new CmkSetOptions(NetApp, Key("kv-good"))))!.CustomerManaged);
            await new NetAppLifecycle(Session).TransitionToCmkAsync(NetApp, null, null, Host);
        }

        private Task<CmkKeyRotationResult> RotateToAsync(string keyUri)
            => new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(NetApp) { KeyUri = keyUri }, Host, CancellationToken.None);

        [Fact]
        public async Task A_key_in_another_vault_is_the_changeKeyVault_POST_through_its_private_endpoint_in_the_volume_network()
        {
            await CmkAccountWithCmkVolumeAsync();
            var second = SeedVault("kv-second", withPrivateEndpoint: true);
            Emulator.Server.Log.Clear();

            var result = await RotateToAsync(Key("kv-second"));

            Assert.Equal(CmkKeyRotationStatus.Updated, result.Status);
            Assert.Equal("cmk", result.NewKeyName);
            var post = Assert.Single(Writes(NetApp));
            Assert.Equal("POST", post.Method);
            Assert.Equal(ChangeKeyVault, post.Path, StringComparer.OrdinalIgnoreCase);
            var body = JsonNode.Parse(post.RequestBody!)!;
            Assert.Equal("https://kv-second.vault.azure.net/", body["keyVaultUri"]!.GetValue<string>());
            Assert.Equal(second, body["keyVaultResourceId"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            var endpoint = Assert.Single(body["keyVaultPrivateEndpoints"]!.AsArray())!;
            Assert.Equal(Vnet, endpoint["virtualNetworkId"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Assert.EndsWith("/privateEndpoints/pe-kv-second", endpoint["privateEndpointId"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
            Assert.Contains(result.Actions, a => a.Contains("changeKeyVault"));
            AssertNoRejectedRequests();

            var read = await Manager.GetAsync(NetApp);
            Assert.Equal("https://kv-second.vault.azure.net/keys/cmk", read.KeyUri);
            Assert.Contains("pe-kv-second", read.Details[NetAppFilesAdapter.DetailKeys.KeyVaultPrivateEndpoints]);
            Assert.DoesNotContain("pe-kv-good", read.Details[NetAppFilesAdapter.DetailKeys.KeyVaultPrivateEndpoints]);
        }

        [Fact]
        public async Task A_vault_without_a_private_endpoint_in_the_volume_network_is_refused_and_the_account_keeps_its_vault()
        {
            await CmkAccountWithCmkVolumeAsync();
            SeedVault("kv-nope", withPrivateEndpoint: false);
            Emulator.Server.Log.Clear();

            var error = await Assert.ThrowsAnyAsync<CmkException>(() => RotateToAsync(Key("kv-nope")));

            Assert.Contains("PrivateEndpoint", error.ErrorId);
            Assert.Empty(Writes());
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", (await Manager.GetAsync(NetApp)).KeyUri);
        }
    }
}
