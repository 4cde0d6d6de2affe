using System;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Tests.KeyVault
{
    public class ArmScopesTests
    {
        private const string Vault = "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-cmk-demo/providers/Microsoft.KeyVault/vaults/kv-rbac";

        [Fact]
        public void Parses_a_resource_id_through_azure_core()
        {
            var id = ArmScopes.ParseResourceId(Vault, ArmScopes.KeyVaultType);
            Assert.Equal("kv-rbac", id.Name);
            Assert.Equal("rg-cmk-demo", id.ResourceGroupName);
            Assert.Equal("22222222-2222-2222-2222-222222222222", id.SubscriptionId);
            Assert.Equal("Microsoft.KeyVault/vaults", ArmScopes.TypeOf(id));
        }

        [Theory]
        [InlineData("")]
        [InlineData("subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv")]
        [InlineData("/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/providers/Microsoft.KeyVault/vaults/kv")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv?x=1")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c1")]
        public void Rejects_ids_that_are_not_a_vault(string input)
        {
            var ex = Assert.ThrowsAny<CmkException>(() => ArmScopes.ParseResourceId(input, ArmScopes.KeyVaultType));
            Assert.Equal("InvalidResourceId", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.InvalidArgument, ex.Category);
        }

        [Theory]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/../providers/Microsoft.Kusto/clusters/c1", "dot segment '..' at position 68")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c1/./", "dot segment '.'")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c%31", "percent-escape at position 107")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c1\u202E", "U+202E (RIGHT-TO-LEFT OVERRIDE) at position 108")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg\u200D/providers/Microsoft.Kusto/clusters/c1", "U+200D (ZERO WIDTH JOINER) at position 70")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c1\u00A0", "trailing white space U+00A0 (NO-BREAK SPACE) at position 108")]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c1\n", "trailing white space U+000A (LINE FEED)")]
        public void Refuses_ids_that_normalisation_would_rewrite_naming_the_character_and_position(string escaped, string reason)
        {
            var input = System.Text.RegularExpressions.Regex.Unescape(escaped);
            var ex = Assert.IsType<CmkInputException>(Assert.ThrowsAny<CmkException>(() => ArmScopes.ParseResourceId(input, parameterName: "UserAssignedIdentityId")));
            Assert.Equal("InvalidResourceId", ex.ErrorId);
            Assert.Equal("UserAssignedIdentityId", ex.ParameterName);
            Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("/", true)]
        [InlineData("/providers/Microsoft.Management/managementGroups/mg-root", true)]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222", true)]
        [InlineData("/SUBSCRIPTIONS/22222222-2222-2222-2222-222222222222/resourcegroups/RG-CMK-DEMO", true)]
        [InlineData(Vault, true)]
        [InlineData(Vault + "/", true)]
        [InlineData(Vault + "/keys/cmk", true)]
        [InlineData(Vault + "/keys/cmk2", false)]
        [InlineData(Vault + "2", false)]
        [InlineData("/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-cmk", false)]
        [InlineData("/subscriptions/33333333-3333-3333-3333-333333333333", false)]
        [InlineData(null, false)]
        public void A_scope_applies_to_the_key_when_it_is_a_segment_prefix(string? scope, bool applies)
            => Assert.Equal(applies, ArmScopes.AppliesTo(scope, Vault + "/keys/cmk"));
    }
}
