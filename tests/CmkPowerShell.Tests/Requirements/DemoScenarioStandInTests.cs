using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Requirements;
using static CmkPowerShell.Tests.Requirements.DemoWorld;

namespace CmkPowerShell.Tests.Requirements
{
    /// <summary>
    /// The demo scenario's broken vaults, keys and identities, each failing exactly its checks, run over the
    /// unit-level <see cref="InMemoryAzure"/> stand-in (not the emulator: that integration is still to come).
    /// </summary>
    public class DemoScenarioStandInTests
    {
        public static IEnumerable<object[]> Cases()
        {
            // key URI, target, the checks that must fail (nothing else may fail), the checks that must warn (nothing else may warn)
            object[] C(string vault, string key, string target, string failed, string warned = "")
                => new object[] { KeyUri(vault, key), target, failed, warned };
            yield return C("kv-good", "cmk", "kusto", "");
            yield return C("kv-good", "cmk", "databox", "");
            yield return C("kv-good", "cmk", "batch", "");
            yield return C("kv-good", "cmk", "netapp", "");
            yield return C("kv-good", "cmk", "none", "");
            yield return C("kv-good", "cmk", "uai:DataExplorer:uai-good", "");
            // The cluster has no identity yet, so it cannot use the key: a failure (a "-Quiet" guard must not pass it), not a warning.
            yield return C("kv-good", "cmk", "cassandra", "Identity.Present");
            // An explicit NetApp identity has no account whose volumes name the virtual network to compare.
            yield return C("kv-good", "cmk", "uai:NetAppFiles:uai-good", "", "KeyVault.PrivateEndpoint");
            yield return C("kv-nopurge", "cmk", "kusto", "KeyVault.PurgeProtection");
            yield return C("kv-nosoftdelete", "cmk", "kusto", "KeyVault.SoftDelete,KeyVault.PurgeProtection");
            yield return C("kv-eastus", "cmk", "kusto", "KeyVault.Region");
            yield return C("kv-eastus", "cmk", "databox", "");
            yield return C("kv-eastus", "cmk", "netapp", "KeyVault.Region,KeyVault.PrivateEndpoint");
            yield return C("kv-firewall", "cmk", "kusto", "", "KeyVault.Firewall");
            yield return C("kv-firewall", "cmk", "uai:DataBox:uai-good", "KeyVault.Firewall");
            yield return C("kv-firewall", "cmk", "databox", "", "KeyVault.Firewall");
            yield return C("kv-good", "ec-key", "kusto", "Key.Type");
            yield return C("kv-good", "rsa-1024", "kusto", "Key.Size");
            yield return C("kv-good", "disabled-key", "kusto", "Key.Enabled");
            yield return C("kv-good", "expired-key", "kusto", "Key.NotExpired");
            yield return C("kv-good", "future-key", "kusto", "Key.Active");
            yield return C("kv-good", "noops-key", "kusto", "Key.Operations");
            yield return C("kv-good", "noops-key", "netapp", "Key.Operations");
            yield return C("kv-good", "no-such-key", "kusto", "Key.Exists");
            yield return C("kv-nowhere", "cmk", "kusto", "KeyVault.Exists");
            yield return C("kv-good", "cmk", "uai:DataExplorer:uai-noaccess", "Identity.Access");
            yield return C("kv-good", "cmk", "uai:ManagedCassandra:uai-good", "Identity.Type");
            yield return C("kv-good", "cmk", "uai:Batch:uai-good", "Identity.Type");
            yield return C("kv-rbac", "cmk", "kusto", "");
            yield return C("kv-rbac", "cmk", "uai:DataBox:uai-good", "");
            yield return C("kv-rbac", "cmk", "uai:DataBox:uai-contributor", "Identity.Access");
            yield return C("kv-rbac", "cmk", "uai:DataBox:uai-noaccess", "Identity.Access");
            // NetApp needs encrypt/decrypt: the Crypto Service Encryption User role (wrap/unwrap) is not enough.
            yield return C("kv-rbac", "cmk", "netapp", "Identity.Access,KeyVault.PrivateEndpoint");
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public async Task Each_broken_thing_fails_exactly_its_checks(string keyUri, string target, string failed, string warned)
        {
            var azure = Build();
            var results = await RequirementEngine.RunAsync(Request(keyUri, target), azure, null, CancellationToken.None);

            Assert.Equal(Split(failed), Ids(results, RequirementStatus.Failed));
            Assert.Equal(Split(warned), Ids(results, RequirementStatus.Warning));
            Assert.Equal(results.Count, results.Select(r => r.Check).Distinct().Count());
            Assert.All(results.Where(r => r.Status == RequirementStatus.Failed), r => Assert.False(string.IsNullOrEmpty(r.RecommendedAction)));
        }

        [Fact]
        public async Task The_good_key_for_each_service_passes_every_applicable_check()
        {
            foreach (var target in new[] { "kusto", "databox", "batch", "netapp" })
            {
                var results = await RequirementEngine.RunAsync(Request(KeyUri("kv-good", "cmk"), target), Build(), null, CancellationToken.None);
                Assert.All(results, r => Assert.Equal(RequirementStatus.Passed, r.Status));
            }
            var netapp = await RequirementEngine.RunAsync(Request(KeyUri("kv-good", "cmk"), "netapp"), Build(), null, CancellationToken.None);
            // Every check that applies to NetApp Files (Resource.Sku applies only to services with a SKU limit).
            Assert.Equal(RequirementCatalogue.Checks.Where(c => c.AppliesTo(CmkService.NetAppFiles)).Select(c => c.Id), netapp.Select(r => r.Check));
        }

        [Fact]
        public async Task A_principal_that_may_not_read_role_assignments_gets_a_warning_not_a_crash()
        {
            var azure = Build();
            azure.RoleAssignmentReadForbidden = true;
            var results = await RequirementEngine.RunAsync(Request(KeyUri("kv-rbac", "cmk"), "kusto"), azure, null, CancellationToken.None);
            var access = Assert.Single(results, r => r.Check == CheckIds.IdentityAccess);
            Assert.Equal(RequirementStatus.Warning, access.Status);
            Assert.Contains("AuthorizationFailed", access.Message);
            Assert.Empty(Ids(results, RequirementStatus.Failed));
        }

        [Fact]
        public async Task One_resource_costs_four_reads_on_an_access_policy_vault()
        {
            var azure = Build();
            await RequirementEngine.RunAsync(Request(KeyUri("kv-good", "cmk"), "kusto"), azure, null, CancellationToken.None);
            // the cluster, the vault lookup by name, the vault, the key
            Assert.Equal(4, azure.RequestCount);
        }

        [Fact]
        public async Task Twenty_resources_sharing_one_vault_read_the_vault_and_key_once()
        {
            var azure = Build();
            var ids = AddKustoClusters(azure, 20, "kv-good");
            var requests = ids.Select(id => Request(KeyUri("kv-good", "cmk"), id)).ToList();
            var runs = await RequirementEngine.RunAsync(requests, azure, null, CancellationToken.None, maxConcurrency: 8);

            Assert.All(runs, run => Assert.All(run.Results, r => Assert.Equal(RequirementStatus.Passed, r.Status)));
            Assert.Single(azure.Requests, r => r.StartsWith("LIST /subscriptions/" + Subscription + "/resources", StringComparison.Ordinal));
            Assert.Single(azure.Requests, r => r == "GET " + VaultId("kv-good"));
            Assert.Single(azure.Requests, r => r == "GET " + VaultId("kv-good") + "/keys/cmk");
            Assert.Equal(20 + 3, azure.RequestCount);
        }

        [Fact]
        public async Task Twenty_resources_on_an_rbac_vault_list_roles_per_identity_and_read_the_role_once()
        {
            var azure = Build();
            var ids = AddKustoClusters(azure, 20, "kv-rbac");
            var requests = ids.Select(id => Request(KeyUri("kv-rbac", "cmk"), id)).ToList();
            var runs = await RequirementEngine.RunAsync(requests, azure, null, CancellationToken.None, maxConcurrency: 8);

            Assert.All(runs, run => Assert.All(run.Results, r => Assert.Equal(RequirementStatus.Passed, r.Status)));
            Assert.Single(azure.Requests, r => r == "GET " + CryptoServiceEncryptionUser);
            // 20 clusters + lookup + vault + key + 20 role assignment lists (one per identity) + 1 role definition
            Assert.Equal(20 + 3 + 20 + 1, azure.RequestCount);
        }

        /// <summary>Adds n Kusto clusters whose system identities are granted on the vault the way the vault's model wants.</summary>
        private static IReadOnlyList<string> AddKustoClusters(InMemoryAzure azure, int n, string vault)
        {
            var ids = new List<string>();
            var vaultBody = azure.GetAsync(VaultId(vault), CancellationToken.None).Result!;
            for (int i = 0; i < n; i++)
            {
                var id = $"{Rg}/providers/Microsoft.Kusto/clusters/kusto-fleet-{i:00}";
                var principal = $"c0000000-0000-0000-0000-{i:000000000000}";
                azure.Add(Resource(id, "Microsoft.Kusto/clusters",
                    new System.Text.Json.Nodes.JsonObject { ["type"] = "SystemAssigned", ["principalId"] = principal, ["tenantId"] = Tenant },
                    new System.Text.Json.Nodes.JsonObject()));
                if (vault == "kv-rbac")
                    azure.AddRoleAssignment(new System.Text.Json.Nodes.JsonObject
                    {
                        ["id"] = VaultId(vault) + "/keys/cmk/providers/Microsoft.Authorization/roleAssignments/" + Guid.NewGuid(),
                        ["properties"] = new System.Text.Json.Nodes.JsonObject
                        {
                            ["roleDefinitionId"] = CryptoServiceEncryptionUser, ["principalId"] = principal, ["scope"] = VaultId(vault) + "/keys/cmk",
                        },
                    });
                else
                    ((System.Text.Json.Nodes.JsonArray)vaultBody["properties"]!["accessPolicies"]!).Add(new System.Text.Json.Nodes.JsonObject
                    {
                        ["tenantId"] = Tenant, ["objectId"] = principal,
                        ["permissions"] = new System.Text.Json.Nodes.JsonObject { ["keys"] = new System.Text.Json.Nodes.JsonArray("get", "wrapKey", "unwrapKey") },
                    });
                ids.Add(id);
            }
            azure.Add(vaultBody);
            azure.ClearLog();
            return ids;
        }

        internal static RequirementRequest Request(string keyUri, string target, Func<DateTimeOffset>? clock = null)
        {
            RequirementTarget? t = target switch
            {
                "none" => null,
                "kusto" => RequirementTarget.FromResourceId(Kusto),
                "databox" => RequirementTarget.FromResourceId(DataBox),
                "batch" => RequirementTarget.FromResourceId(Batch),
                "netapp" => RequirementTarget.FromResourceId(NetApp),
                "cassandra" => RequirementTarget.FromResourceId(Cassandra),
                _ when target.StartsWith("uai:", StringComparison.Ordinal) => RequirementTarget.ForService(
                    Enum.Parse<CmkService>(target.Split(':')[1]), Region, userAssignedIdentityId: UaiId(target.Split(':')[2])),
                _ => RequirementTarget.FromResourceId(target),
            };
            return new RequirementRequest(KeyReference.FromUri(keyUri), t) { Clock = clock ?? (() => Now) };
        }

        internal static IReadOnlyList<string> Ids(IEnumerable<CmkRequirementResult> results, RequirementStatus status)
            => results.Where(r => r.Status == status).Select(r => r.Check).OrderBy(s => s, StringComparer.Ordinal).ToList();

        private static IReadOnlyList<string> Split(string ids)
            => ids.Split(',', StringSplitOptions.RemoveEmptyEntries).OrderBy(s => s, StringComparer.Ordinal).ToList();
    }
}
