using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>
    /// Managed Cassandra (cassandra-demo: identity None, data centers dc1 and dc2) against the spec-validating demo emulator.
    /// The cluster's system identity does not exist yet, so every enable here enables it and grants it (-GrantAccess).
    /// </summary>
    public class ManagedCassandraAdapterTests : ServiceEmulatorTest
    {
        private string Dc(string name) => $"{Cassandra}/dataCenters/{name}";

        private CmkSetOptions Enable(string keyUri) => new CmkSetOptions(Cassandra, keyUri) { GrantAccess = true };

        private JsonObject DcProperties(string name)
            => JsonNode.Parse(Assert.Single(Writes(Dc(name))).RequestBody!)!["properties"]!.AsObject();

        [Fact]
        public async Task Enable_turns_on_the_cluster_identity_grants_it_and_sets_both_keys_on_every_data_center()
        {
            var status = await Manager.SetAsync(Enable(Key("kv-good")));

            Assert.True(status!.Changed);
            Assert.True(status.CustomerManaged);
            // The cluster has no key-source field: none is invented.
            Assert.Null(status.KeySource);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal("SystemAssigned", status.IdentityType);
            Assert.NotNull(status.PrincipalId);
            foreach (var dc in new[] { "dc1", "dc2" })
            {
                Assert.Equal(Key("kv-good"), status.Details[dc + ".managedDiskCustomerKeyUri"]);
                Assert.Equal(Key("kv-good"), status.Details[dc + ".backupStorageCustomerKeyUri"]);
            }
            Assert.Empty(status.Notes);

            // The identity first (the cluster), then the grant (the vault), then one PATCH per data center carrying both URIs.
            var writes = Writes().ToList();
            Assert.Equal("PATCH", writes[0].Method);
            Assert.Equal(Cassandra, writes[0].Path, StringComparer.OrdinalIgnoreCase);
            Assert.Equal("SystemAssigned", JsonNode.Parse(writes[0].RequestBody!)!["identity"]!["type"]!.GetValue<string>());
            Assert.Contains(writes, w => w.Path.StartsWith(Emulator.VaultId("kv-good"), StringComparison.OrdinalIgnoreCase));
            var dcWrites = writes.Where(w => w.Path.Contains("/dataCenters/", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.Equal(2, dcWrites.Count);
            Assert.True(writes.IndexOf(dcWrites[0]) > writes.FindIndex(w => w.Path.StartsWith(Emulator.VaultId("kv-good"), StringComparison.OrdinalIgnoreCase)));
            foreach (var dc in new[] { "dc1", "dc2" })
            {
                var p = DcProperties(dc);
                Assert.Equal(Key("kv-good"), p["managedDiskCustomerKeyUri"]!.GetValue<string>());
                Assert.Equal(Key("kv-good"), p["backupStorageCustomerKeyUri"]!.GetValue<string>());
            }
            AssertNoRejectedRequests();

            var read = await Manager.GetAsync(Cassandra);
            Assert.False(read.Changed);
            Assert.Equal(status.KeyUri, read.KeyUri);
            Assert.Equal(status.PrincipalId, read.PrincipalId);
            Assert.Equal(status.Details, read.Details);
        }

        [Fact]
        public async Task DataCenterName_puts_only_that_data_center_under_the_key()
        {
            var status = await Manager.SetAsync(Enable(Key("kv-good")) with { DataCenterNames = new[] { "dc2" } });

            Assert.True(status!.CustomerManaged);
            Assert.Empty(Writes(Dc("dc1")));
            Assert.Equal(Key("kv-good"), DcProperties("dc2")["managedDiskCustomerKeyUri"]!.GetValue<string>());
            Assert.Null(status.Details["dc1.managedDiskCustomerKeyUri"]);
            Assert.Contains(status.Notes, n => n.Contains("do not all use the same disk key"));

            // The same call for dc2 again changes nothing; for all data centers it writes dc1 only.
            Emulator.Server.Log.Clear();
            Assert.False((await Manager.SetAsync(Enable(Key("kv-good")) with { DataCenterNames = new[] { "dc2" } }))!.Changed);
            Assert.Empty(Writes());
            await Manager.SetAsync(Enable(Key("kv-good")));
            Assert.Single(Writes(Dc("dc1")));
            Assert.Empty(Writes(Dc("dc2")));
        }

        [Fact]
        public async Task A_separate_backup_key_is_validated_granted_and_written_beside_the_disk_key()
        {
            var status = await Manager.SetAsync(Enable(Key("kv-good")) with { BackupKeyUri = Key("kv-eastus") });

            Assert.Equal(Key("kv-eastus"), status!.Details["dc1.backupStorageCustomerKeyUri"]);
            Assert.Contains(status.Notes, n => n.Contains("different key"));
            var p = DcProperties("dc1");
            Assert.Equal(Key("kv-good"), p["managedDiskCustomerKeyUri"]!.GetValue<string>());
            Assert.Equal(Key("kv-eastus"), p["backupStorageCustomerKeyUri"]!.GetValue<string>());
            // Both vaults granted the new cluster identity.
            Assert.NotEmpty(Writes(Emulator.VaultId("kv-good")));
            Assert.NotEmpty(Writes(Emulator.VaultId("kv-eastus")));
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task A_backup_key_that_fails_its_checks_stops_the_call_before_any_write()
        {
            var ex = await Assert.ThrowsAsync<KeyVaultConfigurationException>(() =>
                Manager.SetAsync(Enable(Key("kv-good")) with { BackupKeyUri = Key("kv-nopurge") }));

            Assert.Equal("KeyVaultNotPurgeProtected", ex.ErrorId);
            Assert.Contains(ex.FailedChecks, c => c.CheckId == CheckIds.KeyVaultPurgeProtection);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Without_GrantAccess_the_identity_to_be_enabled_has_no_access_and_nothing_is_written()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Cassandra, Key("kv-good"))));

            Assert.Contains(ex.FailedChecks, c => c.CheckId == CheckIds.IdentityAccess);
            Assert.Empty(Writes());
        }

        /// <summary>
        /// CassandraDataCenters_CreateUpdate answers 200 (201 when new) with provisioningState "Updating" and an
        /// Azure-AsyncOperation link, never 202 (issue 11): the module's write path must follow that to the end instead of
        /// taking the 200 for the final answer, and surface a failed operation's own error.
        /// </summary>
        [Fact]
        public async Task The_module_follows_the_spec_shaped_data_center_PUT_answer_to_its_end()
        {
            await Manager.SetAsync(Enable(Key("kv-good")) with { DataCenterNames = new[] { "dc2" } });
            Emulator.Server.SetLroDelay(TimeSpan.FromMilliseconds(600));
            var current = (await Session.GetAsync(Dc("dc1"), default))!;
            var properties = (JsonObject)current["properties"]!.DeepClone();
            properties.Remove("provisioningState");
            properties["managedDiskCustomerKeyUri"] = Key("kv-good");
            properties["backupStorageCustomerKeyUri"] = Key("kv-good");

            var final = await Session.SendAsync(System.Net.Http.HttpMethod.Put, Dc("dc1"), new JsonObject { ["properties"] = properties }, default);

            var put = Assert.Single(Writes(Dc("dc1")));
            Assert.Equal(200, put.Status);
            Assert.Equal("Succeeded", final!["properties"]!["provisioningState"]!.GetValue<string>());
            Assert.Equal(Key("kv-good"), final["properties"]!["managedDiskCustomerKeyUri"]!.GetValue<string>());
            Assert.Contains(Emulator.Server.Log.Entries, e => e.Path.Contains("/operationResults/", StringComparison.OrdinalIgnoreCase));

            var failing = (JsonObject)properties.DeepClone();
            failing["managedDiskCustomerKeyUri"] = Key("kv-nopurge");
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() =>
                Session.SendAsync(System.Net.Http.HttpMethod.Put, Dc("dc1"), new JsonObject { ["properties"] = failing }, default));
            Assert.Equal("KeyVaultPurgeProtectionNotEnabled", ex.ServiceCode); // the Cassandra table's code, from the operation's error
            Assert.Equal(Key("kv-good"), (await Session.GetAsync(Dc("dc1"), default))!["properties"]!["managedDiskCustomerKeyUri"]!.GetValue<string>());
        }

        [Fact]
        public async Task A_second_identical_set_makes_no_write()
        {
            await Manager.SetAsync(Enable(Key("kv-good")));
            Emulator.Server.Log.Clear();

            var again = await Manager.SetAsync(Enable(Key("kv-good")));

            Assert.False(again!.Changed);
            Assert.True(again.CustomerManaged);
            Assert.Empty(Writes());
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task A_user_assigned_identity_is_refused_before_any_request(bool byType)
        {
            var options = byType
                ? new CmkSetOptions(Cassandra, Key("kv-good")) { IdentityType = CmkIdentityType.UserAssigned, UserAssignedIdentityId = Uai("uai-good") }
                : new CmkSetOptions(Cassandra, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good") };

            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(options));

            Assert.Equal(ManagedCassandraAdapter.UserAssignedNotSupportedId, ex.ErrorId);
            Assert.Equal(Cassandra, ex.Target, StringComparer.OrdinalIgnoreCase);
            Assert.Empty(Log);
        }

        [Fact]
        public async Task An_unknown_data_center_is_an_input_error_before_any_write()
        {
            var ex = await Assert.ThrowsAsync<CmkInputException>(() => Manager.SetAsync(Enable(Key("kv-good")) with { DataCenterNames = new[] { "dc9" } }));

            Assert.Equal(ManagedCassandraAdapter.DataCenterNotFoundId, ex.ErrorId);
            Assert.Equal("DataCenterName", ex.ParameterName);
            Assert.Contains("dc1", ex.Message);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Disable_is_refused_with_the_reason_and_writes_nothing()
        {
            await Manager.SetAsync(Enable(Key("kv-good")));

            Assert.IsType<CmkUnsupportedOperationException>(await AssertDisableRefused(Cassandra, "documents a way back"));
        }

        [Fact]
        public async Task A_key_change_moves_both_uris_together_on_the_data_centers_under_a_key()
        {
            await Manager.SetAsync(Enable(Key("kv-good")) with { DataCenterNames = new[] { "dc1" } });
            var adapter = CmkServiceAdapter.For(CmkService.ManagedCassandra);
            var resource = await Manager.ReadResourceAsync(adapter, Cassandra);
            var versioned = KeyIdentifier.Parse(Key("kv-good") + "/0a1b2c3d4e5f40718293a4b5c6d7e8f1");
            Emulator.Server.Log.Clear();

            var status = await Manager.ApplyAsync(adapter, resource, adapter.PlanKeyChange(resource, versioned, new CmkKeyChangeOptions()), "Update key version");

            var p = DcProperties("dc1");
            Assert.Equal(versioned.Uri, p["managedDiskCustomerKeyUri"]!.GetValue<string>());
            Assert.Equal(versioned.Uri, p["backupStorageCustomerKeyUri"]!.GetValue<string>());
            // dc2 had no key: a key change does not put it under one.
            Assert.Empty(Writes(Dc("dc2")));
            Assert.Equal("0a1b2c3d4e5f40718293a4b5c6d7e8f1", status!.KeyVersion);
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task A_disk_only_key_change_keeps_the_backup_uri_in_the_body()
        {
            await Manager.SetAsync(Enable(Key("kv-good")) with { BackupKeyUri = Key("kv-eastus") });
            var adapter = CmkServiceAdapter.For(CmkService.ManagedCassandra);
            var resource = await Manager.ReadResourceAsync(adapter, Cassandra);
            var versioned = KeyIdentifier.Parse(Key("kv-good") + "/0a1b2c3d4e5f40718293a4b5c6d7e8f1");
            Emulator.Server.Log.Clear();

            await Manager.ApplyAsync(adapter, resource, adapter.PlanKeyChange(resource, versioned, new CmkKeyChangeOptions { IncludeBackupKey = false }), "Update key version");

            foreach (var dc in new[] { "dc1", "dc2" })
            {
                var p = DcProperties(dc);
                Assert.Equal(versioned.Uri, p["managedDiskCustomerKeyUri"]!.GetValue<string>());
                Assert.Equal(Key("kv-eastus"), p["backupStorageCustomerKeyUri"]!.GetValue<string>());
            }
        }

        [Fact]
        public async Task A_cluster_without_data_centers_is_refused_before_any_write()
        {
            Emulator.Server.Store.Remove(Dc("dc1"));
            Emulator.Server.Store.Remove(Dc("dc2"));

            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(Enable(Key("kv-good"))));

            Assert.Equal(ManagedCassandraAdapter.NoDataCentersId, ex.ErrorId);
            Assert.Empty(Writes());
        }
    }
}
