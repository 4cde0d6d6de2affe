using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.Emulator
{
    /// <summary>ARM surface behaviour: api-versions, 404s, caller authorization, the demo scenario's resources.</summary>
    public class EmulatorArmTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorFixture _f;

        public EmulatorArmTests(EmulatorFixture f) => _f = f;

        [Fact]
        public async Task Missing_api_version_is_rejected()
        {
            var (response, body) = await _f.SendAsync(HttpMethod.Get, _f.VaultId("kv-good"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("MissingApiVersionParameter", body!["error"]!["code"]!.GetValue<string>());
        }

        [Fact]
        public async Task Unsupported_api_version_lists_the_supported_ones()
        {
            var (response, body) = await _f.SendAsync(HttpMethod.Get, _f.VaultId("kv-good") + "?api-version=2015-06-01");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("InvalidApiVersionParameter", body!["error"]!["code"]!.GetValue<string>());
            Assert.Equal("The api-version '2015-06-01' is invalid. The supported versions are '2026-02-01,2023-07-01,2022-07-01'.",
                body["error"]!["message"]!.GetValue<string>());
        }

        [Fact]
        public async Task Azure_cli_versions_are_accepted()
        {
            var (response, _) = await _f.SendAsync(HttpMethod.Get, _f.VaultId("kv-good") + "?api-version=2022-07-01");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            (response, _) = await _f.SendAsync(HttpMethod.Get, $"{_f.RgPath}/providers/Microsoft.NetApp/netAppAccounts/anf-demo?api-version=2022-05-01");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        [Fact]
        public async Task Missing_resources_answer_ARM_404s()
        {
            var (response, body) = await _f.SendAsync(HttpMethod.Get, _f.VaultId("kv-missing") + "?api-version=2026-02-01");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("ResourceNotFound", body!["error"]!["code"]!.GetValue<string>());
            Assert.StartsWith("The Resource 'Microsoft.KeyVault/vaults/kv-missing' under resource group 'rg-cmk-demo' was not found.", body["error"]!["message"]!.GetValue<string>());

            (response, body) = await _f.SendAsync(HttpMethod.Get, $"{_f.SubscriptionPath}/resourceGroups/rg-nope/providers/Microsoft.KeyVault/vaults/x?api-version=2026-02-01");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("ResourceGroupNotFound", body!["error"]!["code"]!.GetValue<string>());
        }

        [Fact]
        public async Task Restricted_principal_cannot_list_role_assignments()
        {
            using var restricted = _f.CreateClient(_f.Server.IssueToken(EmulatorFixture.RestrictedId));
            var (ok, _) = await EmulatorFixture.SendAsync(restricted, HttpMethod.Get, _f.VaultId("kv-good") + "?api-version=2026-02-01");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

            var scope = _f.RgPath;
            var (response, body) = await EmulatorFixture.SendAsync(restricted, HttpMethod.Get,
                $"{scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("AuthorizationFailed", body!["error"]!["code"]!.GetValue<string>());
            Assert.Equal(
                $"The client '{EmulatorFixture.RestrictedId}' with object id '{EmulatorFixture.RestrictedId}' does not have authorization to perform action " +
                $"'Microsoft.Authorization/roleAssignments/read' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                body["error"]!["message"]!.GetValue<string>());
        }

        [Fact]
        public async Task Vault_is_found_by_name_through_the_generic_resource_list()
        {
            var filter = Uri.EscapeDataString("resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'kv-rbac'");
            var (response, body) = await _f.SendAsync(HttpMethod.Get, $"{_f.SubscriptionPath}/resources?$filter={filter}&api-version=2021-04-01");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var item = Assert.Single(body!["value"]!.AsArray());
            Assert.Equal(_f.VaultId("kv-rbac"), item!["id"]!.GetValue<string>());
        }

        [Fact]
        public async Task Demo_key_vault_keys_and_versions_are_shaped_like_the_spec()
        {
            var (response, key) = await _f.SendAsync(HttpMethod.Get, _f.VaultId("kv-good") + "/keys/cmk?api-version=2026-02-01");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("RSA", key!["properties"]!["kty"]!.GetValue<string>());
            Assert.Equal(3072, key["properties"]!["keySize"]!.GetValue<int>());
            Assert.Equal("https://kv-good.vault.azure.net:443/keys/cmk", key["properties"]!["keyUri"]!.GetValue<string>());
            Assert.EndsWith("/1a2b3c4d5e6f40718293a4b5c6d7e8f2", key["properties"]!["keyUriWithVersion"]!.GetValue<string>());
            Assert.Null(key["emulator"]);

            var (_, versions) = await _f.SendAsync(HttpMethod.Get, _f.VaultId("kv-good") + "/keys/cmk/versions?api-version=2026-02-01");
            Assert.Equal(2, versions!["value"]!.AsArray().Count);

            var (_, expired) = await _f.SendAsync(HttpMethod.Get, _f.VaultId("kv-good") + "/keys/expired-key?api-version=2026-02-01");
            Assert.True(expired!["properties"]!["attributes"]!["exp"]!.GetValue<long>() < DateTimeOffset.UtcNow.ToUnixTimeSeconds());

            var (_, vault) = await _f.SendAsync(HttpMethod.Get, _f.VaultId("kv-good") + "?api-version=2026-02-01");
            Assert.True(vault!["properties"]!["enablePurgeProtection"]!.GetValue<bool>());
            var pec = Assert.Single(vault["properties"]!["privateEndpointConnections"]!.AsArray());
            Assert.EndsWith("/privateEndpoints/pe-kv-good", pec!["properties"]!["privateEndpoint"]!["id"]!.GetValue<string>());
        }

        [Fact]
        public async Task Every_demo_service_resource_is_readable()
        {
            foreach (var (path, version) in new[]
            {
                ("Microsoft.NetApp/netAppAccounts/anf-demo", "2026-01-01"),
                ("Microsoft.NetApp/netAppAccounts/anf-demo/capacityPools/pool1/volumes/vol1", "2026-01-01"),
                ("Microsoft.DataBox/jobs/databox-demo", "2025-07-01"),
                ("Microsoft.Kusto/clusters/kusto-demo", "2023-08-15"),
                ("Microsoft.DocumentDB/cassandraClusters/cassandra-demo", "2025-10-15"),
                ("Microsoft.DocumentDB/cassandraClusters/cassandra-demo/dataCenters/dc2", "2025-10-15"),
                ("Microsoft.Batch/batchAccounts/batchdemo", "2024-02-01"),
                ("Microsoft.ManagedIdentity/userAssignedIdentities/uai-good", "2023-01-31"),
                ("Microsoft.Network/virtualNetworks/vnet-demo/subnets/anf-delegated", "2024-01-01"),
                ("Microsoft.Network/privateEndpoints/pe-kv-good", "2024-01-01"),
            })
            {
                var (response, body) = await _f.SendAsync(HttpMethod.Get, $"{_f.RgPath}/providers/{path}?api-version={version}");
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
                Assert.Equal($"{_f.RgPath}/providers/{path}", body!["id"]!.GetValue<string>(), ignoreCase: true);
            }
            var (_, job) = await _f.SendAsync(HttpMethod.Get, $"{_f.RgPath}/providers/Microsoft.DataBox/jobs/databox-demo?api-version=2025-07-01");
            Assert.Null(job!["properties"]!["details"]);
            (_, job) = await _f.SendAsync(HttpMethod.Get, $"{_f.RgPath}/providers/Microsoft.DataBox/jobs/databox-demo?api-version=2025-07-01&$expand=details");
            Assert.Equal("MicrosoftManaged", job!["properties"]!["details"]!["keyEncryptionKey"]!["kekType"]!.GetValue<string>());
            var (_, dcs) = await _f.SendAsync(HttpMethod.Get, $"{_f.RgPath}/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo/dataCenters?api-version=2025-10-15");
            Assert.Equal(2, dcs!["value"]!.AsArray().Count);
        }

        [Fact]
        public async Task Role_assignments_list_includes_inherited_and_filters_by_principal()
        {
            var keyScope = _f.VaultId("kv-rbac") + "/keys/cmk";
            var (response, body) = await _f.SendAsync(HttpMethod.Get,
                $"{keyScope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter={Uri.EscapeDataString("atScope()")}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var principals = body!["value"]!.AsArray().Select(a => a!["properties"]!["principalId"]!.GetValue<string>()).ToList();
            Assert.Contains(EmulatorFixture.AdminId, principals); // Owner at the subscription, inherited
            Assert.Contains("66666666-6666-6666-6666-000000000001", principals); // at the vault
            Assert.Contains("88888888-8888-8888-8888-000000000003", principals); // at the key

            (_, body) = await _f.SendAsync(HttpMethod.Get,
                $"{_f.SubscriptionPath}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter={Uri.EscapeDataString("principalId eq '66666666-6666-6666-6666-000000000003'")}");
            var only = Assert.Single(body!["value"]!.AsArray());
            Assert.EndsWith("b24988ac-6180-42a0-ab88-20f7382dd24c", only!["properties"]!["roleDefinitionId"]!.GetValue<string>());

            var (_, def) = await _f.SendAsync(HttpMethod.Get,
                $"{_f.SubscriptionPath}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6?api-version=2022-04-01");
            Assert.Equal("Key Vault Crypto Service Encryption User", def!["properties"]!["roleName"]!.GetValue<string>());
        }

        [Fact]
        public async Task Access_policy_add_merges_and_remove_subtracts()
        {
            var vault = _f.VaultId("kv-nosoftdelete");
            var principal = Guid.NewGuid().ToString();
            JsonObject Body(params string[] keys) => new()
            {
                ["properties"] = new JsonObject
                {
                    ["accessPolicies"] = new JsonArray(new JsonObject
                    {
                        ["tenantId"] = _f.Server.TenantId,
                        ["objectId"] = principal,
                        ["permissions"] = new JsonObject { ["keys"] = new JsonArray(keys.Select(k => (JsonNode?)k).ToArray()) },
                    }),
                },
            };
            var (r1, _) = await _f.SendAsync(HttpMethod.Put, $"{vault}/accessPolicies/add?api-version=2026-02-01", Body("get"));
            Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
            await _f.SendAsync(HttpMethod.Put, $"{vault}/accessPolicies/add?api-version=2026-02-01", Body("wrapKey", "unwrapKey"));
            JsonNode? Policy(JsonNode v) => v["properties"]!["accessPolicies"]!.AsArray().FirstOrDefault(p => p!["objectId"]!.GetValue<string>() == principal);
            var (_, after) = await _f.SendAsync(HttpMethod.Get, $"{vault}?api-version=2026-02-01");
            Assert.Equal(new[] { "get", "wrapKey", "unwrapKey" }, Policy(after!)!["permissions"]!["keys"]!.AsArray().Select(k => k!.GetValue<string>()));
            await _f.SendAsync(HttpMethod.Put, $"{vault}/accessPolicies/remove?api-version=2026-02-01", Body("get", "wrapKey", "unwrapKey"));
            (_, after) = await _f.SendAsync(HttpMethod.Get, $"{vault}?api-version=2026-02-01");
            Assert.Null(Policy(after!));
        }

        [Fact]
        public async Task Request_body_violations_from_the_validator_become_400_with_details()
        {
            await using var server = await EmulatorServer.StartAsync(new EmulatorOptions
            {
                RetryAfter = TimeSpan.Zero,
                Validator = new RejectingValidator(),
            });
            using var client = new HttpClient(new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, c, _, _) => c!.Thumbprint == server.CertificateThumbprint,
            }) { BaseAddress = server.Endpoint };
            client.DefaultRequestHeaders.Authorization = new("Bearer", server.AdminToken);
            var (response, body) = await EmulatorFixture.SendAsync(client, HttpMethod.Patch,
                $"/subscriptions/{server.SubscriptionId}/resourceGroups/rg-cmk-demo/providers/Microsoft.Batch/batchAccounts/batchdemo?api-version=2024-02-01",
                new JsonObject { ["properties"] = new JsonObject { ["encryption"] = new JsonObject { ["keySource"] = "Foo" } } });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("InvalidRequestContent", body!["error"]!["code"]!.GetValue<string>());
            Assert.Contains("properties.encryption.keySource", body["error"]!["message"]!.GetValue<string>());
            Assert.Equal(2, body["error"]!["details"]!.AsArray().Count);
        }

        private sealed class RejectingValidator : IRequestBodyValidator
        {
            public System.Collections.Generic.IReadOnlyList<SpecViolation> Validate(string method, string path, string apiVersion, JsonNode? body) =>
                JsonUtilForTests.Find(body, "properties.encryption.keySource") == "Foo"
                    ? new[] { new SpecViolation("properties.encryption.keySource", "'Foo' is not one of [Microsoft.Batch, Microsoft.KeyVault]"), new SpecViolation("properties.x", "unknown property") }
                    : Array.Empty<SpecViolation>();
        }
    }

    internal static class JsonUtilForTests
    {
        public static string? Find(JsonNode? node, string path)
        {
            foreach (var part in path.Split('.')) node = (node as JsonObject)?[part];
            return node?.GetValue<string>();
        }
    }
}
