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
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Azure
{
    /// <summary>The session over the real Azure.Core + ArmClient pipeline, with an in-process fake ARM behind it.</summary>
    public class SessionTests
    {
        private const string Vault = "/subscriptions/" + FakeArm.SubscriptionId + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v1";
        private const string Account = "/subscriptions/" + FakeArm.SubscriptionId + "/resourceGroups/rg/providers/Microsoft.NetApp/netAppAccounts/a1";

        [Fact]
        public async Task Connect_with_an_access_token_reports_who_where_and_which_subscription()
        {
            var arm = new FakeArm();
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);

            Assert.Equal(FakeArm.SubscriptionId, session.Info.SubscriptionId);
            Assert.Equal("Emulated CMK", session.Info.SubscriptionName);
            Assert.Equal(FakeArm.TenantId, session.Info.TenantId);
            Assert.Equal("admin@contoso.test", session.Info.Account);
            Assert.Equal(CmkCredentialKind.AccessToken, session.Info.CredentialKind);
            Assert.Equal(new Uri(FakeArm.Endpoint), session.Info.ResourceManager);
            // ArmClient listed the subscriptions with the pinned version, not a discovered one.
            var list = Assert.Single(arm.To("GET", "^/subscriptions$"));
            Assert.Equal(ApiVersions.Resources, list.Query("api-version"));
            Assert.Empty(arm.To("GET", "^/providers"));
        }

        [Fact]
        public async Task Several_subscriptions_pick_the_asked_one_by_name_or_warn_and_take_the_first()
        {
            var arm = new FakeArm();
            arm.Subscriptions.Add(FakeArm.Subscription("44444444-4444-4444-4444-444444444444", "Second"));
            using var host = new RecordingHost();

            var byName = await arm.ConnectAsync(host, configure: o => o.SubscriptionId = "second");
            Assert.Equal("44444444-4444-4444-4444-444444444444", byName.SubscriptionId);
            Assert.Empty(host.Warnings);

            var first = await arm.ConnectAsync(host);
            Assert.Equal(FakeArm.SubscriptionId, first.SubscriptionId);
            Assert.Contains(host.Warnings, w => w.Contains("2 subscriptions") && w.Contains(FakeArm.SubscriptionId));
        }

        [Fact]
        public async Task Asking_for_an_invisible_subscription_is_a_typed_not_found()
        {
            var arm = new FakeArm();
            using var host = new RecordingHost();
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => arm.ConnectAsync(host, configure: o => o.SubscriptionId = "99999999-9999-9999-9999-999999999999"));
            Assert.Equal("SubscriptionNotFound", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.ObjectNotFound, ex.Category);
            Assert.Equal("99999999-9999-9999-9999-999999999999", ex.Target);
            Assert.False(string.IsNullOrEmpty(ex.RecommendedAction));
        }

        [Fact]
        public async Task Subscriptions_of_another_tenant_are_not_chosen()
        {
            var arm = new FakeArm();
            arm.Subscriptions = new JsonArray { FakeArm.Subscription("55555555-0000-0000-0000-000000000000", "Foreign", tenant: "66666666-6666-6666-6666-666666666666") };
            using var host = new RecordingHost();
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => arm.ConnectAsync(host));
            Assert.Equal("NoSubscriptionFound", ex.ErrorId);
        }

        [Theory]
        [InlineData("AzureMoonCloud", null, "UnknownEnvironment")]
        [InlineData("AzureCloud", "http://127.0.0.1:5000/", "InsecureResourceManagerEndpoint")]
        public async Task Bad_cloud_choices_are_input_errors(string environment, string? endpoint, string errorId)
        {
            using var host = new RecordingHost();
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => new FakeArm().ConnectAsync(host, configure: o =>
            {
                o.Environment = environment;
                o.ResourceManagerEndpoint = endpoint is null ? null : new Uri(endpoint);
            }));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(CmkErrorCategory.InvalidArgument, ex.Category);
        }

        [Fact]
        public void Well_known_clouds_resolve_by_name()
        {
            var (cloud, custom) = CmkSession.ResolveCloud(new CmkConnectionOptions { Environment = "azureusgovernment" });
            Assert.Same(AzureCloud.AzureUSGovernment, cloud);
            Assert.False(custom);
            var (emulator, isCustom) = CmkSession.ResolveCloud(new CmkConnectionOptions { ResourceManagerEndpoint = new Uri("https://127.0.0.1:8443/") });
            Assert.True(isCustom);
            Assert.Equal(new Uri("https://127.0.0.1:8443/"), emulator.Authority);
        }

        [Fact]
        public async Task An_expired_access_token_is_refused_before_any_request()
        {
            var arm = new FakeArm();
            using var host = new RecordingHost();
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => arm.ConnectAsync(host, TestTokens.Jwt(expires: DateTimeOffset.UtcNow.AddMinutes(-1))));
            Assert.Equal("AccessTokenExpired", ex.ErrorId);
            Assert.Empty(arm.Requests);
        }

        [Fact]
        public async Task Get_pins_the_api_version_and_a_404_is_null()
        {
            var arm = new FakeArm().On("GET", "/vaults/v1$", (_, _) => FakeArm.Json(200, new JsonObject { ["name"] = "v1" }));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);

            var vault = await session.GetAsync(Vault, CancellationToken.None);
            Assert.Equal("v1", (string?)vault!["name"]);
            Assert.Equal(ApiVersions.KeyVault, arm.To("GET", "/vaults/v1$").Single().Query("api-version"));
            Assert.Null(await session.GetAsync(Vault.Replace("v1", "missing"), CancellationToken.None));
        }

        [Fact]
        public async Task A_failed_answer_becomes_the_catalogue_exception_with_the_service_code()
        {
            var arm = new FakeArm().On("PUT", "/netAppAccounts/a1$", (_, _) => FakeArm.Error(400, "KeyVaultNotPurgeProtected", "Enable purge protection."));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);

            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.SendAsync(HttpMethod.Put, Account, new JsonObject(), CancellationToken.None));
            Assert.Equal("KeyVaultNotPurgeProtected", ex.ServiceCode);
            Assert.Equal("Enable purge protection.", ex.ServiceMessage);
            Assert.Equal(Account, ex.Target);
        }

        [Fact]
        public async Task List_follows_next_links_on_the_same_host_only()
        {
            var arm = new FakeArm()
                .On("GET", "/vaults$", (r, _) => r.Query("page") == "2"
                    ? FakeArm.Json(200, new JsonObject { ["value"] = new JsonArray { new JsonObject { ["name"] = "v2" } } })
                    : FakeArm.Json(200, new JsonObject
                    {
                        ["value"] = new JsonArray { new JsonObject { ["name"] = "v1" } },
                        ["nextLink"] = FakeArm.Endpoint + "subscriptions/" + FakeArm.SubscriptionId + "/providers/Microsoft.KeyVault/vaults?api-version=2026-02-01&page=2",
                    }));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            var vaults = await session.ListAsync("/subscriptions/" + FakeArm.SubscriptionId + "/providers/Microsoft.KeyVault/vaults", CancellationToken.None);
            Assert.Equal(new[] { "v1", "v2" }, vaults.Select(v => (string?)v["name"]));

            arm.On("GET", "/vaults$", (_, _) => FakeArm.Json(200, new JsonObject { ["value"] = new JsonArray(), ["nextLink"] = "https://evil.test/steal" }));
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.ListAsync("/subscriptions/" + FakeArm.SubscriptionId + "/providers/Microsoft.KeyVault/vaults", CancellationToken.None));
            Assert.Equal("UntrustedOperationUrl", ex.ErrorId);
        }

        [Fact]
        public async Task Retries_503_and_429_honouring_retry_after_and_counts_them()
        {
            var arm = new FakeArm().On("GET", "/vaults/v1$", (_, hit) => hit switch
            {
                0 => FakeArm.Error(503, "ServiceUnavailable", "busy"),
                1 => FakeArm.Error(429, "TooManyRequests", "slow down", ("Retry-After", "1")),
                _ => FakeArm.Json(200, new JsonObject { ["name"] = "v1" }),
            });
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            var before = session.Requests.Snapshot();

            var sw = Stopwatch.StartNew();
            Assert.NotNull(await session.GetAsync(Vault, CancellationToken.None));
            var delta = session.Requests.Snapshot().Minus(before);

            Assert.Equal(3, delta.Get);
            Assert.Equal(2, delta.Retries);
            Assert.Equal(1, delta.FirstAttempts);
            Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(0.9), $"Retry-After: 1 was not honoured ({sw.Elapsed}).");
        }

        [Fact]
        public async Task Retries_are_bounded_and_end_in_a_typed_error()
        {
            var arm = new FakeArm().On("GET", "/vaults/v1$", (_, _) => FakeArm.Error(503, "ServiceUnavailable", "still busy"));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            session.Requests.Reset();

            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.GetAsync(Vault, CancellationToken.None));
            Assert.Equal("ServiceUnavailable", ex.ServiceCode);
            Assert.Equal(4, arm.To("GET", "/vaults/v1$").Count); // 1 + MaxRetries (3)
            Assert.Equal(3, session.Requests.Snapshot().Retries);
        }

        [Fact]
        public async Task A_dropped_connection_is_retried()
        {
            var arm = new FakeArm().On("GET", "/vaults/v1$", (_, hit) => hit == 0
                ? throw new HttpRequestException("connection reset", new System.IO.IOException("reset"))
                : FakeArm.Json(200, new JsonObject { ["name"] = "v1" }));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            Assert.NotNull(await session.GetAsync(Vault, CancellationToken.None));
            Assert.Equal(2, arm.To("GET", "/vaults/v1$").Count);
        }

        [Fact]
        public async Task A_connection_that_never_answers_ends_as_service_unreachable()
        {
            var arm = new FakeArm().On("GET", "/vaults/v1$", (_, _) => throw new HttpRequestException("connection refused", new System.IO.IOException("refused")));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.GetAsync(Vault, CancellationToken.None));
            Assert.Equal("ServiceUnreachable", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.ConnectionError, ex.Category);
        }

        [Fact]
        public async Task Requests_are_counted_per_kind()
        {
            var arm = new FakeArm()
                .On("GET", "/vaults/v1$", (_, _) => FakeArm.Json(200, new JsonObject()))
                .On("PUT", "/vaults/v1$", (_, _) => FakeArm.Json(200, new JsonObject { ["properties"] = new JsonObject { ["provisioningState"] = "Succeeded" } }))
                .On("PATCH", "/vaults/v1$", (_, _) => FakeArm.Json(200, new JsonObject()))
                .On("POST", "/vaults/v1/action$", (_, _) => FakeArm.Json(200, new JsonObject()))
                .On("DELETE", "/vaults/v1$", (_, _) => FakeArm.Json(204, null));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            session.Requests.Reset();

            await session.GetAsync(Vault, CancellationToken.None);
            await session.GetAsync(Vault, CancellationToken.None);
            await session.SendAsync(HttpMethod.Put, Vault, new JsonObject(), CancellationToken.None);
            await session.SendAsync(new HttpMethod("PATCH"), Vault, new JsonObject(), CancellationToken.None);
            await session.SendAsync(HttpMethod.Post, Vault + "/action", null, CancellationToken.None);
            await session.SendAsync(HttpMethod.Delete, Vault, null, CancellationToken.None);

            Assert.Equal(new RequestCounts(Get: 2, Write: 2, Post: 1, Delete: 1, Other: 0, Retries: 0, Polls: 0), session.Requests.Snapshot());
        }

        [Fact]
        public async Task Verbose_lines_describe_requests_but_never_carry_the_token_or_secrets()
        {
            var token = TestTokens.Jwt(upn: "redaction@contoso.test");
            var arm = new FakeArm().On("GET", "/vaults/v1$", (_, _) => FakeArm.Json(200, new JsonObject(), ("x-ms-request-id", "req-123")));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host, token);
            using (CmkHostScope.Enter(host))
            {
                await session.GetAsync(Vault + "?sig=SAS-SIGNATURE-VALUE", CancellationToken.None);
            }

            // The token did go out (so the test is not vacuous) ...
            Assert.All(arm.Requests, r => Assert.Equal("Bearer " + token, r.Authorization));
            // ... and the host heard about the request, but not the token, its payload or the SAS value.
            var line = Assert.Single(host.Verbose, v => v.Contains("/vaults/v1"));
            Assert.Contains("GET", line);
            Assert.Contains("200", line);
            Assert.Contains("req-123", line);
            Assert.Contains("api-version=" + ApiVersions.KeyVault, line);
            var all = host.AllText;
            Assert.DoesNotContain(token, all);
            Assert.DoesNotContain(token.Split('.')[1], all);
            Assert.DoesNotContain("SAS-SIGNATURE-VALUE", all);
            Assert.DoesNotContain("Bearer", all);
        }

        [Fact]
        public async Task Verbose_lines_go_to_the_host_of_the_current_scope()
        {
            var arm = new FakeArm().On("GET", "/vaults/v1$", (_, _) => FakeArm.Json(200, new JsonObject()));
            using var connectHost = new RecordingHost();
            var session = await arm.ConnectAsync(connectHost);
            connectHost.Clear();

            using var cmdletHost = new RecordingHost();
            using (CmkHostScope.Enter(cmdletHost))
            {
                await session.GetAsync(Vault, CancellationToken.None);
            }
            await session.GetAsync(Vault, CancellationToken.None);

            Assert.Single(cmdletHost.Verbose, v => v.Contains("/vaults/v1"));
            Assert.Empty(connectHost.Verbose);
        }

        [Fact]
        public async Task The_client_side_bucket_paces_requests_of_one_subscription()
        {
            var arm = new FakeArm().On("GET", "/vaults/v1$", (_, _) => FakeArm.Json(200, new JsonObject()));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host, configure: o => o.Transport.ReadRate = new TokenBucketRate(2, 10));

            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 5; i++) await session.GetAsync(Vault, CancellationToken.None);
            // 2 tokens up front, 3 more at 10 per second: at least ~0.3 s in all (the subscription list took none of this bucket).
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(250), $"5 reads at 2 burst / 10 per s took only {sw.Elapsed}.");
        }

        [Fact]
        public async Task Arm_saying_no_writes_remain_slows_the_next_write()
        {
            var arm = new FakeArm().On("PUT", "/vaults/v1$", (_, _) => FakeArm.Json(200, new JsonObject(), ("x-ms-ratelimit-remaining-subscription-writes", "0")));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host, configure: o => o.Transport.WriteRate = new TokenBucketRate(200, 4));

            await session.SendAsync(HttpMethod.Put, Vault, new JsonObject(), CancellationToken.None);
            var sw = Stopwatch.StartNew();
            await session.SendAsync(HttpMethod.Put, Vault, new JsonObject(), CancellationToken.None);
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(200), $"The write after 'remaining 0' went out after {sw.Elapsed}.");
        }
    }
}

namespace CmkPowerShell.Tests.Azure
{
    public class TimeoutTests
    {
        [Fact]
        public async Task An_attempt_that_outlives_the_network_timeout_is_a_typed_timeout_not_a_cancellation()
        {
            var arm = new FakeArm { Latency = r => r.Path.EndsWith("/slow") ? TimeSpan.FromSeconds(10) : TimeSpan.Zero }
                .On("GET", "/vaults/slow$", (_, _) => FakeArm.Json(200, new System.Text.Json.Nodes.JsonObject()));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host, configure: o => { o.Transport.NetworkTimeout = TimeSpan.FromMilliseconds(100); o.Transport.MaxRetries = 1; });
            var ex = await Assert.ThrowsAsync<CmkPowerShell.Core.Errors.CmkNetworkException>(() =>
                session.GetAsync("/subscriptions/" + FakeArm.SubscriptionId + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/slow", CancellationToken.None));
            Assert.Equal("RequestTimeout", ex.ErrorId);
            Assert.Equal(CmkPowerShell.Core.Errors.CmkErrorCategory.OperationTimeout, ex.Category);
            Assert.Equal(2, arm.To("GET", "/vaults/slow$").Count); // timed-out attempts are retried
        }
    }
}
