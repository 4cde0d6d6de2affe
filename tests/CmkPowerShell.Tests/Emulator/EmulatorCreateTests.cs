using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Emulator
{
    /// <summary>
    /// Data Box Jobs_Create and Batch BatchAccount_Create: long-running creates that answer 202 with Location (their
    /// specs declare no 201), a resource that exists only once the operation ends, and the service's own state in it.
    /// </summary>
    public class EmulatorCreateTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorFixture _f;

        public EmulatorCreateTests(EmulatorFixture f) => _f = f;

        private string Job(string name) => $"{_f.RgPath}/providers/Microsoft.DataBox/jobs/{name}";

        private string Account(string name) => $"{_f.RgPath}/providers/Microsoft.Batch/batchAccounts/{name}";

        private JsonObject JobBody(string transferType, JsonObject? keyEncryptionKey = null)
        {
            var storage = $"{_f.RgPath}/providers/Microsoft.Storage/storageAccounts/stdemo";
            var details = new JsonObject
            {
                ["jobDetailsType"] = "DataBox",
                ["contactDetails"] = new JsonObject { ["contactName"] = "Ops", ["phone"] = "0000000000", ["emailList"] = new JsonArray("ops@example.com") },
                ["shippingAddress"] = new JsonObject { ["streetAddress1"] = "1 Main St", ["country"] = "US", ["postalCode"] = "98052", ["city"] = "Redmond", ["stateOrProvince"] = "WA" },
            };
            var account = new JsonObject { ["accountDetails"] = new JsonObject { ["dataAccountType"] = "StorageAccount", ["storageAccountId"] = storage } };
            if (transferType == "ExportFromAzure")
            {
                account["transferConfiguration"] = new JsonObject
                {
                    ["transferConfigurationType"] = "TransferAll",
                    ["transferAllDetails"] = new JsonObject { ["include"] = new JsonObject { ["dataAccountType"] = "StorageAccount", ["transferAllBlobs"] = true } },
                };
                details["dataExportDetails"] = new JsonArray(account);
            }
            else
            {
                details["dataImportDetails"] = new JsonArray(account);
            }
            if (keyEncryptionKey != null) details["keyEncryptionKey"] = keyEncryptionKey;
            return new JsonObject
            {
                ["location"] = "westeurope",
                ["sku"] = new JsonObject { ["name"] = "DataBox" },
                ["identity"] = new JsonObject { ["type"] = "SystemAssigned" },
                ["properties"] = new JsonObject { ["transferType"] = transferType, ["details"] = details },
            };
        }

        [Theory]
        [InlineData("ImportToAzure", "DeviceOrdered,DevicePrepared,Dispatched,Delivered,PickedUp,AtAzureDC,DataCopy,Completed")]
        [InlineData("ExportFromAzure", "DeviceOrdered,DevicePrepared,DataCopy,Dispatched,Delivered,PickedUp,AtAzureDC,Completed")]
        public async Task DataBox_create_answers_202_with_Location_and_the_job_is_ordered_when_the_operation_ends(string transferType, string stages)
        {
            var job = Job("order-" + transferType.ToLowerInvariant());
            Uri location;
            using (new OperationHold(_f.Server))
            {
                var (response, body) = await _f.SendAsync(HttpMethod.Put, job + "?api-version=2025-07-01", JobBody(transferType));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                Assert.Null(body);
                Assert.False(response.Headers.Contains("Azure-AsyncOperation"));
                var (during, _) = await _f.SendAsync(HttpMethod.Get, job + "?api-version=2025-07-01");
                Assert.Equal(HttpStatusCode.NotFound, during.StatusCode);
                location = response.Headers.Location!;
            }

            var (final, created) = await _f.WaitForLocationAsync(location);
            Assert.Equal(HttpStatusCode.OK, final.StatusCode);
            var props = created!["properties"]!;
            Assert.Null(props["provisioningState"]);
            Assert.Equal("DeviceOrdered", props["status"]!.GetValue<string>());
            Assert.True(props["isCancellable"]!.GetValue<bool>());
            Assert.False(props["isDeletable"]!.GetValue<bool>());
            Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(props["startTime"]!.GetValue<string>()) < TimeSpan.FromMinutes(1));
            var jobStages = props["details"]!["jobStages"]!.AsArray();
            Assert.Equal(stages, string.Join(",", jobStages.Select(s => s!["stageName"]!.GetValue<string>())));
            Assert.Equal(new[] { "Succeeded" }.Concat(Enumerable.Repeat("None", 7)), jobStages.Select(s => s!["stageStatus"]!.GetValue<string>()));
            Assert.True(Guid.TryParse(created["identity"]!["principalId"]!.GetValue<string>(), out _));

            var (_, plain) = await _f.SendAsync(HttpMethod.Get, job + "?api-version=2025-07-01");
            Assert.Equal("DeviceOrdered", plain!["properties"]!["status"]!.GetValue<string>());
            Assert.Null(plain["properties"]!["details"]);
        }

        [Fact]
        public async Task DataBox_re_put_keeps_where_the_order_is()
        {
            var job = Job("order-again");
            var (first, _) = await _f.SendAsync(HttpMethod.Put, job + "?api-version=2025-07-01", JobBody("ImportToAzure"));
            var (_, created) = await _f.WaitForLocationAsync(first.Headers.Location!);
            _f.Server.Store.Update(job, j => j["properties"]!["status"] = "Dispatched");

            var (second, _) = await _f.SendAsync(HttpMethod.Put, job + "?api-version=2025-07-01", JobBody("ImportToAzure"));
            var (_, again) = await _f.WaitForLocationAsync(second.Headers.Location!);
            Assert.Equal("Dispatched", again!["properties"]!["status"]!.GetValue<string>());
            Assert.Equal(created!["properties"]!["startTime"]!.GetValue<string>(), again["properties"]!["startTime"]!.GetValue<string>());
            Assert.Equal(created["identity"]!["principalId"]!.GetValue<string>(), again["identity"]!["principalId"]!.GetValue<string>());
        }

        [Fact]
        public async Task DataBox_create_with_a_key_from_a_vault_without_purge_protection_fails_and_orders_nothing()
        {
            var job = Job("order-nopurge");
            var kek = new JsonObject
            {
                ["kekType"] = "CustomerManaged",
                ["kekUrl"] = "https://kv-nopurge.vault.azure.net/keys/cmk",
                ["identityProperties"] = new JsonObject { ["type"] = "SystemAssigned" },
            };
            var (response, _) = await _f.SendAsync(HttpMethod.Put, job + "?api-version=2025-07-01", JobBody("ImportToAzure", kek));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var (final, error) = await _f.WaitForLocationAsync(response.Headers.Location!);
            Assert.Equal(HttpStatusCode.BadRequest, final.StatusCode);
            Assert.Equal("SsemUserErrorSoftDeleteAndPurgeProtectionNotEnabled", error!["error"]!["code"]!.GetValue<string>());
            var (get, _) = await _f.SendAsync(HttpMethod.Get, job + "?api-version=2025-07-01");
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }

        private JsonObject AccountBody(JsonObject? properties = null) => new()
        {
            ["location"] = "West Europe",
            ["properties"] = properties ?? new JsonObject
            {
                ["autoStorage"] = new JsonObject { ["storageAccountId"] = $"{_f.RgPath}/providers/Microsoft.Storage/storageAccounts/stdemo" },
            },
        };

        [Fact]
        public async Task Batch_create_answers_202_with_Location_and_the_account_gets_its_endpoint_defaults_and_key_sync()
        {
            var account = Account("batchnew");
            var (response, body) = await _f.SendAsync(HttpMethod.Put, account + "?api-version=2024-02-01", AccountBody());
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Null(body);
            Assert.False(response.Headers.Contains("Azure-AsyncOperation"));

            var (final, created) = await _f.WaitForLocationAsync(response.Headers.Location!);
            Assert.Equal(HttpStatusCode.OK, final.StatusCode);
            var props = created!["properties"]!;
            Assert.Equal("batchnew.westeurope.batch.azure.com", props["accountEndpoint"]!.GetValue<string>());
            Assert.Equal("Succeeded", props["provisioningState"]!.GetValue<string>());
            Assert.Equal("BatchService", props["poolAllocationMode"]!.GetValue<string>());
            Assert.Equal("Enabled", props["publicNetworkAccess"]!.GetValue<string>());
            Assert.Equal("Microsoft.Batch", props["encryption"]!["keySource"]!.GetValue<string>());
            Assert.Equal("None", created["identity"]!["type"]!.GetValue<string>());
            var synced = props["autoStorage"]!["lastKeySync"]!.GetValue<string>();
            Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(synced) < TimeSpan.FromMinutes(1));

            // Linking the same storage account again does not resync its keys; another one does.
            var (same, patched) = await _f.SendAsync(HttpMethod.Patch, account + "?api-version=2024-02-01",
                new JsonObject { ["properties"] = new JsonObject { ["autoStorage"] = new JsonObject { ["storageAccountId"] = props["autoStorage"]!["storageAccountId"]!.DeepClone() } } });
            Assert.Equal(HttpStatusCode.OK, same.StatusCode);
            Assert.Equal(synced, patched!["properties"]!["autoStorage"]!["lastKeySync"]!.GetValue<string>());
            await Task.Delay(20);
            var (_, moved) = await _f.SendAsync(HttpMethod.Patch, account + "?api-version=2024-02-01",
                new JsonObject { ["properties"] = new JsonObject { ["autoStorage"] = new JsonObject { ["storageAccountId"] = $"{_f.RgPath}/providers/Microsoft.Storage/storageAccounts/stother" } } });
            Assert.NotEqual(synced, moved!["properties"]!["autoStorage"]!["lastKeySync"]!.GetValue<string>());
        }

        [Fact]
        public async Task Batch_create_with_a_key_from_a_vault_without_purge_protection_fails_and_creates_nothing()
        {
            var account = Account("batchnopurge");
            var body = AccountBody(new JsonObject
            {
                ["encryption"] = new JsonObject
                {
                    ["keySource"] = "Microsoft.KeyVault",
                    ["keyVaultProperties"] = new JsonObject { ["keyIdentifier"] = "https://kv-nopurge.vault.azure.net/keys/cmk" },
                },
            });
            body["identity"] = new JsonObject { ["type"] = "SystemAssigned" };
            var (response, _) = await _f.SendAsync(HttpMethod.Put, account + "?api-version=2024-02-01", body);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var (final, error) = await _f.WaitForLocationAsync(response.Headers.Location!);
            Assert.Equal(HttpStatusCode.BadRequest, final.StatusCode);
            Assert.Equal("KeyVaultPurgeProtectionNotEnabled", error!["error"]!["code"]!.GetValue<string>());
            var (get, _) = await _f.SendAsync(HttpMethod.Get, account + "?api-version=2024-02-01");
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }
    }
}
