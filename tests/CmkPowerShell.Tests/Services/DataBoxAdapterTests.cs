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
    /// <summary>Data Box (databox-demo, status DeviceOrdered, system identity ...0002) against the spec-validating demo emulator.</summary>
    public class DataBoxAdapterTests : ServiceEmulatorTest
    {
        private const string JobPrincipal = "88888888-8888-8888-8888-000000000002";

        private JsonObject KekOf(int writeIndex = 0)
            => JsonNode.Parse(Writes(DataBox)[writeIndex].RequestBody!)!["properties"]!["details"]!["keyEncryptionKey"]!.AsObject();

        /// <summary>Moves the demo job to another order stage, as the service would.</summary>
        private void SetJobStatus(string status)
        {
            var job = Emulator.Server.Store.Get(DataBox)!;
            job["properties"]!["status"] = status;
            Emulator.Server.Store.Put(DataBox, job);
        }

        [Fact]
        public async Task Enable_with_the_system_identity_writes_keyEncryptionKey_and_reads_back_with_details()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-good")));

            Assert.True(status!.Changed);
            Assert.True(status.CustomerManaged);
            Assert.Equal(DataBoxAdapter.CustomerKeySource, status.KeySource);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal("SystemAssigned", status.IdentityType);
            Assert.Equal(JobPrincipal, status.PrincipalId);
            Assert.Equal("DeviceOrdered", status.ServiceStatus);

            // The job already has its system identity: one write, the key.
            var patch = Assert.Single(Writes(DataBox));
            Assert.Equal("PATCH", patch.Method);
            var kek = KekOf();
            Assert.Equal("CustomerManaged", kek["kekType"]!.GetValue<string>());
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", kek["kekUrl"]!.GetValue<string>());
            Assert.Equal(Emulator.VaultId("kv-good"), kek["kekVaultResourceID"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Assert.Equal("SystemAssigned", kek["identityProperties"]!["type"]!.GetValue<string>());
            Assert.Null(kek["identityProperties"]!["userAssigned"]);
            AssertNoRejectedRequests();

            var read = await Manager.GetAsync(DataBox);
            Assert.False(read.Changed);
            Assert.True(read.CustomerManaged);
            Assert.Equal(status.KeyUri, read.KeyUri);
            Assert.Equal(Emulator.VaultId("kv-good"), read.Details["kekVaultResourceID"], StringComparer.OrdinalIgnoreCase);
            // Without $expand=details the service leaves the key out: every read of the job asks for it.
            Assert.All(Log.Where(e => e.Method == "GET" && e.Path.Equals(DataBox, StringComparison.OrdinalIgnoreCase)),
                e => Assert.Contains("$expand=details", Uri.UnescapeDataString(e.Query)));
        }

        [Fact]
        public async Task Enable_with_a_user_assigned_identity_attaches_it_first_then_writes_the_key_in_the_same_call()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-good"))
            {
                IdentityType = CmkIdentityType.UserAssigned,
                UserAssignedIdentityId = Uai("uai-good"),
            });

            Assert.Equal("UserAssigned", status!.IdentityType);
            Assert.Equal(Uai("uai-good"), status.UserAssignedIdentityId, StringComparer.OrdinalIgnoreCase);
            Assert.True(status.CustomerManaged);

            var writes = Writes(DataBox);
            Assert.Equal(2, writes.Count);
            // First the identity (keeping the system-assigned one, in the form the Data Box examples write)...
            var identity = JsonNode.Parse(writes[0].RequestBody!)!["identity"]!;
            Assert.Equal("SystemAssigned,UserAssigned", identity["type"]!.GetValue<string>());
            Assert.NotNull(identity["userAssignedIdentities"]![Uai("uai-good")]);
            Assert.Null(JsonNode.Parse(writes[0].RequestBody!)!["properties"]);
            // ...then the key naming that identity.
            var kek = KekOf(1);
            Assert.Equal("UserAssigned", kek["identityProperties"]!["type"]!.GetValue<string>());
            Assert.Equal(Uai("uai-good"), kek["identityProperties"]!["userAssigned"]!["resourceId"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            AssertNoRejectedRequests();

            var job = await Session.GetAsync(DataBox, default, "$expand=details");
            Assert.Equal(JobPrincipal, job!["identity"]!["principalId"]!.GetValue<string>());
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_second_identical_set_makes_no_write(bool userAssigned)
        {
            var options = userAssigned
                ? new CmkSetOptions(DataBox, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good") }
                : new CmkSetOptions(DataBox, Key("kv-good"));
            await Manager.SetAsync(options);
            Emulator.Server.Log.Clear();

            var again = await Manager.SetAsync(options);

            Assert.False(again!.Changed);
            Assert.True(again.CustomerManaged);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task A_failed_check_stops_before_any_write()
        {
            var ex = await Assert.ThrowsAsync<KeyVaultConfigurationException>(() => Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-nopurge"))
            {
                UserAssignedIdentityId = Uai("uai-good"),
            }));

            Assert.Equal("KeyVaultNotPurgeProtected", ex.ErrorId);
            Assert.Equal(new[] { CheckIds.KeyVaultPurgeProtection }, ex.FailedChecks.Select(c => c.CheckId));
            // Not even the identity write of the user-assigned identity.
            Assert.Empty(Writes());
            Assert.Empty(Host.ShouldProcessCalls);
        }

        [Fact]
        public async Task A_firewalled_vault_with_a_user_assigned_identity_is_refused_before_any_write()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-firewall"))
            {
                UserAssignedIdentityId = Uai("uai-good"),
            }));

            Assert.Contains(CheckIds.KeyVaultFirewall, ex.FailedChecks.Select(c => c.CheckId));
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task A_firewalled_vault_with_the_system_identity_is_a_warning_and_the_service_error_comes_back_typed()
        {
            // bypass None: the documented advice (use the system identity) is not enough for the service either.
            var ex = await Assert.ThrowsAsync<CmkAccessException>(() => Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-firewall"))));

            Assert.Equal("DataBoxKeyVaultBadRequestException", ex.ErrorId);
            Assert.Equal("SsemUserErrorKeyVaultBadRequestException", ex.ServiceCode);
            Assert.Contains(Host.Warnings, w => w.Contains(CheckIds.KeyVaultFirewall));
            Assert.False((await Manager.GetAsync(DataBox)).CustomerManaged);
        }

        [Fact]
        public async Task Disable_sets_kekType_MicrosoftManaged()
        {
            await Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-good")));
            Emulator.Server.Log.Clear();

            var status = await Manager.DisableAsync(DataBox);

            Assert.True(status!.Changed);
            Assert.False(status.CustomerManaged);
            Assert.Equal(DataBoxAdapter.ServiceKeySource, status.KeySource);
            Assert.Single(Writes(DataBox));
            var kek = KekOf();
            Assert.Equal("MicrosoftManaged", kek["kekType"]!.GetValue<string>());
            Assert.Single(kek);
            AssertNoRejectedRequests();

            Emulator.Server.Log.Clear();
            var again = await Manager.DisableAsync(DataBox);
            Assert.False(again!.Changed);
            Assert.Empty(Writes());
        }

        [Theory]
        [InlineData("DataCopy")]
        [InlineData("Completed")]
        [InlineData("Cancelled")]
        public async Task An_order_at_or_past_data_copy_refuses_a_key_before_any_write(string stage)
        {
            SetJobStatus(stage);

            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-good"))
            {
                UserAssignedIdentityId = Uai("uai-good"),
            }));

            Assert.Equal(DataBoxAdapter.StageDoesNotAllowKeyChangeId, ex.ErrorId);
            Assert.Equal(DataBox, ex.Target, StringComparer.OrdinalIgnoreCase);
            Assert.Contains(stage, ex.Message);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task A_key_set_before_data_copy_cannot_be_removed_or_changed_after_but_a_rerun_is_still_a_no_op()
        {
            await Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-good")));
            SetJobStatus("DataCopy");
            Emulator.Server.Log.Clear();

            var rerun = await Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-good")));
            Assert.False(rerun!.Changed);

            var disable = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.DisableAsync(DataBox));
            Assert.Equal(DataBoxAdapter.StageDoesNotAllowKeyChangeId, disable.ErrorId);
            var other = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-eastus"))));
            Assert.Equal(DataBoxAdapter.StageDoesNotAllowKeyChangeId, other.ErrorId);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Earlier_stages_may_still_change_the_key()
        {
            SetJobStatus("AtAzureDC");

            var status = await Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-good")));

            Assert.True(status!.CustomerManaged);
            Assert.Contains(status.Actions, a => a.Contains("order creation"));
        }

        [Fact]
        public async Task A_key_change_moves_kekUrl_only_and_keeps_the_identity_and_vault()
        {
            await Manager.SetAsync(new CmkSetOptions(DataBox, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good") });
            var adapter = CmkServiceAdapter.For(CmkService.DataBox);
            var resource = await Manager.ReadResourceAsync(adapter, DataBox);
            var versioned = KeyIdentifier.Parse(Key("kv-good") + "/0a1b2c3d4e5f40718293a4b5c6d7e8f1");
            Emulator.Server.Log.Clear();

            var writes = adapter.PlanKeyChange(resource, versioned, new CmkKeyChangeOptions());
            var status = await Manager.ApplyAsync(adapter, resource, writes, "Update key version");

            Assert.Equal("0a1b2c3d4e5f40718293a4b5c6d7e8f1", status!.KeyVersion);
            Assert.Equal("UserAssigned", status.IdentityType);
            Assert.Single(Writes(DataBox));
            var kek = KekOf();
            Assert.Equal(versioned.Uri, kek["kekUrl"]!.GetValue<string>());
            // A version change within the vault the job names keeps that vault id without being told it.
            Assert.Equal(Emulator.VaultId("kv-good"), kek["kekVaultResourceID"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Assert.Equal("UserAssigned", kek["identityProperties"]!["type"]!.GetValue<string>());
            AssertNoRejectedRequests();

            Assert.Empty(adapter.PlanKeyChange(await Manager.ReadResourceAsync(adapter, DataBox), versioned, new CmkKeyChangeOptions()));
        }
    }
}
