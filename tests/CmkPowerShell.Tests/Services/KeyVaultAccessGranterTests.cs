using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>Grant-AzCmkKeyVaultAccess's engine on the demo's access-policy vault (kv-good) and RBAC vault (kv-rbac).</summary>
    public class KeyVaultAccessGranterTests : ServiceEmulatorTest
    {
        private async Task<string> PrincipalOf(string uaiName)
            => (await Session.GetAsync(Uai(uaiName), default))!["properties"]!["principalId"]!.GetValue<string>();

        private JsonArray? PolicyKeysOf(JsonNode vault, string principal)
            => vault["properties"]!["accessPolicies"]!.AsArray()
                .FirstOrDefault(p => string.Equals(p!["objectId"]!.GetValue<string>(), principal, StringComparison.OrdinalIgnoreCase))?["permissions"]?["keys"]?.AsArray();

        [Fact]
        public async Task Access_policy_grant_adds_exactly_the_service_permissions_once()
        {
            var principal = await PrincipalOf("uai-noaccess");

            var grant = await Manager.GrantForPrincipalAsync(principal, CmkService.DataExplorer, Key("kv-good"), CmkGrantMode.Auto);

            Assert.True(grant.Changed);
            Assert.Equal("AccessPolicy", grant.PermissionModel);
            var put = Assert.Single(Writes());
            Assert.Equal("PUT", put.Method);
            Assert.EndsWith("/vaults/kv-good/accessPolicies/add", put.Path);
            var entry = JsonNode.Parse(put.RequestBody!)!["properties"]!["accessPolicies"]![0]!;
            Assert.Equal(principal, entry["objectId"]!.GetValue<string>());
            Assert.Equal(new[] { "get", "wrapKey", "unwrapKey" }, entry["permissions"]!["keys"]!.AsArray().Select(k => k!.GetValue<string>()));
            AssertNoRejectedRequests();

            Emulator.Server.Log.Clear();
            var again = await Manager.GrantForPrincipalAsync(principal, CmkService.DataExplorer, Key("kv-good"), CmkGrantMode.AccessPolicy);
            Assert.False(again.Changed);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Access_policy_grant_merges_into_an_existing_policy_without_removing_anything()
        {
            const string kustoPrincipal = "88888888-8888-8888-8888-000000000003";

            var grant = await Manager.GrantForPrincipalAsync(kustoPrincipal, CmkService.NetAppFiles, Key("kv-good"), CmkGrantMode.Auto);

            Assert.True(grant.Changed);
            var vault = await Session.GetAsync(Emulator.VaultId("kv-good"), default);
            var keys = PolicyKeysOf(vault!, kustoPrincipal)!.Select(k => k!.GetValue<string>()).ToList();
            Assert.Superset(new[] { "get", "wrapKey", "unwrapKey", "encrypt", "decrypt" }.ToHashSet(StringComparer.OrdinalIgnoreCase),
                keys.ToHashSet(StringComparer.OrdinalIgnoreCase));
            Assert.Contains("wrapKey", keys, StringComparer.OrdinalIgnoreCase);
            Assert.Contains("encrypt", keys, StringComparer.OrdinalIgnoreCase);
        }

        [Fact]
        public async Task Rbac_grant_assigns_Crypto_Service_Encryption_User_at_the_key_scope_once()
        {
            var principal = await PrincipalOf("uai-noaccess");

            var grant = await Manager.GrantForPrincipalAsync(principal, CmkService.Batch, Key("kv-rbac"), CmkGrantMode.Rbac);

            Assert.True(grant.Changed);
            Assert.Equal("Rbac", grant.PermissionModel);
            var put = Assert.Single(Writes());
            Assert.Contains("/vaults/kv-rbac/keys/cmk/providers/Microsoft.Authorization/roleAssignments/", put.Path);
            var props = JsonNode.Parse(put.RequestBody!)!["properties"]!;
            Assert.EndsWith("/roleDefinitions/" + KeyVaultAccessGranter.CryptoServiceEncryptionUserRoleId, props["roleDefinitionId"]!.GetValue<string>());
            Assert.Equal("ServicePrincipal", props["principalType"]!.GetValue<string>());
            AssertNoRejectedRequests();

            Emulator.Server.Log.Clear();
            var again = await Manager.GrantForPrincipalAsync(principal, CmkService.Batch, Key("kv-rbac"), CmkGrantMode.Auto);
            Assert.False(again.Changed);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task NetApp_on_rbac_gets_a_custom_role_with_exactly_read_encrypt_decrypt()
        {
            var principal = await PrincipalOf("uai-noaccess");

            var grant = await Manager.GrantForPrincipalAsync(principal, CmkService.NetAppFiles, Key("kv-rbac"), CmkGrantMode.Auto);

            Assert.True(grant.Changed);
            var writes = Writes();
            Assert.Equal(2, writes.Count);
            Assert.Contains("/providers/Microsoft.Authorization/roleDefinitions/", writes[0].Path);
            var definition = JsonNode.Parse(writes[0].RequestBody!)!["properties"]!;
            Assert.Equal("CmkPowerShell NetApp Key Encryption", definition["roleName"]!.GetValue<string>());
            Assert.Equal(KeyAccessRequirementDataActions, definition["permissions"]![0]!["dataActions"]!.AsArray().Select(a => a!.GetValue<string>()));
            Assert.Contains("/keys/cmk/providers/Microsoft.Authorization/roleAssignments/", writes[1].Path);
            AssertNoRejectedRequests();

            Emulator.Server.Log.Clear();
            var other = await PrincipalOf("uai-contributor");
            await Manager.GrantForPrincipalAsync(other, CmkService.NetAppFiles, Key("kv-rbac"), CmkGrantMode.Auto);
            // The custom role exists now: only the second identity's assignment is written.
            Assert.DoesNotContain(Writes(), w => w.Path.Contains("/roleDefinitions/"));
        }

        private static readonly string[] KeyAccessRequirementDataActions = Core.KeyVault.KeyAccessRequirement.EncryptDecrypt.DataActions.ToArray();

        [Fact]
        public async Task A_mode_that_does_not_fit_the_vault_is_refused_without_writing()
        {
            var principal = await PrincipalOf("uai-noaccess");

            var ex = await Assert.ThrowsAsync<KeyVaultConfigurationException>(() =>
                Manager.GrantForPrincipalAsync(principal, CmkService.Batch, Key("kv-rbac"), CmkGrantMode.AccessPolicy));

            Assert.Equal("KeyVaultPermissionModelMismatch", ex.ErrorId);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Set_with_GrantAccess_grants_a_new_user_assigned_identity_then_sets_the_key_and_is_idempotent()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-rbac"))
            {
                UserAssignedIdentityId = Uai("uai-noaccess"),
                GrantAccess = true,
            });

            Assert.True(status!.Changed);
            Assert.Equal("UserAssigned", status.IdentityType);
            var writes = Writes();
            Assert.Equal(new[] { "PATCH", "PUT", "PATCH" }, writes.Select(w => w.Method));
            Assert.Contains("/roleAssignments/", writes[1].Path);
            AssertNoRejectedRequests();

            Emulator.Server.Log.Clear();
            var again = await Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-rbac")) { UserAssignedIdentityId = Uai("uai-noaccess"), GrantAccess = true });
            Assert.False(again!.Changed);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Without_GrantAccess_an_identity_without_access_fails_before_any_write()
        {
            var ex = await Assert.ThrowsAsync<CmkAccessException>(() => Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good"))
            {
                UserAssignedIdentityId = Uai("uai-noaccess"),
            }));

            Assert.Equal(new[] { CheckIds.IdentityAccess }, ex.FailedChecks.Select(c => c.CheckId));
            Assert.Empty(Writes());
        }
    }
}
