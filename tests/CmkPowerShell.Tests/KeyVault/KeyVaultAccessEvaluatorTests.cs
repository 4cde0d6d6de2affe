using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;
using FsCheck;
using FsCheck.Fluent;

namespace CmkPowerShell.Tests.KeyVault
{
    public class KeyVaultAccessEvaluatorTests
    {
        private const string Principal = "a0000000-0000-0000-0000-000000000001";
        private const string Sub = "/subscriptions/22222222-2222-2222-2222-222222222222";
        private const string Rg = Sub + "/resourceGroups/rg-cmk-demo";
        private const string Vault = Rg + "/providers/Microsoft.KeyVault/vaults/kv-rbac";
        private const string Key = Vault + "/keys/cmk";

        private static RoleDefinition Role(string name, params RolePermission[] blocks) => new RoleDefinition("/providers/Microsoft.Authorization/roleDefinitions/" + name, name, blocks);
        private static RolePermission Block(string[] dataActions, string[]? notDataActions = null)
            => new RolePermission(Array.Empty<string>(), Array.Empty<string>(), dataActions, notDataActions ?? Array.Empty<string>());

        private static KeyAccessEvaluation Rbac(RoleDefinition role, string scope, string principal = Principal, KeyAccessRequirement? need = null)
            => KeyVaultAccessEvaluator.EvaluateRbac(Key, Principal,
                new[] { new RoleAssignment("ra1", scope, role.Id, principal, null) },
                id => string.Equals(id, role.Id, StringComparison.OrdinalIgnoreCase) ? role : null,
                need ?? KeyAccessRequirement.WrapUnwrap);

        [Theory]
        [InlineData("Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/read", true)]
        [InlineData("microsoft.keyvault/VAULTS/keys/READ", "Microsoft.KeyVault/vaults/keys/read", true)]
        [InlineData("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/keys/read", true)]
        [InlineData("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/keys/wrap/action", false)]
        [InlineData("Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/keys/unwrap/action", true)]
        [InlineData("Microsoft.KeyVault/vaults/*", "Microsoft.KeyVault/vaults/keys/wrap/action", true)]
        [InlineData("Microsoft.KeyVault/*/keys/*/action", "Microsoft.KeyVault/vaults/keys/wrap/action", true)]
        [InlineData("*", "Microsoft.KeyVault/vaults/keys/decrypt/action", true)]
        [InlineData("*/read", "Microsoft.KeyVault/vaults/keys/read", true)]
        [InlineData("Microsoft.KeyVault/vaults/keys/wrap*", "Microsoft.KeyVault/vaults/keys/wrap/action", true)]
        [InlineData("Microsoft.KeyVault/vaults/secrets/*", "Microsoft.KeyVault/vaults/keys/read", false)]
        [InlineData("Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/read/extra", false)]
        [InlineData("Microsoft.KeyVault/vaults/keys/re", "Microsoft.KeyVault/vaults/keys/read", false)]
        [InlineData("", "Microsoft.KeyVault/vaults/keys/read", false)]
        public void Wildcards_match_anywhere(string pattern, string action, bool expected)
            => Assert.Equal(expected, KeyVaultAccessEvaluator.Matches(pattern, action));

        [Fact]
        public void Builtin_crypto_service_encryption_user_covers_wrap_unwrap_but_not_encrypt_decrypt()
        {
            var role = Role("e147488a", Block(new[] { KeyAccessRequirement.ReadKey, KeyAccessRequirement.WrapKey, KeyAccessRequirement.UnwrapKey }));
            Assert.True(Rbac(role, Key).Granted);
            var netapp = Rbac(role, Key, need: KeyAccessRequirement.EncryptDecrypt);
            Assert.False(netapp.Granted);
            Assert.Equal(new[] { KeyAccessRequirement.Encrypt, KeyAccessRequirement.Decrypt }, netapp.Missing);
        }

        [Fact]
        public void Key_vault_reader_wildcard_reads_but_does_not_wrap()
        {
            var reader = Role("21090545", Block(new[] { "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action" }));
            var result = Rbac(reader, Vault);
            Assert.False(result.Granted);
            Assert.Equal(new[] { KeyAccessRequirement.WrapKey, KeyAccessRequirement.UnwrapKey }, result.Missing);
        }

        [Fact]
        public void Crypto_officer_wildcard_grants_everything_needed_for_both_service_families()
        {
            var officer = Role("14b46e9e", Block(new[] { "Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/keyrotationpolicies/*" }));
            Assert.True(Rbac(officer, Sub).Granted);
            Assert.True(Rbac(officer, Sub, need: KeyAccessRequirement.EncryptDecrypt).Granted);
        }

        [Fact]
        public void Owner_and_contributor_grant_no_data_actions()
        {
            var owner = new RoleDefinition("/providers/Microsoft.Authorization/roleDefinitions/8e3af657", "Owner",
                new[] { new RolePermission(new[] { "*" }, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>()) });
            var result = Rbac(owner, Sub);
            Assert.False(result.Granted);
            Assert.Equal(KeyAccessRequirement.WrapUnwrap.DataActions, result.Missing);
        }

        [Fact]
        public void NotDataActions_subtract_within_their_block_with_wildcards()
        {
            var role = Role("custom", Block(new[] { "Microsoft.KeyVault/vaults/keys/*" }, new[] { "Microsoft.KeyVault/vaults/keys/*wrap/action" }));
            var result = Rbac(role, Vault);
            Assert.False(result.Granted);
            Assert.Equal(new[] { KeyAccessRequirement.WrapKey, KeyAccessRequirement.UnwrapKey }, result.Missing);
        }

        [Fact]
        public void NotDataActions_of_one_block_do_not_take_away_what_another_block_grants()
        {
            var role = Role("two-blocks",
                Block(new[] { "Microsoft.KeyVault/vaults/keys/*" }, new[] { "Microsoft.KeyVault/vaults/keys/unwrap/action" }),
                Block(new[] { "Microsoft.KeyVault/vaults/keys/unwrap/action" }));
            Assert.True(Rbac(role, Vault).Granted);
        }

        [Theory]
        [InlineData(Key, true)]
        [InlineData(Vault, true)]
        [InlineData(Rg, true)]
        [InlineData(Sub, true)]
        [InlineData("/providers/Microsoft.Management/managementGroups/contoso", true)]
        [InlineData("/", true)]
        [InlineData(Vault + "/keys/other-key", false)]
        [InlineData(Rg + "/providers/Microsoft.KeyVault/vaults/kv-good", false)]
        [InlineData("/subscriptions/99999999-2222-2222-2222-222222222222", false)]
        public void Inherited_scopes_apply_and_sibling_scopes_do_not(string scope, bool granted)
        {
            var role = Role("e147488a", Block(new[] { KeyAccessRequirement.ReadKey, KeyAccessRequirement.WrapKey, KeyAccessRequirement.UnwrapKey }));
            var result = Rbac(role, scope);
            Assert.Equal(granted, result.Granted);
            if (granted) Assert.Contains(scope, result.GrantedBy.Single());
        }

        [Fact]
        public void Assignments_of_other_principals_and_unknown_role_definitions_grant_nothing()
        {
            var role = Role("e147488a", Block(new[] { "Microsoft.KeyVault/vaults/keys/*" }));
            Assert.False(Rbac(role, Vault, principal: "a0000000-0000-0000-0000-000000000009").Granted);
            var unknown = KeyVaultAccessEvaluator.EvaluateRbac(Key, Principal,
                new[] { new RoleAssignment("ra", Vault, "/providers/Microsoft.Authorization/roleDefinitions/gone", Principal, null) },
                _ => null, KeyAccessRequirement.WrapUnwrap);
            Assert.False(unknown.Granted);
        }

        [Fact]
        public void Permissions_add_up_across_applicable_assignments()
        {
            var read = Role("read", Block(new[] { KeyAccessRequirement.ReadKey }));
            var wrap = Role("wrap", Block(new[] { "Microsoft.KeyVault/vaults/keys/*wrap/action" }));
            var roles = new[] { read, wrap }.ToDictionary(r => r.Id!, StringComparer.OrdinalIgnoreCase);
            var result = KeyVaultAccessEvaluator.EvaluateRbac(Key, Principal,
                new[] { new RoleAssignment("a", Sub, read.Id, Principal, null), new RoleAssignment("b", Key, wrap.Id, Principal, null) },
                id => roles.TryGetValue(id, out var r) ? r : null, KeyAccessRequirement.WrapUnwrap);
            Assert.True(result.Granted);
            Assert.Equal(2, result.GrantedBy.Count);
        }

        private static KeyVaultResource VaultWith(bool rbac, params JsonObject[] policies)
        {
            var body = JsonNode.Parse($$$"""
                {"id":"{{{Vault}}}","name":"kv-rbac","type":"Microsoft.KeyVault/vaults","location":"westeurope",
                 "properties":{"tenantId":"11111111-1111-1111-1111-111111111111","enableRbacAuthorization":{{{(rbac ? "true" : "false")}}},"accessPolicies":[]}}
                """)!.AsObject();
            foreach (var p in policies) body["properties"]!["accessPolicies"]!.AsArray().Add(p);
            return KeyVaultResource.FromJson(body);
        }

        private static JsonObject Policy(string objectId, string? applicationId, string tenant, params string[] keys) => new JsonObject
        {
            ["tenantId"] = tenant, ["objectId"] = objectId, ["applicationId"] = applicationId,
            ["permissions"] = new JsonObject { ["keys"] = new JsonArray(keys.Select(k => (JsonNode)k).ToArray()) },
        };

        [Fact]
        public void Access_policies_need_every_permission_case_insensitively_and_honour_legacy_all()
        {
            const string T = "11111111-1111-1111-1111-111111111111";
            var vault = VaultWith(false, Policy(Principal, null, T, "Get", "WRAPKEY"), Policy(Principal, null, T, "unwrapkey"));
            Assert.Equal(KeyVaultPermissionModel.AccessPolicy, vault.PermissionModel);
            Assert.True(KeyVaultAccessEvaluator.EvaluateAccessPolicies(vault, Principal, KeyAccessRequirement.WrapUnwrap).Granted);
            var netapp = KeyVaultAccessEvaluator.EvaluateAccessPolicies(vault, Principal, KeyAccessRequirement.EncryptDecrypt);
            Assert.Equal(new[] { "encrypt", "decrypt" }, netapp.Missing);
            Assert.True(KeyVaultAccessEvaluator.EvaluateAccessPolicies(VaultWith(false, Policy(Principal, null, T, "all")), Principal, KeyAccessRequirement.EncryptDecrypt).Granted);
        }

        [Fact]
        public void Compound_identity_and_foreign_tenant_policies_do_not_count()
        {
            var compound = VaultWith(false, Policy(Principal, "app-id", "11111111-1111-1111-1111-111111111111", "get", "wrapKey", "unwrapKey"));
            Assert.False(KeyVaultAccessEvaluator.EvaluateAccessPolicies(compound, Principal, KeyAccessRequirement.WrapUnwrap).Granted);
            var foreign = VaultWith(false, Policy(Principal, null, "99999999-1111-1111-1111-111111111111", "get", "wrapKey", "unwrapKey"));
            Assert.False(KeyVaultAccessEvaluator.EvaluateAccessPolicies(foreign, Principal, KeyAccessRequirement.WrapUnwrap).Granted);
        }

        [Fact]
        public void The_vault_decides_the_model_absent_flag_means_rbac_in_2026_02_01()
        {
            Assert.Equal(KeyVaultPermissionModel.Rbac, VaultWith(true).PermissionModel);
            var body = JsonNode.Parse($$$"""{"id":"{{{Vault}}}","properties":{}}""")!.AsObject();
            Assert.Equal(KeyVaultPermissionModel.Rbac, KeyVaultResource.FromJson(body).PermissionModel);
            var hsm = JsonNode.Parse("""{"id":"/subscriptions/x/resourceGroups/r/providers/Microsoft.KeyVault/managedHSMs/h1","type":"Microsoft.KeyVault/managedHSMs","properties":{"enablePurgeProtection":true}}""")!.AsObject();
            Assert.Equal(KeyVaultPermissionModel.ManagedHsmLocalRbac, KeyVaultResource.FromJson(hsm).PermissionModel);
        }

        // ---- properties ------------------------------------------------------------------------

        private static readonly Gen<string> Segment = Gen.Elements("Microsoft.KeyVault", "vaults", "keys", "read", "wrap", "unwrap", "action", "secrets", "x", "Ab");
        private static readonly Gen<string> Action = Gen.ListOf(Segment).Where(s => s.Any()).Select(s => string.Join("/", s));

        [Fact]
        public void Property_an_action_matches_itself_in_any_case()
            => Prop.ForAll(Action.ToArbitrary(), a => KeyVaultAccessEvaluator.Matches(a.ToUpperInvariant(), a.ToLowerInvariant()))
                .QuickCheckThrowOnFailure();

        [Fact]
        public void Property_replacing_any_substring_with_a_star_still_matches()
        {
            var gen = from action in Action
                      from start in Gen.Choose(0, action.Length)
                      from length in Gen.Choose(0, action.Length - start)
                      select (action, pattern: action.Substring(0, start) + "*" + action.Substring(start + length));
            Prop.ForAll(gen.ToArbitrary(), x => KeyVaultAccessEvaluator.Matches(x.pattern, x.action)).QuickCheckThrowOnFailure();
        }

        [Fact]
        public void Property_a_star_free_pattern_matches_only_its_own_text()
        {
            var gen = from a in Action from b in Action select (a, b);
            Prop.ForAll(gen.ToArbitrary(), x =>
                KeyVaultAccessEvaluator.Matches(x.a, x.b) == string.Equals(x.a, x.b, StringComparison.OrdinalIgnoreCase)).QuickCheckThrowOnFailure();
        }

        [Fact]
        public void Property_a_matching_not_data_action_always_revokes_within_a_single_block()
        {
            var gen = from action in Action
                      from cut in Gen.Choose(0, action.Length)
                      select (action, not: action.Substring(0, cut) + "*");
            Prop.ForAll(gen.ToArbitrary(), x =>
            {
                var granted = KeyVaultAccessEvaluator.Grants(Role("r", Block(new[] { "*" })), x.action);
                var revoked = !KeyVaultAccessEvaluator.Grants(Role("r", Block(new[] { "*" }, new[] { x.not })), x.action);
                return granted && revoked;
            }).QuickCheckThrowOnFailure();
        }

        [Fact]
        public void Property_every_ancestor_of_the_key_applies_and_no_sibling_does()
        {
            var segments = Key.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var gen = from n in Gen.Choose(0, segments.Length)
                      from suffix in Gen.Elements("2", "-x", "0")
                      select (n, suffix);
            Prop.ForAll(gen.ToArbitrary(), x =>
            {
                var ancestor = "/" + string.Join("/", segments.Take(x.n));
                var sibling = x.n == 0 ? null : "/" + string.Join("/", segments.Take(x.n - 1).Append(segments[x.n - 1] + x.suffix));
                return ArmScopes.AppliesTo(ancestor, Key) && (sibling == null || !ArmScopes.AppliesTo(sibling, Key));
            }).QuickCheckThrowOnFailure();
        }

        [Fact]
        public void A_Managed_HSM_requirement_uses_the_managedHsm_key_data_actions()
        {
            // rbac.json 7.5 DataAction: reading a key is "read/action" in a Managed HSM, the key-use actions keep their names.
            Assert.Equal(new[] { "Microsoft.KeyVault/managedHsm/keys/read/action", "Microsoft.KeyVault/managedHsm/keys/wrap/action", "Microsoft.KeyVault/managedHsm/keys/unwrap/action" },
                KeyAccessRequirement.WrapUnwrap.ForManagedHsm().DataActions);
            Assert.Equal(new[] { "Microsoft.KeyVault/managedHsm/keys/read/action", "Microsoft.KeyVault/managedHsm/keys/encrypt/action", "Microsoft.KeyVault/managedHsm/keys/decrypt/action" },
                KeyAccessRequirement.EncryptDecrypt.ForManagedHsm().DataActions);
            Assert.Equal(KeyAccessRequirement.EncryptDecrypt.KeyPermissions, KeyAccessRequirement.EncryptDecrypt.ForManagedHsm().KeyPermissions);
        }

        [Fact]
        public void Managed_HSM_Crypto_Service_Encryption_User_at_keys_does_not_cover_encrypt_and_decrypt()
        {
            var role = Role("33413926-3206-4cdd-b39a-83574fe37a17", Block(new[] { "Microsoft.KeyVault/managedHsm/keys/read/action", "Microsoft.KeyVault/managedHsm/keys/wrap/action", "Microsoft.KeyVault/managedHsm/keys/unwrap/action" }));
            KeyAccessEvaluation Hsm(KeyAccessRequirement need, string scope) => KeyVaultAccessEvaluator.EvaluateRbac("/keys/cmk", Principal,
                new[] { new RoleAssignment("ra1", scope, role.Id, Principal, null) }, id => id == role.Id ? role : null, need.ForManagedHsm());

            Assert.True(Hsm(KeyAccessRequirement.WrapUnwrap, "/keys").Granted);
            Assert.True(Hsm(KeyAccessRequirement.WrapUnwrap, "/").Granted);
            Assert.False(Hsm(KeyAccessRequirement.WrapUnwrap, "/keys/other").Granted);
            Assert.Equal(new[] { "Microsoft.KeyVault/managedHsm/keys/encrypt/action", "Microsoft.KeyVault/managedHsm/keys/decrypt/action" },
                Hsm(KeyAccessRequirement.EncryptDecrypt, "/keys").Missing);
        }
    }
}
