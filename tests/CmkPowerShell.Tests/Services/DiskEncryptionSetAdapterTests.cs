using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>Disk encryption sets (des-demo, pinned to kv-good/cmk's older version, used by disk-demo) against the spec-validating demo emulator.</summary>
    public class DiskEncryptionSetAdapterTests : ServiceEmulatorTest
    {
        private const string Older = "0a1b2c3d4e5f40718293a4b5c6d7e8f1";
        private const string Current = "1a2b3c4d5e6f40718293a4b5c6d7e8f2";

        private static JsonNode Properties(LoggedRequest write) => JsonNode.Parse(write.RequestBody!)!["properties"]!;

        [Fact]
        public async Task Get_reads_the_versioned_key_and_counts_the_disks_that_use_the_set()
        {
            var status = await Manager.GetAsync(Des);

            Assert.True(status.CustomerManaged);
            Assert.Equal(Older, status.KeyVersion);
            Assert.Equal("EncryptionAtRestWithCustomerKey", status.KeySource);
            Assert.Equal("1", status.Details[DiskEncryptionSetAdapter.DetailKeys.AssociatedResources]);
            Assert.Equal("false", status.Details[DiskEncryptionSetAdapter.DetailKeys.RotationToLatestKeyVersionEnabled]);
            Assert.Contains(Log, e => e.Path.EndsWith("/des-demo/associatedResources", StringComparison.OrdinalIgnoreCase));
        }

        [Fact]
        public async Task A_versionless_key_is_written_as_its_current_version_with_the_source_vault()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Des, Key("kv-good")));

            Assert.True(status!.Changed);
            Assert.Equal(Current, status.KeyVersion);
            var patch = Assert.Single(Writes(Des));
            Assert.Equal("PATCH", patch.Method);
            var activeKey = Properties(patch)["activeKey"]!;
            Assert.Equal($"https://kv-good.vault.azure.net/keys/cmk/{Current}", activeKey["keyUrl"]!.GetValue<string>());
            Assert.Equal(Emulator.VaultId("kv-good"), activeKey["sourceVault"]!["id"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            Assert.Null(Properties(patch)["rotationToLatestKeyVersionEnabled"]);
            AssertNoRejectedRequests();

            // The set keeps the key it used before.
            var set = await Session.GetAsync(Des, default);
            Assert.Contains(Older, set!["properties"]!["previousKeys"]![0]!["keyUrl"]!.GetValue<string>());
        }

        [Fact]
        public Task A_second_identical_set_writes_nothing()
            => AssertSecondSetWritesNothing(Des, Key("kv-good"));

        [Fact]
        public async Task AutoRotate_writes_rotationToLatestKeyVersionEnabled_and_Update_then_reports_AutoRotating()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Des, Key("kv-good") + "/" + Older) { AutoRotate = true });

            Assert.True(Properties(Assert.Single(Writes(Des)))["rotationToLatestKeyVersionEnabled"]!.GetValue<bool>());
            Assert.Equal("true", status!.Details[DiskEncryptionSetAdapter.DetailKeys.RotationToLatestKeyVersionEnabled]);
            Emulator.Server.Log.Clear();

            var rotation = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(Des), Host, CancellationToken.None);

            Assert.Equal(CmkKeyRotationStatus.AutoRotating, rotation.Status);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Update_moves_a_pinned_set_to_the_newest_version()
        {
            var rotation = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(Des), Host, CancellationToken.None);

            Assert.Equal(CmkKeyRotationStatus.Updated, rotation.Status);
            Assert.Equal(Current, rotation.NewKeyVersion);
            var patch = Assert.Single(Writes(Des));
            Assert.EndsWith("/" + Current, Properties(patch)["activeKey"]!["keyUrl"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }

        [Theory]
        [InlineData("kv-nopurge", "cmk", CheckIds.KeyVaultPurgeProtection)]
        [InlineData("kv-good", "ec-key", CheckIds.KeyType)]
        [InlineData("kv-eastus", "cmk", CheckIds.KeyVaultRegion)]
        public Task Set_fails_exactly_the_broken_requirement_before_any_write(string vault, string key, string check)
            => AssertSetRefusedBeforeAnyWrite(Des, Key(vault, key), null, check);

        [Fact]
        public async Task An_identity_without_access_fails_exactly_Identity_Access()
        {
            var results = await new RequirementEngine(Session, Host).RunAsync(new RequirementRequest(
                CmkPowerShell.Core.Requirements.KeyReference.FromUri(Key("kv-good")),
                RequirementTarget.ForService(CmkService.DiskEncryptionSet, "westeurope", "66666666-6666-6666-6666-000000000002")), CancellationToken.None);

            Assert.Equal(new[] { CheckIds.IdentityAccess }, FailedChecks(results));
        }

        [Fact]
        public async Task A_user_assigned_identity_is_refused_before_any_write()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Des, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good") }));

            Assert.Equal("IdentityTypeNotSupported", ex.ErrorId);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task The_service_refuses_a_versionless_key_url_when_sent_directly()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Session.SendAsync(ResourceWrite.PatchMethod, Des,
                JsonNode.Parse("""{ "properties": { "activeKey": { "keyUrl": "https://kv-good.vault.azure.net/keys/cmk" } } }"""), CancellationToken.None));

            Assert.Equal("InvalidParameter", ex.ServiceCode);
            Assert.Equal(ServiceErrorOrigin.LongRunningOperation, ex.ServiceError!.Origin);
            Assert.Equal(Older, (await Manager.GetAsync(Des)).KeyVersion);
        }

        [Fact]
        public Task Disable_is_refused_with_the_documented_reason_before_any_write()
            => AssertDisableRefused(Des, "incremental snapshots");

        [Fact]
        public async Task AutoRotate_is_refused_by_a_service_without_the_switch()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Storage, Key("kv-good")) { AutoRotate = true }));

            Assert.Equal(CmkServiceAdapter.ParameterNotSupportedId, ex.ErrorId);
            Assert.Empty(Writes());
        }
    }
}
