using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>Log Analytics dedicated clusters (la-cluster-demo) against the spec-validating demo emulator, through the real transport.</summary>
    public class LogAnalyticsClusterAdapterTests : ServiceEmulatorTest
    {
        /// <summary>kv-good/cmk's two versions in the demo scenario, oldest first (the second is current).</summary>
        private static readonly string[] CmkVersions = { "0a1b2c3d4e5f40718293a4b5c6d7e8f1", "1a2b3c4d5e6f40718293a4b5c6d7e8f2" };

        private static JsonNode KeyVaultPropertiesOf(string body) => JsonNode.Parse(body)!["properties"]!["keyVaultProperties"]!;

        [Fact]
        public async Task Enable_with_the_system_identity_patches_keyVaultProperties_alone_and_reads_back_versionless()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(LaCluster, Key("kv-good")));

            Assert.True(status!.Changed);
            Assert.True(status.CustomerManaged);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal(CmkEncryptionStatus.Versionless, status.KeyVersion);
            Assert.Equal("SystemAssigned", status.IdentityType);
            Assert.Equal("88888888-8888-8888-8888-000000000013", status.PrincipalId);
            Assert.Equal("2", status.Details[LogAnalyticsClusterAdapter.DetailKeys.LinkedWorkspaces]);
            Assert.Contains(LogAnalyticsClusterAdapter.LinkedWorkspacesNote, status.Notes);

            var patch = Assert.Single(Writes(LaCluster));
            Assert.Equal("PATCH", patch.Method);
            var body = JsonNode.Parse(patch.RequestBody!)!.AsObject();
            Assert.Null(body["identity"]);
            var kv = KeyVaultPropertiesOf(patch.RequestBody!);
            Assert.Equal("https://kv-good.vault.azure.net/", kv["keyVaultUri"]!.GetValue<string>());
            Assert.Equal("cmk", kv["keyName"]!.GetValue<string>());
            Assert.Equal("", kv["keyVersion"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }

        [Fact]
        public Task A_second_identical_set_writes_nothing()
            => AssertSecondSetWritesNothing(LaCluster, Key("kv-good"));

        [Fact]
        public async Task A_user_assigned_identity_replaces_the_cluster_identity_in_its_own_update_before_the_key()
        {
            var version = CmkVersions[0];

            var status = await Manager.SetAsync(new CmkSetOptions(LaCluster, Key("kv-good") + "/" + version) { UserAssignedIdentityId = Uai("uai-good") });

            Assert.Equal("UserAssigned", status!.IdentityType);
            Assert.Equal(Uai("uai-good"), status.UserAssignedIdentityId, StringComparer.OrdinalIgnoreCase);
            Assert.Equal(version, status.KeyVersion);
            var writes = Writes(LaCluster);
            Assert.Equal(2, writes.Count);
            // Identity and key never in the same update (customer-managed-keys); one identity per cluster.
            var identityWrite = JsonNode.Parse(writes[0].RequestBody!)!.AsObject();
            Assert.Equal("UserAssigned", identityWrite["identity"]!["type"]!.GetValue<string>());
            Assert.Null(identityWrite["properties"]);
            var keyWrite = JsonNode.Parse(writes[1].RequestBody!)!.AsObject();
            Assert.Null(keyWrite["identity"]);
            Assert.Equal(version, keyWrite["properties"]!["keyVaultProperties"]!["keyVersion"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }

        [Theory]
        [MemberData(nameof(BrokenRequirements))]
        [InlineData("kv-eastus", "cmk", null, CheckIds.KeyVaultRegion)]
        public Task Set_fails_exactly_the_broken_requirement_before_any_write(string vault, string key, string? uai, string check)
            => AssertSetRefusedBeforeAnyWrite(LaCluster, Key(vault, key), uai, check);

        [Fact]
        public async Task A_closed_vault_that_lets_trusted_services_in_still_fails_for_the_cluster_but_not_for_Storage()
        {
            SeedVault("kv-trusted", withPrivateEndpoint: false);
            Emulator.Server.Store.Update(Emulator.VaultId("kv-trusted"), v => v["properties"]!["networkAcls"] = new JsonObject
            {
                ["bypass"] = "AzureServices", ["defaultAction"] = "Deny", ["ipRules"] = new JsonArray(), ["virtualNetworkRules"] = new JsonArray(),
            });

            var cluster = await TestResourceAsync(Key("kv-trusted"), LaCluster);
            Assert.Equal(new[] { CheckIds.KeyVaultFirewall }, FailedChecks(cluster));
            Assert.Contains("not a trusted Microsoft service", cluster.Single(r => r.Check == CheckIds.KeyVaultFirewall).Message);
            Assert.Empty(FailedChecks(await TestResourceAsync(Key("kv-trusted"), Storage)));

            await AssertSetRefusedBeforeAnyWrite(LaCluster, Key("kv-trusted"), null, CheckIds.KeyVaultFirewall);

            // Skipping the check, the service refuses the key the same way, and nothing is stored.
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(LaCluster, Key("kv-trusted")) { SkipValidation = true }));
            Assert.Equal(400, ex.ServiceError!.HttpStatus);
            Assert.False((await Manager.GetAsync(LaCluster)).CustomerManaged);
        }

        [Fact]
        public async Task A_private_endpoint_lets_the_system_identity_through_a_closed_vault_but_not_a_user_assigned_one()
        {
            SeedVault("kv-private", withPrivateEndpoint: true);
            Emulator.Server.Store.Update(Emulator.VaultId("kv-private"), v => v["properties"]!["publicNetworkAccess"] = "Disabled");

            Assert.Empty(FailedChecks(await TestResourceAsync(Key("kv-private"), LaCluster)));
            Assert.Equal(new[] { CheckIds.KeyVaultFirewall }, await PreflightFailuresAsync(CmkService.LogAnalyticsCluster, Key("kv-private"), "uai-good"));

            var status = await Manager.SetAsync(new CmkSetOptions(LaCluster, Key("kv-private")));
            Assert.True(status!.CustomerManaged);
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task The_service_refuses_an_unrecoverable_vault_with_its_documented_message_when_validation_is_skipped()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(LaCluster, Key("kv-nopurge")) { SkipValidation = true }));

            Assert.Equal("LogAnalyticsKeyNotRecoverable", ex.ErrorId);
            Assert.IsType<KeyVaultConfigurationException>(ex);
            Assert.StartsWith("Key isn't recoverable", ex.ServiceMessage);
            Assert.False((await Manager.GetAsync(LaCluster)).CustomerManaged);
        }

        [Fact]
        public async Task Disable_is_refused_with_the_documented_reason_and_writes_nothing()
        {
            await Manager.SetAsync(new CmkSetOptions(LaCluster, Key("kv-good")));

            await AssertDisableRefused(LaCluster, "Unlink the workspaces");
        }

        [Fact]
        public async Task Update_reports_a_versionless_cluster_as_auto_rotating_and_moves_a_pinned_one_to_the_newest_version()
        {
            await Manager.SetAsync(new CmkSetOptions(LaCluster, Key("kv-good")));
            Emulator.Server.Log.Clear();
            var auto = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(LaCluster), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.AutoRotating, auto.Status);
            Assert.Empty(Writes());

            await Manager.SetAsync(new CmkSetOptions(LaCluster, Key("kv-good") + "/" + CmkVersions[0]));
            Emulator.Server.Log.Clear();
            var moved = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(LaCluster), Host, CancellationToken.None);

            Assert.Equal(CmkKeyRotationStatus.Updated, moved.Status);
            Assert.Equal(CmkVersions[1], moved.NewKeyVersion);
            var patch = Assert.Single(Writes(LaCluster));
            Assert.Equal(CmkVersions[1], KeyVaultPropertiesOf(patch.RequestBody!)["keyVersion"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }
    }
}
