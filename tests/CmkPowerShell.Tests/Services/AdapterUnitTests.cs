using System;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>The adapter base's pure planning: registry, identity writes, idempotency, key change, documented refusals.</summary>
    public class AdapterUnitTests
    {
        private const string Rg = "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg";
        private const string KustoId = Rg + "/providers/Microsoft.Kusto/clusters/c1";
        private const string UaiA = Rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a";
        private const string UaiB = Rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/b";
        private static readonly KeyIdentifier Key = KeyIdentifier.Parse("https://kvx.vault.azure.net/keys/k");

        private static CmkResource Kusto(string json) => new CmkResource(KustoId, JsonNode.Parse(json)!.AsObject());

        [Fact]
        public void Every_service_has_exactly_one_adapter_found_by_reflection()
        {
            Assert.Equal(Enum.GetValues(typeof(CmkService)).Cast<CmkService>(), CmkServiceAdapter.All.Select(a => a.Service));
            Assert.IsType<DataExplorerAdapter>(CmkServiceAdapter.ForResourceId(KustoId));
            var ex = Assert.ThrowsAny<CmkException>(() => CmkServiceAdapter.ForResourceId(Rg + "/providers/Microsoft.Web/sites/s"));
            Assert.Equal("InvalidResourceId", ex.ErrorId);
        }

        [Fact]
        public void Enabling_the_system_identity_keeps_the_user_assigned_ones()
        {
            var resource = Kusto($$"""{ "identity": { "type": "UserAssigned", "userAssignedIdentities": { "{{UaiA}}": { "principalId": "p" } } } }""");

            var write = Assert.Single(new DataExplorerAdapter().PlanIdentity(resource, CmkIdentitySelection.SystemAssigned));

            Assert.Equal("PATCH", write.Method.Method);
            Assert.Equal("SystemAssigned, UserAssigned", write.Body!["identity"]!["type"]!.GetValue<string>());
            Assert.NotNull(write.Body["identity"]!["userAssignedIdentities"]![UaiA]);
        }

        [Fact]
        public void Attaching_a_user_identity_keeps_the_system_one_and_the_others_and_is_skipped_when_attached()
        {
            var resource = Kusto($$"""{ "identity": { "type": "SystemAssigned, UserAssigned", "principalId": "s", "userAssignedIdentities": { "{{UaiA}}": {} } } }""");
            var adapter = new DataExplorerAdapter();

            var write = Assert.Single(adapter.PlanIdentity(resource, new CmkIdentitySelection(CmkIdentityType.UserAssigned, UaiB)));
            Assert.Equal("SystemAssigned, UserAssigned", write.Body!["identity"]!["type"]!.GetValue<string>());
            Assert.Equal(new[] { UaiA, UaiB }, write.Body["identity"]!["userAssignedIdentities"]!.AsObject().Select(p => p.Key));
            Assert.Empty(adapter.PlanIdentity(resource, new CmkIdentitySelection(CmkIdentityType.UserAssigned, UaiA)));
            Assert.Empty(adapter.PlanIdentity(resource, CmkIdentitySelection.SystemAssigned));
        }

        [Fact]
        public void Enable_is_empty_when_the_key_and_identity_already_match_whatever_the_uri_spelling()
        {
            var resource = Kusto("""{ "identity": { "type": "SystemAssigned", "principalId": "s" }, "properties": { "keyVaultProperties": { "keyVaultUri": "https://KVX.vault.azure.net:443/", "keyName": "k", "keyVersion": "" } } }""");
            var adapter = new DataExplorerAdapter();

            Assert.Empty(adapter.PlanEnable(resource, new CmkEnableRequest(Key, CmkIdentitySelection.SystemAssigned)));
            Assert.Single(adapter.PlanEnable(resource, new CmkEnableRequest(Key.WithVersion(new string('a', 32)), CmkIdentitySelection.SystemAssigned)));
            Assert.Single(adapter.PlanEnable(resource, new CmkEnableRequest(Key, new CmkIdentitySelection(CmkIdentityType.UserAssigned, UaiA))));
        }

        [Fact]
        public void Key_change_keeps_the_identity_and_refuses_a_resource_without_a_customer_key()
        {
            var adapter = new DataExplorerAdapter();
            var withUai = Kusto($$"""{ "identity": { "type": "UserAssigned", "userAssignedIdentities": { "{{UaiA}}": { "principalId": "p" } } }, "properties": { "keyVaultProperties": { "keyVaultUri": "https://kvx.vault.azure.net/", "keyName": "k", "keyVersion": "{{new string('a', 32)}}", "userIdentity": "{{UaiA}}" } } }""");

            var write = Assert.Single(adapter.PlanKeyChange(withUai, Key.WithVersion(new string('b', 32)), new CmkKeyChangeOptions()));
            var kv = write.Body!["properties"]!["keyVaultProperties"]!;
            Assert.Equal(new string('b', 32), kv["keyVersion"]!.GetValue<string>());
            Assert.Equal(UaiA, kv["userIdentity"]!.GetValue<string>());

            var ex = Assert.Throws<CmkUnsupportedOperationException>(() => adapter.PlanKeyChange(Kusto("""{ "properties": {} }"""), Key, new CmkKeyChangeOptions()));
            Assert.Equal(CmkServiceAdapter.NotCustomerManagedId, ex.ErrorId);
        }

        [Fact]
        public void Parameters_of_other_services_and_unsupported_disables_are_typed_refusals()
        {
            var resource = Kusto("""{ "identity": { "type": "SystemAssigned", "principalId": "s" } }""");
            var ex = Assert.Throws<CmkUnsupportedOperationException>(() => new DataExplorerAdapter().ValidateEnable(resource,
                new CmkEnableRequest(Key, CmkIdentitySelection.SystemAssigned) { DataCenterNames = new[] { "dc1" } }));
            Assert.Equal(CmkServiceAdapter.ParameterNotSupportedId, ex.ErrorId);

            var netApp = new CmkResource(Rg + "/providers/Microsoft.NetApp/netAppAccounts/a", JsonNode.Parse(
                """{ "properties": { "encryption": { "keySource": "Microsoft.KeyVault", "keyVaultProperties": { "keyVaultUri": "https://kvx.vault.azure.net/", "keyName": "k" } } } }""")!.AsObject());
            var disable = Assert.Throws<CmkUnsupportedOperationException>(() => new NetAppFilesAdapter().PlanDisable(netApp));
            Assert.Equal(CmkServiceAdapter.DisableNotSupportedId, disable.ErrorId);
            Assert.Contains("going back", disable.Message);
        }

        [Fact]
        public void Role_assignment_names_are_stable_guids()
        {
            var a = KeyVaultAccessGranter.DeterministicGuid("scope|p|r");
            Assert.Equal(a, KeyVaultAccessGranter.DeterministicGuid("scope|p|r"));
            Assert.NotEqual(a, KeyVaultAccessGranter.DeterministicGuid("scope|p|r2"));
            Assert.True(Guid.TryParse(a, out _));
            Assert.Equal('5', a[14]);
        }
    }
}
