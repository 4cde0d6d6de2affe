using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>Azure Storage (stcmkdemo) against the spec-validating demo emulator, through the real transport.</summary>
    public class StorageAccountAdapterTests : ServiceEmulatorTest
    {
        private const string Federated = "3109d1c4-a5de-4d84-8832-feabb916a4b6";

        /// <summary>kv-good/cmk's two versions in the demo scenario, oldest first (the second is current).</summary>
        private static readonly string[] CmkVersions = { "0a1b2c3d4e5f40718293a4b5c6d7e8f1", "1a2b3c4d5e6f40718293a4b5c6d7e8f2" };

        private static JsonObject EncryptionOf(string body) => (JsonObject)JsonNode.Parse(body)!["properties"]!["encryption"]!;

        [Fact]
        public async Task Enable_with_the_system_identity_patches_keyvaultproperties_and_reads_back_versionless()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-good")));

            Assert.True(status!.Changed);
            Assert.True(status.CustomerManaged);
            Assert.Equal(StorageAccountAdapter.CustomerKeySource, status.KeySource);
            Assert.Equal("https://kv-good.vault.azure.net/keys/cmk", status.KeyUri);
            Assert.Equal(CmkEncryptionStatus.Versionless, status.KeyVersion);
            Assert.Equal("SystemAssigned", status.IdentityType);
            Assert.Equal("88888888-8888-8888-8888-000000000010", status.PrincipalId);
            // Storage reports the version it resolved for the versionless key.
            Assert.StartsWith("https://kv-good.vault.azure.net/keys/cmk/", status.Details[StorageAccountAdapter.DetailKeys.CurrentVersionedKeyIdentifier]);

            var patch = Assert.Single(Writes(Storage));
            Assert.Equal("PATCH", patch.Method);
            var encryption = EncryptionOf(patch.RequestBody!);
            Assert.Equal("Microsoft.Keyvault", encryption["keySource"]!.GetValue<string>());
            var kv = encryption["keyvaultproperties"]!;
            Assert.Equal("https://kv-good.vault.azure.net/", kv["keyvaulturi"]!.GetValue<string>());
            Assert.Equal("cmk", kv["keyname"]!.GetValue<string>());
            Assert.Equal("", kv["keyversion"]!.GetValue<string>());
            Assert.Null(encryption["identity"]);
            AssertNoRejectedRequests();
        }

        [Fact]
        public Task A_second_identical_set_writes_nothing()
            => AssertSecondSetWritesNothing(Storage, Key("kv-good"));

        [Fact]
        public async Task A_user_assigned_identity_is_attached_keeping_the_system_one_and_named_in_encryption_identity()
        {
            var version = CmkVersions[0];

            var status = await Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-good") + "/" + version) { UserAssignedIdentityId = Uai("uai-good") });

            Assert.Equal("UserAssigned", status!.IdentityType);
            Assert.Equal(Uai("uai-good"), status.UserAssignedIdentityId, StringComparer.OrdinalIgnoreCase);
            Assert.Equal(version, status.KeyVersion);
            var writes = Writes(Storage);
            Assert.Equal(2, writes.Count);
            // Storage's Identity enum spells "both" without a space.
            Assert.Equal("SystemAssigned,UserAssigned", JsonNode.Parse(writes[0].RequestBody!)!["identity"]!["type"]!.GetValue<string>());
            var encryption = EncryptionOf(writes[1].RequestBody!);
            Assert.Equal(Uai("uai-good"), encryption["identity"]!["userAssignedIdentity"]!.GetValue<string>());
            Assert.Equal(version, encryption["keyvaultproperties"]!["keyversion"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task A_cross_tenant_key_sends_the_federated_client_id_with_the_user_assigned_identity()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-good"))
            {
                UserAssignedIdentityId = Uai("uai-good"),
                FederatedClientId = Federated,
            });

            Assert.Equal(Federated, status!.Details[StorageAccountAdapter.DetailKeys.FederatedIdentityClientId]);
            var encryption = EncryptionOf(Writes(Storage).Last().RequestBody!);
            Assert.Equal(Federated, encryption["identity"]!["federatedIdentityClientId"]!.GetValue<string>());
            AssertNoRejectedRequests();

            // Same key and identity but no federated id asked: nothing to change; another id: a write.
            Emulator.Server.Log.Clear();
            Assert.False((await Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good") }))!.Changed);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task A_cross_tenant_key_with_the_system_identity_is_refused_before_any_read_of_the_vault()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-good")) { FederatedClientId = Federated }));

            Assert.Equal("IdentityTypeNotSupported", ex.ErrorId);
            Assert.Contains("-FederatedClientId", ex.Message);
            Assert.Empty(Writes());
            Assert.DoesNotContain(Log, e => e.Path.Contains("Microsoft.KeyVault", StringComparison.OrdinalIgnoreCase));
        }

        [Theory]
        [MemberData(nameof(BrokenRequirements))]
        public Task Set_fails_exactly_the_broken_requirement_before_any_write(string vault, string key, string? uai, string check)
            => AssertSetRefusedBeforeAnyWrite(Storage, Key(vault, key), uai, check);

        [Fact]
        public async Task A_vault_in_another_region_is_allowed()
        {
            var results = await new RequirementEngine(Session, Host).RunAsync(new RequirementRequest(
                CmkPowerShell.Core.Requirements.KeyReference.FromUri(Key("kv-eastus")), RequirementTarget.FromResourceId(Storage)), CancellationToken.None);

            Assert.DoesNotContain(results, r => r.Status == RequirementStatus.Failed);
            Assert.DoesNotContain(results, r => r.Check == CheckIds.KeyVaultRegion);
        }

        [Fact]
        public async Task The_service_refuses_an_unusable_key_when_validation_is_skipped_and_nothing_is_stored()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-nopurge")) { SkipValidation = true }));

            Assert.Equal("KeyVaultPurgeProtectionNotEnabled", ex.ServiceCode);
            Assert.Equal(ServiceErrorOrigin.Synchronous, ex.ServiceError!.Origin);
            Assert.False((await Manager.GetAsync(Storage)).CustomerManaged);
        }

        [Fact]
        public async Task Disable_goes_back_to_Microsoft_Storage_and_drops_the_key()
        {
            await Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-good")));
            Emulator.Server.Log.Clear();

            var status = await Manager.DisableAsync(Storage);

            Assert.True(status!.Changed);
            Assert.False(status.CustomerManaged);
            Assert.Equal(StorageAccountAdapter.ServiceKeySource, status.KeySource);
            Assert.Equal("{\"properties\":{\"encryption\":{\"keySource\":\"Microsoft.Storage\"}}}", Assert.Single(Writes(Storage)).RequestBody);
            var account = await Session.GetAsync(Storage, default);
            Assert.Null(account!["properties"]!["encryption"]!["keyvaultproperties"]);
            AssertNoRejectedRequests();

            Emulator.Server.Log.Clear();
            Assert.False((await Manager.DisableAsync(Storage))!.Changed);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Update_reports_a_versionless_account_as_auto_rotating_and_moves_a_pinned_one_to_the_newest_version()
        {
            await Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-good")));
            Emulator.Server.Log.Clear();
            var auto = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(Storage), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.AutoRotating, auto.Status);
            Assert.Empty(Writes());

            var versions = CmkVersions;
            await Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-good") + "/" + versions[0]));
            Emulator.Server.Log.Clear();
            var moved = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(Storage), Host, CancellationToken.None);

            Assert.Equal(CmkKeyRotationStatus.Updated, moved.Status);
            Assert.Equal(versions[1], moved.NewKeyVersion);
            var patch = Assert.Single(Writes(Storage));
            Assert.Equal(versions[1], JsonNode.Parse(patch.RequestBody!)!["properties"]!["encryption"]!["keyvaultproperties"]!["keyversion"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }
    }
}
