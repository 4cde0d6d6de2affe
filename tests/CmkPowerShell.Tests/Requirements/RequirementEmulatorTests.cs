using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Tests.Emulator;
using CmkPowerShell.Tests.TestSupport;
using Xunit.Abstractions;

namespace CmkPowerShell.Tests.Requirements
{
    /// <summary>The demo emulator plus a signed-in admin session through the real transport (CmkSession).</summary>
    public sealed class RequirementEmulatorFixture : IAsyncLifetime
    {
        public EmulatorFixture Emulator { get; } = new();
        public CmkSession Admin { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Emulator.InitializeAsync();
            Admin = await ConnectAsync(Emulator.Server.AdminToken);
        }

        public Task DisposeAsync() => Emulator.DisposeAsync();

        /// <summary>A session for a bearer token (Get-AzAccessToken style), pinned to the emulator's certificate.</summary>
        public Task<CmkSession> ConnectAsync(string token) => EmulatorSessions.ConnectAsync(Emulator.Server, new RecordingHost(), bearer: token);
    }

    /// <summary>
    /// The requirement engine against the emulator's demo scenario over HTTPS through the real transport: each broken
    /// vault, key and identity fails exactly its checks; request counts for one resource and for 20 sharing a vault.
    /// </summary>
    public class RequirementEmulatorTests : IClassFixture<RequirementEmulatorFixture>
    {
        private readonly RequirementEmulatorFixture _f;
        private readonly ITestOutputHelper _out;

        public RequirementEmulatorTests(RequirementEmulatorFixture f, ITestOutputHelper output) { _f = f; _out = output; }

        private static RequirementRequest Request(string keyUri, string target)
            => DemoScenarioStandInTests.Request(keyUri, target, () => DateTimeOffset.UtcNow);

        private Task<IReadOnlyList<CmkRequirementResult>> RunAsync(IAzureResources azure, string keyUri, string target)
            => RequirementEngine.RunAsync(Request(keyUri, target), azure, null, CancellationToken.None);

        [Theory]
        [MemberData(nameof(DemoScenarioStandInTests.Cases), MemberType = typeof(DemoScenarioStandInTests))]
        public async Task Each_broken_thing_fails_exactly_its_checks(string keyUri, string target, string failed, string warned)
        {
            var results = await RunAsync(_f.Admin, keyUri, target);
            foreach (var r in results.Where(r => r.Status != RequirementStatus.Passed)) _out.WriteLine($"{r.Check} {r.Status}: {r.Message}");

            Assert.Equal(Sorted(failed), DemoScenarioStandInTests.Ids(results, RequirementStatus.Failed));
            Assert.Equal(Sorted(warned), DemoScenarioStandInTests.Ids(results, RequirementStatus.Warning));
        }

        [Theory]
        [InlineData("kusto")]
        [InlineData("databox")]
        [InlineData("batch")]
        [InlineData("netapp")]
        [InlineData("uai:DataBox:uai-good")]
        public async Task The_good_key_passes_every_check_that_applies(string target)
        {
            var results = await RunAsync(_f.Admin, DemoWorld.KeyUri("kv-good", "cmk"), target);
            Assert.All(results, r => Assert.True(r.Status == RequirementStatus.Passed, $"{r.Check} {r.Status}: {r.Message}"));
        }

        [Fact]
        public async Task The_restricted_principal_gets_a_warning_for_role_assignments_it_may_not_read()
        {
            var restricted = await _f.ConnectAsync(_f.Emulator.Server.IssueToken(EmulatorFixture.RestrictedId));
            var results = await RunAsync(restricted, DemoWorld.KeyUri("kv-rbac", "cmk"), "kusto");
            var access = Assert.Single(results, r => r.Check == CheckIds.IdentityAccess);
            Assert.Equal(RequirementStatus.Warning, access.Status);
            Assert.Contains("AuthorizationFailed", access.Message);
            Assert.Empty(DemoScenarioStandInTests.Ids(results, RequirementStatus.Failed));
            Assert.Equal(new[] { CheckIds.IdentityAccess }, DemoScenarioStandInTests.Ids(results, RequirementStatus.Warning));
        }

        [Theory]
        [InlineData("https://kv-good.vault.usgovcloudapi.net/keys/cmk", "vault.azure.net")]   // a same-named vault exists in this cloud
        [InlineData("https://kv-good.managedhsm.azure.cn/keys/cmk", "managedhsm.azure.net")]
        [InlineData("https://kv-good.example.com/keys/cmk", "is not a key vault or Managed HSM host")]
        public async Task A_key_on_another_clouds_or_no_vaults_host_fails_the_cloud_host_check_and_sends_no_request(string keyUri, string said)
        {
            _f.Emulator.Server.Log.Clear();
            var before = _f.Admin.Requests.Snapshot();

            var results = await RunAsync(_f.Admin, keyUri, "kusto");

            var host = Assert.Single(results, r => r.Check == CheckIds.KeyUriCloudHost);
            Assert.Equal(RequirementStatus.Failed, host.Status);
            Assert.Contains(said, host.Message);
            Assert.Equal(new[] { CheckIds.KeyUriCloudHost }, DemoScenarioStandInTests.Ids(results, RequirementStatus.Failed));
            Assert.Empty(DemoScenarioStandInTests.Ids(results, RequirementStatus.Warning));
            foreach (var check in new[] { CheckIds.KeyVaultExists, CheckIds.KeyVaultPurgeProtection, CheckIds.KeyExists, CheckIds.KeyEnabled,
                         CheckIds.IdentityPresent, CheckIds.IdentityType, CheckIds.IdentityAccess })
            {
                var skipped = Assert.Single(results, r => r.Check == check);
                Assert.Equal(RequirementStatus.Skipped, skipped.Status);
                Assert.Contains(CheckIds.KeyUriCloudHost, skipped.Message);
            }
            Assert.Empty(_f.Emulator.Server.Log.Entries);
            Assert.Equal(0, _f.Admin.Requests.Snapshot().Minus(before).Total);
        }

        [Fact]
        public async Task A_cluster_without_identity_fails_Identity_Present_and_says_how_to_enable_and_grant_it()
        {
            var emulator = new EmulatorFixture();
            await emulator.InitializeAsync();
            try
            {
                var admin = await EmulatorSessions.ConnectAsync(emulator.Server, new RecordingHost());
                var kusto = emulator.RgPath + "/providers/Microsoft.Kusto/clusters/kusto-demo";
                emulator.Server.Store.Update(kusto, c => c["identity"] = new JsonObject { ["type"] = "None" });

                var results = await RequirementEngine.RunAsync(Request(DemoWorld.KeyUri("kv-good", "cmk"), "kusto"), admin, null, CancellationToken.None);

                var present = Assert.Single(results, r => r.Check == CheckIds.IdentityPresent);
                Assert.Equal(RequirementStatus.Failed, present.Status);
                Assert.Contains("Set-AzCmkEncryption -GrantAccess", present.Message);
                Assert.Equal(new[] { CheckIds.IdentityPresent }, DemoScenarioStandInTests.Ids(results, RequirementStatus.Failed));
            }
            finally
            {
                await emulator.DisposeAsync();
            }
        }

        [Fact]
        public async Task A_user_assigned_only_identity_on_a_system_assigned_only_service_is_reported_and_fails_Identity_Type()
        {
            var emulator = new EmulatorFixture();
            await emulator.InitializeAsync();
            try
            {
                var admin = await EmulatorSessions.ConnectAsync(emulator.Server, new RecordingHost());
                var cassandra = emulator.RgPath + "/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo";
                var uai = emulator.RgPath + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-good";
                var principal = emulator.Server.Store.Get(uai)!["properties"]!["principalId"]!.GetValue<string>();
                emulator.Server.Store.Update(cassandra, c => c["identity"] = new JsonObject
                {
                    ["type"] = "UserAssigned",
                    ["userAssignedIdentities"] = new JsonObject { [uai] = new JsonObject { ["principalId"] = principal } },
                });

                var results = await RequirementEngine.RunAsync(Request(DemoWorld.KeyUri("kv-good", "cmk"), "cassandra"), admin, null, CancellationToken.None);

                var present = Assert.Single(results, r => r.Check == CheckIds.IdentityPresent);
                Assert.Equal(RequirementStatus.Passed, present.Status);
                Assert.Contains(uai, present.Message);
                var type = Assert.Single(results, r => r.Check == CheckIds.IdentityType);
                Assert.Equal(RequirementStatus.Failed, type.Status);
                Assert.Contains("UserAssigned", type.Message);
            }
            finally
            {
                await emulator.DisposeAsync();
            }
        }

        [Fact]
        public async Task Nothing_is_written_while_testing()
        {
            _f.Emulator.Server.Log.Clear();
            foreach (var target in new[] { "kusto", "netapp", "databox", "cassandra", "batch" })
                await RunAsync(_f.Admin, DemoWorld.KeyUri("kv-rbac", "cmk"), target);
            Assert.All(_f.Emulator.Server.Log.Entries, e => Assert.Equal("GET", e.Method));
        }

        [Theory]
        [InlineData("kv-good", "kusto", 4)]   // cluster, vault lookup by name, vault, key
        [InlineData("kv-rbac", "kusto", 6)]   // + role assignments of the identity, the role definition
        [InlineData("kv-good/1a2b3c4d5e6f40718293a4b5c6d7e8f2", "kusto", 4)]   // the version instead of the key
        [InlineData("kv-good", "netapp", 7)]  // cluster, lookup, vault, key + private endpoint, capacity pools, volumes of the pool
        public async Task Requests_for_one_resource(string vault, string target, int expected)
        {
            _f.Emulator.Server.Log.Clear();
            var before = _f.Admin.Requests.Snapshot();
            var parts = vault.Split('/');
            await RunAsync(_f.Admin, DemoWorld.KeyUri(parts[0], "cmk") + (parts.Length > 1 ? "/" + parts[1] : ""), target);
            var counted = _f.Admin.Requests.Snapshot().Minus(before);
            _out.WriteLine($"{vault} + {target}: {counted}");
            foreach (var e in _f.Emulator.Server.Log.Entries) _out.WriteLine($"  {e.Method} {e.Path}");
            Assert.Equal(expected, _f.Emulator.Server.Log.Entries.Count);
            Assert.Equal(expected, counted.Total);
        }

        [Theory]
        [InlineData("kv-good", 20 + 3)]              // 20 clusters + lookup + vault + key
        [InlineData("kv-rbac", 20 + 3 + 20 + 1)]     // + role assignments per identity + one role definition
        public async Task Twenty_resources_sharing_one_vault_read_it_and_its_key_once(string vault, int expected)
        {
            var ids = await AddKustoFleetAsync(vault, 20);
            _f.Emulator.Server.Log.Clear();
            var requests = ids.Select(id => RequirementTarget.FromResourceId(id))
                .Select(t => new RequirementRequest(KeyReference.FromUri(DemoWorld.KeyUri(vault, "cmk")), t)).ToList();

            var runs = await RequirementEngine.RunAsync(requests, _f.Admin, null, CancellationToken.None, maxConcurrency: 8);

            Assert.All(runs, run => Assert.All(run.Results, r => Assert.True(r.Status == RequirementStatus.Passed, $"{r.Check}: {r.Message}")));
            var log = _f.Emulator.Server.Log.Entries;
            _out.WriteLine($"20 Kusto clusters on {vault}: {log.Count} requests");
            Assert.Equal(1, log.Count(e => e.Path.EndsWith("/resources", StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(1, log.Count(e => e.Path.EndsWith("/vaults/" + vault, StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(1, log.Count(e => e.Path.EndsWith("/vaults/" + vault + "/keys/cmk", StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(expected, log.Count);
        }

        /// <summary>
        /// n Kusto clusters with their own system identities, each granted on the vault as its model wants: an access
        /// policy (written to the emulator's store) or a key-scoped role assignment (created through ARM).
        /// </summary>
        private async Task<IReadOnlyList<string>> AddKustoFleetAsync(string vault, int n)
        {
            var server = _f.Emulator.Server;
            var rg = _f.Emulator.RgPath;
            var vaultId = _f.Emulator.VaultId(vault);
            var ids = new List<string>();
            for (int i = 0; i < n; i++)
            {
                var id = $"{rg}/providers/Microsoft.Kusto/clusters/fleet-{vault}-{i:00}";
                var principal = Guid.NewGuid().ToString();
                server.Store.Put(id, new JsonObject
                {
                    ["name"] = $"fleet-{vault}-{i:00}", ["type"] = "Microsoft.Kusto/clusters", ["location"] = "westeurope",
                    ["sku"] = new JsonObject { ["name"] = "Standard_E8ads_v5", ["tier"] = "Standard", ["capacity"] = 2 },
                    ["identity"] = new JsonObject { ["type"] = "SystemAssigned", ["principalId"] = principal, ["tenantId"] = server.TenantId },
                    ["properties"] = new JsonObject { ["state"] = "Running" },
                });
                if (vault == "kv-rbac")
                {
                    var (response, _) = await _f.Emulator.SendAsync(HttpMethod.Put,
                        $"{vaultId}/keys/cmk/providers/Microsoft.Authorization/roleAssignments/{Guid.NewGuid()}?api-version=2022-04-01",
                        new JsonObject
                        {
                            ["properties"] = new JsonObject
                            {
                                ["roleDefinitionId"] = $"{_f.Emulator.SubscriptionPath}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6",
                                ["principalId"] = principal, ["principalType"] = "ServicePrincipal",
                            },
                        });
                    response.EnsureSuccessStatusCode();
                }
                else
                {
                    server.Store.Update(vaultId, v => v["properties"]!["accessPolicies"]!.AsArray().Add(new JsonObject
                    {
                        ["tenantId"] = server.TenantId, ["objectId"] = principal,
                        ["permissions"] = new JsonObject { ["keys"] = new JsonArray("get", "wrapKey", "unwrapKey") },
                    }));
                }
                ids.Add(id);
            }
            return ids;
        }

        private static IReadOnlyList<string> Sorted(string ids)
            => ids.Split(',', StringSplitOptions.RemoveEmptyEntries).OrderBy(s => s, StringComparer.Ordinal).ToList();
    }
}
