using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Azure
{
    /// <summary>A 401 in the middle of a run (token revoked or expired early): one fresh token and one retry, when the credential can renew.</summary>
    public class TokenRenewalTests : IClassFixture<AzureEmulator>
    {
        private readonly AzureEmulator _emulator;
        public TokenRenewalTests(AzureEmulator emulator) { _emulator = emulator; }

        private string Vault => _emulator.Rg + "/providers/Microsoft.KeyVault/vaults/kv-good";

        private Task<CmkSession> ServicePrincipalAsync(RecordingHost host) => _emulator.ConnectAsync(host, o =>
        {
            o.CredentialKind = CmkCredentialKind.ServicePrincipalSecret;
            o.AccessToken = null;
            o.TenantId = _emulator.Server.TenantId;
            o.ClientId = "55555555-5555-5555-5555-555555555555";
            o.ClientSecret = TestTokens.Secure("emulator-secret");
        });

        private int TokenRequests => _emulator.Server.Log.Entries.Count(e => e.Method == "POST" && e.Path.EndsWith("/oauth2/v2.0/token", StringComparison.OrdinalIgnoreCase));
        private int VaultReads => _emulator.Server.Log.Entries.Count(e => e.Method == "GET" && e.Path.Equals(Vault, StringComparison.OrdinalIgnoreCase));

        [Fact]
        public async Task A_service_principal_gets_one_fresh_token_and_the_request_one_retry()
        {
            using var host = new RecordingHost();
            var session = await ServicePrincipalAsync(host);
            _emulator.Server.Log.Clear();
            _emulator.Server.Faults.Add(new FaultRule("GET", "/vaults/kv-good$", 1, Status: 401, ErrorMessage: "The access token has been revoked."));

            var vault = await session.GetAsync(Vault, CancellationToken.None);

            Assert.NotNull(vault);
            Assert.Equal(2, VaultReads);
            Assert.Equal(1, TokenRequests);   // the cached token was not simply sent again
        }

        [Fact]
        public async Task A_second_401_after_the_fresh_token_is_the_typed_authentication_error()
        {
            using var host = new RecordingHost();
            var session = await ServicePrincipalAsync(host);
            _emulator.Server.Log.Clear();
            _emulator.Server.Faults.Add(new FaultRule("GET", "/vaults/kv-good$", 5, Status: 401, ErrorMessage: "The access token has been revoked."));
            try
            {
                var ex = await Assert.ThrowsAsync<CmkAccessException>(() => session.GetAsync(Vault, CancellationToken.None));
                Assert.Equal("AuthenticationTokenInvalid", ex.ErrorId);   // ARM's InvalidAuthenticationToken
                Assert.Equal(2, VaultReads);
                Assert.Equal(1, TokenRequests);
            }
            finally
            {
                _emulator.Server.Faults.Clear();
            }
        }

        [Fact]
        public async Task A_static_access_token_cannot_renew_so_its_401_fails_at_once()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            _emulator.Server.Log.Clear();
            _emulator.Server.Faults.Add(new FaultRule("GET", "/vaults/kv-good$", 1, Status: 401, ErrorMessage: "The access token has expired."));

            var ex = await Assert.ThrowsAsync<CmkAccessException>(() => session.GetAsync(Vault, CancellationToken.None));

            Assert.Equal("AuthenticationTokenInvalid", ex.ErrorId);   // ARM's InvalidAuthenticationToken
            Assert.Equal(1, VaultReads);
            Assert.Equal(0, TokenRequests);
        }
    }
}
