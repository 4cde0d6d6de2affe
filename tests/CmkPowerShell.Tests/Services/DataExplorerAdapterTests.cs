using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>Data Explorer (kusto-demo) against the spec-validating demo emulator, through the real transport.</summary>
    public class DataExplorerAdapterTests : ServiceEmulatorTest
    {
        [Fact]
        public async Task Enable_with_the_system_identity_writes_keyVaultProperties_and_reads_back_versionless()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good")));

            Assert.NotNull(status);
            Assert.True(status!.Changed);
            Assert.True(status.CustomerManaged);
            Assert.Null(status.KeySource);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal(CmkEncryptionStatus.Versionless, status.KeyVersion);
            Assert.Contains(DataExplorerAdapter.VersionlessNote, status.Notes);
            Assert.Equal("SystemAssigned", status.IdentityType);
            Assert.Equal("88888888-8888-8888-8888-000000000003", status.PrincipalId);

            var patch = Assert.Single(Writes(Kusto));
            Assert.Equal("PATCH", patch.Method);
            var kv = JsonNode.Parse(patch.RequestBody!)!["properties"]!["keyVaultProperties"]!;
            Assert.Equal("https://kv-good.vault.azure.net/", kv["keyVaultUri"]!.GetValue<string>());
            Assert.Equal("cmk", kv["keyName"]!.GetValue<string>());
            Assert.Equal("", kv["keyVersion"]!.GetValue<string>());
            Assert.Null(kv["userIdentity"]);
            Assert.Contains(Host.Progress, p => p.Completed);
            AssertNoRejectedRequests();

            var read = await Manager.GetAsync(Kusto);
            Assert.False(read.Changed);
            Assert.Equal(status.KeyUri, read.KeyUri);
            Assert.Equal("Running", read.ServiceStatus);
        }

        [Fact]
        public async Task Enable_with_a_user_assigned_identity_attaches_it_first_and_pins_a_version()
        {
            var keys = await Session.ListAsync(Emulator.VaultId("kv-good") + "/keys/cmk/versions", default);
            var version = keys.Select(k => k["properties"]!["keyUriWithVersion"]!.GetValue<string>()).Select(u => u.Substring(u.LastIndexOf('/') + 1)).First();

            var status = await Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good") + "/" + version)
            {
                IdentityType = CmkIdentityType.UserAssigned,
                UserAssignedIdentityId = Uai("uai-good"),
            });

            Assert.Equal("UserAssigned", status!.IdentityType);
            Assert.Equal(Uai("uai-good"), status.UserAssignedIdentityId, StringComparer.OrdinalIgnoreCase);
            Assert.Equal(version, status.KeyVersion);
            var writes = Writes(Kusto);
            Assert.Equal(2, writes.Count);
            var identity = JsonNode.Parse(writes[0].RequestBody!)!["identity"]!;
            // The system-assigned identity stays: the type names both.
            Assert.Equal("SystemAssigned, UserAssigned", identity["type"]!.GetValue<string>());
            Assert.NotNull(identity["userAssignedIdentities"]![Uai("uai-good")]);
            var kv = JsonNode.Parse(writes[1].RequestBody!)!["properties"]!["keyVaultProperties"]!;
            Assert.Equal(Uai("uai-good"), kv["userIdentity"]!.GetValue<string>());
            Assert.Equal(version, kv["keyVersion"]!.GetValue<string>());
            AssertNoRejectedRequests();

            var cluster = await Session.GetAsync(Kusto, default);
            Assert.Contains("SystemAssigned", cluster!["identity"]!["type"]!.GetValue<string>());
        }

        [Fact]
        public async Task A_second_identical_set_makes_no_write()
        {
            await Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good")));
            Emulator.Server.Log.Clear();

            var again = await Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good")));

            Assert.False(again!.Changed);
            Assert.Empty(Writes());
            Assert.True(again.CustomerManaged);
        }

        [Fact]
        public async Task A_failed_check_stops_before_any_write_and_lists_the_checks()
        {
            var ex = await Assert.ThrowsAsync<KeyVaultConfigurationException>(() => Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-nopurge"))));

            Assert.Equal("KeyVaultNotPurgeProtected", ex.ErrorId);
            Assert.Equal(new[] { CheckIds.KeyVaultPurgeProtection }, ex.FailedChecks.Select(c => c.CheckId));
            Assert.Empty(Writes());
            Assert.Empty(Host.ShouldProcessCalls);
        }

        [Fact]
        public async Task Several_failed_checks_come_as_one_error_listing_each()
        {
            var ex = await Assert.ThrowsAsync<KeyVaultConfigurationException>(() => Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-eastus", "cmk"))
            {
                UserAssignedIdentityId = Uai("uai-noaccess"),
            }));

            Assert.Equal(CmkErrors.RequirementFailedId, ex.ErrorId);
            Assert.Equal(new[] { CheckIds.KeyVaultRegion, CheckIds.IdentityAccess }, ex.FailedChecks.Select(c => c.CheckId));
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task SkipValidation_still_parses_inputs()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Kusto, "https://kv-good.vault.azure.net/secrets/x") { SkipValidation = true }));
            Assert.Equal("InvalidKeyUri", ex.ErrorId);
            Assert.Empty(Log);
        }

        [Fact]
        public async Task WhatIf_writes_nothing_and_returns_null()
        {
            Host.ShouldProcessAnswer = (_, _) => false;

            var status = await Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good")));

            Assert.Null(status);
            var (target, action, _) = Assert.Single(Host.ShouldProcessCalls);
            Assert.Equal(Kusto, target, StringComparer.OrdinalIgnoreCase);
            Assert.Contains("kv-good.vault.azure.net/keys/cmk", action);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Disable_empties_keyVaultProperties()
        {
            await Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good")));
            Emulator.Server.Log.Clear();

            var status = await Manager.DisableAsync(Kusto);

            Assert.False(status!.CustomerManaged);
            Assert.True(status.Changed);
            // Kusto has no key-source field: none is invented for either state.
            Assert.Null(status.KeySource);
            var patch = Assert.Single(Writes(Kusto));
            var kv = JsonNode.Parse(patch.RequestBody!)!["properties"]!["keyVaultProperties"]!.AsObject();
            Assert.All(kv, p => Assert.Equal("", p.Value!.GetValue<string>()));
            AssertNoRejectedRequests();

            Emulator.Server.Log.Clear();
            var again = await Manager.DisableAsync(Kusto);
            Assert.False(again!.Changed);
            Assert.Empty(Writes());
        }
    }
}
