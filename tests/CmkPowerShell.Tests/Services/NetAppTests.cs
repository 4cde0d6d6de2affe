using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>
    /// NetApp Files (anf-demo, pool1/vol1 in vnet-demo) against the spec-validating demo emulator through the real
    /// transport: enable with each identity, Get with getKeyVaultStatus, rekey, changeKeyVault, transitiontocmk,
    /// renewCredentials, and the documented refusals (nothing written).
    /// </summary>
    public class NetAppTests : ServiceEmulatorTest
    {
        private string Vol1 => NetApp + "/capacityPools/pool1/volumes/vol1";
        private const string SystemPrincipal = "88888888-8888-8888-8888-000000000001";

        private NetAppFilesAdapter Adapter { get; } = new NetAppFilesAdapter();
        private NetAppLifecycle Lifecycle => new NetAppLifecycle(Session);

        private Task<CmkEncryptionStatus?> EnableAsync(string keyUri = "https://kv-good.vault.azure.net/keys/cmk")
            => Manager.SetAsync(new CmkSetOptions(NetApp, keyUri));

        /// <summary>Enables CMK and clears the log and host, so a test sees only what it does itself.</summary>
        private async Task EnabledAsync()
        {
            Assert.True((await EnableAsync())!.CustomerManaged);
            Emulator.Server.Log.Clear();
            Host.Clear();
        }

        private string VolumeKeySource(string volumeId) => Emulator.Server.Store.Get(volumeId)!["properties"]!["encryptionKeySource"]!.GetValue<string>();

        private async Task<CmkEncryptionStatus?> ChangeKeyAsync(string keyUri)
        {
            var resource = await Manager.ReadResourceAsync(Adapter, NetApp);
            var writes = await Adapter.PlanKeyChangeAsync(Session, resource, KeyIdentifier.Parse(keyUri, Session.Cloud), new CmkKeyChangeOptions(), CancellationToken.None);
            return await Manager.ApplyAsync(Adapter, resource, writes, "Change the customer-managed key");
        }

        // ---- Set / Get --------------------------------------------------------------------------------------------

        [Fact]
        public async Task Enable_with_the_system_identity_patches_encryption_and_reads_back()
        {
            var status = await EnableAsync();

            Assert.True(status!.Changed);
            Assert.True(status.CustomerManaged);
            Assert.Equal("Microsoft.KeyVault", status.KeySource);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal(CmkEncryptionStatus.Versionless, status.KeyVersion);
            Assert.Contains(NetAppFilesAdapter.CurrentVersionNote, status.Notes);
            Assert.Equal("SystemAssigned", status.IdentityType);
            Assert.Equal(SystemPrincipal, status.PrincipalId);
            Assert.Equal("Created", status.ServiceStatus);

            // The account already has its system identity: exactly one PATCH, of properties.encryption only.
            var patch = Assert.Single(Writes(NetApp));
            Assert.Equal("PATCH", patch.Method);
            var body = JsonNode.Parse(patch.RequestBody!)!;
            Assert.Null(body["identity"]);
            var encryption = body["properties"]!["encryption"]!;
            Assert.Equal("Microsoft.KeyVault", encryption["keySource"]!.GetValue<string>());
            Assert.Equal("https://kv-good.vault.azure.net/", encryption["keyVaultProperties"]!["keyVaultUri"]!.GetValue<string>());
            Assert.Equal("cmk", encryption["keyVaultProperties"]!["keyName"]!.GetValue<string>());
            Assert.Equal(Emulator.VaultId("kv-good"), encryption["keyVaultProperties"]!["keyVaultResourceId"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Assert.Null(encryption["identity"]);
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task Enable_with_a_user_assigned_identity_attaches_it_and_names_it_in_encryption_identity()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(NetApp, Key("kv-good"))
            {
                IdentityType = CmkIdentityType.UserAssigned,
                UserAssignedIdentityId = Uai("uai-good"),
            });

            Assert.Equal("UserAssigned", status!.IdentityType);
            Assert.Equal(Uai("uai-good"), status.UserAssignedIdentityId, StringComparer.OrdinalIgnoreCase);
            var writes = Writes(NetApp);
            Assert.Equal(2, writes.Count);
            var identity = JsonNode.Parse(writes[0].RequestBody!)!["identity"]!;
            Assert.Equal("SystemAssigned,UserAssigned", identity["type"]!.GetValue<string>());
            Assert.NotNull(identity["userAssignedIdentities"]![Uai("uai-good")]);
            var encryptionIdentity = JsonNode.Parse(writes[1].RequestBody!)!["properties"]!["encryption"]!["identity"]!;
            Assert.Equal(Uai("uai-good"), encryptionIdentity["userAssignedIdentity"]!.GetValue<string>());
            AssertNoRejectedRequests();

            var account = await Session.GetAsync(NetApp, default);
            Assert.NotEqual(SystemPrincipal, account!["properties"]!["encryption"]!["identity"]!["principalId"]!.GetValue<string>());
        }

        [Fact]
        public async Task A_versioned_key_uri_is_stored_as_the_key_name_and_a_second_set_makes_no_write()
        {
            var versions = await Session.ListAsync(Emulator.VaultId("kv-good") + "/keys/cmk/versions", default);
            var version = versions.Select(k => k["properties"]!["keyUriWithVersion"]!.GetValue<string>()).First();

            var status = await EnableAsync(version);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status!.KeyUri);
            Assert.Contains(status.Actions, a => a.Contains("the version given is not stored"));
            Emulator.Server.Log.Clear();

            var again = await EnableAsync();
            Assert.False(again!.Changed);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Get_includes_getKeyVaultStatus_and_no_warning_when_the_principals_agree()
        {
            await EnabledAsync();

            var status = await Manager.GetAsync(NetApp);

            Assert.True(status.CustomerManaged);
            Assert.Equal("False", status.Details[NetAppFilesAdapter.DetailKeys.PrincipalMismatch]);
            Assert.Equal($"{Vnet} -> {PeKvGood}", status.Details[NetAppFilesAdapter.DetailKeys.KeyVaultPrivateEndpoints], StringComparer.OrdinalIgnoreCase);
            Assert.Equal("", status.Details[NetAppFilesAdapter.DetailKeys.CustomerManagedVolumes]);
            Assert.Equal("vol1", status.Details[NetAppFilesAdapter.DetailKeys.MicrosoftManagedVolumes]);
            Assert.Contains(NetAppFilesAdapter.CertificateNote, status.Notes);
            Assert.Empty(Host.Warnings);
            var post = Assert.Single(Writes(NetApp));
            Assert.Equal(NetApp + "/getKeyVaultStatus", post.Path, StringComparer.OrdinalIgnoreCase);
            Assert.Equal("POST", post.Method);
        }

        [Fact]
        public async Task Get_warns_when_the_key_principal_differs_and_renewCredentials_fixes_it()
        {
            await EnabledAsync();
            Emulator.Server.Store.Update(NetApp, a => a["properties"]!["encryption"]!["identity"]!["principalId"] = "99999999-9999-9999-9999-999999999999");

            var status = await Manager.GetAsync(NetApp);
            Assert.Equal("True", status.Details[NetAppFilesAdapter.DetailKeys.PrincipalMismatch]);
            var warning = Assert.Single(Host.Warnings);
            Assert.Contains("99999999-9999-9999-9999-999999999999", warning);
            Assert.Contains("Invoke-AzNetAppRenewCredential", warning);

            var renewed = await Lifecycle.RenewCredentialsAsync(NetApp, Host);
            Assert.False(renewed!.PrincipalMismatch);
            Assert.Equal(SystemPrincipal, renewed.EncryptionPrincipalId);
            Host.Clear();
            Assert.Equal("False", (await Manager.GetAsync(NetApp)).Details[NetAppFilesAdapter.DetailKeys.PrincipalMismatch]);
            Assert.Empty(Host.Warnings);
        }

        [Fact]
        public async Task Get_on_a_Microsoft_managed_account_makes_no_getKeyVaultStatus_call()
        {
            var status = await Manager.GetAsync(NetApp);

            Assert.False(status.CustomerManaged);
            Assert.Equal("Microsoft.NetApp", status.KeySource);
            Assert.Empty(Writes());
        }

        // ---- documented refusals: typed error, nothing written ------------------------------------------------------

        [Fact]
        public async Task A_failed_check_writes_nothing()
        {
            // kv-nopurge also has no private endpoint: both NetApp requirements fail, in one error.
            var error = await Assert.ThrowsAsync<KeyVaultConfigurationException>(() => EnableAsync(Key("kv-nopurge")));
            Assert.Equal(CmkErrors.RequirementFailedId, error.ErrorId);
            Assert.Equal(new[] { CheckIds.KeyVaultPurgeProtection, CheckIds.KeyVaultPrivateEndpoint }, error.FailedChecks.Select(c => c.CheckId).OrderBy(c => c == CheckIds.KeyVaultPrivateEndpoint));
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task A_key_without_encrypt_and_decrypt_fails_the_NetApp_key_operations_check_before_any_write()
        {
            var error = await Assert.ThrowsAnyAsync<CmkException>(() => EnableAsync(Key("kv-good", "noops-key")));
            Assert.Contains(error.FailedChecks, c => c.CheckId == CheckIds.KeyOperations);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Set_cannot_move_a_CMK_account_to_another_vault()
        {
            await EnabledAsync();
            SeedVault("kv-second", withPrivateEndpoint: true);

            var error = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => EnableAsync(Key("kv-second")));
            Assert.Equal(NetAppFilesAdapter.KeyVaultChangeNeedsChangeKeyVaultId, error.ErrorId);
            Assert.Contains("Update-AzCmkKeyVersion", error.RecommendedAction);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Switching_the_key_identity_from_user_to_system_assigned_is_refused()
        {
            await Manager.SetAsync(new CmkSetOptions(NetApp, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good") });
            Emulator.Server.Log.Clear();

            var error = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() =>
                Manager.SetAsync(new CmkSetOptions(NetApp, Key("kv-good")) { IdentityType = CmkIdentityType.SystemAssigned }));
            Assert.Equal("NetAppUserToSystemAssignedNotSupported", error.ErrorId);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Disable_is_refused_because_a_CMK_volume_cannot_change_its_key_source()
        {
            await EnabledAsync();
            await Lifecycle.TransitionToCmkAsync(NetApp, null, null, Host);
            Emulator.Server.Log.Clear();

            var error = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.DisableAsync(NetApp));
            Assert.Equal("NetAppEncryptionKeySourceCannotBeChanged", error.ErrorId);
            Assert.Contains("vol1", error.Message);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Disable_without_CMK_volumes_is_refused_as_undocumented()
        {
            await EnabledAsync();

            var error = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Manager.DisableAsync(NetApp));
            Assert.Equal(CmkServiceAdapter.DisableNotSupportedId, error.ErrorId);
            Assert.Empty(Writes());
        }

        // ---- key changes (issue 6) ----------------------------------------------------------------------------------

        [Fact]
        public async Task Another_key_in_the_same_vault_is_the_rekey_PATCH_of_keyName()
        {
            await EnabledAsync();
            Emulator.Server.Store.AddKeyVersion(Emulator.VaultId("kv-good"), "cmk2", new KeyVersionSpec(KeySize: 3072, KeyOps: new[] { "encrypt", "decrypt" }));

            var status = await ChangeKeyAsync(Key("kv-good", "cmk2"));

            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk2", status!.KeyUri);
            var patch = Assert.Single(Writes(NetApp));
            Assert.Equal("PATCH", patch.Method);
            var kv = JsonNode.Parse(patch.RequestBody!)!["properties"]!["encryption"]!["keyVaultProperties"]!;
            Assert.Equal("cmk2", kv["keyName"]!.GetValue<string>());
            Assert.Equal("https://kv-good.vault.azure.net/", kv["keyVaultUri"]!.GetValue<string>());
            Assert.Contains(status.Actions, a => a.StartsWith("rekey every volume", StringComparison.Ordinal));
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task The_same_key_in_another_version_is_up_to_date_because_NetApp_uses_the_current_version()
        {
            await EnabledAsync();
            Emulator.Server.Store.AddKeyVersion(Emulator.VaultId("kv-good"), "cmk", new KeyVersionSpec(KeySize: 3072, KeyOps: new[] { "encrypt", "decrypt" }));
            var resource = await Manager.ReadResourceAsync(Adapter, NetApp);

            var writes = await Adapter.PlanKeyChangeAsync(Session, resource, KeyIdentifier.Parse(Key("kv-good"), Session.Cloud), new CmkKeyChangeOptions(), default);

            Assert.Empty(writes);
        }

        [Fact]
        public async Task Another_vault_is_changeKeyVault_with_the_new_vaults_private_endpoint_in_each_CMK_volume_network()
        {
            await EnabledAsync();
            await Lifecycle.TransitionToCmkAsync(NetApp, null, null, Host);
            var second = SeedVault("kv-second", withPrivateEndpoint: true);
            Emulator.Server.Log.Clear();

            var status = await ChangeKeyAsync(Key("kv-second"));

            Assert.Equal("https://kv-second.vault.azure.net/keys/cmk", status!.KeyUri);
            var post = Assert.Single(Writes(NetApp));
            Assert.Equal("POST", post.Method);
            Assert.Equal(NetApp + "/changeKeyVault", post.Path, StringComparer.OrdinalIgnoreCase);
            var body = JsonNode.Parse(post.RequestBody!)!;
            Assert.Equal("https://kv-second.vault.azure.net/", body["keyVaultUri"]!.GetValue<string>());
            Assert.Equal("cmk", body["keyName"]!.GetValue<string>());
            Assert.Equal(second, body["keyVaultResourceId"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            var endpoint = Assert.Single(body["keyVaultPrivateEndpoints"]!.AsArray())!;
            Assert.Equal(Vnet, endpoint["virtualNetworkId"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Assert.Equal($"{Rg}/providers/Microsoft.Network/privateEndpoints/pe-kv-second", endpoint["privateEndpointId"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            AssertNoRejectedRequests();

            Host.Clear();
            var read = await Manager.GetAsync(NetApp);
            Assert.Contains("pe-kv-second", read.Details[NetAppFilesAdapter.DetailKeys.KeyVaultPrivateEndpoints]);
        }

        [Fact]
        public async Task Another_vault_without_a_private_endpoint_in_the_volumes_network_is_refused_before_any_write()
        {
            await EnabledAsync();
            await Lifecycle.TransitionToCmkAsync(NetApp, null, null, Host);
            SeedVault("kv-nope", withPrivateEndpoint: false);
            Emulator.Server.Log.Clear();

            var error = await Assert.ThrowsAsync<KeyVaultConfigurationException>(() => ChangeKeyAsync(Key("kv-nope")));

            Assert.Equal("KeyVaultPrivateEndpointMissing", error.ErrorId);
            Assert.Contains("vnet-demo", error.Message);
            Assert.Empty(Writes());
        }

        // ---- transitiontocmk ----------------------------------------------------------------------------------------

        [Fact]
        public async Task Transition_moves_the_volumes_of_each_network_through_the_vaults_private_endpoint()
        {
            await EnabledAsync();
            Assert.Equal("Microsoft.NetApp", VolumeKeySource(Vol1));

            var results = await Lifecycle.TransitionToCmkAsync(NetApp, null, null, Host);

            var result = Assert.Single(results);
            Assert.Equal(new[] { "vol1" }, result.Volumes);
            Assert.Empty(result.NotTransitioned);
            Assert.Equal(PeKvGood, result.PrivateEndpointId, StringComparer.OrdinalIgnoreCase);
            Assert.Equal("Microsoft.KeyVault", VolumeKeySource(Vol1));
            var post = Assert.Single(Writes(NetApp));
            Assert.Equal(NetApp + "/transitiontocmk", post.Path, StringComparer.OrdinalIgnoreCase);
            var body = JsonNode.Parse(post.RequestBody!)!;
            Assert.Equal(Vnet, body["virtualNetworkId"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Assert.Equal(PeKvGood, body["privateEndpointId"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Assert.Contains(Host.ShouldProcessCalls, c => c.Action.Contains("cannot be undone"));
            Assert.Contains(Host.Progress, p => p.Completed);
            AssertNoRejectedRequests();

            // Nothing left on Microsoft-managed keys: a second run writes nothing.
            Emulator.Server.Log.Clear();
            Assert.Empty(await Lifecycle.TransitionToCmkAsync(NetApp, null, null, Host));
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Transition_with_a_given_endpoint_checks_it_and_declined_confirmation_writes_nothing()
        {
            await EnabledAsync();
            Host.ShouldProcessAnswer = (_, _) => false;
            Assert.Empty(await Lifecycle.TransitionToCmkAsync(NetApp, Vnet, PeKvGood, Host));
            Assert.Empty(Writes());
            Assert.Equal("Microsoft.NetApp", VolumeKeySource(Vol1));

            Host.ShouldProcessAnswer = (_, _) => true;
            var wrong = $"{Rg}/providers/Microsoft.Network/privateEndpoints/pe-elsewhere";
            var error = await Assert.ThrowsAsync<KeyVaultConfigurationException>(() => Lifecycle.TransitionToCmkAsync(NetApp, Vnet, wrong, Host));
            Assert.Equal("KeyVaultPrivateEndpointMissing", error.ErrorId);
            Assert.Empty(Writes());

            var input = await Assert.ThrowsAsync<CmkInputException>(() => Lifecycle.TransitionToCmkAsync(NetApp, null, PeKvGood, Host));
            Assert.Equal("PrivateEndpointId", input.ParameterName);
        }

        [Fact]
        public async Task Transition_on_an_account_without_CMK_is_refused_before_any_write()
        {
            var error = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => Lifecycle.TransitionToCmkAsync(NetApp, null, null, Host));

            Assert.Equal("NetAppAccountNotConfiguredForCmk", error.ErrorId);
            Assert.Empty(Writes());
        }

        // ---- renewCredentials ---------------------------------------------------------------------------------------

        [Fact]
        public async Task Renew_when_eligible_posts_renewCredentials_and_then_is_not_eligible_for_46_days()
        {
            await EnabledAsync(); // the demo account's certificate is 50 days old: eligible

            var before = DateTimeOffset.UtcNow;
            var status = await Lifecycle.RenewCredentialsAsync(NetApp, Host);

            Assert.NotNull(status);
            Assert.InRange(status!.ExpiresOn, before.AddDays(90).AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(90).AddMinutes(1));
            var post = Assert.Single(Writes(NetApp));
            Assert.Equal(NetApp + "/renewCredentials", post.Path, StringComparer.OrdinalIgnoreCase);
            Assert.Contains(Host.Progress, p => p.Completed);

            Emulator.Server.Log.Clear();
            var error = await Assert.ThrowsAsync<NetAppRenewalNotEligibleException>(() => Lifecycle.RenewCredentialsAsync(NetApp, Host));
            Assert.Equal("NetAppCredentialRenewalNotEligible", error.ErrorId);
            Assert.NotNull(error.EligibleOn);
            Assert.InRange(error.EligibleOn!.Value, before.AddDays(46).AddSeconds(-2), DateTimeOffset.UtcNow.AddDays(46).AddSeconds(2));
            Assert.Equal(NetApp, error.Target);
        }

        [Fact]
        public async Task Not_eligible_carries_the_date_the_service_gives()
        {
            var issued = new DateTimeOffset(DateTimeOffset.UtcNow.AddDays(-10).UtcDateTime.Date.AddHours(7).AddMinutes(30), TimeSpan.Zero);
            Emulator.Server.Store.SetNetAppCertificateIssued(NetApp, issued);

            var error = await Assert.ThrowsAsync<NetAppRenewalNotEligibleException>(() => Lifecycle.RenewCredentialsAsync(NetApp, Host));

            Assert.Equal(issued.AddDays(46), error.EligibleOn);
            Assert.Equal(issued.AddDays(90), error.ExpiresOn);
            Assert.Contains(issued.AddDays(46).ToString("yyyy-MM-dd HH:mm"), error.RecommendedAction);
            Assert.Equal(CmkErrorCategory.InvalidOperation, error.Category);
            Assert.NotNull(error.ServiceMessage);
            Assert.Single(Writes(NetApp)); // the refused POST, nothing after it
        }

        [Fact]
        public async Task Renew_declined_by_ShouldProcess_sends_nothing()
        {
            Host.ShouldProcessAnswer = (_, _) => false;

            Assert.Null(await Lifecycle.RenewCredentialsAsync(NetApp, Host));
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Renew_on_a_missing_account_is_ResourceNotFound_and_another_type_is_InvalidResourceId()
        {
            var missing = await Assert.ThrowsAnyAsync<CmkException>(() => Lifecycle.RenewCredentialsAsync(NetApp.Replace("anf-demo", "anf-none"), Host));
            Assert.Equal("ResourceNotFound", missing.ErrorId);
            var wrongType = await Assert.ThrowsAnyAsync<CmkException>(() => Lifecycle.RenewCredentialsAsync(Kusto, Host));
            Assert.Equal("InvalidResourceId", wrongType.ErrorId);
            Assert.Empty(Writes());
        }
    }

    /// <summary>Reading the eligibility date out of the service's message, whatever its format.</summary>
    public class NetAppEligibleDateTests
    {
        [Theory]
        [InlineData("The NetApp account 'a' is not eligible for credentials renewal. The managed identity certificate was issued on 2026-01-01 and the account will be eligible for renewal on 2026-02-16T07:30:00Z.", "2026-02-16T07:30:00Z")]
        [InlineData("Account is not eligible for renewal until 2/16/2026 7:30:00 AM.", "2026-02-16T07:30:00Z")]
        [InlineData("Renewal not yet eligible. Eligible from 2026-02-16.", "2026-02-16T00:00:00Z")]
        [InlineData("Certificate issued 2026-01-01T00:00:00Z; renewal possible 2026-02-16T00:00:00+01:00", "2026-02-15T23:00:00Z")]
        public void Parses_the_date_after_the_eligibility_wording(string message, string expected)
            => Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), NetAppLifecycle.ParseEligibleDate(message));

        [Theory]
        [InlineData("The account is not eligible for credentials renewal.")]
        [InlineData("")]
        [InlineData(null)]
        public void No_date_gives_null(string? message) => Assert.Null(NetAppLifecycle.ParseEligibleDate(message));
    }
}
