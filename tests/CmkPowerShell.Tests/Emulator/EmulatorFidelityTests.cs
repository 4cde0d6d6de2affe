using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.Specs;

namespace CmkPowerShell.Tests.Emulator
{
    /// <summary>What an independent client (azure-cli 2.45) found the emulator doing unlike Azure (issue 11), one test per finding.</summary>
    public class EmulatorFidelityTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorFixture emulator;

        public EmulatorFidelityTests(EmulatorFixture emulator) => this.emulator = emulator;

        private string Rg => emulator.RgPath;

        [Fact]
        public async Task Cassandra_data_center_PUT_answers_200_or_201_with_provisioning_state_and_Azure_AsyncOperation()
        {
            var dc = $"{Rg}/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo/dataCenters";
            var (existing, body) = await emulator.SendAsync(HttpMethod.Get, $"{dc}/dc2?api-version=2025-10-15");
            existing.EnsureSuccessStatusCode();
            var put = new JsonObject { ["properties"] = body!["properties"]!.DeepClone() };
            ((JsonObject)put["properties"]!).Remove("provisioningState");

            var (replaced, replacedBody) = await emulator.SendAsync(HttpMethod.Put, $"{dc}/dc2?api-version=2025-10-15", put);
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            Assert.Equal("Updating", (string?)replacedBody!["properties"]!["provisioningState"]);
            var op = await emulator.WaitForOperationAsync(replaced.Headers.GetValues("Azure-AsyncOperation").Single() is var u ? new Uri(u) : null!);
            Assert.Equal("Succeeded", (string?)op["status"]);

            var (created, createdBody) = await emulator.SendAsync(HttpMethod.Put, $"{dc}/dc-new?api-version=2025-10-15", put);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.True(created.Headers.Contains("Azure-AsyncOperation"));
            Assert.NotNull(createdBody!["properties"]!["provisioningState"]);
            var operation = ShippedSpecs.Catalog.FindOperation("PUT", $"{dc}/dc2?api-version=2025-10-15", "2025-10-15")!;
            SpecAssert.NoViolations(ShippedSpecs.Catalog.ValidateResponse(operation, 200, replacedBody), "200 answer");
        }

        [Fact]
        public async Task Kusto_2022_11_11_is_served()
        {
            var (response, body) = await emulator.SendAsync(HttpMethod.Get, $"{Rg}/providers/Microsoft.Kusto/clusters/kusto-demo?api-version=2022-11-11");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("kusto-demo", (string?)body!["name"]);
        }

        [Fact]
        public async Task Provider_reads_list_the_resource_types_and_served_api_versions()
        {
            var (response, body) = await emulator.SendAsync(HttpMethod.Get, $"{emulator.SubscriptionPath}/providers/Microsoft.KeyVault?api-version=2021-04-01");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Microsoft.KeyVault", (string?)body!["namespace"]);
            var vaults = body["resourceTypes"]!.AsArray().Single(t => (string?)t!["resourceType"] == "vaults")!;
            Assert.Contains("2026-02-01", vaults["apiVersions"]!.AsArray().Select(v => (string?)v));
            Assert.Contains("westeurope", vaults["locations"]!.AsArray().Select(v => (string?)v));

            var (all, list) = await emulator.SendAsync(HttpMethod.Get, $"{emulator.SubscriptionPath}/providers?api-version=2021-04-01");
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            Assert.Contains("Microsoft.NetApp", list!["value"]!.AsArray().Select(p => (string?)p!["namespace"]));
            var (unknown, _) = await emulator.SendAsync(HttpMethod.Get, $"{emulator.SubscriptionPath}/providers/Microsoft.Nope?api-version=2021-04-01");
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        [Fact]
        public async Task Resource_list_filters_as_ARM_documents_and_leaves_out_role_assignments()
        {
            var (all, allBody) = await emulator.SendAsync(HttpMethod.Get, $"{emulator.SubscriptionPath}/resources?api-version=2021-04-01");
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            var types = allBody!["value"]!.AsArray().Select(r => (string)r!["type"]!).ToList();
            Assert.DoesNotContain(types, t => t.StartsWith("Microsoft.Authorization/", StringComparison.OrdinalIgnoreCase));
            Assert.Contains("Microsoft.KeyVault/vaults", types);

            var (byGroup, groupBody) = await emulator.SendAsync(HttpMethod.Get,
                $"{emulator.SubscriptionPath}/resources?$filter=resourceGroup eq '{EmulatorFixture.Rg}'&$expand=provisioningState,createdTime&api-version=2021-04-01");
            Assert.Equal(HttpStatusCode.OK, byGroup.StatusCode);
            Assert.Equal(types.Count, groupBody!["value"]!.AsArray().Count);
            var (none, noneBody) = await emulator.SendAsync(HttpMethod.Get, $"{emulator.SubscriptionPath}/resources?$filter=resourceGroup eq 'rg-other'&api-version=2021-04-01");
            Assert.Empty(noneBody!["value"]!.AsArray());

            emulator.Server.Store.Update(emulator.VaultId("kv-eastus"), o => o["tags"] = new JsonObject { ["env"] = "prod" });
            var (tagged, taggedBody) = await emulator.SendAsync(HttpMethod.Get,
                $"{emulator.SubscriptionPath}/resources?$filter=tagName eq 'env' and tagValue eq 'prod'&api-version=2021-04-01");
            Assert.Equal(HttpStatusCode.OK, tagged.StatusCode);
            Assert.Equal("kv-eastus", (string?)taggedBody!["value"]!.AsArray().Single()!["name"]);
            var (bad, badBody) = await emulator.SendAsync(HttpMethod.Get, $"{emulator.SubscriptionPath}/resources?$filter=location eq 'x'&api-version=2021-04-01");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("InvalidFilterInQueryString", (string?)badBody!["error"]!["code"]);
        }

        [Fact]
        public async Task Managed_identity_answers_the_VM_extension_form_POST()
        {
            using var client = emulator.CreateClient(null);
            using var request = new HttpRequestMessage(HttpMethod.Post, "msi/token")
            {
                Content = new FormUrlEncodedContent(new[] { new System.Collections.Generic.KeyValuePair<string, string>("resource", "https://management.azure.com/") }),
            };
            request.Headers.Add("Metadata", "true");
            var response = await client.SendAsync(request);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var (arm, _) = await EmulatorFixture.SendAsync(emulator.CreateClient((string)body["access_token"]!), HttpMethod.Get, $"{emulator.SubscriptionPath}?api-version=2022-12-01");
            Assert.Equal(HttpStatusCode.OK, arm.StatusCode);

            using var withoutMetadata = new HttpRequestMessage(HttpMethod.Post, "msi/token")
            {
                Content = new FormUrlEncodedContent(new[] { new System.Collections.Generic.KeyValuePair<string, string>("resource", "https://management.azure.com/") }),
            };
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(withoutMetadata)).StatusCode);
        }

        [Fact]
        public async Task The_adfs_authority_signs_in_a_service_principal()
        {
            using var client = emulator.CreateClient(null);
            var config = JsonNode.Parse(await client.GetStringAsync("adfs/.well-known/openid-configuration"))!;
            var tokenUrl = new Uri((string)config["token_endpoint"]!);
            var response = await client.PostAsync(tokenUrl.PathAndQuery.TrimStart('/'), new FormUrlEncodedContent(new System.Collections.Generic.Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = "55555555-5555-5555-5555-555555555555",
                ["client_secret"] = "emulator-secret", ["scope"] = "https://management.azure.com/.default",
            }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var adfs = await client.PostAsync("adfs/oauth2/token", new FormUrlEncodedContent(new System.Collections.Generic.Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = "55555555-5555-5555-5555-555555555555",
                ["client_secret"] = "emulator-secret", ["resource"] = "https://management.azure.com/",
            }));
            Assert.Equal(HttpStatusCode.OK, adfs.StatusCode);
        }

        [Fact]
        public async Task Pending_status_polls_and_injected_429s_carry_Retry_After()
        {
            emulator.Server.SetLroDelay(TimeSpan.FromSeconds(5));
            emulator.Server.SetRetryAfter(TimeSpan.FromSeconds(1));
            try
            {
                var (accepted, _) = await emulator.SendAsync(HttpMethod.Patch, $"{Rg}/providers/Microsoft.Kusto/clusters/kusto-demo?api-version=2023-08-15",
                    new JsonObject { ["tags"] = new JsonObject { ["poll"] = "1" } });
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
                var (pending, body) = await emulator.SendAsync(HttpMethod.Get, new Uri(accepted.Headers.GetValues("Azure-AsyncOperation").Single()).PathAndQuery);
                Assert.Equal("InProgress", (string?)body!["status"]);
                Assert.True(pending.Headers.Contains("Retry-After"), "a pending Azure-AsyncOperation poll carries Retry-After");
            }
            finally
            {
                emulator.Server.SetLroDelay(TimeSpan.FromMilliseconds(300));
                emulator.Server.SetRetryAfter(TimeSpan.Zero);
            }
            emulator.Server.Faults.Add(new FaultRule("GET", "kv-good$", 1, Status: 429));
            var (throttled, _) = await emulator.SendAsync(HttpMethod.Get, $"{emulator.VaultId("kv-good")}?api-version=2026-02-01");
            Assert.Equal((HttpStatusCode)429, throttled.StatusCode);
            Assert.True(throttled.Headers.Contains("Retry-After"), "an injected 429 carries Retry-After");
        }

        [Fact]
        public async Task A_version_without_its_own_spec_is_validated_against_the_listed_substitute()
        {
            var served = ApiVersionCatalog.Find("Microsoft.DocumentDB", "2022-08-15-preview")!;
            Assert.Equal("2024-05-15", served.SpecVersion);
            var (response, body) = await emulator.SendAsync(HttpMethod.Put,
                $"{Rg}/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo/dataCenters/dc1?api-version=2022-08-15-preview",
                new JsonObject { ["properties"] = new JsonObject { ["dataCenterLocation"] = "westeurope", ["notInTheSpec"] = 1 } });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("notInTheSpec", body!.ToJsonString());
        }

        [Fact]
        public async Task A_scenario_resource_the_spec_forbids_is_refused_naming_the_property()
        {
            var file = Path.Combine(Path.GetTempPath(), $"cmk-scenario-{Guid.NewGuid():N}.json");
            File.WriteAllText(file, """
                {
                  "resourceGroups": [{ "name": "rg", "location": "westeurope" }],
                  "identities": [{ "name": "uai", "resourceGroup": "rg", "location": "westeurope" }],
                  "resources": [{
                    "id": "/subscriptions/{subscriptionId}/resourceGroups/rg/providers/Microsoft.DocumentDB/cassandraClusters/c1",
                    "location": "westeurope",
                    "identity": { "type": "UserAssigned", "userAssignedIdentities": {
                      "/subscriptions/{subscriptionId}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai": {} } },
                    "properties": { "delegatedManagementSubnetId": "x" }
                  }]
                }
                """);
            try
            {
                var ex = await Assert.ThrowsAsync<InvalidDataException>(() => EmulatorServer.StartAsync(new EmulatorOptions { ScenarioFile = file }));
                Assert.Contains("cassandraClusters/c1", ex.Message);
                // ManagedCassandraManagedServiceIdentity knows only SystemAssigned and None: no user-assigned map.
                Assert.True(ex.Message.Contains("property 'identity.userAssignedIdentities'"), ex.Message);
                // Without validation the same file loads (the emulator's --no-validation).
                await using var unchecked_ = await EmulatorServer.StartAsync(new EmulatorOptions { ScenarioFile = file, ValidateRequests = false });
            }
            finally
            {
                File.Delete(file);
            }
        }

        /// <summary>The README table of served api-versions is the catalogue's table (issue 11, item 6).</summary>
        [Fact]
        public void Every_served_api_version_has_a_spec_or_a_reason_and_the_README_lists_it()
        {
            var catalog = ShippedSpecs.Catalog;
            var expected = new StringBuilder("| namespace | api-version | request bodies validated against | why |\n|---|---|---|---|\n");
            foreach (var row in ApiVersionCatalog.Table)
            {
                Assert.False(string.IsNullOrWhiteSpace(row.Note), $"{row.Namespace} {row.Version} needs a reason");
                string spec = "none";
                if (row.SpecVersion != null)
                {
                    var files = catalog.Operations
                        .Where(o => o.ApiVersion == row.SpecVersion && o.PathTemplate.Contains($"/providers/{row.Namespace}/", StringComparison.OrdinalIgnoreCase))
                        .Select(o => Path.GetDirectoryName(o.SpecFile)!.Replace('\\', '/').Replace("specification/", "") + "/").Distinct().OrderBy(f => f, StringComparer.Ordinal).ToList();
                    Assert.True(files.Count > 0, $"{row.Namespace} {row.Version}: no copied spec of {row.SpecVersion} has its operations");
                    spec = (row.HasOwnSpec ? "" : $"{row.SpecVersion}: ") + string.Join(", ", files.Select(f => $"`{f}`"));
                }
                expected.Append($"| {row.Namespace} | {row.Version} | {spec} | {row.Note} |\n");
            }
            var readme = File.ReadAllText(Path.Combine(RepoRoot(), "src", "CmkPowerShell.Emulator", "README.md")).Replace("\r\n", "\n");
            Assert.True(readme.Contains(expected.ToString(), StringComparison.Ordinal),
                "src/CmkPowerShell.Emulator/README.md must hold this table of served api-versions (copy it there):\n" + expected);
        }

        private static string RepoRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "CmkPowerShell.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("CmkPowerShell.sln not found above the test output");
        }
    }
}
