using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.Emulator
{
    /// <summary>Tokens, throttling, latency, faults, the request log and the admin endpoint. Each test owns its emulator.</summary>
    public class EmulatorControlTests
    {
        private static async Task<(EmulatorServer Server, HttpClient Client)> StartAsync(EmulatorOptions? options = null)
        {
            var server = await EmulatorServer.StartAsync(options ?? new EmulatorOptions { RetryAfter = TimeSpan.Zero });
            var client = new HttpClient(Pinned(server)) { BaseAddress = server.Endpoint };
            client.DefaultRequestHeaders.Authorization = new("Bearer", server.AdminToken);
            return (server, client);
        }

        private static HttpClientHandler Pinned(EmulatorServer server) => new()
        {
            ServerCertificateCustomValidationCallback = (_, c, _, _) => c != null && c.Thumbprint == server.CertificateThumbprint,
        };

        private static string Vault(EmulatorServer s) => $"/subscriptions/{s.SubscriptionId}/resourceGroups/rg-cmk-demo/providers/Microsoft.KeyVault/vaults/kv-good?api-version=2026-02-01";

        [Fact]
        public async Task ClientSecretCredential_gets_a_token_that_ARM_accepts_and_a_wrong_secret_is_invalid_client()
        {
            var (server, client) = await StartAsync();
            await using var owner = server;
            using var http = client;
            var options = new ClientSecretCredentialOptions
            {
                AuthorityHost = server.Endpoint,
                DisableInstanceDiscovery = true,
                Transport = new HttpClientTransport(Pinned(server)),
            };
            var credential = new ClientSecretCredential(server.TenantId, "55555555-5555-5555-5555-555555555555", "emulator-secret", options);
            var token = await credential.GetTokenAsync(new TokenRequestContext(new[] { "https://management.azure.com/.default" }), CancellationToken.None);
            using var viaSdk = new HttpClient(Pinned(server)) { BaseAddress = server.Endpoint };
            viaSdk.DefaultRequestHeaders.Authorization = new("Bearer", token.Token);
            var (response, _) = await EmulatorFixture.SendAsync(viaSdk, HttpMethod.Get, Vault(server));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(EmulatorFixture.AdminId, server.Log.Entries.Last().PrincipalId);

            var wrong = new ClientSecretCredential(server.TenantId, "55555555-5555-5555-5555-555555555555", "nope", options);
            var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(async () =>
                await wrong.GetTokenAsync(new TokenRequestContext(new[] { "https://management.azure.com/.default" }), CancellationToken.None));
            Assert.Contains("AADSTS7000215", ex.ToString());
        }

        [Fact]
        public async Task Managed_identity_endpoint_issues_for_the_host_or_a_user_assigned_identity()
        {
            var (server, client) = await StartAsync();
            await using var owner = server;
            using var http = client;
            using var anonymous = new HttpClient(Pinned(server)) { BaseAddress = server.Endpoint };

            using var request = new HttpRequestMessage(HttpMethod.Get, "msi/token?api-version=2019-08-01&resource=https://management.azure.com/&client_id=77777777-7777-7777-7777-000000000001");
            request.Headers.Add("X-IDENTITY-HEADER", server.IdentityHeader);
            var response = await anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True(long.Parse(body["expires_on"]!.GetValue<string>()) > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            Assert.Equal("77777777-7777-7777-7777-000000000001", body["client_id"]!.GetValue<string>());

            using var armAsUai = new HttpClient(Pinned(server)) { BaseAddress = server.Endpoint };
            armAsUai.DefaultRequestHeaders.Authorization = new("Bearer", body["access_token"]!.GetValue<string>());
            var (forbidden, error) = await EmulatorFixture.SendAsync(armAsUai, HttpMethod.Get, Vault(server));
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode); // uai-good has data-plane access only, no ARM role
            Assert.Contains("66666666-6666-6666-6666-000000000001", error!["error"]!["message"]!.GetValue<string>());

            using var old = new HttpRequestMessage(HttpMethod.Get, "msi/token?api-version=2017-09-01&resource=https://management.azure.com/");
            old.Headers.Add("secret", server.IdentityHeader);
            var oldResponse = await anonymous.SendAsync(old);
            Assert.Equal(HttpStatusCode.OK, oldResponse.StatusCode);

            using var noHeader = new HttpRequestMessage(HttpMethod.Get, "msi/token?api-version=2019-08-01&resource=https://management.azure.com/");
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(noHeader)).StatusCode);
        }

        [Fact]
        public async Task ManagedIdentityCredential_works_against_the_App_Service_endpoint()
        {
            var (server, client) = await StartAsync();
            await using var owner = server;
            using var http = client;
            var saved = (Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT"), Environment.GetEnvironmentVariable("IDENTITY_HEADER"));
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", server.IdentityEndpoint.ToString());
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", server.IdentityHeader);
            try
            {
                var credential = new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(ManagedIdentityId.SystemAssigned)
                    { Transport = new HttpClientTransport(Pinned(server)) });
                var token = await credential.GetTokenAsync(new TokenRequestContext(new[] { "https://management.azure.com/.default" }), CancellationToken.None);
                using var arm = new HttpClient(Pinned(server)) { BaseAddress = server.Endpoint };
                arm.DefaultRequestHeaders.Authorization = new("Bearer", token.Token);
                var (response, _) = await EmulatorFixture.SendAsync(arm, HttpMethod.Get, Vault(server));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the host identity is the admin by default
            }
            finally
            {
                Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", saved.Item1);
                Environment.SetEnvironmentVariable("IDENTITY_HEADER", saved.Item2);
            }
        }

        [Fact]
        public async Task Throttling_answers_429_with_Retry_After_and_reports_remaining_reads()
        {
            var (server, client) = await StartAsync();
            await using var owner = server;
            using var http = client;
            var (first, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, Vault(server));
            Assert.Equal("249", first.Headers.GetValues("x-ms-ratelimit-remaining-subscription-reads").Single());

            server.SetThrottling(true);
            HttpResponseMessage? last = null;
            for (int i = 0; i < 300 && (last == null || last.StatusCode != HttpStatusCode.TooManyRequests); i++)
                (last, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, Vault(server));
            Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
            Assert.True(int.Parse(last.Headers.GetValues("Retry-After").Single()) >= 1);
            Assert.Equal("0", last.Headers.GetValues("x-ms-ratelimit-remaining-subscription-reads").Single());
            // Writes have their own bucket.
            var (write, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Patch, Vault(server), new JsonObject { ["tags"] = new JsonObject() });
            Assert.Equal(HttpStatusCode.OK, write.StatusCode);
            Assert.Equal("199", write.Headers.GetValues("x-ms-ratelimit-remaining-subscription-writes").Single());
        }

        [Fact]
        public async Task Latency_is_added_to_every_request()
        {
            var (server, client) = await StartAsync();
            await using var owner = server;
            using var http = client;
            server.SetLatency(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(50));
            var watch = Stopwatch.StartNew();
            await EmulatorFixture.SendAsync(client, HttpMethod.Get, Vault(server));
            Assert.True(watch.ElapsedMilliseconds >= 250);
            Assert.True(server.Log.Entries.Last().Latency >= TimeSpan.FromMilliseconds(250));
        }

        [Fact]
        public async Task Status_faults_apply_to_the_next_N_matching_requests()
        {
            var (server, client) = await StartAsync();
            await using var owner = server;
            using var http = client;
            server.Faults.Add(new FaultRule("GET", "/vaults/kv-good$", 2, 503, "ServerBusy", "Try later."));
            for (int i = 0; i < 2; i++)
            {
                var (r, body) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, Vault(server));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
                Assert.Equal("ServerBusy", body!["error"]!["code"]!.GetValue<string>());
            }
            var (ok, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, Vault(server));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        [Fact]
        public async Task Dropped_connection_fault_aborts_the_request()
        {
            var (server, client) = await StartAsync();
            await using var owner = server;
            using var http = client;
            server.Faults.Add(new FaultRule("*", "kv-good", 1, DropConnection: true));
            await Assert.ThrowsAsync<HttpRequestException>(() => EmulatorFixture.SendAsync(client, HttpMethod.Get, Vault(server)));
            var (ok, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, Vault(server));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        [Fact]
        public async Task Failed_long_running_operation_fault_accepts_the_write_then_fails_it()
        {
            var (server, client) = await StartAsync(new EmulatorOptions { LroDelay = TimeSpan.FromMilliseconds(100), RetryAfter = TimeSpan.Zero });
            await using var owner = server;
            using var http = client;
            server.Faults.Add(new FaultRule("PATCH", "clusters/kusto-demo", 1, ErrorCode: "InternalServerError", ErrorMessage: "Boom.", FailLongRunningOperation: true));
            var kusto = $"/subscriptions/{server.SubscriptionId}/resourceGroups/rg-cmk-demo/providers/Microsoft.Kusto/clusters/kusto-demo?api-version=2023-08-15";
            var (accepted, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Patch, kusto, new JsonObject { ["tags"] = new JsonObject { ["a"] = "b" } });
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            await Task.Delay(300);
            var (_, status) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, new Uri(accepted.Headers.GetValues("Azure-AsyncOperation").Single()).PathAndQuery);
            Assert.Equal("Failed", status!["status"]!.GetValue<string>());
            Assert.Equal("Boom.", status["error"]!["message"]!.GetValue<string>());
            var (_, cluster) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, kusto);
            Assert.Null(cluster!["tags"]!["a"]);
        }

        [Fact]
        public async Task Admin_endpoint_controls_faults_lro_and_shows_the_request_log()
        {
            var (server, client) = await StartAsync();
            await using var owner = server;
            using var http = client;
            using var admin = new HttpClient(Pinned(server)) { BaseAddress = server.Endpoint };
            await EmulatorFixture.SendAsync(client, HttpMethod.Get, Vault(server));
            var (log, body) = await EmulatorFixture.SendAsync(admin, HttpMethod.Get, "_emulator/requests");
            Assert.Equal(HttpStatusCode.OK, log.StatusCode);
            var entry = body!["value"]!.AsArray().Last()!;
            Assert.Equal("GET", entry["method"]!.GetValue<string>());
            Assert.Equal(200, entry["status"]!.GetValue<int>());
            Assert.Equal(EmulatorFixture.AdminId, entry["principalId"]!.GetValue<string>());

            var (added, _) = await EmulatorFixture.SendAsync(admin, HttpMethod.Post, "_emulator/faults",
                new JsonObject { ["method"] = "GET", ["pathPattern"] = "kv-good", ["count"] = 1, ["status"] = 500 });
            Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
            var (faulted, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, Vault(server));
            Assert.Equal(HttpStatusCode.InternalServerError, faulted.StatusCode);

            await EmulatorFixture.SendAsync(admin, HttpMethod.Post, "_emulator/lro", new JsonObject { ["delayMs"] = 1234 });
            Assert.Equal(TimeSpan.FromMilliseconds(1234), server.LroDelay);
            await EmulatorFixture.SendAsync(admin, HttpMethod.Post, "_emulator/throttling", new JsonObject { ["enabled"] = true });
            Assert.True(server.Throttling);
            await EmulatorFixture.SendAsync(admin, HttpMethod.Delete, "_emulator/requests");
            Assert.Equal(0, server.Log.Count(_ => true));
        }

        [Fact]
        public async Task Profile_is_written_with_what_a_client_needs()
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"emu-{Guid.NewGuid():N}.json");
            await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { ProfilePath = path });
            try
            {
                var profile = JsonNode.Parse(await System.IO.File.ReadAllTextAsync(path))!;
                Assert.Equal(server.Endpoint.ToString(), profile["endpoint"]!.GetValue<string>());
                Assert.Equal(server.CertificateThumbprint, profile["certificateThumbprint"]!.GetValue<string>());
                Assert.Equal("11111111-1111-1111-1111-111111111111", profile["tenantId"]!.GetValue<string>());
                Assert.Equal(server.AdminToken, profile["token"]!.GetValue<string>());
                foreach (var name in new[] { "certificateSha256", "subscriptionId", "tokenEndpoint", "identityEndpoint", "identityHeader" })
                    Assert.False(string.IsNullOrEmpty(profile[name]?.GetValue<string>()), name);
            }
            finally
            {
                System.IO.File.Delete(path);
            }
        }
    }
}
