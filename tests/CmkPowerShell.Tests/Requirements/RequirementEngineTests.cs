using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Tests.TestSupport;
using static CmkPowerShell.Tests.Requirements.DemoWorld;

namespace CmkPowerShell.Tests.Requirements
{
    /// <summary>Single checks and engine behaviour over JSON fixtures in the in-memory stand-in (no emulator).</summary>
    public class RequirementEngineTests
    {
        private static Task<IReadOnlyList<CmkRequirementResult>> Run(IAzureResources azure, RequirementRequest request, ICmkHost? host = null)
            => RequirementEngine.RunAsync(request, azure, host, CancellationToken.None);

        private static RequirementRequest Req(string keyUri, RequirementTarget? target = null, int days = 30)
            => new RequirementRequest(KeyReference.FromUri(keyUri), target) { Clock = () => Now, ExpiryWarningDays = days };

        private static CmkRequirementResult One(IEnumerable<CmkRequirementResult> results, string check) => Assert.Single(results, r => r.Check == check);

        private static JsonObject Body(InMemoryAzure azure, string id) => azure.GetAsync(id, CancellationToken.None).Result!;

        private static void Change(InMemoryAzure azure, string id, Action<JsonObject> change)
        {
            var body = Body(azure, id);
            change(body);
            azure.Add(body);
            azure.ClearLog();
        }

        private static IReadOnlyList<string> Failed(IEnumerable<CmkRequirementResult> r) => DemoScenarioStandInTests.Ids(r, RequirementStatus.Failed);

        [Fact]
        public async Task A_versioned_uri_is_checked_against_that_version()
        {
            var azure = Build();
            var results = await Run(azure, Req(KeyUri("kv-good", "cmk") + "/" + OlderCmkVersion, RequirementTarget.FromResourceId(Kusto)));
            Assert.Contains($"GET {VaultId("kv-good")}/keys/cmk/versions/{OlderCmkVersion}", azure.Requests);
            Assert.Contains(OlderCmkVersion, One(results, CheckIds.KeyExists).Message);
            Assert.Empty(Failed(results));

            var missing = await Run(Build(), Req(KeyUri("kv-good", "cmk") + "/" + new string('e', 32)));
            Assert.Equal(new[] { CheckIds.KeyExists }, Failed(missing));
            Assert.Contains("version " + new string('e', 32), One(missing, CheckIds.KeyExists).Message);
        }

        [Fact]
        public async Task A_sparse_version_body_is_completed_from_the_key()
        {
            var azure = Build();
            var versionId = $"{VaultId("kv-good")}/keys/cmk/versions/{OlderCmkVersion}";
            Change(azure, versionId, v => { var p = v["properties"]!.AsObject(); p.Remove("kty"); p.Remove("keySize"); p.Remove("keyOps"); });
            var results = await Run(azure, Req(KeyUri("kv-good", "cmk") + "/" + OlderCmkVersion, RequirementTarget.FromResourceId(Kusto)));
            Assert.Empty(Failed(results));
            Assert.Contains("3072", One(results, CheckIds.KeySize).Message);
            Assert.Contains($"GET {VaultId("kv-good")}/keys/cmk", azure.Requests);
        }

        [Fact]
        public async Task NetApp_warns_that_a_key_version_is_ignored()
        {
            var results = await Run(Build(), Req(KeyUri("kv-good", "cmk") + "/" + CurrentCmkVersion, RequirementTarget.FromResourceId(NetApp)));
            var format = One(results, CheckIds.KeyUriFormat);
            Assert.Equal(RequirementStatus.Warning, format.Status);
            Assert.Contains(KeyUri("kv-good", "cmk"), format.RecommendedAction);
        }

        [Fact]
        public async Task Expiry_within_the_window_warns_and_outside_it_passes()
        {
            var azure = Build();
            Change(azure, VaultId("kv-good") + "/keys/cmk", k => k["properties"]!["attributes"]!["exp"] = Now.AddDays(10).ToUnixTimeSeconds());
            var warned = await Run(azure, Req(KeyUri("kv-good", "cmk")));
            Assert.Equal(RequirementStatus.Warning, One(warned, CheckIds.KeyExpiryWindow).Status);
            Assert.Equal(RequirementStatus.Passed, One(warned, CheckIds.KeyNotExpired).Status);
            var passed = await Run(azure, Req(KeyUri("kv-good", "cmk"), days: 5));
            Assert.Equal(RequirementStatus.Passed, One(passed, CheckIds.KeyExpiryWindow).Status);
            var expired = await Run(azure, Req(KeyUri("kv-good", "expired-key")));
            Assert.Equal(RequirementStatus.Skipped, One(expired, CheckIds.KeyExpiryWindow).Status);
        }

        [Fact]
        public async Task A_key_of_another_cloud_fails_the_cloud_host_check()
        {
            var results = await Run(Build(), Req("https://kv-good.vault.usgovcloudapi.net/keys/cmk"));
            var host = One(results, CheckIds.KeyUriCloudHost);
            Assert.Equal(RequirementStatus.Failed, host.Status);
            Assert.Contains("vault.azure.net", host.Message);
        }

        [Fact]
        public async Task A_vault_given_by_resource_id_is_read_directly_and_names_the_key_uri()
        {
            var azure = Build();
            var request = new RequirementRequest(KeyReference.FromVaultResourceId(VaultId("kv-good"), "cmk"), RequirementTarget.FromResourceId(Kusto)) { Clock = () => Now };
            var results = await Run(azure, request);
            Assert.DoesNotContain(azure.Requests, r => r.Contains("/resources?", StringComparison.Ordinal));
            Assert.All(results, r => Assert.Equal(RequirementStatus.Passed, r.Status));
            Assert.Equal(KeyUri("kv-good", "cmk"), One(results, CheckIds.KeyUriFormat).Target);

            var byName = await Run(Build(), new RequirementRequest(KeyReference.FromVaultName("KV-NOPURGE", "cmk")) { Clock = () => Now });
            Assert.Equal(new[] { CheckIds.KeyVaultPurgeProtection }, Failed(byName));
        }

        [Fact]
        public async Task Unparseable_input_throws_typed_errors_naming_it()
        {
            Assert.Equal("InvalidKeyUri", Assert.ThrowsAny<CmkException>(() => KeyReference.FromUri("https://kv-good.vault.azure.net/secrets/x")).ErrorId);
            Assert.Equal("InvalidResourceId", Assert.ThrowsAny<CmkException>(() => KeyReference.FromVaultResourceId(Kusto, "cmk")).ErrorId);
            var unsupported = Assert.ThrowsAny<CmkException>(() => RequirementTarget.FromResourceId(VaultId("kv-good")));
            Assert.Equal("InvalidResourceId", unsupported.ErrorId);
            Assert.Equal(VaultId("kv-good"), unsupported.Target);
            Assert.Equal("InvalidResourceId", Assert.ThrowsAny<CmkException>(() => RequirementTarget.ForService(CmkService.Batch, Region, principalId: "not-a-guid")).ErrorId);
            Assert.Equal("KeyVaultResourceId", Assert.Throws<CmkInputException>(() => KeyReference.FromVaultResourceId(Kusto, "cmk")).ParameterName);
            Assert.Equal("UserAssignedIdentityId", Assert.Throws<CmkInputException>(() => RequirementTarget.ForService(CmkService.Batch, Region, userAssignedIdentityId: Kusto)).ParameterName);
            Assert.Equal("KeyUri", Assert.Throws<CmkInputException>(() => KeyReference.FromUri("https://kv-good.vault.azure.net/keys")).ParameterName);
            await Task.CompletedTask;
        }

        [Fact]
        public async Task Data_Box_jobs_are_read_with_their_details()
        {
            var azure = Build();
            await Run(azure, Req(KeyUri("kv-good", "cmk"), RequirementTarget.FromResourceId(DataBox)));
            Assert.Contains("GET " + DataBox + "?$expand=details", azure.Requests);
        }

        [Fact]
        public async Task Identity_is_read_per_service_from_the_resource_body()
        {
            var azure = Build();
            // Data Box job whose key encryption key uses a user-assigned identity (details.keyEncryptionKey.identityProperties)
            Change(azure, DataBox, job =>
            {
                job["identity"] = new JsonObject { ["type"] = "SystemAssigned,UserAssigned", ["principalId"] = Principals[DataBox],
                    ["userAssignedIdentities"] = new JsonObject { [UaiId("uai-noaccess")] = new JsonObject { ["principalId"] = Principals["uai-noaccess"] } } };
                job["properties"]!["details"]!["keyEncryptionKey"]!["identityProperties"] = new JsonObject
                    { ["type"] = "UserAssigned", ["userAssigned"] = new JsonObject { ["resourceId"] = UaiId("uai-noaccess") } };
            });
            // Kusto cluster pointing keyVaultProperties.userIdentity at uai-noaccess
            Change(azure, Kusto, c => c["properties"]!["keyVaultProperties"] = new JsonObject { ["userIdentity"] = UaiId("uai-noaccess") });
            // NetApp account with encryption.identity.userAssignedIdentity
            Change(azure, NetApp, a =>
            {
                a["identity"] = new JsonObject { ["type"] = "UserAssigned", ["userAssignedIdentities"] = new JsonObject { [UaiId("uai-noaccess")] = new JsonObject { ["principalId"] = Principals["uai-noaccess"] } } };
                a["properties"]!["encryption"]!["identity"] = new JsonObject { ["userAssignedIdentity"] = UaiId("uai-noaccess") };
            });
            foreach (var id in new[] { DataBox, Kusto, NetApp })
            {
                var results = await Run(azure, Req(KeyUri("kv-good", "cmk"), RequirementTarget.FromResourceId(id)));
                Assert.Equal(new[] { CheckIds.IdentityAccess }, Failed(results));
                Assert.Contains(Principals["uai-noaccess"], One(results, CheckIds.IdentityAccess).Message);
                Assert.Contains("UserAssigned", One(results, CheckIds.IdentityType).Message);
            }
        }

        [Fact]
        public async Task A_batch_account_with_a_user_assigned_identity_fails_the_identity_type()
        {
            var azure = Build();
            Change(azure, Batch, b => b["identity"] = new JsonObject
            {
                ["type"] = "UserAssigned",
                ["userAssignedIdentities"] = new JsonObject { [UaiId("uai-good")] = new JsonObject { ["principalId"] = Principals["uai-good"] } },
            });
            var results = await Run(azure, Req(KeyUri("kv-good", "cmk"), RequirementTarget.FromResourceId(Batch)));
            Assert.Equal(new[] { CheckIds.IdentityType }, Failed(results));
            Assert.Contains("SystemAssigned", One(results, CheckIds.IdentityType).RecommendedAction);
        }

        [Fact]
        public async Task An_explicit_principal_is_evaluated_without_knowing_its_type()
        {
            var target = RequirementTarget.ForService(CmkService.DataExplorer, "West Europe", principalId: Principals[Kusto]);
            var results = await Run(Build(), Req(KeyUri("kv-good", "cmk"), target));
            Assert.Equal(RequirementStatus.Skipped, One(results, CheckIds.IdentityType).Status);
            Assert.Equal(RequirementStatus.Passed, One(results, CheckIds.IdentityAccess).Status);
            Assert.Equal(RequirementStatus.Passed, One(results, CheckIds.KeyVaultRegion).Status);
            Assert.Empty(Failed(results));
        }

        [Fact]
        public async Task A_service_and_location_without_an_identity_skip_the_identity_checks()
        {
            var results = await Run(Build(), Req(KeyUri("kv-eastus", "cmk"), RequirementTarget.ForService(CmkService.DataExplorer, "westeurope")));
            Assert.Equal(new[] { CheckIds.KeyVaultRegion }, Failed(results));
            Assert.All(results.Where(r => r.Check.StartsWith("Identity.", StringComparison.Ordinal)), r => Assert.Equal(RequirementStatus.Skipped, r.Status));
        }

        [Fact]
        public async Task A_missing_target_or_identity_skips_what_depends_on_it()
        {
            var missing = $"{Rg}/providers/Microsoft.Kusto/clusters/kusto-gone";
            var results = await Run(Build(), Req(KeyUri("kv-good", "cmk"), RequirementTarget.FromResourceId(missing)));
            foreach (var check in new[] { CheckIds.KeyVaultRegion, CheckIds.IdentityPresent, CheckIds.IdentityType, CheckIds.IdentityAccess })
            {
                Assert.Equal(RequirementStatus.Skipped, One(results, check).Status);
                Assert.Contains("kusto-gone", One(results, check).Message);
            }
            var uai = RequirementTarget.ForService(CmkService.DataBox, Region, userAssignedIdentityId: UaiId("uai-gone"));
            var noUai = await Run(Build(), Req(KeyUri("kv-good", "cmk"), uai));
            Assert.Equal(new[] { CheckIds.IdentityPresent }, Failed(noUai));
            Assert.Equal(RequirementStatus.Skipped, One(noUai, CheckIds.IdentityAccess).Status);
        }

        [Fact]
        public async Task Firewall_bypass_and_public_access_disabled()
        {
            var azure = Build();
            Change(azure, VaultId("kv-firewall"), v => v["properties"]!["networkAcls"]!["bypass"] = "AzureServices");
            Assert.Equal(RequirementStatus.Passed, One(await Run(azure, Req(KeyUri("kv-firewall", "cmk"))), CheckIds.KeyVaultFirewall).Status);
            Change(azure, VaultId("kv-good"), v => v["properties"]!["publicNetworkAccess"] = "Disabled");
            var disabled = One(await Run(azure, Req(KeyUri("kv-good", "cmk"))), CheckIds.KeyVaultFirewall);
            Assert.Equal(RequirementStatus.Warning, disabled.Status);
            Assert.Contains("disabled", disabled.Message);
        }

        [Fact]
        public async Task Private_endpoint_in_the_delegated_subnet_or_another_vnet_fails_and_no_volumes_warns()
        {
            var azure = Build();
            Change(azure, PrivateEndpoint, pe => pe["properties"]!["subnet"]!["id"] = DelegatedSubnet);
            var delegated = One(await Run(azure, Req(KeyUri("kv-good", "cmk"), RequirementTarget.FromResourceId(NetApp))), CheckIds.KeyVaultPrivateEndpoint);
            Assert.Equal(RequirementStatus.Failed, delegated.Status);
            Assert.Contains("delegated", delegated.Message);

            Change(azure, PrivateEndpoint, pe => pe["properties"]!["subnet"]!["id"] = $"{Rg}/providers/Microsoft.Network/virtualNetworks/vnet-other/subnets/pe");
            var otherVnet = One(await Run(azure, Req(KeyUri("kv-good", "cmk"), RequirementTarget.FromResourceId(NetApp))), CheckIds.KeyVaultPrivateEndpoint);
            Assert.Equal(RequirementStatus.Failed, otherVnet.Status);
            Assert.Contains("vnet-demo", otherVnet.Message);

            var explicitTarget = RequirementTarget.ForService(CmkService.NetAppFiles, Region, principalId: Principals[NetApp]);
            var unknownVnet = One(await Run(Build(), Req(KeyUri("kv-good", "cmk"), explicitTarget)), CheckIds.KeyVaultPrivateEndpoint);
            Assert.Equal(RequirementStatus.Warning, unknownVnet.Status);
        }

        [Fact]
        public async Task A_managed_hsm_key_is_checked_but_its_local_rbac_is_skipped()
        {
            var azure = Build();
            var hsmId = $"{Rg}/providers/Microsoft.KeyVault/managedHSMs/hsm-demo";
            azure.Add(JsonNode.Parse($$$"""
                {"id":"{{{hsmId}}}","name":"hsm-demo","type":"Microsoft.KeyVault/managedHSMs","location":"westeurope",
                 "properties":{"tenantId":"{{{Tenant}}}","enableSoftDelete":true,"enablePurgeProtection":true,"hsmUri":"https://hsm-demo.managedhsm.azure.net/"}}
                """)!.AsObject());
            azure.Add(JsonNode.Parse($$$"""
                {"id":"{{{hsmId}}}/keys/cmk","name":"cmk","type":"Microsoft.KeyVault/managedHSMs/keys",
                 "properties":{"kty":"RSA-HSM","keySize":3072,"keyOps":["wrapKey","unwrapKey"],"attributes":{"enabled":true} } }
                """)!.AsObject());
            var results = await Run(azure, Req("https://hsm-demo.managedhsm.azure.net/keys/cmk", RequirementTarget.FromResourceId(Kusto)));
            Assert.Empty(Failed(results));
            var access = One(results, CheckIds.IdentityAccess);
            Assert.Equal(RequirementStatus.Skipped, access.Status);
            Assert.Contains("local RBAC", access.Message);
        }

        [Fact]
        public async Task A_read_failure_is_a_warning_result_not_an_exception()
        {
            var results = await Run(new FailingAzure(Build()), Req(KeyUri("kv-good", "cmk"), RequirementTarget.FromResourceId(Kusto)));
            var exists = One(results, CheckIds.KeyVaultExists);
            Assert.Equal(RequirementStatus.Warning, exists.Status);
            Assert.Contains("InternalServerError", exists.Message);
            Assert.Equal(RequirementStatus.Skipped, One(results, CheckIds.KeyExists).Status);
            Assert.Empty(Failed(results));
        }

        [Fact]
        public async Task Results_follow_the_catalogue_and_carry_their_source()
        {
            var results = await Run(Build(), Req(KeyUri("kv-good", "cmk"), RequirementTarget.FromResourceId(DataBox)));
            var expected = RequirementCatalogue.Checks.Where(c => c.AppliesTo(CmkService.DataBox)).Select(c => c.Id);
            Assert.Equal(expected, results.Select(r => r.Check));
            Assert.DoesNotContain(results, r => r.Check == CheckIds.KeyVaultRegion || r.Check == CheckIds.KeyVaultPrivateEndpoint);
            Assert.All(results, r => Assert.Equal(RequirementCatalogue.Get(r.Check).Source, r.Source));
            Assert.All(results, r => Assert.Null(r.RecommendedAction));
        }

        [Fact]
        public async Task The_host_hears_what_is_read()
        {
            using var host = new RecordingHost();
            await Run(Build(), Req(KeyUri("kv-good", "cmk")), host);
            Assert.Contains(host.Verbose, m => m.Contains("kv-good", StringComparison.Ordinal));
        }

        [Fact]
        public void The_catalogue_has_exactly_the_issue_ids_each_with_action_and_source()
        {
            var ids = new[]
            {
                "KeyUri.Format", "KeyUri.CloudHost", "Resource.Sku", "KeyVault.Exists", "KeyVault.SoftDelete", "KeyVault.PurgeProtection", "KeyVault.Region", "KeyVault.Tenant",
                "KeyVault.Firewall", "KeyVault.PrivateEndpoint", "Key.Exists", "Key.Type", "Key.Size", "Key.Enabled", "Key.NotExpired",
                "Key.Active", "Key.ExpiryWindow", "Key.Operations", "Identity.Present", "Identity.Type", "Identity.Access",
            };
            Assert.Equal(ids, RequirementCatalogue.Checks.Select(c => c.Id));
            Assert.All(RequirementCatalogue.Checks, c =>
            {
                Assert.False(string.IsNullOrWhiteSpace(c.RecommendedAction));
                Assert.False(string.IsNullOrWhiteSpace(c.Source));
                Assert.NotEmpty(c.Services);
            });
            Assert.Equal(new[] { CmkService.NetAppFiles }, RequirementCatalogue.Get("KeyVault.PrivateEndpoint").Services);
            // Region and SKU follow the services' profiles (SameRegionRequired, SupportedSkus), so a new service needs no catalogue edit.
            var all = (CmkService[])Enum.GetValues(typeof(CmkService));
            Assert.Equal(new[] { CmkService.NetAppFiles, CmkService.DataExplorer, CmkService.PostgreSqlFlexibleServer, CmkService.RecoveryServicesVault, CmkService.DiskEncryptionSet }, all.Where(s => RequirementCatalogue.Get("KeyVault.Region").AppliesTo(s)));
            Assert.Equal(new[] { CmkService.PostgreSqlFlexibleServer }, all.Where(s => RequirementCatalogue.Get("KeyVault.Tenant").AppliesTo(s)));
            Assert.Equal(new[] { CmkService.EventHubs, CmkService.ServiceBus, CmkService.ContainerRegistry }, all.Where(s => RequirementCatalogue.Get("Resource.Sku").AppliesTo(s)));
        }

        [Fact]
        public void Service_profiles_encode_the_documented_rules()
        {
            Assert.Equal(new[] { "get", "encrypt", "decrypt" }, ServiceProfiles.For(CmkService.NetAppFiles).Access.KeyPermissions);
            Assert.All(new[] { ServiceProfiles.For(CmkService.DataBox), ServiceProfiles.For(CmkService.DataExplorer), ServiceProfiles.For(CmkService.ManagedCassandra), ServiceProfiles.For(CmkService.Batch) },
                p => Assert.Equal(new[] { "get", "wrapKey", "unwrapKey" }, p.Access.KeyPermissions));
            Assert.Equal(new[] { CmkIdentityType.SystemAssigned }, ServiceProfiles.For(CmkService.ManagedCassandra).SupportedIdentityTypes);
            Assert.Equal(new[] { CmkIdentityType.SystemAssigned }, ServiceProfiles.For(CmkService.Batch).SupportedIdentityTypes);
            Assert.True(ServiceProfiles.For(CmkService.DataExplorer).IsKeySizeAllowed(3072));
            Assert.False(ServiceProfiles.For(CmkService.DataExplorer).IsKeySizeAllowed(8192));
            Assert.True(ServiceProfiles.For(CmkService.DataBox).IsKeySizeAllowed(8192));
            Assert.False(ServiceProfiles.For(CmkService.DataBox).IsKeySizeAllowed(1024));
            Assert.Equal(FirewallRule.FailWithUserAssignedIdentity, ServiceProfiles.For(CmkService.DataBox).Firewall);
            Assert.True(ServiceProfiles.For(CmkService.NetAppFiles).PrivateEndpointRequired && ServiceProfiles.For(CmkService.NetAppFiles).SameRegionRequired);
            Assert.True(ServiceProfiles.For(CmkService.DataExplorer).SameRegionRequired);
            Assert.All(ServiceProfiles.All, p => Assert.NotEmpty(p.Sources));
            foreach (var target in Core.Services.CmkServiceAdapter.All)
                Assert.Same(target, Core.Services.CmkServiceAdapter.ForResourceType(target.ResourceType.ToUpperInvariant()));
        }

        /// <summary>Answers 500 for the generic resource list, as a throttled or broken ARM might after retries.</summary>
        private sealed class FailingAzure : IAzureResources
        {
            private readonly InMemoryAzure _inner;
            public FailingAzure(InMemoryAzure inner) { _inner = inner; }
            public AzureCloud Cloud => _inner.Cloud;
            public string SubscriptionId => _inner.SubscriptionId;
            public string TenantId => _inner.TenantId;
            public Task<JsonObject?> GetAsync(string path, CancellationToken ct, string? q = null) => _inner.GetAsync(path, ct, q);
            public Task<IReadOnlyList<JsonObject>> ListAsync(string path, CancellationToken ct, string? q = null)
                => path.EndsWith("/resources", StringComparison.Ordinal)
                    ? throw new CmkException("InternalServerError", CmkErrorCategory.NotSpecified, "InternalServerError: the server failed.", path, userCanFix: false)
                    : _inner.ListAsync(path, ct, q);
            public Task<JsonObject?> SendAsync(HttpMethod m, string p, JsonNode? b, CancellationToken ct, IProgress<OperationProgress>? pr = null)
                => _inner.SendAsync(m, p, b, ct, pr);
        }
    }
}
