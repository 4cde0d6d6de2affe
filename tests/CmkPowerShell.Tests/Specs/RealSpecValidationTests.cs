using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Emulator;
using CmkPowerShell.Emulator.Validation;

namespace CmkPowerShell.Tests.Specs
{
    /// <summary>The validator on the shipped Azure specs, with the CMK bodies this project sends.</summary>
    public class RealSpecValidationTests
    {
        private const string Sub = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1";
        private const string Kusto = Sub + "/providers/Microsoft.Kusto/clusters/kusto1";
        private const string NetApp = Sub + "/providers/Microsoft.NetApp/netAppAccounts/anf1";

        private static SpecCatalog Catalog => ShippedSpecs.Catalog;


        [Fact]
        public void Kusto_cluster_update_with_a_numeric_key_name_names_the_property()
        {
            var body = JsonNode.Parse("""
            { "identity": { "type": "SystemAssigned" },
              "properties": { "keyVaultProperties": { "keyVaultUri": "https://kv1.vault.azure.net/", "keyName": 5, "keyVersion": "" } } }
            """);
            var violation = SpecAssert.Single(Catalog.Validate("PATCH", Kusto, "2023-08-15", body), "properties.keyVaultProperties.keyName");
            Assert.Equal("expected string, got number", violation.Message);
        }

        [Fact]
        public void Kusto_cluster_update_with_the_documented_cmk_shape_is_accepted()
        {
            var body = JsonNode.Parse("""
            { "identity": { "type": "SystemAssigned, UserAssigned",
                            "userAssignedIdentities": { "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1": {} } },
              "properties": { "keyVaultProperties": { "keyVaultUri": "https://kv1.vault.azure.net/", "keyName": "k1", "keyVersion": "",
                              "userIdentity": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1" } } }
            """);
            Assert.Empty(Catalog.Validate("PATCH", Kusto, "2023-08-15", body));
        }

        [Fact]
        public void Kusto_identity_type_without_the_space_is_not_a_documented_value()
        {
            // Kusto spells it "SystemAssigned, UserAssigned" (with a space), unlike common-types' ManagedServiceIdentity.
            var body = JsonNode.Parse("""{ "identity": { "type": "SystemAssigned,UserAssigned" } }""");
            SpecAssert.Single(Catalog.Validate("PATCH", Kusto, "2023-08-15", body), "identity.type");
        }

        [Fact]
        public void NetApp_key_source_outside_the_enum_is_rejected()
        {
            var body = JsonNode.Parse("""
            { "properties": { "encryption": { "keySource": "Foo",
                "keyVaultProperties": { "keyVaultUri": "https://kv1.vault.azure.net/", "keyName": "k1" } } } }
            """);
            var violation = SpecAssert.Single(Catalog.Validate("PATCH", NetApp, "2026-01-01", body), "properties.encryption.keySource");
            Assert.Contains("'Foo' is not one of", violation.Message);
            Assert.Contains("Microsoft.KeyVault", violation.Message);
        }

        [Fact]
        public void NetApp_unknown_and_missing_properties_are_rejected()
        {
            var body = JsonNode.Parse("""
            { "identity": { "type": "SystemAssigned" },
              "properties": { "encryption": { "keySource": "Microsoft.KeyVault", "keyVaultProperties": { "keyVaultUri": "https://kv1.vault.azure.net/", "keyname": "k1" } } } }
            """);
            var paths = Catalog.Validate("PATCH", NetApp, "2026-01-01", body).Select(v => v.Path).OrderBy(p => p, System.StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "properties.encryption.keyVaultProperties.keyName", "properties.encryption.keyVaultProperties.keyname" }, paths);
        }

        [Fact]
        public void NetApp_read_only_key_vault_status_sent_back_is_tolerated()
        {
            // A client that GETs the account and PATCHes it back sends read-only fields; Azure ignores them.
            var body = JsonNode.Parse("""
            { "identity": { "type": "SystemAssigned", "principalId": "11111111-1111-1111-1111-111111111111" },
              "properties": { "provisioningState": "Succeeded", "encryption": { "keySource": "Microsoft.KeyVault",
                "keyVaultProperties": { "keyVaultUri": "https://kv1.vault.azure.net/", "keyName": "k1", "status": "InUse", "keyVaultId": "x" } } } }
            """);
            Assert.Empty(Catalog.Validate("PATCH", NetApp, "2026-01-01", body));
        }

        [Fact]
        public void DataBox_job_patch_checks_the_key_encryption_key()
        {
            const string job = Sub + "/providers/Microsoft.DataBox/jobs/job1";
            var good = JsonNode.Parse("""
            { "properties": { "details": { "keyEncryptionKey": { "kekType": "CustomerManaged", "kekUrl": "https://kv1.vault.azure.net/keys/k1/0123456789abcdef0123456789abcdef",
                "kekVaultResourceID": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1", "identityProperties": { "type": "SystemAssigned" } } } } }
            """);
            Assert.Empty(Catalog.Validate("PATCH", job, "2025-07-01", good));
            var bad = JsonNode.Parse("""{ "properties": { "details": { "keyEncryptionKey": { "kekType": "Customer" } } } }""");
            SpecAssert.Single(Catalog.Validate("PATCH", job, "2025-07-01", bad), "properties.details.keyEncryptionKey.kekType");
        }

        [Fact]
        public void DataBox_job_details_are_polymorphic_on_jobDetailsType()
        {
            var create = Catalog.Operations.Single(o => o.OperationId == "Jobs_Create" && o.ApiVersion == "2025-07-01");
            var example = ShippedSpecs.Examples.Values.First(e => e.Operation == create);
            var body = example.RequestBody!;
            Assert.Empty(Catalog.ValidateRequest(create, body));

            // The disk-only property is unknown for a DataBox (not DataBoxDisk) job.
            body["properties"]!["details"]!["jobDetailsType"] = "DataBox";
            body["properties"]!["details"]!["preferredDisks"] = new JsonObject();
            SpecAssert.Single(Catalog.ValidateRequest(create, body), "properties.details.preferredDisks");

            body["properties"]!["details"]!["jobDetailsType"] = "DataBoxTruck";
            Assert.Contains(Catalog.ValidateRequest(create, body), v => v.Path == "properties.details.jobDetailsType");
        }

        [Fact]
        public void Cassandra_2025_10_15_resolves_shared_definitions_from_the_2024_05_15_file()
        {
            const string dc = Sub + "/providers/Microsoft.DocumentDB/cassandraClusters/c1/dataCenters/dc1";
            var op = Catalog.FindOperation("PATCH", dc, "2025-10-15");
            Assert.Equal("CassandraDataCenters_Update", op?.OperationId);
            var body = JsonNode.Parse("""
            { "properties": { "managedDiskCustomerKeyUri": "https://kv1.vault.azure.net/keys/k1", "backupStorageCustomerKeyUri": "https://kv1.vault.azure.net/keys/k1" } }
            """);
            Assert.Empty(Catalog.Validate("PATCH", dc, "2025-10-15", body));
            SpecAssert.Single(Catalog.Validate("PATCH", dc, "2025-10-15", JsonNode.Parse("""{ "properties": { "managedDiskCustomerKeyUri": ["x"] } }""")),
                "properties.managedDiskCustomerKeyUri");
        }

        [Fact]
        public void Batch_encryption_key_source_is_checked()
        {
            const string account = Sub + "/providers/Microsoft.Batch/batchAccounts/batch1";
            var body = JsonNode.Parse("""{ "properties": { "encryption": { "keySource": "Microsoft.KeyVault", "keyVaultProperties": { "keyIdentifier": "https://kv1.vault.azure.net/keys/k1" } } } }""");
            Assert.Empty(Catalog.Validate("PATCH", account, "2024-02-01", body));
            body!["properties"]!["encryption"]!["keySource"] = "KeyVault";
            SpecAssert.Single(Catalog.Validate("PATCH", account, "2024-02-01", body), "properties.encryption.keySource");
        }

        [Fact]
        public void Key_vault_access_policy_update_requires_permissions_shape()
        {
            const string path = Sub + "/providers/Microsoft.KeyVault/vaults/kv1/accessPolicies/add";
            var op = Catalog.FindOperation("PUT", path, "2026-02-01");
            Assert.Equal("Vaults_UpdateAccessPolicy", op?.OperationId);
            var body = JsonNode.Parse("""
            { "properties": { "accessPolicies": [ { "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "objectId": "o1",
              "permissions": { "keys": [ "get", "wrapKey", "unwrapKey" ] } } ] } }
            """);
            Assert.Empty(Catalog.Validate("PUT", path, "2026-02-01", body));
            body!["properties"]!["accessPolicies"]![0]!["permissions"]!["keys"]![1] = "wrap";
            SpecAssert.Single(Catalog.Validate("PUT", path, "2026-02-01", body), "properties.accessPolicies[0].permissions.keys[1]");
        }

        [Fact]
        public void Role_assignment_create_at_a_resource_scope_is_found_through_the_scope_parameter()
        {
            const string path = Sub + "/providers/Microsoft.KeyVault/vaults/kv1/providers/Microsoft.Authorization/roleAssignments/3fa85f64-5717-4562-b3fc-2c963f66afa6";
            var op = Catalog.FindOperation("PUT", path, "2022-04-01");
            Assert.Equal("RoleAssignments_Create", op?.OperationId);
            var missing = Catalog.Validate("PUT", path, "2022-04-01", JsonNode.Parse("""{ "properties": { "roleDefinitionId": "/x" } }"""));
            Assert.Equal("properties.principalId", SpecAssert.Single(missing, "properties.principalId").Path);
        }

        [Fact]
        public void An_x_ms_paths_query_condition_selects_its_operation()
        {
            const string result = "/subscriptions/s1/providers/Microsoft.Kusto/locations/westus/operationResults/op1";
            Assert.Equal("OperationsResults_Get", Catalog.FindOperation("GET", result, "2023-08-15")?.OperationId);
            Assert.Equal("OperationsResultsLocation_Get", Catalog.FindOperation("GET", result + "?api-version=2023-08-15&operationResultResponseType=Location", "2023-08-15")?.OperationId);
        }

        [Fact]
        public void Concurrent_validation_gives_the_same_answers()
        {
            // The emulator validates requests on many threads at once.
            var body = JsonNode.Parse("""{ "properties": { "keyVaultProperties": { "keyVaultUri": "https://kv1.vault.azure.net/", "keyName": 5 } } }""")!;
            var results = new System.Collections.Concurrent.ConcurrentBag<string>();
            System.Threading.Tasks.Parallel.For(0, 64, _ =>
                results.Add(string.Join(";", Catalog.Validate("PATCH", Kusto, "2023-08-15", body.DeepClone()).Select(v => v.Path))));
            Assert.All(results, r => Assert.Equal("properties.keyVaultProperties.keyName", r));
        }

        [Fact]
        public void Long_running_metadata_comes_from_the_spec()
        {
            var update = Catalog.FindOperation("PATCH", NetApp, "2026-01-01")!;
            Assert.True(update.IsLongRunning);
            Assert.Equal("location", update.FinalStateVia);
            var changeKeyVault = Catalog.FindOperation("POST", NetApp + "/changeKeyVault", "2026-01-01")!;
            Assert.Equal("Accounts_ChangeKeyVault", changeKeyVault.OperationId);
            Assert.True(changeKeyVault.Responses.ContainsKey("202"));
            Assert.False(Catalog.FindOperation("GET", NetApp, "2026-01-01")!.IsLongRunning);
        }

        [Fact]
        public void Only_the_key_vault_network_security_perimeter_operations_are_left_out()
        {
            Assert.NotEmpty(Catalog.SkippedOperations);
            Assert.All(Catalog.SkippedOperations, s => Assert.Contains("NetworkSecurityPerimeter", s));
        }

        [Fact]
        public void The_specs_ship_next_to_the_emulator_assembly()
        {
            // What `dotnet run` and the in-process emulator use: Specs/ copied beside the dll.
            var shipped = SpecCatalog.LoadDefault();
            Assert.Equal(Catalog.Operations.Count, shipped.Operations.Count);
            Assert.True(shipped.Operations.Count > 400, $"{shipped.Operations.Count} operations");
        }

        [Fact]
        public void Loading_indexes_the_pinned_and_older_api_versions()
        {
            var versions = Catalog.Operations.Select(o => o.ApiVersion).ToHashSet();
            foreach (var v in new[] { "2026-01-01", "2023-11-01", "2025-07-01", "2023-12-01", "2023-08-15", "2025-10-15", "2024-05-15", "2024-02-01",
                                      "2026-02-01", "2023-07-01", "7.5", "2022-04-01", "2024-01-01", "2024-04-01", "2022-10-01" })
                Assert.Contains(v, versions);
        }
    }
}
