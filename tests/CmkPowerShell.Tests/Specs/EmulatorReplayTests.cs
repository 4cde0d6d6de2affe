using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using CmkPowerShell.Emulator;
using CmkPowerShell.Emulator.Validation;
using CmkPowerShell.Tests.Emulator;
using Xunit.Abstractions;

namespace CmkPowerShell.Tests.Specs
{
    /// <summary>The shared emulator fixture, started empty with the shipped specs as its request validator.</summary>
    public sealed class SpecValidatingEmulator : EmulatorFixture
    {
        protected override EmulatorOptions CreateOptions() => new()
        {
            Scenario = null,
            Validator = ShippedSpecs.Catalog,
            LroDelay = TimeSpan.FromMilliseconds(20),
            RetryAfter = TimeSpan.Zero,
        };
    }

    /// <summary>
    /// Every x-ms-example of a served operation, sent over HTTPS to the running emulator; its answers (and the
    /// result of the long-running operation, if any) must validate against that operation's spec.
    /// </summary>
    public class EmulatorReplayTests : IClassFixture<SpecValidatingEmulator>
    {
        /// <summary>Covered operations the emulator does not serve, and why; their examples are only checked statically.</summary>
        public static readonly IReadOnlyDictionary<string, string> NotServed = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GetKey"] = "Key Vault data plane: the module never reads key material; the emulator serves the management plane only",
            ["GetKeys"] = "Key Vault data plane (see GetKey)",
            ["GetKeyVersions"] = "Key Vault data plane (see GetKey)",
            ["wrapKey"] = "Key Vault data plane (see GetKey)",
            ["unwrapKey"] = "Key Vault data plane (see GetKey)",
            ["GetKeyRotationPolicy"] = "Key Vault data plane (see GetKey)",
            ["Resources"] = "Resource Graph is not part of the emulated surface (issue 7)",
            ["GetOperationStatus"] = "Recovery Services vault-scoped operation URLs: the emulator answers vault writes with its own Azure-AsyncOperation/Location URLs, which clients follow",
            ["GetOperationResult"] = "Recovery Services vault-scoped operation URLs (see GetOperationStatus)",
        };

        private readonly SpecValidatingEmulator emulator;
        private readonly ITestOutputHelper output;

        public EmulatorReplayTests(SpecValidatingEmulator emulator, ITestOutputHelper output)
        {
            this.emulator = emulator;
            this.output = output;
        }

        public static IEnumerable<object[]> ReplayedExamples() =>
            ShippedSpecs.ExampleNames().Where(n => !NotServed.ContainsKey(ShippedSpecs.Examples[(string)n[0]].Operation.OperationId));

        private SpecCatalog Catalog => ShippedSpecs.Catalog;
        private EmulatorServer Server => emulator.Server;

        [Theory]
        [MemberData(nameof(ReplayedExamples))]
        public async Task Example_replayed_against_the_emulator_is_answered_per_spec(string example)
        {
            var e = ShippedSpecs.Examples[example];
            var map = SubscriptionMap(e);
            var path = Map(e.BuildPath(name => PathValue(e, name)), map);
            var bodyText = e.RequestBody is { } b ? Map(b.ToJsonString(), map) : null;
            Seed(e, path, bodyText, map);
            if (e.Operation.OperationId == "OperationsResults_Get") path = await StartKustoOperationAsync();

            var body = bodyText is null ? null : JsonNode.Parse(bodyText);
            var (status, answer, headers) = await SendAsync(e.Operation.Method, path, e.ApiVersion, body);
            var what = $"{example}: {e.Operation.Method} {path} -> {(int)status}";
            SpecAssert.NoViolations(Catalog.ValidateResponse(e.Operation, (int)status, answer), what + " " + answer?.ToJsonString());
            Assert.True((int)status < 400, what + " " + answer?.ToJsonString());

            if (e.Operation.IsLongRunning && status is HttpStatusCode.Created or HttpStatusCode.Accepted)
            {
                var outcome = await FollowLongRunningOperationAsync(e.Operation, path, e.ApiVersion, status, answer, headers, what);
                if (outcome.Error is { } error)
                {
                    // The example's key vault, key or identity is a placeholder, so the emulated service may fail the
                    // operation with the error its documentation lists, as Azure would: that answer must fit the spec too.
                    output.WriteLine($"{example}: operation failed as documented: {error.ToJsonString()}");
                    SpecAssert.NoViolations(Catalog.ValidateResponse(e.Operation, 400, error), what + " (operation error)");
                    Assert.False(string.IsNullOrEmpty(error["error"]?["code"]?.GetValue<string>()), what + ": failed operation without an error code");
                }
                else if (outcome.Result is { } result && e.Operation.Responses.TryGetValue("200", out var schema) && schema is not null)
                    SpecAssert.NoViolations(Catalog.ValidateResponse(e.Operation, 200, result), what + " (final result)");
            }
        }

        [Fact]
        public void Replay_covers_every_served_example()
        {
            var replayed = ReplayedExamples().Count();
            Assert.Equal(ShippedSpecs.Examples.Count - ShippedSpecs.Examples.Values.Count(x => NotServed.ContainsKey(x.Operation.OperationId)), replayed);
            Assert.True(replayed >= 70, $"only {replayed} examples replayed");
        }

        [Theory]
        [InlineData("PATCH", "Microsoft.Kusto/clusters/kusto1", "2023-08-15",
            """{ "properties": { "keyVaultProperties": { "keyVaultUri": "https://kv1.vault.azure.net/", "keyName": 5 } } }""",
            "properties.keyVaultProperties.keyName")]
        [InlineData("PATCH", "Microsoft.NetApp/netAppAccounts/anf1", "2026-01-01",
            """{ "properties": { "encryption": { "keySource": "Foo" } } }""",
            "properties.encryption.keySource")]
        [InlineData("PATCH", "Microsoft.Batch/batchAccounts/batch1", "2024-02-01",
            """{ "properties": { "encryption": { "keySource": "Microsoft.KeyVault", "keyVaultProperties": { "keyIdentifier": "https://kv1.vault.azure.net/keys/k1" } }, "encryptionV2": {} } }""",
            "properties.encryptionV2")]
        [InlineData("PATCH", "Microsoft.DocumentDB/cassandraClusters/c1/dataCenters/dc1", "2025-10-15",
            """{ "properties": { "managedDiskCustomerKeyUri": 42 } }""",
            "properties.managedDiskCustomerKeyUri")]
        [InlineData("PUT", "Microsoft.KeyVault/vaults/kv1/accessPolicies/add", "2026-02-01",
            """{ "properties": { "accessPolicies": [ { "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "objectId": "o1", "permissions": { "keys": [ "wrap" ] } } ] } }""",
            "properties.accessPolicies[0].permissions.keys[0]")]
        public async Task Requests_that_break_the_schema_are_rejected_with_400_naming_the_property(
            string method, string resource, string apiVersion, string body, string property)
        {
            var path = $"/subscriptions/{Server.SubscriptionId}/resourceGroups/rg-invalid/providers/{resource}";
            Server.Store.Put($"/subscriptions/{Server.SubscriptionId}/resourceGroups/rg-invalid", new JsonObject { ["location"] = "westus" });
            var (status, answer, _) = await SendAsync(method, path, apiVersion, JsonNode.Parse(body));
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(property, answer?["error"]?["message"]?.GetValue<string>() ?? "");
        }

        private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseHeaders Headers)> SendAsync(string method, string path, string? apiVersion, JsonNode? body)
        {
            var separator = path.Contains('?') ? "&" : "?";
            var uri = apiVersion is null ? path : $"{path}{separator}api-version={Uri.EscapeDataString(apiVersion)}";
            var (response, answer) = await EmulatorFixture.SendAsync(emulator.Client, new HttpMethod(method), uri, body);
            using (response) return (response.StatusCode, answer, response.Headers);
        }

        /// <summary>
        /// Polls the operation as an Azure client would. Result is the final resource per final-state-via (null when
        /// the operation has none); Error is the {"error": ...} body of an operation that ended Failed.
        /// </summary>
        private async Task<(JsonNode? Result, JsonObject? Error)> FollowLongRunningOperationAsync(
            SpecOperation op, string path, string apiVersion, HttpStatusCode status, JsonNode? answer, HttpResponseHeaders headers, string what)
        {
            var asyncOperation = headers.TryGetValues("Azure-AsyncOperation", out var a) ? a.First() : null;
            var location = headers.Location?.ToString() ?? (headers.TryGetValues("Location", out var l) ? l.First() : null);
            if (asyncOperation is null && location is null)
            {
                // ARM's rule for a 201 without operation headers: the resource's provisioningState says when it is done
                // (what Azure SDK pollers do); a 202 has nothing to poll.
                var state = answer?["properties"]?["provisioningState"]?.GetValue<string>();
                Assert.True(status == HttpStatusCode.Created && op.Method is "PUT" or "PATCH" && state is not null,
                    $"{what}: long-running answer without Azure-AsyncOperation, Location or a provisioningState to poll");
                if (state is "Succeeded") return (answer, null);
            }

            if (asyncOperation is not null)
            {
                for (var attempt = 0; ; attempt++)
                {
                    Assert.True(attempt < 200, what + ": operation never finished");
                    var (pollStatus, body, _) = await SendAsync("GET", new Uri(asyncOperation).PathAndQuery, null, null);
                    Assert.Equal(HttpStatusCode.OK, pollStatus);
                    var state = body?["status"]?.GetValue<string>();
                    Assert.False(string.IsNullOrEmpty(state), what + ": operation status without 'status'");
                    if (state is "Succeeded") break;
                    if (state is "Failed" or "Canceled") return (null, new JsonObject { ["error"] = body!["error"]?.DeepClone() });
                    Assert.True(state is "InProgress" or "Running" or "Accepted" or "Creating" or "Updating" or "Deleting",
                        $"{what}: operation status '{state}': {body?.ToJsonString()}");
                    await Task.Delay(20);
                }
            }

            else if (location is not null && (op.FinalStateVia ?? "original-uri") == "original-uri" && op.Method is "PUT" or "PATCH")
            {
                // ARM's rule for a Location-only operation whose result is the resource itself (Storage's create): poll
                // Location until it stops answering 202, then read the resource.
                for (var attempt = 0; ; attempt++)
                {
                    Assert.True(attempt < 200, what + ": operation never finished");
                    var (pollStatus, body, _) = await SendAsync("GET", new Uri(Server.Endpoint, location).PathAndQuery, null, null);
                    if (pollStatus == HttpStatusCode.Accepted) { await Task.Delay(20); continue; }
                    if ((int)pollStatus >= 400 && body is JsonObject error && error["error"] is not null) return (null, error);
                    break;
                }
            }

            var finalState = op.FinalStateVia ?? (op.Method == "POST" ? "location" : "original-uri");
            var original = $"{path}?api-version={apiVersion}";
            string? resultUri = finalState switch
            {
                "original-uri" => original,
                "location" => location is null ? null : new Uri(Server.Endpoint, location).PathAndQuery,
                _ => op.Method is "PUT" or "PATCH" ? original : null,
            };
            if (resultUri is null) return (null, null);

            for (var attempt = 0; ; attempt++)
            {
                Assert.True(attempt < 200, what + ": result never became available");
                var (resultStatus, body, _) = await SendAsync("GET", resultUri, null, null);
                if (resultStatus == HttpStatusCode.Accepted) { await Task.Delay(20); continue; }
                // A Location-style operation reports its failure as the error answer of the Location URL.
                if ((int)resultStatus >= 400 && body is JsonObject error && error["error"] is not null) return (null, error);
                Assert.True(resultStatus is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{what}: final GET {resultUri} -> {(int)resultStatus} {body?.ToJsonString()}");
                return (body, null);
            }
        }

        // ---- mapping the example's world onto the emulator's ----

        /// <summary>A path parameter's value; a {scope} that is not an ARM path ("scope" in GetRoleDefinitionAtScope) becomes the subscription.</summary>
        private string? PathValue(SpecExample e, string name)
        {
            var value = e.Parameters[name]?.ToString();
            var isScope = e.Operation.Parameters.Any(p => p.Name == name && p.In == "path" && p.SkipUrlEncoding);
            if (isScope && value is not null && !value.TrimStart('/').StartsWith("subscriptions/", StringComparison.OrdinalIgnoreCase)
                && !value.TrimStart('/').StartsWith("providers/", StringComparison.OrdinalIgnoreCase) && !value.Contains('/'))
                return name == "scope" ? $"subscriptions/{Server.SubscriptionId}" : value;
            return value;
        }

        /// <summary>
        /// An operation result exists only for an operation the emulator really runs: start one (a Kusto cluster
        /// update) and return the path of its operationResults resource.
        /// </summary>
        private async Task<string> StartKustoOperationAsync()
        {
            var cluster = $"/subscriptions/{Server.SubscriptionId}/resourceGroups/rg-opresults/providers/Microsoft.Kusto/clusters/kustoopresults";
            var kusto = ShippedSpecs.Examples.Values.First(x => x.Operation.OperationId == "Clusters_Get" && x.ApiVersion == "2023-08-15");
            SeedResource(kusto, "/" + string.Join("/", cluster.Trim('/').Split('/').Take(4)), new());
            SeedResource(kusto, cluster, new());
            var (status, body, headers) = await SendAsync("PATCH", cluster, "2023-08-15", JsonNode.Parse("""{ "tags": { "replay": "operationResults" } }"""));
            Assert.True(status == HttpStatusCode.Accepted || status == HttpStatusCode.OK, $"Kusto PATCH -> {(int)status} {body?.ToJsonString()}");
            var operation = headers.TryGetValues("Azure-AsyncOperation", out var a) ? new Uri(a.First()) : headers.Location;
            Assert.True(operation is not null, $"Kusto PATCH answered {(int)status} without Azure-AsyncOperation or Location, so there is no operation result to read");
            var match = Regex.Match(operation!.AbsolutePath, "/locations/(?<location>[^/]+)/(operationResults|operationStatuses|operations)/(?<id>[^/?]+)", RegexOptions.IgnoreCase);
            Assert.True(match.Success, "Kusto operation URL has no location/operation id: " + operation);
            return $"/subscriptions/{Server.SubscriptionId}/providers/Microsoft.Kusto/locations/{match.Groups["location"].Value}/operationResults/{match.Groups["id"].Value}";
        }

        /// <summary>The example's subscription ids, each mapped to the emulator's subscription.</summary>
        private Dictionary<string, string> SubscriptionMap(SpecExample e)
        {
            var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in e.Parameters)
            {
                if (value is JsonObject nested)
                {
                    // Ids inside a request body ("{subscriptionId}" in a disk encryption set's user-assigned identity).
                    foreach (Match m in Regex.Matches(nested.ToJsonString(), "subscriptions/([^/\"]+)", RegexOptions.IgnoreCase))
                        map[m.Groups[1].Value] = Server.SubscriptionId;
                    continue;
                }
                if (value is not JsonValue v || !v.TryGetValue<string>(out var text)) continue;
                if (name == "subscriptionId")
                {
                    map[text] = Server.SubscriptionId;
                    // Storage's examples use the placeholder "{subscription-id}", which the built path carries escaped.
                    map[Uri.EscapeDataString(text)] = Server.SubscriptionId;
                }
                foreach (Match m in Regex.Matches(text, "subscriptions/([^/]+)", RegexOptions.IgnoreCase))
                    map[m.Groups[1].Value] = Server.SubscriptionId;
            }
            return map;
        }

        private static string Map(string text, Dictionary<string, string> map) =>
            map.Aggregate(text, (t, kv) => Regex.Replace(t, Regex.Escape(kv.Key), kv.Value, RegexOptions.IgnoreCase));

        /// <summary>
        /// Puts into the store what the example presumes exists: the resource group, every parent resource, the
        /// target itself unless the request creates it, the resources the body refers to (identities, role
        /// definitions) and the items a list example shows. Bodies come from the spec's own GET examples for that
        /// resource type (same api-version first), so the store starts from what Azure would hold.
        /// </summary>
        private void Seed(SpecExample e, string path, string? body, Dictionary<string, string> map)
        {
            var chain = ResourceChain(path).ToList();
            var creates = e.Operation.Method == "PUT" && chain.Count > 0 && string.Equals(chain[^1], path, StringComparison.OrdinalIgnoreCase);
            // Examples reuse names ("sampleacct", "TestJobName1"): each starts from its own state, not the previous one's.
            if (chain.Count > 0) Server.Store.Remove(chain[^1]);
            if (e.Operation.OperationId == "RoleAssignments_Create" && body is not null) RemoveSameAssignment(path, JsonNode.Parse(body)!);
            foreach (var id in creates ? chain.Take(chain.Count - 1) : chain) SeedResource(e, id, map);

            if (Preconditions.TryGetValue(ProviderOperation(e), out var precondition) && chain.Count > 0)
                Server.Store.Update(chain[^1], precondition);
            SeedParentPreconditions(e, chain, body);

            if (body is not null)
            {
                foreach (Match m in Regex.Matches(body, ReferencedIdPattern, RegexOptions.IgnoreCase))
                    foreach (var id in ResourceChain(m.Value)) SeedResource(e, id, map);
                PlaceEndpointsInTheirNetworks(JsonNode.Parse(body));
                SeedKeyVaultsNamedIn(JsonNode.Parse(body), chain);
            }

            foreach (var item in e.Responses.Where(r => r.Status == 200).Select(r => r.Body?["value"]).OfType<JsonArray>().SelectMany(a => a))
                // A ResourceUriList (DiskEncryptionSets_ListAssociatedResources) lists ids as plain strings.
                if ((item is JsonObject listed ? listed["id"]?.GetValue<string>() : item?.GetValue<string>()) is { } itemId)
                    foreach (var id in ResourceChain(Map(itemId, map))) SeedResource(e, id, map);
        }

        /// <summary>
        /// ARM refuses a second assignment of the same role to the same principal at the same scope (409
        /// RoleAssignmentExists); a list example seeded earlier may hold exactly that one under another name.
        /// </summary>
        private void RemoveSameAssignment(string path, JsonNode body)
        {
            var scope = path.Substring(0, path.IndexOf("/providers/Microsoft.Authorization/", StringComparison.OrdinalIgnoreCase)).TrimEnd('/');
            var principal = body["properties"]?["principalId"]?.GetValue<string>();
            var role = body["properties"]?["roleDefinitionId"]?.GetValue<string>().Split('/').Last();
            foreach (var existing in Server.Store.Where((id, json) =>
                         id.Contains("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.OrdinalIgnoreCase)
                         && string.Equals((json["properties"]?["scope"]?.GetValue<string>() ?? "").TrimEnd('/'), scope, StringComparison.OrdinalIgnoreCase)
                         && string.Equals(json["properties"]?["principalId"]?.GetValue<string>(), principal, StringComparison.OrdinalIgnoreCase)
                         && string.Equals(json["properties"]?["roleDefinitionId"]?.GetValue<string>().Split('/').Last(), role, StringComparison.OrdinalIgnoreCase)))
                Server.Store.Remove(existing["id"]!.GetValue<string>());
        }

        /// <summary>
        /// State an example presumes but no example shows, keyed by "{provider namespace}/{operation id}" (operation ids are
        /// unique within a spec only: Azure SQL and PostgreSQL both have Servers_Update). NetApp's key vault operations act
        /// on an account that already uses customer-managed keys, while the spec's account examples all use Microsoft.NetApp keys.
        /// </summary>
        private static readonly IReadOnlyDictionary<string, Action<JsonObject>> Preconditions = new Dictionary<string, Action<JsonObject>>(StringComparer.OrdinalIgnoreCase)
        {
            ["Microsoft.NetApp/Accounts_ChangeKeyVault"] = UsesCustomerManagedKey,
            ["Microsoft.NetApp/Accounts_GetChangeKeyVaultInformation"] = UsesCustomerManagedKey,
            ["Microsoft.NetApp/Accounts_TransitionToCmk"] = UsesCustomerManagedKey,
            // StorageAccountEnableCMK answers with the account's system-assigned identity: it had one before the key was set
            // (customer-managed-keys-configure-existing-account), which the GET sample the account is seeded from lacks.
            ["Microsoft.Storage/StorageAccounts_Update"] = HasSystemAssignedIdentity,
            // ServerUpdateWithDataEncryptionEnabled changes the key of a PostgreSQL server created with one (its data
            // encryption type is fixed at creation), which the ServerGet sample it is seeded from (SystemManaged) is not.
            ["Microsoft.DBforPostgreSQL/Servers_Update"] = CreatedWithCustomerManagedKey,
        };

        /// <summary>The provider namespace of the operation's path (its last "/providers/{namespace}/") and its operation id.</summary>
        private static string ProviderOperation(SpecExample e)
        {
            var match = Regex.Match(e.Operation.PathTemplate, "/providers/(?<ns>[^/]+)/(?!.*/providers/)", RegexOptions.IgnoreCase);
            return (match.Success ? match.Groups["ns"].Value + "/" : "") + e.Operation.OperationId;
        }

        private static void CreatedWithCustomerManagedKey(JsonObject server)
        {
            if (server["properties"] is JsonObject properties)
                properties["dataEncryption"] = new JsonObject { ["type"] = "AzureKeyVault" };
        }

        /// <summary>
        /// State an example presumes on the resource's parent: a server key (ServerKeyCreateOrUpdate) is checked with
        /// the server's identity, which the ServerGet sample lacks; a protector names a server key that exists.
        /// </summary>
        private void SeedParentPreconditions(SpecExample e, IReadOnlyList<string> chain, string? body)
        {
            if (chain.Count < 2) return;
            var parent = chain[^2];
            if (e.Operation.OperationId is "ServerKeys_CreateOrUpdate" or "EncryptionProtectors_CreateOrUpdate")
                Server.Store.Update(parent, HasSystemAssignedIdentity);
            if (e.Operation.OperationId == "EncryptionProtectors_CreateOrUpdate" && body != null
                && JsonNode.Parse(body)?["properties"]?["serverKeyName"]?.GetValue<string>() is { } keyName && keyName != "ServiceManaged")
            {
                var parts = keyName.Split('_');
                Server.Store.Put($"{parent}/keys/{keyName}", new JsonObject
                {
                    ["kind"] = "azurekeyvault",
                    ["properties"] = new JsonObject
                    {
                        ["serverKeyType"] = "AzureKeyVault",
                        ["uri"] = $"https://{parts[0]}.vault.azure.net/keys/{parts[1]}/{parts[2]}",
                        ["thumbprint"] = "00000000000000000000000000000000",
                    },
                });
            }
        }

        private static void HasSystemAssignedIdentity(JsonObject resource)
            => resource["identity"] ??= new JsonObject { ["type"] = "SystemAssigned", ["principalId"] = Guid.NewGuid().ToString(), ["tenantId"] = Guid.NewGuid().ToString() };

        private static void UsesCustomerManagedKey(JsonObject account)
        {
            account["identity"] = new JsonObject { ["type"] = "SystemAssigned" };
            var properties = account["properties"] as JsonObject ?? new JsonObject();
            properties["encryption"] = new JsonObject
            {
                ["keySource"] = "Microsoft.KeyVault",
                ["keyVaultProperties"] = new JsonObject { ["keyVaultUri"] = "https://kv-replay.vault.azure.net/", ["keyName"] = "replay-key" },
            };
            account["properties"] = properties;
        }

        /// <summary>
        /// A NetApp body names a private endpoint together with its virtual network ({virtualNetworkId,
        /// privateEndpointId}); the example presumes the endpoint sits in that network, which the seeded
        /// PrivateEndpointGet sample does not.
        /// </summary>
        private void PlaceEndpointsInTheirNetworks(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o["virtualNetworkId"]?.GetValue<string>() is { } vnet && o["privateEndpointId"]?.GetValue<string>() is { } pe && Server.Store.Exists(pe))
                        Server.Store.Update(pe, endpoint =>
                        {
                            var properties = endpoint["properties"] as JsonObject ?? new JsonObject();
                            properties["subnet"] = new JsonObject { ["id"] = vnet + "/subnets/default" };
                            endpoint["properties"] = properties;
                        });
                    foreach (var (_, child) in o) PlaceEndpointsInTheirNetworks(child);
                    break;
                case JsonArray a:
                    foreach (var child in a) PlaceEndpointsInTheirNetworks(child);
                    break;
            }
        }

        /// <summary>
        /// A body that puts the resource under a key names the vault by URI ({keyvaulturi, keyname} in Storage's examples);
        /// the example presumes that vault exists, protects its keys and lets the resource's identities use the key, as
        /// the service requires before it accepts the write. Without it the emulated service refuses the key as Azure
        /// would, and a spec that declares no error answer (Storage) cannot show that refusal.
        /// </summary>
        private void SeedKeyVaultsNamedIn(JsonNode? body, IReadOnlyList<string> chain)
        {
            if (chain.Count == 0) return;
            var keys = new List<(string Vault, string Key, string? Version)>();
            CollectKeys(body, keys);
            if (keys.Count == 0) return;
            var principals = new List<string>();
            foreach (var id in chain)
                if (Server.Store.Get(id)?["identity"]?["principalId"]?.GetValue<string>() is { } system) principals.Add(system);
            foreach (Match m in Regex.Matches(body!.ToJsonString(), ReferencedIdPattern, RegexOptions.IgnoreCase))
                if (Server.Store.Get(m.Value)?["properties"]?["principalId"]?.GetValue<string>() is { } user) principals.Add(user);
            foreach (var (vault, key, version) in keys)
            {
                // Vaults are found by name, as Azure finds them from a URI: examples in other groups share one.
                foreach (var other in Server.Store.Where((id, o) => id.Contains("/providers/Microsoft.KeyVault/vaults/", StringComparison.OrdinalIgnoreCase)
                             && string.Equals(o["name"]?.GetValue<string>(), vault, StringComparison.OrdinalIgnoreCase)))
                    Server.Store.Remove(other["id"]!.GetValue<string>());
                var vaultId = $"{chain[0]}/providers/Microsoft.KeyVault/vaults/{vault}";
                Server.Store.Put(vaultId, new JsonObject
                {
                    // In the resource's region: services such as Log Analytics clusters require it.
                    ["location"] = Server.Store.Get(chain[^1])?["location"]?.DeepClone() ?? "westus",
                    ["properties"] = new JsonObject
                    {
                        ["tenantId"] = Server.TenantId,
                        ["sku"] = new JsonObject { ["family"] = "A", ["name"] = "standard" },
                        ["vaultUri"] = $"https://{vault}.vault.azure.net/",
                        ["enableSoftDelete"] = true,
                        ["enablePurgeProtection"] = true,
                        ["accessPolicies"] = new JsonArray(principals.Select(p => (JsonNode)new JsonObject
                        {
                            ["tenantId"] = Server.TenantId,
                            ["objectId"] = p,
                            ["permissions"] = new JsonObject { ["keys"] = new JsonArray("get", "wrapKey", "unwrapKey") },
                        }).ToArray()),
                    },
                });
                Server.Store.AddKeyVersion(vaultId, key, new KeyVersionSpec(Version: version));
            }
        }

        private static void CollectKeys(JsonNode? node, List<(string Vault, string Key, string? Version)> keys)
        {
            if (node is JsonArray array) { foreach (var item in array) CollectKeys(item, keys); return; }
            if (node is not JsonObject o) return;
            string? Field(string name) => o.FirstOrDefault(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value is JsonValue v
                && v.TryGetValue<string>(out var text) ? text : null;
            var vaultUri = Field("keyvaulturi");
            var keyName = Field("keyname");
            if (vaultUri != null && keyName != null && Uri.TryCreate(vaultUri, UriKind.Absolute, out var uri))
                keys.Add((uri.Host.Split('.')[0], keyName, null));
            // A key identifier (a SQL server key's uri): https://{vault}.vault.azure.net/keys/{name}/{version}.
            var keyId = Regex.Match(Field("uri") ?? "", @"^https://(?<vault>[^./]+)\.vault\.azure\.net/keys/(?<key>[^/]+)(/(?<version>[0-9a-fA-F]{32}))?$", RegexOptions.IgnoreCase);
            if (keyId.Success)
                keys.Add((keyId.Groups["vault"].Value, keyId.Groups["key"].Value, keyId.Groups["version"].Success ? keyId.Groups["version"].Value : null));
            foreach (var (_, child) in o) CollectKeys(child, keys);
        }

        // ARM ids inside a request body: user-assigned identities, role definitions, vaults, storage accounts...
        private const string ReferencedIdPattern = @"/subscriptions/[0-9a-f-]{36}(/resourceGroups/[^/""]+)?/providers/[^/""]+/[^/""]+/[^/""?]+";

        private void SeedResource(SpecExample e, string id, Dictionary<string, string> map)
        {
            var segments = id.Trim('/').Split('/');
            if (segments.Length == 4 && segments[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase))
            {
                if (!Server.Store.Exists(id)) Server.Store.Put(id, new JsonObject { ["location"] = "westus" });
                return;
            }
            if (Server.Store.Exists(id)) return;

            var keyMatch = Regex.Match(id, "^(?<vault>.*/providers/Microsoft.KeyVault/vaults/[^/]+)/keys/(?<key>[^/]+)(/versions/(?<version>[^/]+))?$", RegexOptions.IgnoreCase);
            if (keyMatch.Success)
            {
                // Keys and versions are made the way the emulator makes them (a version is a key's child).
                var version = keyMatch.Groups["version"].Success ? keyMatch.Groups["version"].Value : null;
                Server.Store.AddKeyVersion(keyMatch.Groups["vault"].Value, keyMatch.Groups["key"].Value, new KeyVersionSpec(Version: version));
                return;
            }
            if (id.Contains("/providers/Microsoft.ManagedIdentity/userAssignedIdentities/", StringComparison.OrdinalIgnoreCase))
            {
                // No spec is shipped for Microsoft.ManagedIdentity: the identity shape is common-types' UserAssignedIdentity.
                Server.Store.Put(id, new JsonObject
                {
                    ["location"] = "westus",
                    ["properties"] = new JsonObject { ["principalId"] = Guid.NewGuid().ToString(), ["clientId"] = Guid.NewGuid().ToString(), ["tenantId"] = Server.TenantId },
                });
                return;
            }

            var gets = Catalog.Operations.Where(o => o.Method == "GET" && o.Matches(id))
                .OrderByDescending(o => o.ApiVersion == e.ApiVersion).ToList();
            if (gets.Count == 0) return; // not a resource (e.g. ".../accessPolicies/add")
            // A GET example shows exactly the resource it asks for; otherwise any GET example of the type will do.
            var samples = (e.Operation.Method == "GET" ? new[] { e } : Array.Empty<SpecExample>())
                .Concat(gets.SelectMany(o => o.Examples.Values.Select(f => SpecExample.Load(o, f))));
            var sample = samples.SelectMany(x => x.Responses).FirstOrDefault(r => r.Status == 200 && r.Body is JsonObject o && o["value"] is null)?.Body;
            var body = sample is null ? new JsonObject { ["location"] = "westus", ["properties"] = new JsonObject() } : JsonNode.Parse(Map(sample.ToJsonString(), map))!.AsObject();
            body.Remove("id");
            body.Remove("name");
            Server.Store.Put(id, body);
        }

        /// <summary>
        /// The resource ids along an ARM path: its resource group, then each (type, name) pair after every
        /// "providers/{namespace}", e.g. .../vaults/kv1 then .../vaults/kv1/keys/k1. A trailing type or action has no id.
        /// </summary>
        internal static IEnumerable<string> ResourceChain(string path)
        {
            var s = path.Split('?')[0].Trim('/').Split('/');
            if (s.Length >= 4 && s[0].Equals("subscriptions", StringComparison.OrdinalIgnoreCase) && s[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase))
                yield return "/" + string.Join("/", s.Take(4));
            for (var i = 0; i < s.Length; i++)
            {
                if (!s[i].Equals("providers", StringComparison.OrdinalIgnoreCase)) continue;
                for (var j = i + 3; j < s.Length && !s[j - 1].Equals("providers", StringComparison.OrdinalIgnoreCase); j += 2)
                {
                    if (s[j].Equals("providers", StringComparison.OrdinalIgnoreCase)) break;
                    yield return "/" + string.Join("/", s.Take(j + 1));
                }
            }
        }
    }
}
