using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>
    /// A Managed HSM served from the management plane (Microsoft.KeyVault/managedHSMs, its keys and versions, Key Vault
    /// 2026-02-01) with its local RBAC (issue 11): the engine finds the HSM by name, reads the key there, and Data Explorer
    /// takes the HSM key when the cluster's identity holds a local role on it, and refuses it otherwise.
    /// </summary>
    public sealed class ManagedHsmEmulatorTests : IAsyncLifetime
    {
        private const string KustoPrincipal = "88888888-8888-8888-8888-000000000003";
        private const string OtherPrincipal = "88888888-8888-8888-8888-0000000000ff";

        private static string Scenario(string localRolePrincipal, string initialAdmins = "[\"33333333-3333-3333-3333-333333333333\"]") => """
            {
              "adminPrincipalId": "33333333-3333-3333-3333-333333333333",
              "roleAssignments": [{ "scope": "/subscriptions/{subscriptionId}", "role": "Owner", "principalId": "33333333-3333-3333-3333-333333333333" }],
              "resourceGroups": [{ "name": "rg-hsm", "location": "westeurope" }],
              "managedHsms": [{ "name": "hsm-cmk", "resourceGroup": "rg-hsm", "location": "westeurope", "enablePurgeProtection": true,
                                "initialAdminObjectIds": ADMINS,
                                "keys": [{ "name": "cmk", "kty": "RSA-HSM", "keySize": 3072 }],
                                "localRoleAssignments": [{ "principalId": "PRINCIPAL", "role": "Managed HSM Crypto Service Encryption User", "scope": "/keys" }] }],
              "resources": [{
                "id": "/subscriptions/{subscriptionId}/resourceGroups/rg-hsm/providers/Microsoft.Kusto/clusters/kusto-hsm",
                "location": "westeurope", "sku": { "name": "Standard_E8ads_v5", "tier": "Standard", "capacity": 2 },
                "identity": { "type": "SystemAssigned", "principalId": "88888888-8888-8888-8888-000000000003" },
                "properties": { "state": "Running", "enableDiskEncryption": false, "engineType": "V3" }
              }]
            }
            """.Replace("PRINCIPAL", localRolePrincipal).Replace("ADMINS", initialAdmins);

        private const string HsmKey = "https://hsm-cmk.managedhsm.azure.net/keys/cmk";
        private ScenarioEmulator _granted = null!;
        private ScenarioEmulator _notGranted = null!;
        private ScenarioEmulator _unreadable = null!;

        public async Task InitializeAsync()
        {
            _granted = await ScenarioEmulator.StartAsync(Scenario(KustoPrincipal));
            _notGranted = await ScenarioEmulator.StartAsync(Scenario(OtherPrincipal));
            // The caller is not among the HSM's administrators and holds no local role: it may not read the HSM's RBAC.
            _unreadable = await ScenarioEmulator.StartAsync(Scenario(KustoPrincipal, "[]"));
        }

        public async Task DisposeAsync()
        {
            await _granted.DisposeAsync();
            await _notGranted.DisposeAsync();
            await _unreadable.DisposeAsync();
        }

        private static string Kusto(ScenarioEmulator e) => $"/subscriptions/{e.Server.SubscriptionId}/resourceGroups/rg-hsm/providers/Microsoft.Kusto/clusters/kusto-hsm";

        [Fact]
        public async Task A_Managed_HSM_key_passes_the_requirements_read_through_the_management_plane()
        {
            var results = await RequirementEngine.RunAsync(
                new RequirementRequest(KeyReference.FromUri(HsmKey, _granted.Session.Cloud), RequirementTarget.FromResourceId(Kusto(_granted))),
                _granted.Session, null, CancellationToken.None);

            Assert.DoesNotContain(results, r => r.Status == RequirementStatus.Failed);
            Assert.Equal(RequirementStatus.Passed, results.Single(r => r.Check == CheckIds.KeyVaultExists).Status);
            Assert.Equal(RequirementStatus.Passed, results.Single(r => r.Check == CheckIds.KeyUriCloudHost).Status);
            // The HSM and its key were read from the management plane, found by name through the generic resource list.
            var log = _granted.Server.Log.Entries.Select(e => e.Path).ToList();
            Assert.Contains(log, p => p.EndsWith("/providers/Microsoft.KeyVault/managedHSMs/hsm-cmk", StringComparison.OrdinalIgnoreCase));
            Assert.Contains(log, p => p.EndsWith("/managedHSMs/hsm-cmk/keys/cmk", StringComparison.OrdinalIgnoreCase));

            // What the emulator serves there is what ManagedHsms_Get and ManagedHsmKeys_Get declare.
            var hsmId = $"/subscriptions/{_granted.Server.SubscriptionId}/resourceGroups/rg-hsm/providers/Microsoft.KeyVault/managedHSMs/hsm-cmk";
            foreach (var path in new[] { hsmId, hsmId + "/keys/cmk" })
            {
                var operation = Specs.ShippedSpecs.Catalog.FindOperation("GET", path, "2026-02-01")!;
                Specs.SpecAssert.NoViolations(Specs.ShippedSpecs.Catalog.ValidateResponse(operation, 200, await _granted.Session.GetAsync(path, default)), operation.OperationId);
            }
        }

        private static async Task<CmkRequirementResult> IdentityAccessAsync(ScenarioEmulator e)
        {
            var results = await RequirementEngine.RunAsync(
                new RequirementRequest(KeyReference.FromUri(HsmKey, e.Session.Cloud), RequirementTarget.FromResourceId(Kusto(e))),
                e.Session, null, CancellationToken.None);
            return results.Single(r => r.Check == CheckIds.IdentityAccess);
        }

        [Fact]
        public async Task Identity_access_passes_through_the_HSM_local_role_read_from_its_data_plane()
        {
            var access = await IdentityAccessAsync(_granted);

            Assert.Equal(RequirementStatus.Passed, access.Status);
            Assert.Contains("Managed HSM Crypto Service Encryption User at /keys", access.Message);
            Assert.Contains("local RBAC", access.Message);
            // Read from the HSM's own host, once each: the principal's assignments and the role definitions, at scope /keys.
            var hsmReads = _granted.Server.Log.Entries.Where(e => e.Path.Contains("/providers/Microsoft.Authorization/role", StringComparison.Ordinal)
                                                                  && e.Path.StartsWith("/keys/", StringComparison.Ordinal)).ToList();
            Assert.Equal(new[] { "/keys/providers/Microsoft.Authorization/roleAssignments", "/keys/providers/Microsoft.Authorization/roleDefinitions" },
                hsmReads.Select(e => e.Path).OrderBy(p => p, StringComparer.Ordinal));
            Assert.All(hsmReads, e => Assert.Contains("api-version=7.5", e.Query));

            // What the emulator serves there is what rbac.json 7.5 declares.
            foreach (var path in new[] { "/keys/providers/Microsoft.Authorization/roleAssignments", "/keys/providers/Microsoft.Authorization/roleDefinitions" })
            {
                var operation = Specs.ShippedSpecs.Catalog.FindOperation("GET", path, "7.5")!;
                var items = await _granted.Session.ListManagedHsmAsync("hsm-cmk.managedhsm.azure.net", path, null, default);
                Assert.NotEmpty(items);
                var page = new System.Text.Json.Nodes.JsonObject { ["value"] = new System.Text.Json.Nodes.JsonArray(items.Select(i => (System.Text.Json.Nodes.JsonNode)i.DeepClone()).ToArray()) };
                Specs.SpecAssert.NoViolations(Specs.ShippedSpecs.Catalog.ValidateResponse(operation, 200, page), operation.OperationId);
            }
        }

        [Fact]
        public async Task Identity_access_fails_when_the_identity_holds_no_local_role_on_the_key()
        {
            var access = await IdentityAccessAsync(_notGranted);

            Assert.Equal(RequirementStatus.Failed, access.Status);
            Assert.Contains("Microsoft.KeyVault/managedHsm/keys/wrap/action", access.Message);
            Assert.Contains("Managed HSM Crypto Service Encryption User", access.RecommendedAction);
            Assert.Contains("--scope /keys/cmk", access.RecommendedAction);
        }

        [Fact]
        public async Task Identity_access_is_a_warning_when_the_caller_may_not_read_the_HSM_local_RBAC()
        {
            var access = await IdentityAccessAsync(_unreadable);

            Assert.Equal(RequirementStatus.Warning, access.Status);
            Assert.Contains("local role assignments of Managed HSM 'hsm-cmk' could not be read", access.Message);
            Assert.Contains("roleAssignments/read/action", access.RecommendedAction);
            Assert.Contains(_unreadable.Server.Log.Entries, e => e.Status == 403 && e.Path == "/keys/providers/Microsoft.Authorization/roleAssignments");
        }

        [Fact]
        public async Task Grant_assigns_Crypto_Service_Encryption_User_at_the_key_once_and_the_identity_then_passes()
        {
            await using var e = await ScenarioEmulator.StartAsync(Scenario(OtherPrincipal));
            var host = new RecordingHost();
            var manager = new CmkEncryptionManager(e.Session, host, new CmkGrantOptions { VisibilityInterval = TimeSpan.FromMilliseconds(10) });

            var grant = await manager.GrantForResourceAsync(Kusto(e), HsmKey, CmkGrantMode.Auto);

            Assert.True(grant.Changed);
            Assert.Equal("ManagedHsmLocalRbac", grant.PermissionModel);
            Assert.Equal("Managed HSM Crypto Service Encryption User at /keys/cmk", grant.GrantedBy);
            Assert.Single(host.ShouldProcessCalls);
            var puts = e.Server.Log.Entries.Where(x => x.Method == "PUT" && x.Path.StartsWith("/keys/cmk/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal)).ToList();
            var put = Assert.Single(puts);
            Assert.Equal(201, put.Status);
            Assert.Contains("api-version=7.5", put.Query);
            // The body the module sent is what RoleAssignments_Create declares.
            Assert.Empty(Specs.ShippedSpecs.Catalog.Validate("PUT", put.Path, "7.5", System.Text.Json.Nodes.JsonNode.Parse(put.RequestBody!)));
            Assert.Equal(RequirementStatus.Passed, (await IdentityAccessAsync(e)).Status);

            // Idempotent: a second grant finds the access and writes nothing.
            var again = await manager.GrantForResourceAsync(Kusto(e), HsmKey, CmkGrantMode.Auto);
            Assert.False(again.Changed);
            Assert.Single(e.Server.Log.Entries, x => x.Method == "PUT");
        }

        [Fact]
        public async Task Grant_under_WhatIf_writes_no_HSM_role_assignment()
        {
            await using var e = await ScenarioEmulator.StartAsync(Scenario(OtherPrincipal));
            var host = new RecordingHost { ShouldProcessAnswer = (_, _) => false };
            var manager = new CmkEncryptionManager(e.Session, host, new CmkGrantOptions());

            var grant = await manager.GrantForResourceAsync(Kusto(e), HsmKey, CmkGrantMode.Auto);

            Assert.False(grant.Changed);
            Assert.Contains("Managed HSM local role", host.ShouldProcessCalls.Single().Action);
            Assert.DoesNotContain(e.Server.Log.Entries, x => x.Method == "PUT");
        }

        [Fact]
        public async Task Grant_for_encrypt_and_decrypt_assigns_Managed_HSM_Crypto_User()
        {
            await using var e = await ScenarioEmulator.StartAsync(Scenario(OtherPrincipal));
            var manager = new CmkEncryptionManager(e.Session, new RecordingHost(), new CmkGrantOptions { VisibilityInterval = TimeSpan.FromMilliseconds(10) });

            var grant = await manager.GrantForPrincipalAsync(KustoPrincipal, CmkService.NetAppFiles, HsmKey, CmkGrantMode.Auto);

            Assert.True(grant.Changed);
            Assert.Equal("Managed HSM Crypto User at /keys/cmk", grant.GrantedBy);
            Assert.Contains("Microsoft.KeyVault/managedHsm/keys/encrypt/action", grant.Permissions);
        }

        [Fact]
        public async Task Set_with_GrantAccess_grants_the_cluster_a_local_role_and_uses_the_HSM_key()
        {
            await using var e = await ScenarioEmulator.StartAsync(Scenario(OtherPrincipal));
            var manager = new CmkEncryptionManager(e.Session, new RecordingHost(), new CmkGrantOptions { VisibilityInterval = TimeSpan.FromMilliseconds(10) });

            var status = await manager.SetAsync(new CmkSetOptions(Kusto(e), HsmKey) { GrantAccess = true });

            Assert.True(status!.CustomerManaged);
            Assert.Contains(e.Server.Log.Entries, x => x.Method == "PUT" && x.Path.StartsWith("/keys/cmk/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal) && x.Status == 201);
        }

        [Fact]
        public async Task A_refused_HSM_role_assignment_stops_Set_before_the_key_write_and_says_so()
        {
            await using var e = await ScenarioEmulator.StartAsync(Scenario(OtherPrincipal));
            var manager = new CmkEncryptionManager(e.Session, new RecordingHost(), new CmkGrantOptions { VisibilityInterval = TimeSpan.FromMilliseconds(10) });
            e.Server.Faults.Add(new CmkPowerShell.Emulator.FaultRule("PUT", "/providers/Microsoft.Authorization/roleAssignments/", 1, Status: 409,
                ErrorCode: "Conflict", ErrorMessage: "Injected: the HSM is busy."));

            var ex = await Assert.ThrowsAnyAsync<CmkPowerShell.Core.Errors.CmkException>(() => manager.SetAsync(new CmkSetOptions(Kusto(e), HsmKey) { GrantAccess = true }));

            Assert.Empty(ex.CompletedSteps);
            Assert.Contains(ex.PendingSteps, p => p.StartsWith("grant", StringComparison.Ordinal));
            Assert.DoesNotContain(e.Server.Log.Entries, x => x.Method == "PATCH");
            Assert.False((await manager.GetAsync(Kusto(e))).CustomerManaged);

            // Once the HSM answers again, the same command finishes.
            Assert.True((await manager.SetAsync(new CmkSetOptions(Kusto(e), HsmKey) { GrantAccess = true }))!.CustomerManaged);
        }

        [Fact]
        public async Task Data_Explorer_uses_the_HSM_key_when_the_cluster_holds_a_local_role()
        {
            var manager = new CmkEncryptionManager(_granted.Session, new RecordingHost(), new CmkGrantOptions());
            var status = await manager.SetAsync(new CmkSetOptions(Kusto(_granted), HsmKey));

            Assert.True(status!.CustomerManaged);
            Assert.Equal("https://hsm-cmk.managedhsm.azure.net/", (string?)_granted.Server.Store.Get(Kusto(_granted))!["properties"]!["keyVaultProperties"]!["keyVaultUri"]);
        }

        [Fact]
        public async Task Without_a_local_role_the_service_refuses_the_HSM_key()
        {
            var manager = new CmkEncryptionManager(_notGranted.Session, new RecordingHost(), new CmkGrantOptions());
            var ex = await Assert.ThrowsAnyAsync<Core.Errors.CmkException>(() => manager.SetAsync(new CmkSetOptions(Kusto(_notGranted), HsmKey)));

            Assert.Null(_notGranted.Server.Store.Get(Kusto(_notGranted))!["properties"]!["keyVaultProperties"]);
            Assert.Contains("IdentityDoesNotHaveAccessToKeyVault", ex.ServiceCode + ex.ErrorId + ex.Message);
        }
    }
}
