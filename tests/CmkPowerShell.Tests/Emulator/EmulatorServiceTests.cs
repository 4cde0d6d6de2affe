using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Emulator
{
    /// <summary>Long-running writes and each service's documented CMK checks.</summary>
    public class EmulatorServiceTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorFixture _f;

        public EmulatorServiceTests(EmulatorFixture f) => _f = f;

        private string Kusto => $"{_f.RgPath}/providers/Microsoft.Kusto/clusters/kusto-demo";

        private static JsonObject KustoKey(string vault, string key = "cmk") => new()
        {
            ["properties"] = new JsonObject
            {
                ["keyVaultProperties"] = new JsonObject { ["keyVaultUri"] = $"https://{vault}.vault.azure.net/", ["keyName"] = key, ["keyVersion"] = "" },
            },
        };

        [Fact]
        public async Task Kusto_patch_with_a_vault_without_purge_protection_fails_the_operation_with_KeyVaultNotPurgeProtected()
        {
            string asyncUrl;
            using (new OperationHold(_f.Server))
            {
                var (response, _) = await _f.SendAsync(HttpMethod.Patch, Kusto + "?api-version=2023-08-15", KustoKey("kv-nopurge"));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                asyncUrl = response.Headers.GetValues("Azure-AsyncOperation").Single();
                Assert.Contains("/providers/Microsoft.Kusto/locations/westeurope/operationResults/", asyncUrl);

                var (_, first) = await _f.SendAsync(HttpMethod.Get, new Uri(asyncUrl).PathAndQuery);
                Assert.Equal("InProgress", first!["status"]!.GetValue<string>());
            }

            var final = await _f.WaitForOperationAsync(new Uri(asyncUrl));
            Assert.Equal("Failed", final["status"]!.GetValue<string>());
            Assert.Equal("KeyVaultNotPurgeProtected", final["error"]!["code"]!.GetValue<string>());
            Assert.Equal("KeyVault 'https://kv-nopurge.vault.azure.net/' is not Purge Protected", final["error"]!["message"]!.GetValue<string>());

            var (_, cluster) = await _f.SendAsync(HttpMethod.Get, Kusto + "?api-version=2023-08-15");
            Assert.Null(cluster!["properties"]!["keyVaultProperties"]); // a rejected key leaves the cluster as it was
        }

        [Fact]
        public async Task Kusto_patch_with_the_good_key_succeeds_and_is_applied_only_at_the_end()
        {
            await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { LroDelay = TimeSpan.FromMilliseconds(400), RetryAfter = TimeSpan.Zero });
            using var client = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c!.Thumbprint == server.CertificateThumbprint }) { BaseAddress = server.Endpoint };
            client.DefaultRequestHeaders.Authorization = new("Bearer", server.AdminToken);
            Uri location;
            using (new OperationHold(server))
            {
                var (response, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Patch, Kusto + "?api-version=2023-08-15", KustoKey("kv-good"));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                location = response.Headers.Location!;
                var (pending, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, location.PathAndQuery);
                Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
                var (_, beforeBody) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, Kusto + "?api-version=2023-08-15");
                Assert.Null(beforeBody!["properties"]!["keyVaultProperties"]);
            }

            await Task.Delay(600);
            var (done, cluster) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, location.PathAndQuery);
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            Assert.Equal("cmk", cluster!["properties"]!["keyVaultProperties"]!["keyName"]!.GetValue<string>());
            Assert.Equal("Succeeded", cluster["properties"]!["provisioningState"]!.GetValue<string>());
        }

        [Theory]
        [InlineData("kv-nosoftdelete", "cmk", "KeyVaultNotSoftDeleteEnabled")]
        [InlineData("kv-missing", "cmk", "KeyVaultNotFound")]
        [InlineData("kv-good", "nope", "KeyNotFound")]
        [InlineData("kv-eastus", "cmk", "InvalidKeyVaultProperties")]
        [InlineData("kv-good", "ec-key", "InvalidKeyVaultProperties")]
        [InlineData("kv-good", "rsa-1024", "InvalidKeyVaultProperties")]
        [InlineData("kv-good", "expired-key", "InvalidKeyVaultProperties")]
        [InlineData("kv-firewall", "cmk", "IdentityDoesNotHaveAccessToKeyVault")]
        public async Task Kusto_documented_codes(string vault, string key, string code)
        {
            var (response, _) = await _f.SendAsync(HttpMethod.Patch, Kusto + "?api-version=2023-08-15", KustoKey(vault, key));
            var final = await _f.WaitForOperationAsync(new Uri(response.Headers.GetValues("Azure-AsyncOperation").Single()));
            Assert.Equal(code, final["error"]!["code"]!.GetValue<string>());
        }

        private string DataBox => $"{_f.RgPath}/providers/Microsoft.DataBox/jobs/databox-demo";

        private static JsonObject Kek(string keyUrl, string identityType = "SystemAssigned", string? uai = null)
        {
            var identity = new JsonObject { ["type"] = identityType };
            if (uai != null) identity["userAssigned"] = new JsonObject { ["resourceId"] = uai };
            return new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["details"] = new JsonObject
                    {
                        ["keyEncryptionKey"] = new JsonObject { ["kekType"] = "CustomerManaged", ["kekUrl"] = keyUrl, ["identityProperties"] = identity },
                    },
                },
            };
        }

        [Theory]
        [InlineData("https://kv-nopurge.vault.azure.net/keys/cmk", "SsemUserErrorSoftDeleteAndPurgeProtectionNotEnabled")]
        [InlineData("https://kv-good.vault.azure.net/keys/disabled-key", "SsemUserErrorEncryptionKeyDisabled")]
        [InlineData("https://kv-good.vault.azure.net/keys/expired-key", "SsemUserErrorEncryptionKeyExpired")]
        [InlineData("https://kv-good.vault.azure.net/keys/rsa-1024", "SsemUserErrorEncryptionKeyTypeNotSupported")]
        [InlineData("http://kv-good.vault.azure.net/keys/cmk", "SsemUserErrorKeyVaultUrlWithInvalidScheme")]
        [InlineData("https://kv-good.example.com/keys/cmk", "SsemUserErrorKeyVaultUrlInvalidHost")]
        [InlineData("https://kv-firewall.vault.azure.net/keys/cmk", "SsemUserErrorKeyVaultBadRequestException")]
        public async Task DataBox_documented_codes_through_the_Location_LRO(string keyUrl, string code)
        {
            var (response, _) = await _f.SendAsync(HttpMethod.Patch, DataBox + "?api-version=2025-07-01", Kek(keyUrl));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.False(response.Headers.Contains("Azure-AsyncOperation"));
            var location = response.Headers.Location!;
            await Task.Delay(500);
            var (final, body) = await _f.SendAsync(HttpMethod.Get, location.PathAndQuery);
            Assert.Equal(HttpStatusCode.BadRequest, final.StatusCode);
            Assert.Equal(code, body!["error"]!["code"]!.GetValue<string>());
        }

        [Fact]
        public async Task DataBox_user_assigned_identity_without_permission_is_refused()
        {
            var uai = $"{_f.RgPath}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-noaccess";
            var body = Kek("https://kv-good.vault.azure.net/keys/cmk", "UserAssigned", uai);
            body["identity"] = new JsonObject { ["type"] = "SystemAssigned,UserAssigned", ["userAssignedIdentities"] = new JsonObject { [uai] = new JsonObject() } };
            var (response, _) = await _f.SendAsync(HttpMethod.Patch, DataBox + "?api-version=2025-07-01", body);
            await Task.Delay(500);
            var (_, result) = await _f.SendAsync(HttpMethod.Get, response.Headers.Location!.PathAndQuery);
            Assert.Equal("SsemUserErrorKeyVaultBadRequestException", result!["error"]!["code"]!.GetValue<string>());
        }

        private string NetApp => $"{_f.RgPath}/providers/Microsoft.NetApp/netAppAccounts/anf-demo";

        private static JsonObject NetAppKey(string vault, string key = "cmk") => new()
        {
            ["properties"] = new JsonObject
            {
                ["encryption"] = new JsonObject
                {
                    ["keySource"] = "Microsoft.KeyVault",
                    ["keyVaultProperties"] = new JsonObject { ["keyVaultUri"] = $"https://{vault}.vault.azure.net/", ["keyName"] = key },
                },
            },
        };

        [Theory]
        [InlineData("kv-eastus", "cmk", "Account must be in the same region as the Vault")]
        [InlineData("kv-good", "ec-key", "Azure Key Vault key is not a valid RSA key")]
        [InlineData("kv-good", "future-key", "Azure Key Vault key has not been activated")]
        [InlineData("kv-nosoftdelete", "cmk", "Azure Key Vault is not recoverable. Make sure that Soft-delete and Purge protection are both enabled on the Azure Key Vault")]
        [InlineData("kv-rbac", "cmk", "Unable to use the configured encryption key, please check if key is active")]
        public async Task NetApp_documented_messages(string vault, string key, string message)
        {
            var (response, _) = await _f.SendAsync(HttpMethod.Patch, NetApp + "?api-version=2026-01-01", NetAppKey(vault, key));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await Task.Delay(500);
            var (final, body) = await _f.SendAsync(HttpMethod.Get, response.Headers.Location!.PathAndQuery);
            Assert.Equal(HttpStatusCode.BadRequest, final.StatusCode);
            Assert.Equal(message, body!["error"]!["message"]!.GetValue<string>());
        }

        [Fact]
        public async Task NetApp_lifecycle_cmk_then_key_vault_status_then_renewal_eligibility()
        {
            await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { LroDelay = TimeSpan.Zero, RetryAfter = TimeSpan.Zero });
            using var client = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c!.Thumbprint == server.CertificateThumbprint }) { BaseAddress = server.Endpoint };
            client.DefaultRequestHeaders.Authorization = new("Bearer", server.AdminToken);

            var (patch, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Patch, NetApp + "?api-version=2026-01-01", NetAppKey("kv-good"));
            var (done, account) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, patch.Headers.Location!.PathAndQuery);
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            Assert.Equal("Microsoft.KeyVault", account!["properties"]!["encryption"]!["keySource"]!.GetValue<string>());
            Assert.Equal("88888888-8888-8888-8888-000000000001", account["properties"]!["encryption"]!["identity"]!["principalId"]!.GetValue<string>());

            var (status, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Post, NetApp + "/getKeyVaultStatus?api-version=2026-01-01");
            Assert.Equal(HttpStatusCode.Accepted, status.StatusCode);
            var (_, info) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, status.Headers.Location!.PathAndQuery);
            Assert.Equal("cmk", info!["properties"]!["keyName"]!.GetValue<string>());
            Assert.EndsWith("/privateEndpoints/pe-kv-good", info["properties"]!["keyVaultPrivateEndpoints"]![0]!["privateEndpointId"]!.GetValue<string>());

            // Demo certificate is 50 days old: eligible. After renewal it is new, so a second renewal is refused with the date.
            var (renew, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Post, NetApp + "/renewCredentials?api-version=2026-01-01");
            Assert.Equal(HttpStatusCode.Accepted, renew.StatusCode);
            var (again, error) = await EmulatorFixture.SendAsync(client, HttpMethod.Post, NetApp + "/renewCredentials?api-version=2026-01-01");
            Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
            var eligible = DateTimeOffset.UtcNow.AddDays(46).UtcDateTime.ToString("yyyy-MM-dd");
            Assert.Contains($"eligible for renewal on {eligible}", error!["error"]!["message"]!.GetValue<string>());

            server.Store.SetNetAppCertificateIssued(NetApp, DateTimeOffset.UtcNow.AddDays(-47));
            (renew, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Post, NetApp + "/renewCredentials?api-version=2026-01-01");
            Assert.Equal(HttpStatusCode.Accepted, renew.StatusCode);

            var pe = $"{_f.RgPath}/providers/Microsoft.Network/privateEndpoints/pe-kv-good";
            var vnet = $"{_f.RgPath}/providers/Microsoft.Network/virtualNetworks/vnet-demo";
            var (transition, _) = await EmulatorFixture.SendAsync(client, HttpMethod.Post, NetApp + "/transitiontocmk?api-version=2026-01-01",
                new JsonObject { ["virtualNetworkId"] = vnet, ["privateEndpointId"] = pe });
            Assert.Equal(HttpStatusCode.Accepted, transition.StatusCode);
            await EmulatorFixture.SendAsync(client, HttpMethod.Get, transition.Headers.Location!.PathAndQuery);
            var (_, volume) = await EmulatorFixture.SendAsync(client, HttpMethod.Get, NetApp + "/capacityPools/pool1/volumes/vol1?api-version=2026-01-01");
            Assert.Equal("Microsoft.KeyVault", volume!["properties"]!["encryptionKeySource"]!.GetValue<string>());
            Assert.Equal(pe, volume["properties"]!["keyVaultPrivateEndpointResourceId"]!.GetValue<string>());
        }

        [Fact]
        public async Task Batch_patch_is_synchronous_and_refuses_a_vault_without_purge_protection()
        {
            var batch = $"{_f.RgPath}/providers/Microsoft.Batch/batchAccounts/batchdemo?api-version=2024-02-01";
            JsonObject Body(string keyId) => new()
            {
                ["properties"] = new JsonObject
                {
                    ["encryption"] = new JsonObject { ["keySource"] = "Microsoft.KeyVault", ["keyVaultProperties"] = new JsonObject { ["keyIdentifier"] = keyId } },
                },
            };
            var (bad, error) = await _f.SendAsync(HttpMethod.Patch, batch, Body("https://kv-nopurge.vault.azure.net/keys/cmk"));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("KeyVaultPurgeProtectionNotEnabled", error!["error"]!["code"]!.GetValue<string>());

            var (ok, account) = await _f.SendAsync(HttpMethod.Patch, batch, Body("https://kv-rbac.vault.azure.net/keys/cmk"));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("Microsoft.KeyVault", account!["properties"]!["encryption"]!["keySource"]!.GetValue<string>());
        }

        [Fact]
        public async Task Cassandra_needs_a_cluster_identity_then_checks_data_center_keys()
        {
            var cluster = $"{_f.RgPath}/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo";
            var dc = cluster + "/dataCenters/dc1?api-version=2025-10-15";
            var keyBody = new JsonObject { ["properties"] = new JsonObject { ["managedDiskCustomerKeyUri"] = "https://kv-good.vault.azure.net/keys/cmk" } };

            var (first, _) = await _f.SendAsync(HttpMethod.Patch, dc, keyBody);
            var result = await _f.WaitForOperationAsync(new Uri(first.Headers.GetValues("Azure-AsyncOperation").Single()));
            Assert.Equal("IdentityNotFound", result["error"]!["code"]!.GetValue<string>());

            var (identityPatch, _) = await _f.SendAsync(HttpMethod.Patch, cluster + "?api-version=2025-10-15",
                new JsonObject { ["identity"] = new JsonObject { ["type"] = "SystemAssigned" } });
            await _f.WaitForOperationAsync(new Uri(identityPatch.Headers.GetValues("Azure-AsyncOperation").Single()));
            var (_, clusterBody) = await _f.SendAsync(HttpMethod.Get, cluster + "?api-version=2025-10-15");
            var principal = clusterBody!["identity"]!["principalId"]!.GetValue<string>();
            Assert.True(Guid.TryParse(principal, out _));

            (first, _) = await _f.SendAsync(HttpMethod.Patch, dc, keyBody);
            result = await _f.WaitForOperationAsync(new Uri(first.Headers.GetValues("Azure-AsyncOperation").Single()));
            Assert.Equal("KeyVaultAccessForbidden", result["error"]!["code"]!.GetValue<string>()); // the new identity has no access policy yet
        }
    }
}
