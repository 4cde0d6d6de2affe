using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Azure
{
    /// <summary>One emulator per test class, fast LRO timing, no throttling unless a test turns it on.</summary>
    public sealed class AzureEmulator : IAsyncLifetime
    {
        public EmulatorServer Server { get; private set; } = null!;

        public async Task InitializeAsync()
            => Server = await EmulatorServer.StartAsync(new EmulatorOptions { Scenario = "demo", LroDelay = TimeSpan.FromMilliseconds(200), RetryAfter = TimeSpan.Zero });

        public async Task DisposeAsync() => await Server.DisposeAsync();

        public Uri Endpoint => new Uri(Server.Endpoint.ToString());
        public string Rg => $"/subscriptions/{Server.SubscriptionId}/resourceGroups/rg-cmk-demo";

        public CmkConnectionOptions Options(Action<CmkConnectionOptions>? configure = null)
        {
            var options = new CmkConnectionOptions
            {
                ResourceManagerEndpoint = Endpoint,
                TrustedCertificateThumbprint = Server.CertificateThumbprint,
                CredentialKind = CmkCredentialKind.AccessToken,
                AccessToken = TestTokens.Secure(Server.AdminToken),
                Transport = FakeArm.FastTransport(),
            };
            configure?.Invoke(options);
            return options;
        }

        public Task<CmkSession> ConnectAsync(RecordingHost host, Action<CmkConnectionOptions>? configure = null)
            => CmkSession.ConnectAsync(Options(configure), host);
    }

    public class EmulatorConnectionTests : IClassFixture<AzureEmulator>
    {
        private readonly AzureEmulator _emulator;
        public EmulatorConnectionTests(AzureEmulator emulator) { _emulator = emulator; }

        [Fact]
        public async Task Connect_with_an_access_token_lists_the_subscription_it_connected_to()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);

            Assert.Equal(_emulator.Server.SubscriptionId, session.Info.SubscriptionId);
            Assert.Equal("CMK Demo", session.Info.SubscriptionName);
            Assert.Equal(_emulator.Server.TenantId, session.Info.TenantId);
            Assert.Equal("33333333-3333-3333-3333-333333333333", session.Info.Account);
            // ... and the subscription it names is one it can read.
            var subscription = await session.GetAsync("/subscriptions/" + session.SubscriptionId, CancellationToken.None);
            Assert.Equal(session.SubscriptionId, (string?)subscription!["subscriptionId"]);
        }

        [Fact]
        public async Task Connect_with_a_client_secret_gets_a_token_from_the_authority_and_lists_the_subscription()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host, o =>
            {
                o.CredentialKind = CmkCredentialKind.ServicePrincipalSecret;
                o.AccessToken = null;
                o.TenantId = _emulator.Server.TenantId;
                o.ClientId = "55555555-5555-5555-5555-555555555555";
                o.ClientSecret = TestTokens.Secure("emulator-secret");
            });
            Assert.Equal(_emulator.Server.SubscriptionId, session.Info.SubscriptionId);
            Assert.Equal(CmkCredentialKind.ServicePrincipalSecret, session.Info.CredentialKind);
            Assert.NotNull(await session.GetAsync(_emulator.Rg + "/providers/Microsoft.KeyVault/vaults/kv-good", CancellationToken.None));
        }

        [Fact]
        public async Task A_wrong_client_secret_is_an_authentication_error()
        {
            using var host = new RecordingHost();
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => _emulator.ConnectAsync(host, o =>
            {
                o.CredentialKind = CmkCredentialKind.ServicePrincipalSecret;
                o.TenantId = _emulator.Server.TenantId;
                o.ClientId = "55555555-5555-5555-5555-555555555555";
                o.ClientSecret = TestTokens.Secure("not-the-secret");
            }));
            Assert.Equal("AuthenticationFailed", ex.ErrorId);
            Assert.DoesNotContain("not-the-secret", ex.Message + host.AllText);
        }

        [Fact]
        public async Task The_certificate_is_trusted_by_its_sha256_pin_too()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host, o => o.TrustedCertificateThumbprint = _emulator.Server.CertificateSha256.ToLowerInvariant());
            Assert.Equal(_emulator.Server.SubscriptionId, session.SubscriptionId);
        }

        [Fact]
        public async Task A_wrong_thumbprint_refuses_the_connection_without_retrying()
        {
            using var host = new RecordingHost();
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => _emulator.ConnectAsync(host, o => o.TrustedCertificateThumbprint = new string('A', 64)));
            Assert.Equal("ServerCertificateNotTrusted", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.SecurityError, ex.Category);

            var noPin = await Assert.ThrowsAnyAsync<CmkException>(() => _emulator.ConnectAsync(host, o => o.TrustedCertificateThumbprint = null));
            Assert.Equal("ServerCertificateNotTrusted", noPin.ErrorId);
        }

        [Fact]
        public async Task A_subscription_the_token_cannot_see_is_a_typed_error()
        {
            using var host = new RecordingHost();
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => _emulator.ConnectAsync(host, o => o.SubscriptionId = "Not A Subscription"));
            Assert.Equal("SubscriptionNotFound", ex.ErrorId);
        }
    }

    public class EmulatorTransportTests : IClassFixture<AzureEmulator>
    {
        private readonly AzureEmulator _emulator;
        public EmulatorTransportTests(AzureEmulator emulator) { _emulator = emulator; }

        private string Vault => _emulator.Rg + "/providers/Microsoft.KeyVault/vaults/kv-good";
        private string Kusto => _emulator.Rg + "/providers/Microsoft.Kusto/clusters/kusto-demo";
        private string NetApp => _emulator.Rg + "/providers/Microsoft.NetApp/netAppAccounts/anf-demo";

        [Fact]
        public async Task Retries_injected_503_and_429_and_the_counts_show_them()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            _emulator.Server.Faults.Add(new FaultRule("GET", "/vaults/kv-good$", 1, 503));
            _emulator.Server.Faults.Add(new FaultRule("GET", "/vaults/kv-good$", 1, 429));
            session.Requests.Reset();

            var vault = await session.GetAsync(Vault, CancellationToken.None);
            Assert.Equal("kv-good", (string?)vault!["name"]);
            var counts = session.Requests.Snapshot();
            Assert.Equal(3, counts.Get);
            Assert.Equal(2, counts.Retries);
            var seen = _emulator.Server.Log.Entries.Where(e => e.Method == "GET" && e.Path.EndsWith("/vaults/kv-good", StringComparison.OrdinalIgnoreCase)).Select(e => e.Status).TakeLast(3);
            Assert.Equal(new[] { 503, 429, 200 }, seen);
        }

        [Fact]
        public async Task Retries_are_bounded_then_the_error_is_typed()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            _emulator.Server.Faults.Add(new FaultRule("GET", "/vaults/kv-nopurge$", 10, 503, "ServiceUnavailable", "Down for maintenance."));
            session.Requests.Reset();

            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.GetAsync(_emulator.Rg + "/providers/Microsoft.KeyVault/vaults/kv-nopurge", CancellationToken.None));
            Assert.Equal("ServiceUnavailable", ex.ServiceCode);
            Assert.Equal("Down for maintenance.", ex.ServiceMessage);
            Assert.Equal(4, session.Requests.Snapshot().Get); // 1 + MaxRetries(3)
            _emulator.Server.Faults.Clear();
        }

        [Fact]
        public async Task A_dropped_connection_is_retried()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            _emulator.Server.Faults.Add(new FaultRule("GET", "/vaults/kv-rbac$", 1, DropConnection: true));
            session.Requests.Reset();
            var vault = await session.GetAsync(_emulator.Rg + "/providers/Microsoft.KeyVault/vaults/kv-rbac", CancellationToken.None);
            Assert.Equal("kv-rbac", (string?)vault!["name"]);
            Assert.Equal(1, session.Requests.Snapshot().Retries);
        }

        [Fact]
        public async Task Lro_through_azure_async_operation_returns_the_final_resource()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            session.Requests.Reset();
            var progress = new List<OperationProgress>();

            var final = await session.SendAsync(new HttpMethod("PATCH"), Kusto, new JsonObject { ["tags"] = new JsonObject { ["owner"] = "core-azure-test" } },
                CancellationToken.None, new Progress(progress));

            Assert.Equal("core-azure-test", (string?)final!["tags"]!["owner"]);
            Assert.NotEmpty(progress);
            Assert.Equal("Succeeded", progress[^1].Status);
            var counts = session.Requests.Snapshot();
            Assert.Equal(1, counts.Write);
            Assert.True(counts.Polls >= 1);
        }

        [Fact]
        public async Task Lro_through_location_returns_the_result()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            var final = await session.SendAsync(new HttpMethod("PATCH"), NetApp, new JsonObject { ["tags"] = new JsonObject { ["owner"] = "core-azure-test" } }, CancellationToken.None);
            Assert.Equal("anf-demo", (string?)final!["name"]);
            Assert.Contains(_emulator.Server.Log.Entries, e => e.Method == "GET" && e.Path.Contains("operationResults", StringComparison.OrdinalIgnoreCase));
        }

        [Fact]
        public async Task A_failed_lro_surfaces_the_operations_error()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            _emulator.Server.Faults.Add(new FaultRule("PATCH", "/clusters/kusto-demo$", 1, 500, "InjectedOperationFailure", "The operation failed on purpose.", FailLongRunningOperation: true));
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.SendAsync(new HttpMethod("PATCH"), Kusto, new JsonObject { ["tags"] = new JsonObject() }, CancellationToken.None));
            Assert.Equal("InjectedOperationFailure", ex.ServiceCode);
            Assert.Equal(Kusto, ex.Target);
        }

        [Fact]
        public async Task Cancellation_stops_polling_promptly()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            _emulator.Server.SetLroDelay(TimeSpan.FromMinutes(5));
            try
            {
                // Ctrl+C once the module polls: a fixed delay could fall in the PATCH itself on a busy machine.
                int Polls() => _emulator.Server.Log.Count(e => e.Method == "GET" && e.Path.Contains("operation", StringComparison.OrdinalIgnoreCase));
                var pollsBefore = Polls();
                var polling = Task.Run(async () =>
                {
                    while (Polls() == pollsBefore) await Task.Delay(10);
                    host.Cancel();
                });
                var sw = Stopwatch.StartNew();
                // The PATCH was accepted before the stop: a typed unknown outcome (the operation goes on in Azure), not a bare cancellation.
                var stopped = await Assert.ThrowsAnyAsync<CmkException>(() => session.SendAsync(new HttpMethod("PATCH"), Kusto,
                    new JsonObject { ["tags"] = new JsonObject() }, host.CancellationToken));
                Assert.Equal("OperationOutcomeUnknown", stopped.ErrorId);
                Assert.IsAssignableFrom<OperationCanceledException>(stopped.InnerException);
                var stoppedAt = DateTimeOffset.UtcNow;
                await polling;
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"Still polling {sw.Elapsed} after cancellation.");
                // A poll in flight at the stop is logged when the emulator ends it; none may start after the stop (polls go
                // out back to back here, so going on would show within the wait). 100 ms for a request the emulator was
                // slow to pick up.
                await Task.Delay(500);
                Assert.DoesNotContain(_emulator.Server.Log.Entries, e => e.Method == "GET" && e.Path.Contains("operation", StringComparison.OrdinalIgnoreCase)
                    && e.Time - e.Latency > stoppedAt.AddMilliseconds(100));
            }
            finally
            {
                _emulator.Server.SetLroDelay(TimeSpan.FromMilliseconds(200));
            }
        }

        [Fact]
        public async Task Requests_are_counted_per_kind_and_carry_the_pinned_api_versions()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            _emulator.Server.Log.Clear();
            session.Requests.Reset();

            await session.GetAsync(Vault, CancellationToken.None);
            await session.ListAsync(Vault + "/keys", CancellationToken.None);
            await session.GetAsync(NetApp, CancellationToken.None);
            await session.GetAsync(Kusto, CancellationToken.None);
            await session.GetAsync(_emulator.Rg + "/providers/Microsoft.Batch/batchAccounts/batchdemo", CancellationToken.None);
            var identity = _emulator.Rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-core-azure-test";
            await session.SendAsync(HttpMethod.Put, identity, new JsonObject { ["location"] = "westeurope" }, CancellationToken.None);
            await session.SendAsync(HttpMethod.Delete, identity, null, CancellationToken.None);

            var counts = session.Requests.Snapshot();
            Assert.Equal(5, counts.Get - counts.Polls);
            Assert.Equal(1, counts.Write);
            Assert.Equal(1, counts.Delete);
            Assert.Equal(0, counts.Retries);
            Assert.Equal(counts.Total, _emulator.Server.Log.Entries.Count); // every request the emulator saw was counted

            string VersionOf(string pathEnd) => _emulator.Server.Log.Entries
                .First(e => e.Path.EndsWith(pathEnd, StringComparison.OrdinalIgnoreCase)).Query;
            Assert.Contains("api-version=" + ApiVersions.KeyVault, VersionOf("/vaults/kv-good"));
            Assert.Contains("api-version=" + ApiVersions.KeyVault, VersionOf("/vaults/kv-good/keys"));
            Assert.Contains("api-version=" + ApiVersions.NetApp, VersionOf("/netAppAccounts/anf-demo"));
            Assert.Contains("api-version=" + ApiVersions.Kusto, VersionOf("/clusters/kusto-demo"));
            Assert.Contains("api-version=" + ApiVersions.Batch, VersionOf("/batchAccounts/batchdemo"));
            Assert.Contains("api-version=" + ApiVersions.ManagedIdentity, VersionOf("/userAssignedIdentities/uai-core-azure-test"));
            Assert.DoesNotContain(_emulator.Server.Log.Entries, e => e.Path.StartsWith("/providers", StringComparison.OrdinalIgnoreCase));
        }

        [Fact]
        public async Task Verbose_output_never_contains_the_token()
        {
            using var host = new RecordingHost();
            var session = await _emulator.ConnectAsync(host);
            using (CmkHostScope.Enter(host))
            {
                await session.GetAsync(Vault, CancellationToken.None);
                _emulator.Server.Faults.Add(new FaultRule("GET", "/vaults/kv-good$", 1, 503));
                await session.GetAsync(Vault, CancellationToken.None);
            }
            Assert.Contains(host.Verbose, v => v.Contains("/vaults/kv-good") && v.Contains("503"));
            Assert.Contains(host.Verbose, v => v.Contains("retry 1"));
            Assert.DoesNotContain(_emulator.Server.AdminToken, host.AllText);
            Assert.DoesNotContain(_emulator.Server.AdminToken.Split('.')[2], host.AllText);
        }

        private sealed class Progress : IProgress<OperationProgress>
        {
            private readonly List<OperationProgress> _items;
            public Progress(List<OperationProgress> items) { _items = items; }
            public void Report(OperationProgress value) { lock (_items) _items.Add(value); }
        }
    }

    [Collection(ProcessEnvironmentCollection.Name)]
    public class EmulatorManagedIdentityTests : IClassFixture<AzureEmulator>
    {
        private readonly AzureEmulator _emulator;
        public EmulatorManagedIdentityTests(AzureEmulator emulator) { _emulator = emulator; }

        [Fact]
        public async Task Managed_identity_from_the_runbook_environment_connects()
        {
            var saved = new Dictionary<string, string?>();
            foreach (var name in new[] { "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET" }) saved[name] = Environment.GetEnvironmentVariable(name);
            try
            {
                Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", _emulator.Server.IdentityEndpoint.ToString());
                Environment.SetEnvironmentVariable("IDENTITY_HEADER", _emulator.Server.IdentityHeader);
                Environment.SetEnvironmentVariable("MSI_ENDPOINT", null);
                Environment.SetEnvironmentVariable("MSI_SECRET", null);
                using var host = new RecordingHost();
                var session = await _emulator.ConnectAsync(host, o =>
                {
                    o.CredentialKind = CmkCredentialKind.ManagedIdentity;
                    o.AccessToken = null;
                });
                Assert.Equal(_emulator.Server.SubscriptionId, session.Info.SubscriptionId);
                Assert.Equal(CmkCredentialKind.ManagedIdentity, session.Info.CredentialKind);
                Assert.NotNull(await session.GetAsync(_emulator.Rg + "/providers/Microsoft.KeyVault/vaults/kv-good", CancellationToken.None));
            }
            finally
            {
                foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}

namespace CmkPowerShell.Tests.Azure
{
    [Collection(ProcessEnvironmentCollection.Name)]
    public class CmkContextTests : IClassFixture<AzureEmulator>
    {
        private readonly AzureEmulator _emulator;
        public CmkContextTests(AzureEmulator emulator) { _emulator = emulator; }

        [Fact]
        public async Task Connect_makes_the_session_current_and_disconnect_forgets_it()
        {
            using var host = new RecordingHost();
            try
            {
                var session = await CmkContext.ConnectAsync(_emulator.Options(), host);
                Assert.Same(session, CmkContext.Current);
                Assert.Same(session, await CmkContext.GetOrConnectDefaultAsync(host));
                Assert.True(CmkContext.Disconnect());
                Assert.Null(CmkContext.Current);
                Assert.False(CmkContext.Disconnect());
            }
            finally
            {
                CmkContext.Disconnect();
            }
        }
    }
}
