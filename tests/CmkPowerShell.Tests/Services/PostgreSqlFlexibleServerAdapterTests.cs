using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>
    /// PostgreSQL flexible servers against the spec-validating demo emulator: pg-demo was created with kv-good/cmk pinned to
    /// its older version through uai-pg; pg-plain was created with system-managed keys.
    /// </summary>
    public class PostgreSqlFlexibleServerAdapterTests : ServiceEmulatorTest
    {
        private string PgDemo => $"{Rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-demo";
        private string PgPlain => $"{Rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-plain";
        private const string Older = "0a1b2c3d4e5f40718293a4b5c6d7e8f1";
        private const string Newer = "1a2b3c4d5e6f40718293a4b5c6d7e8f2";

        [Fact]
        public async Task Get_reads_the_pinned_key_and_the_user_assigned_identity()
        {
            var status = await Manager.GetAsync(PgDemo);
            Assert.True(status.CustomerManaged);
            Assert.Equal(Older, status.KeyVersion);
            Assert.Equal(PostgreSqlFlexibleServerAdapter.AzureKeyVault, status.KeySource);
            Assert.Equal("UserAssigned", status.IdentityType);
            Assert.Equal(Uai("uai-pg"), status.UserAssignedIdentityId, System.StringComparer.OrdinalIgnoreCase);
            Assert.Equal("66666666-6666-6666-6666-000000000004", status.PrincipalId);
            Assert.False((await Manager.GetAsync(PgPlain)).CustomerManaged);
        }

        [Fact]
        public async Task Set_on_a_server_created_with_system_managed_keys_is_refused_before_any_write()
        {
            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.SetAsync(
                new CmkSetOptions(PgPlain, Key("kv-good") + "/" + Newer) { UserAssignedIdentityId = Uai("uai-pg"), GrantAccess = true }));
            Assert.Equal(ContainerRegistryAdapter.OnlyAtCreationId, ex.ErrorId);
            Assert.Contains("point-in-time restore", ex.RecommendedAction);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task The_emulator_refuses_an_update_that_changes_the_encryption_mode()
        {
            var body = JsonNode.Parse($$"""{ "properties": { "createMode": "Update", "dataEncryption": { "type": "AzureKeyVault", "primaryKeyURI": "https://kv-good.vault.azure.net/keys/cmk/{{Newer}}", "primaryUserAssignedIdentityId": "{{Uai("uai-pg")}}" } } }""");
            var (response, answer) = await Emulator.SendAsync(new HttpMethod("PATCH"), $"{PgPlain}?api-version=2022-12-01", body);
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("cannot be changed", answer!["error"]!["message"]!.GetValue<string>());
            Assert.Equal("SystemManaged", Emulator.Server.Store.Get(PgPlain)!["properties"]!["dataEncryption"]!["type"]!.GetValue<string>());
        }

        [Fact]
        public async Task A_versionless_key_is_refused_as_input()
        {
            var ex = await Assert.ThrowsAsync<CmkInputException>(() => Manager.SetAsync(new CmkSetOptions(PgDemo, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-pg") }));
            Assert.Equal(PostgreSqlFlexibleServerAdapter.KeyVersionRequiredId, ex.ErrorId);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Update_moves_the_server_to_the_newest_version_by_hand_then_is_up_to_date()
        {
            var rotation = new KeyRotation(Session);
            var result = await rotation.RotateAsync(new CmkKeyRotationRequest(PgDemo), Host, CancellationToken.None);

            Assert.Equal(CmkKeyRotationStatus.Updated, result.Status);
            Assert.Equal(Key("kv-good") + "/" + Newer, result.NewKeyUri);
            var patch = Assert.Single(Writes(PgDemo));
            var body = JsonNode.Parse(patch.RequestBody!)!["properties"]!;
            Assert.Equal("Update", body["createMode"]!.GetValue<string>());
            Assert.Equal(Key("kv-good") + "/" + Newer, body["dataEncryption"]!["primaryKeyURI"]!.GetValue<string>());
            Assert.Equal(Uai("uai-pg"), body["dataEncryption"]!["primaryUserAssignedIdentityId"]!.GetValue<string>(), System.StringComparer.OrdinalIgnoreCase);

            Emulator.Server.Log.Clear();
            var again = await rotation.RotateAsync(new CmkKeyRotationRequest(PgDemo), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.UpToDate, again.Status);
            Assert.Empty(Writes());
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task Set_to_another_version_writes_once_a_second_Set_writes_nothing_and_Disable_is_refused()
        {
            var options = new CmkSetOptions(PgDemo, Key("kv-good") + "/" + Newer) { UserAssignedIdentityId = Uai("uai-pg") };
            Assert.True((await Manager.SetAsync(options))!.Changed);
            Assert.Single(Writes(PgDemo));
            Emulator.Server.Log.Clear();
            Assert.False((await Manager.SetAsync(options))!.Changed);
            var ex = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.DisableAsync(PgDemo));
            Assert.Equal(CmkServiceAdapter.DisableNotSupportedId, ex.ErrorId);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Preflight_for_a_server_not_created_yet_catches_vault_key_region_and_identity()
        {
            Task<string[]> Failed(string vault, string key, string uai, string location = "westeurope")
                => PreflightFailuresAsync(CmkService.PostgreSqlFlexibleServer, Key(vault, key), uai, location: location);

            Assert.Empty(await Failed("kv-good", "cmk", "uai-pg"));
            Assert.Equal(new[] { CheckIds.KeyVaultPurgeProtection }, await Failed("kv-nopurge", "cmk", "uai-pg"));
            Assert.Equal(new[] { CheckIds.KeyType }, await Failed("kv-good", "ec-key", "uai-pg"));
            Assert.Equal(new[] { CheckIds.KeyVaultRegion }, await Failed("kv-good", "cmk", "uai-pg", "eastus"));
            // uai-good holds get, wrapKey and unwrapKey but not list, which the server's access policy needs.
            Assert.Equal(new[] { CheckIds.IdentityAccess }, await Failed("kv-good", "cmk", "uai-good"));
        }

        [Fact]
        public async Task Preflight_refuses_a_vault_in_another_tenant_for_PostgreSQL_only()
        {
            Assert.Contains(await PreflightAsync(CmkService.PostgreSqlFlexibleServer, Key("kv-good"), "uai-pg"),
                r => r.Check == CheckIds.KeyVaultTenant && r.Status == RequirementStatus.Passed);
            Emulator.Server.Store.Update(Emulator.VaultId("kv-good"), v => v["properties"]!["tenantId"] = "99999999-9999-9999-9999-999999999999");

            // The access policies then name another tenant too, so Identity.Access fails with it.
            Assert.Equal(new[] { CheckIds.KeyVaultTenant, CheckIds.IdentityAccess }, await PreflightFailuresAsync(CmkService.PostgreSqlFlexibleServer, Key("kv-good"), "uai-pg"));
            Assert.DoesNotContain(await PreflightAsync(CmkService.RecoveryServicesVault, Key("kv-good"), "uai-pg"), r => r.Check == CheckIds.KeyVaultTenant);
        }
    }
}
