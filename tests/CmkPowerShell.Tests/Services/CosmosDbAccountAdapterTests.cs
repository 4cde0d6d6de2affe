using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>Cosmos DB accounts (cosmos-demo, cosmos-cassandra) against the spec-validating demo emulator, through the real transport.</summary>
    public class CosmosDbAccountAdapterTests : ServiceEmulatorTest
    {
        /// <summary>kv-good/cmk's two versions in the demo scenario, oldest first (the second is current).</summary>
        private static readonly string[] CmkVersions = { "0a1b2c3d4e5f40718293a4b5c6d7e8f1", "1a2b3c4d5e6f40718293a4b5c6d7e8f2" };

        private static JsonObject Properties(LoggedRequest write) => JsonNode.Parse(write.RequestBody!)!["properties"]!.AsObject();

        [Fact]
        public async Task Enable_patches_the_versionless_key_and_the_default_identity_and_follows_the_encryption_operation()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good")));

            Assert.True(status!.Changed);
            Assert.True(status.CustomerManaged);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal(CmkEncryptionStatus.Versionless, status.KeyVersion);
            Assert.Equal("SystemAssigned", status.IdentityType);
            Assert.Equal("88888888-8888-8888-8888-000000000014", status.PrincipalId);
            Assert.Equal("SystemAssignedIdentity", status.Details[CosmosDbAccountAdapter.DetailKeys.DefaultIdentity]);

            // The account already has its system-assigned identity: one PATCH, key and default identity together.
            var patch = Assert.Single(Writes(Cosmos));
            Assert.Equal("PATCH", patch.Method);
            Assert.Null(JsonNode.Parse(patch.RequestBody!)!["identity"]);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", Properties(patch)["keyVaultKeyUri"]!.GetValue<string>());
            Assert.Equal("SystemAssignedIdentity", Properties(patch)["defaultIdentity"]!.GetValue<string>());
            // The PATCH is answered 200 with provisioningState Updating and an Azure-AsyncOperation URL, which is polled to its end.
            Assert.Equal(200, patch.Status);
            Assert.Contains(Log, e => e.Method == "GET" && e.Path.Contains("/operationResults/", StringComparison.OrdinalIgnoreCase));
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task A_versioned_key_is_written_without_its_version_and_a_second_set_writes_nothing()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good") + "/" + CmkVersions[0]));
            Assert.Equal(CmkEncryptionStatus.Versionless, status!.KeyVersion);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", Properties(Assert.Single(Writes(Cosmos)))["keyVaultKeyUri"]!.GetValue<string>());
            Emulator.Server.Log.Clear();

            var again = await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good") + "/" + CmkVersions[0]));
            var versionless = await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good")));

            Assert.False(again!.Changed);
            Assert.False(versionless!.Changed);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task A_user_assigned_identity_is_attached_then_named_as_the_default_identity()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-rbac")) { UserAssignedIdentityId = Uai("uai-good") });

            Assert.Equal("UserAssigned", status!.IdentityType);
            Assert.Equal(Uai("uai-good"), status.UserAssignedIdentityId, StringComparer.OrdinalIgnoreCase);
            var writes = Writes(Cosmos);
            Assert.Equal(2, writes.Count);
            var identity = JsonNode.Parse(writes[0].RequestBody!)!["identity"]!;
            Assert.Equal("SystemAssigned,UserAssigned", identity["type"]!.GetValue<string>());
            Assert.Equal("UserAssignedIdentity=" + Uai("uai-good"), Properties(writes[1])["defaultIdentity"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task A_cross_tenant_key_names_the_application_in_the_default_identity_and_keeps_it_on_a_key_change()
        {
            const string application = "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e";
            var systemFederated = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good")) { FederatedClientId = application }));
            Assert.Equal("IdentityTypeNotSupported", systemFederated.ErrorId);
            Assert.Empty(Writes());

            var status = await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good"), FederatedClientId = application });
            Assert.Equal(application, status!.Details[CosmosDbAccountAdapter.DetailKeys.FederatedClientId]);
            Assert.Equal(Uai("uai-good"), status.UserAssignedIdentityId, StringComparer.OrdinalIgnoreCase);
            Assert.Equal("UserAssignedIdentity=" + Uai("uai-good") + "&FederatedClientId=" + application,
                Properties(Writes(Cosmos).Last())["defaultIdentity"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Emulator.Server.Log.Clear();

            // Without -FederatedClientId the same identity is already configured; a key change keeps the application.
            Assert.False((await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good") }))!.Changed);
            Assert.Empty(Writes());
            await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(Cosmos) { KeyUri = Key("kv-rbac") }, Host, CancellationToken.None);
            Assert.EndsWith("&FederatedClientId=" + application, Properties(Assert.Single(Writes(Cosmos)))["defaultIdentity"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task GrantAccess_gives_the_identity_the_key_before_the_key_is_set()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-noaccess"), GrantAccess = true });

            Assert.True(status!.CustomerManaged);
            var writes = Writes().ToList();
            var grant = writes.FindIndex(w => w.Path.Contains("/vaults/kv-good/accessPolicies/", StringComparison.OrdinalIgnoreCase));
            var key = writes.FindIndex(w => w.Path.Equals(Cosmos, StringComparison.OrdinalIgnoreCase) && w.RequestBody!.Contains("keyVaultKeyUri"));
            Assert.True(grant >= 0 && key > grant, string.Join("\n", writes.Select(w => $"{w.Method} {w.Path}")));
            Assert.Contains("66666666-6666-6666-6666-000000000002", writes[grant].RequestBody);
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task A_failed_encryption_operation_says_the_grant_is_in_place_leaves_the_account_unchanged_and_a_second_run_writes_only_the_key()
        {
            // uai-noaccess is attached already, so the run is: grant it on kv-good, then the key PATCH, whose operation fails.
            Emulator.Server.Store.Update(Cosmos, a => a["identity"] = new JsonObject
            {
                ["type"] = "SystemAssigned,UserAssigned",
                ["principalId"] = "88888888-8888-8888-8888-000000000014",
                ["userAssignedIdentities"] = new JsonObject { [Uai("uai-noaccess")] = new JsonObject() },
            });
            Emulator.Server.Faults.Add(new FaultRule("PATCH", "/databaseAccounts/cosmos-demo$", 1, ErrorCode: "BadRequest",
                ErrorMessage: "Customer Managed Key does not exist.", FailLongRunningOperation: true));
            var options = new CmkSetOptions(Cosmos, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-noaccess"), GrantAccess = true };

            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(options));

            Assert.Equal("CosmosDbKeyNotFound", ex.ErrorId);
            Assert.StartsWith("granted ", Assert.Single(ex.CompletedSteps));
            Assert.Contains("use key https://kv-good.vault.azure.net/keys/cmk", Assert.Single(ex.PendingSteps));
            Assert.False((await Manager.GetAsync(Cosmos)).CustomerManaged);

            Emulator.Server.Log.Clear();
            var status = await Manager.SetAsync(options);
            Assert.True(status!.CustomerManaged);
            Assert.Equal("PATCH", Assert.Single(Writes()).Method);
        }

        [Theory]
        [MemberData(nameof(BrokenRequirements))]
        public Task Set_fails_exactly_the_broken_requirement_before_any_write(string vault, string key, string? uai, string check)
            => AssertSetRefusedBeforeAnyWrite(Cosmos, Key(vault, key), uai, check);

        [Fact]
        public async Task A_vault_in_another_region_is_accepted()
        {
            Assert.Empty(FailedChecks(await TestResourceAsync(Key("kv-eastus"), Cosmos)));
            var status = await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-eastus")));
            Assert.True(status!.CustomerManaged);
        }

        [Fact]
        public async Task The_trusted_services_bypass_lets_the_account_in_but_a_firewall_without_it_fails_before_any_write()
        {
            SeedVault("kv-trusted", withPrivateEndpoint: false);
            Emulator.Server.Store.Update(Emulator.VaultId("kv-trusted"), v => v["properties"]!["networkAcls"] = new JsonObject
            {
                ["bypass"] = "AzureServices", ["defaultAction"] = "Deny", ["ipRules"] = new JsonArray(), ["virtualNetworkRules"] = new JsonArray(),
            });
            Assert.Empty(FailedChecks(await TestResourceAsync(Key("kv-trusted"), Cosmos)));

            var closed = await TestResourceAsync(Key("kv-firewall"), Cosmos);
            Assert.Equal(new[] { CheckIds.KeyVaultFirewall }, FailedChecks(closed));
            Assert.Contains("reaches the key only over public access or through that bypass", closed.Single(r => r.Check == CheckIds.KeyVaultFirewall).Message);
            await AssertSetRefusedBeforeAnyWrite(Cosmos, Key("kv-firewall"), null, CheckIds.KeyVaultFirewall);

            Assert.True((await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-trusted"))))!.CustomerManaged);
        }

        [Fact]
        public async Task A_vault_reachable_only_through_a_private_endpoint_fails_and_the_service_refuses_it_too()
        {
            SeedVault("kv-private", withPrivateEndpoint: true);
            Emulator.Server.Store.Update(Emulator.VaultId("kv-private"), v => v["properties"]!["publicNetworkAccess"] = "Disabled");

            var results = await TestResourceAsync(Key("kv-private"), Cosmos);
            Assert.Equal(new[] { CheckIds.KeyVaultFirewall }, FailedChecks(results));
            Assert.Contains("reachable only through private endpoints", results.Single(r => r.Check == CheckIds.KeyVaultFirewall).Message);

            // Skipping the check, the service's encryption operation fails and the account keeps Microsoft-managed keys.
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-private")) { SkipValidation = true }));
            Assert.NotNull(ex.ServiceError);
            Assert.False((await Manager.GetAsync(Cosmos)).CustomerManaged);
        }

        [Theory]
        [InlineData("kv-good", "nope", null, "CosmosDbKeyNotFound", "Customer Managed Key does not exist")]
        [InlineData("kv-good", "cmk", "uai-noaccess", "CosmosDbDefaultIdentityUnauthorized", "Default Identity is unauthorized")]
        [InlineData("kv-good", "disabled-key", null, "CosmosDbDefaultIdentityUnauthorized", "Default Identity is unauthorized")]
        public async Task The_service_refuses_with_its_documented_message_when_validation_is_skipped(string vault, string key, string? uai, string errorId, string message)
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Cosmos, Key(vault, key))
            {
                UserAssignedIdentityId = uai == null ? null : Uai(uai),
                SkipValidation = true,
            }));

            Assert.Equal(errorId, ex.ErrorId);
            Assert.StartsWith(message, ex.ServiceMessage);
            Assert.False((await Manager.GetAsync(Cosmos)).CustomerManaged);
        }

        [Fact]
        public async Task An_existing_Cassandra_API_account_is_refused_before_any_write_even_without_validation()
        {
            foreach (var skip in new[] { false, true })
            {
                var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(CosmosCassandra, Key("kv-good")) { SkipValidation = skip }));
                Assert.Equal(CosmosDbAccountAdapter.CassandraNotSupportedId, ex.ErrorId);
                Assert.Contains("Apache Cassandra", ex.Message);
            }
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task An_account_with_continuous_backup_needs_a_user_assigned_identity()
        {
            Emulator.Server.Store.Update(Cosmos, a => a["properties"]!["backupPolicy"] = new JsonObject { ["type"] = "Continuous" });

            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good"))));
            Assert.Equal("IdentityTypeNotSupported", ex.ErrorId);
            Assert.Contains("continuous backup", ex.Message);
            Assert.Empty(Writes());

            var status = await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good") });
            Assert.Equal("UserAssigned", status!.IdentityType);
        }

        [Fact]
        public async Task Disable_is_refused_as_irreversible_and_writes_nothing()
        {
            await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good")));

            await AssertDisableRefused(Cosmos, "cannot be reversed");
        }

        [Fact]
        public async Task Update_reports_auto_rotation_refuses_a_version_and_moves_to_another_key()
        {
            await Manager.SetAsync(new CmkSetOptions(Cosmos, Key("kv-good")));
            Emulator.Server.Log.Clear();
            var rotation = new KeyRotation(Session);

            var auto = await rotation.RotateAsync(new CmkKeyRotationRequest(Cosmos), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.AutoRotating, auto.Status);
            Assert.Empty(Writes());

            var pinned = await Assert.ThrowsAnyAsync<CmkException>(() => rotation.RotateAsync(new CmkKeyRotationRequest(Cosmos) { KeyVersion = CmkVersions[0] }, Host, CancellationToken.None));
            Assert.Equal(CmkServiceAdapter.ParameterNotSupportedId, pinned.ErrorId);
            Assert.Empty(Writes());

            var moved = await rotation.RotateAsync(new CmkKeyRotationRequest(Cosmos) { KeyUri = Key("kv-rbac") }, Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.Updated, moved.Status);
            Assert.Equal("https://kv-rbac.vault.azure.net/keys/cmk", Properties(Assert.Single(Writes(Cosmos)))["keyVaultKeyUri"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task An_account_on_the_first_party_identity_reads_as_customer_managed_without_a_managed_identity()
        {
            Emulator.Server.Store.Update(Cosmos, a => a["properties"]!["keyVaultKeyUri"] = Key("kv-good"));

            var state = await Manager.GetAsync(Cosmos);

            Assert.True(state.CustomerManaged);
            Assert.Null(state.IdentityType);
            Assert.Contains(CosmosDbAccountAdapter.FirstPartyNote, state.Notes);
        }
    }
}
