using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Connection;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Requirements
{
    /// <summary>
    /// An emulator whose scenario imitates Azure Government (issue 11): its vaults live at *.vault.usgovcloudapi.net, its
    /// profile says so, and a session connected from that profile (as Connect-AzCmk -EmulatorProfile does) checks key hosts
    /// as that cloud: its own hosts pass KeyUri.CloudHost, the public cloud's fail it.
    /// </summary>
    public sealed class SovereignCloudEmulatorTests : IAsyncLifetime
    {
        private const string Scenario = """
            {
              "cloud": "AzureUSGovernment",
              "adminPrincipalId": "33333333-3333-3333-3333-333333333333",
              "roleAssignments": [{ "scope": "/subscriptions/{subscriptionId}", "role": "Owner", "principalId": "33333333-3333-3333-3333-333333333333" }],
              "resourceGroups": [{ "name": "rg-gov", "location": "usgovvirginia" }],
              "vaults": [{ "name": "kv-gov", "resourceGroup": "rg-gov", "location": "usgovvirginia",
                           "enableSoftDelete": true, "enablePurgeProtection": true, "keys": [{ "name": "cmk" }] }]
            }
            """;

        private ScenarioEmulator _emulator = null!;
        private EmulatorServer _server = null!;
        private CmkSession _session = null!;

        public async Task InitializeAsync()
        {
            _emulator = await ScenarioEmulator.StartAsync(Scenario);
            _server = _emulator.Server;
            _session = _emulator.Session;
        }

        public async Task DisposeAsync() => await _emulator.DisposeAsync();

        private Task<System.Collections.Generic.IReadOnlyList<CmkRequirementResult>> Run(string keyUri)
            => RequirementEngine.RunAsync(new RequirementRequest(KeyReference.FromUri(keyUri, _session.Cloud)), _session, null, CancellationToken.None);

        [Fact]
        public async Task The_imitated_cloud_hosts_pass_KeyUri_CloudHost_and_the_public_cloud_hosts_fail_it()
        {
            Assert.Equal("AzureUSGovernment", EmulatorProfile.Load(_server.ProfilePath!).Cloud);
            Assert.Equal("Custom (AzureUSGovernment)", _session.Cloud.Name);
            Assert.Equal("vault.usgovcloudapi.net", _session.Cloud.KeyVaultSuffix);
            Assert.Equal("managedhsm.usgovcloudapi.net", _session.Cloud.ManagedHsmSuffix);
            var vault = _server.Store.Get($"/subscriptions/{_server.SubscriptionId}/resourceGroups/rg-gov/providers/Microsoft.KeyVault/vaults/kv-gov")!;
            Assert.Equal("https://kv-gov.vault.usgovcloudapi.net/", (string?)vault["properties"]!["vaultUri"]);

            var gov = await Run("https://kv-gov.vault.usgovcloudapi.net/keys/cmk");
            Assert.Equal(RequirementStatus.Passed, gov.Single(r => r.Check == CheckIds.KeyUriCloudHost).Status);
            Assert.Equal(RequirementStatus.Passed, gov.Single(r => r.Check == CheckIds.KeyVaultExists).Status);

            var pub = await Run("https://kv-gov.vault.azure.net/keys/cmk");
            Assert.Equal(RequirementStatus.Failed, pub.Single(r => r.Check == CheckIds.KeyUriCloudHost).Status);
        }
    }
}
