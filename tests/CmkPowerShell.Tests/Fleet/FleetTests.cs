using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.Emulator;
using CmkPowerShell.Tests.Specs;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Fleet
{
    /// <summary>The built-in fleet scenario (see FleetScenario in the emulator), spec-checked, with a signed-in session.</summary>
    public abstract class FleetEmulatorTest : IAsyncLifetime
    {
        public const string Sub0 = "22222222-2222-2222-2222-222222222222";
        public const string Sub1 = "44444444-4444-4444-4444-000000000001";
        public const string Sub2 = "44444444-4444-4444-4444-000000000002";
        public const string OldVersion = "0f1e2d3c4b5a49687766554433221100";
        public const string NewVersion = "1f1e2d3c4b5a49687766554433221101";

        private sealed class Fixture : EmulatorFixture
        {
            public string Scenario = "fleet";
            protected override EmulatorOptions CreateOptions() => new()
            {
                Scenario = Scenario,
                Validator = ShippedSpecs.Catalog,
                LroDelay = TimeSpan.FromMilliseconds(100),
                RetryAfter = TimeSpan.Zero,
            };
        }

        private readonly Fixture _emulator = new();

        protected FleetEmulatorTest(string scenario = "fleet") => _emulator.Scenario = scenario;

        protected EmulatorServer Server => _emulator.Server;

        protected Task<(HttpResponseMessage Response, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
            => _emulator.SendAsync(method, path, body);
        protected CmkSession Session { get; private set; } = null!;
        protected RecordingHost Host { get; } = new();

        public async Task InitializeAsync()
        {
            await _emulator.InitializeAsync();
            Session = await EmulatorSessions.ConnectAsync(Server, Host, new CmkTransportOptions { RetryDelay = TimeSpan.FromMilliseconds(50) });
            Server.Log.Clear();
            Host.Clear();
        }

        public async Task DisposeAsync()
        {
            Host.Dispose();
            await _emulator.DisposeAsync();
        }

        protected async Task<(List<CmkEncryptionStatus> Found, List<(string Id, Exception Error)> Failed)> DiscoverAsync(
            CmkFleetFilter? filter = null, params string[] scopes)
        {
            var found = new ConcurrentBag<CmkEncryptionStatus>();
            var failed = new ConcurrentBag<(string, Exception)>();
            var discovery = new FleetDiscovery(Session, new KeyVaultReader(Session), Host);
            await discovery.DiscoverAsync(scopes, filter ?? new CmkFleetFilter(), found.Add, (id, e) => failed.Add((id, e)), 8, CancellationToken.None);
            return (found.OrderBy(s => s.ResourceId, StringComparer.OrdinalIgnoreCase).ToList(), failed.ToList());
        }

        protected IReadOnlyList<LoggedRequest> Requests(string method, string pathContains)
            => Server.Log.Entries.Where(e => e.Method == method && e.Path.IndexOf(pathContains, StringComparison.OrdinalIgnoreCase) >= 0).ToList();

        protected static string Kusto(string sub, int i) => $"/subscriptions/{sub}/resourceGroups/rg-fleet/providers/Microsoft.Kusto/clusters/fleet-kusto-{i:0000}";
        protected static string Batch(string sub, int i) => $"/subscriptions/{sub}/resourceGroups/rg-fleet/providers/Microsoft.Batch/batchAccounts/fleetbatch{i:0000}";
    }

    /// <summary>Get-AzCmkEncryption -Scope's engine: Resource Graph pages, no GET per resource, the fleet filters.</summary>
    public sealed class FleetDiscoveryTests : FleetEmulatorTest
    {
        [Fact]
        public async Task Every_supported_resource_of_the_scopes_comes_from_Resource_Graph_pages_without_a_GET_each()
        {
            var (connected, _) = await DiscoverAsync();
            Assert.Equal(20, connected.Count); // 60 resources round-robin over 3 subscriptions
            Assert.All(connected, s => Assert.StartsWith($"/subscriptions/{Sub0}/", s.ResourceId));

            Server.Log.Clear();
            var (all, failed) = await DiscoverAsync(null, Sub0, $"/subscriptions/{Sub1}", $"/subscriptions/{Sub2}");
            Assert.Empty(failed);
            Assert.Equal(60, all.Count);
            Assert.Equal(3, Requests("POST", "Microsoft.ResourceGraph").Count); // one query per scope
            Assert.DoesNotContain(Server.Log.Entries, e => e.Method == "GET" && (e.Path.Contains("Microsoft.Kusto") || e.Path.Contains("Microsoft.Batch")));

            // The state is the adapters' own reading of the row: a pinned Kusto cluster and a Microsoft-managed Batch account.
            var kusto = all.Single(s => s.ResourceId.Equals(Kusto(Sub0, 1), StringComparison.OrdinalIgnoreCase));
            Assert.True(kusto.CustomerManaged);
            Assert.Equal(OldVersion, kusto.KeyVersion);
            Assert.Equal("https://kv-fleet-1.vault.azure.net/keys/cmk/" + OldVersion, kusto.KeyUri);
            Assert.False(all.Single(s => s.Name == "fleetbatch0010").CustomerManaged);
        }

        [Fact]
        public async Task Management_groups_include_nested_groups_and_resource_groups_narrow_a_subscription()
        {
            Assert.Equal(40, (await DiscoverAsync(null, "/providers/Microsoft.Management/managementGroups/mg-fleet")).Found.Count);
            Assert.Equal(60, (await DiscoverAsync(null, "/providers/Microsoft.Management/managementGroups/mg-root")).Found.Count);
            Assert.Equal(20, (await DiscoverAsync(null, $"/subscriptions/{Sub1}/resourceGroups/rg-fleet")).Found.Count);
            Assert.Empty((await DiscoverAsync(null, $"/subscriptions/{Sub1}/resourceGroups/rg-keys")).Found);
        }

        [Fact]
        public async Task Filters_answer_the_fleet_questions()
        {
            var scopes = new[] { "/providers/Microsoft.Management/managementGroups/mg-root" };
            var managed = (await DiscoverAsync(new CmkFleetFilter { MicrosoftManaged = true }, scopes)).Found;
            Assert.Equal(6, managed.Count); // every 10th
            Assert.All(managed, s => Assert.False(s.CustomerManaged));

            Server.Log.Clear();
            var vault2 = (await DiscoverAsync(new CmkFleetFilter { KeyVaultName = "kv-fleet-2" }, scopes)).Found;
            // Even-numbered resources use kv-fleet-2 unless Microsoft-managed (10s) or on kv-fleet-1's expiring key (7s).
            var expected = Enumerable.Range(1, 60).Count(i => i % 2 == 0 && i % 10 != 0 && i % 7 != 0);
            Assert.Equal(expected, vault2.Count);
            Assert.All(vault2, s => Assert.Contains("//kv-fleet-2.", s.KeyUri));
            var query = JsonNode.Parse(Server.Log.Entries.Single(e => e.Method == "POST").RequestBody!)!["query"]!.GetValue<string>();
            Assert.Contains("tostring(properties) contains '//kv-fleet-2.'", query); // narrowed inside Resource Graph

            var expiring = (await DiscoverAsync(new CmkFleetFilter { KeyExpiresWithinDays = 30 }, scopes)).Found;
            Assert.Equal(Enumerable.Range(1, 60).Count(i => i % 10 != 0 && i % 7 == 0), expiring.Count);
            Assert.Empty((await DiscoverAsync(new CmkFleetFilter { KeyExpiresWithinDays = 5 }, scopes)).Found);

            Server.Log.Clear();
            var behind = (await DiscoverAsync(new CmkFleetFilter { NotLatestVersion = true }, scopes)).Found;
            Assert.Equal(60 - 6 - expiring.Count, behind.Count); // the expiring key has one version: current
            // Each key read once for the whole fleet: 2 vaults' 'cmk' + kv-fleet-1's 'expiring'.
            Assert.Equal(3, Requests("GET", "/keys/").Count(e => !e.Path.Contains("/versions/")));

            var key = KeyIdentifier.Parse("https://kv-fleet-1.vault.azure.net/keys/cmk");
            var onKey = (await DiscoverAsync(new CmkFleetFilter { Key = key }, scopes)).Found;
            Assert.All(onKey, s => Assert.StartsWith("https://kv-fleet-1.vault.azure.net/keys/cmk/", s.KeyUri));
            Assert.Equal(Enumerable.Range(1, 60).Count(i => i % 2 == 1 && i % 10 != 0 && i % 7 != 0), onKey.Count);
        }

        [Fact]
        public void A_scope_Resource_Graph_cannot_query_is_a_typed_input_error()
        {
            var error = Assert.Throws<CmkInputException>(() => FleetDiscovery.ParseScopes(new[] { "rg-fleet" }, Sub0));
            Assert.Equal("InvalidScope", error.ErrorId);
            Assert.Equal("Scope", error.ParameterName);
        }
    }

    /// <summary>Resource Graph paging and quota: 2,500 resources in one subscription are three pages.</summary>
    public sealed class ResourceGraphPagingTests : FleetEmulatorTest
    {
        public ResourceGraphPagingTests() : base("fleet:2500:1:1") { }

        [Fact]
        public async Task Pages_of_1000_follow_skip_tokens_and_wait_when_the_user_quota_is_spent()
        {
            Server.SetThrottling(true);
            Server.SetResourceGraphQuota(2, TimeSpan.FromSeconds(2));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (found, failed) = await DiscoverAsync();
            Assert.Empty(failed);
            Assert.Equal(2500, found.Count);
            var posts = Requests("POST", "Microsoft.ResourceGraph");
            var statuses = string.Join(", ", posts.Select(p => $"{p.Status}@{p.Time:ss.fff}"));
            Assert.True(posts.Count == 3 && posts.All(p => p.Status == 200), "waited for the quota instead of being refused: " + statuses);
            Assert.Contains("$skipToken", posts[2].RequestBody);
            Assert.True(watch.Elapsed > TimeSpan.FromSeconds(1.5), $"the third page must wait for the quota window ({watch.Elapsed})");
        }

        [Fact]
        public async Task The_emulator_refuses_a_query_outside_its_subset_naming_the_part()
        {
            var (response, body) = await SendAsync(HttpMethod.Post, "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
                new JsonObject { ["query"] = "resources | summarize count() by type", ["subscriptions"] = new JsonArray(Sub0) });
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("summarize", body!.ToJsonString());
        }
    }

    /// <summary>The orchestration Set/Update/Disable/Grant share: concurrent, throttle-aware, one failure alone.</summary>
    public sealed class FleetRunTests : FleetEmulatorTest
    {
        private IReadOnlyList<string> PinnedResources(int count)
            => Enumerable.Range(1, 60).Where(i => i % 10 != 0 && i % 7 != 0 && (i - 1) % 3 == 0)
                .Select(i => i % 2 == 1 ? Kusto(Sub0, i) : Batch(Sub0, i)).Take(count).ToList();

        private async Task<ConcurrentDictionary<string, (CmkKeyRotationResult? Result, Exception? Error)>> RotateAsync(IReadOnlyList<string> ids,
            int throttleLimit, CmkSession? session = null)
        {
            var rotation = new KeyRotation(session ?? Session);
            var settled = new ConcurrentDictionary<string, (CmkKeyRotationResult?, Exception?)>(StringComparer.OrdinalIgnoreCase);
            await new FleetRun(Host, (session ?? Session).Limiter, "test", showProgress: true).RunAsync(ids, throttleLimit,
                (id, host) => rotation.RotateAsync(new CmkKeyRotationRequest(id), host, host.CancellationToken),
                (id, result, error) => settled[id] = (result, error), CancellationToken.None);
            return settled;
        }

        [Fact]
        public async Task A_429_storm_pauses_the_fleet_once_and_every_resource_is_updated_once_without_a_read_back()
        {
            var ids = PinnedResources(15);
            Server.Faults.Add(new FaultRule("PATCH", "/providers/Microsoft\\.(Kusto|Batch)/", 20, Status: 429));
            var settled = await RotateAsync(ids, throttleLimit: 8);

            Assert.All(ids, id => Assert.Null(settled[id].Error));
            Assert.All(ids, id => Assert.Equal(CmkKeyRotationStatus.Updated, settled[id].Result!.Status));
            Assert.All(ids, id => Assert.Equal(NewVersion, settled[id].Result!.Encryption!.KeyVersion));
            foreach (var id in ids)
            {
                Assert.Equal(1, Server.Log.Entries.Count(e => e.Method == "PATCH" && e.Path.Equals(id, StringComparison.OrdinalIgnoreCase) && e.Status < 300));
                // One GET before the write; the write's answer (or the operation's final GET) is the new state.
                var gets = Server.Log.Entries.Count(e => e.Method == "GET" && e.Path.Equals(id, StringComparison.OrdinalIgnoreCase));
                Assert.True(gets <= (id.Contains("Kusto") ? 2 : 1), $"{id}: {gets} GETs");
            }
            Assert.True(Session.Limiter.ThrottledResponses >= 15);
            // One bar for the fleet: every progress record belongs to it.
            Assert.All(Host.Progress, p => Assert.Equal(FleetRun.ProgressActivityId, p.ActivityId));
            Assert.Contains(Host.Progress, p => p.Status.StartsWith($"{ids.Count} of {ids.Count} done"));
        }

        [Fact]
        public async Task One_failing_resource_leaves_the_others_updated()
        {
            var ids = PinnedResources(6);
            var broken = ids[2];
            Server.Faults.Add(new FaultRule("PATCH", Regex(broken), 1, Status: 409, ErrorCode: "Conflict", ErrorMessage: "Another operation is in progress."));
            var settled = await RotateAsync(ids, throttleLimit: 4);
            Assert.IsAssignableFrom<CmkException>(settled[broken].Error);
            Assert.All(ids.Where(i => i != broken), id => Assert.Equal(CmkKeyRotationStatus.Updated, settled[id].Result!.Status));
        }

        [Fact]
        public async Task Declined_confirmation_writes_nothing_and_workers_ask_one_question_per_resource()
        {
            var ids = PinnedResources(8);
            Host.ShouldProcessAnswer = (_, _) => false;
            var settled = await RotateAsync(ids, throttleLimit: 8);
            Assert.All(ids, id => Assert.Equal(CmkKeyRotationStatus.Skipped, settled[id].Result!.Status));
            Assert.DoesNotContain(Server.Log.Entries, e => e.Method != "GET");
            Assert.Equal(ids.Count, Host.ShouldProcessCalls.Count);
        }

        [Fact]
        public async Task Stopping_starts_nothing_new()
        {
            var ids = PinnedResources(12);
            using var stop = new CancellationTokenSource();
            stop.Cancel();
            var rotation = new KeyRotation(Session);
            var started = 0;
            await new FleetRun(Host, null, "test", showProgress: false).RunAsync(ids, 4,
                (id, host) => { Interlocked.Increment(ref started); return rotation.RotateAsync(new CmkKeyRotationRequest(id), host, host.CancellationToken); },
                (_, _, _) => { }, stop.Token);
            Assert.Equal(0, started);
            Assert.Empty(Host.Progress);
        }

        [Fact]
        public async Task Stopping_after_a_confirmed_write_lets_that_write_finish_and_starts_no_other()
        {
            var ids = PinnedResources(6);
            using var stop = new CancellationTokenSource();
            // Ctrl+C arrives just after the first resource was confirmed, while its write and operation are in flight: that
            // write must finish and be reported; no other resource may start. The operation lasts 1 s so that a busy
            // machine cannot finish it before the stop lands (the test would then see a second resource start).
            Server.SetLroDelay(TimeSpan.FromSeconds(1));
            Host.ShouldProcessAnswer = (_, _) =>
            {
                _ = Task.Run(async () => { await Task.Delay(30); stop.Cancel(); });
                return true;
            };
            var rotation = new KeyRotation(Session);
            var settled = new ConcurrentDictionary<string, (CmkKeyRotationResult? Result, Exception? Error)>();
            await new FleetRun(Host, Session.Limiter, "test", showProgress: false).RunAsync(ids, 1,
                (id, host) => rotation.RotateAsync(new CmkKeyRotationRequest(id), host, host.CancellationToken),
                (id, result, error) => settled[id] = (result, error), stop.Token);

            var first = Assert.Single(settled);
            Assert.Equal(CmkKeyRotationStatus.Updated, first.Value.Result!.Status);
            Assert.Single(Server.Log.Entries, e => e.Method == "PATCH" && e.Status < 300);
        }

        private static string Regex(string id) => System.Text.RegularExpressions.Regex.Escape(id) + "$";
    }

    public sealed class ThrottleGateTests
    {
        [Fact]
        public void Many_429s_at_once_are_one_pause_and_the_server_count_caps_the_bucket()
        {
            var now = TimeSpan.Zero;
            var limiter = new ThrottleLimiter(new TokenBucketRate(250, 25), new TokenBucketRate(200, 10), () => now);
            for (var i = 0; i < 20; i++) limiter.Throttled("sub", isRead: false, TimeSpan.FromSeconds(2));
            // One pause of 2 s, not twenty: the next write waits 2 s plus one token (0.1 s).
            var bucket = new TokenBucket(new TokenBucketRate(200, 10), () => now);
            bucket.PauseFor(TimeSpan.FromSeconds(2));
            bucket.PauseFor(TimeSpan.FromSeconds(2));
            Assert.Equal(2.1, bucket.Reserve().TotalSeconds, 3);
            Assert.Equal(20, limiter.ThrottledResponses);

            limiter.Remaining("sub", isRead: true, 3);
            Assert.True(limiter.WaitAsync("sub", true, CancellationToken.None).IsCompleted);
            Assert.True(limiter.WaitAsync("sub", true, CancellationToken.None).IsCompleted);
            Assert.True(limiter.WaitAsync("sub", true, CancellationToken.None).IsCompleted);
            Assert.False(limiter.WaitAsync("sub", true, CancellationToken.None).IsCompleted);
        }

        [Fact]
        public async Task Settled_fan_out_reports_each_item_and_a_failure_stops_nothing()
        {
            var settled = new ConcurrentBag<(int, int, Exception?)>();
            await CmkParallel.ForEachSettledAsync(Enumerable.Range(0, 20), 5,
                i => i == 7 ? Task.FromException<int>(new InvalidOperationException("seven")) : Task.FromResult(i * 2),
                (i, r, e) => settled.Add((i, r, e)), CancellationToken.None, CancellationToken.None);
            Assert.Equal(20, settled.Count);
            Assert.Single(settled, s => s.Item3 != null);
        }
    }
}
