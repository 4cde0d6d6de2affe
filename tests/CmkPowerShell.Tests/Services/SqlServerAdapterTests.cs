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
    /// <summary>Azure SQL TDE protector (sql-demo, service-managed TDE) against the spec-validating demo emulator.</summary>
    public class SqlServerAdapterTests : ServiceEmulatorTest
    {
        private const string Older = "0a1b2c3d4e5f40718293a4b5c6d7e8f1";
        private const string Current = "1a2b3c4d5e6f40718293a4b5c6d7e8f2";

        private string Protector => Sql + SqlServerAdapter.ProtectorPath;

        [Fact]
        public async Task Enable_adds_the_server_key_then_makes_it_the_protector()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Sql, Key("kv-good")));

            Assert.True(status!.Changed);
            Assert.True(status.CustomerManaged);
            Assert.Equal("AzureKeyVault", status.KeySource);
            Assert.Equal(Current, status.KeyVersion);
            Assert.Equal("SystemAssigned", status.IdentityType);
            var writes = Writes(Sql);
            Assert.Equal(new[] { "PUT", "PUT" }, writes.Select(w => w.Method));
            Assert.EndsWith($"/keys/kv-good_cmk_{Current}", writes[0].Path);
            var key = JsonNode.Parse(writes[0].RequestBody!)!["properties"]!;
            Assert.Equal("AzureKeyVault", key["serverKeyType"]!.GetValue<string>());
            Assert.Equal($"https://kv-good.vault.azure.net/keys/cmk/{Current}", key["uri"]!.GetValue<string>());
            Assert.EndsWith("/encryptionProtector/current", writes[1].Path);
            var protector = JsonNode.Parse(writes[1].RequestBody!)!["properties"]!;
            Assert.Equal($"kv-good_cmk_{Current}", protector["serverKeyName"]!.GetValue<string>());
            Assert.Null(protector["autoRotationEnabled"]);
            AssertNoRejectedRequests();
        }

        [Fact]
        public Task A_second_identical_set_writes_nothing()
            => AssertSecondSetWritesNothing(Sql, Key("kv-good"));

        [Fact]
        public async Task Update_moves_a_pinned_protector_to_the_newest_version_and_AutoRotate_makes_it_AutoRotating()
        {
            await Manager.SetAsync(new CmkSetOptions(Sql, Key("kv-good") + "/" + Older));
            Emulator.Server.Log.Clear();

            var moved = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(Sql), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.Updated, moved.Status);
            Assert.Equal(Current, moved.NewKeyVersion);
            Assert.Equal(2, Writes(Sql).Count);

            var status = await Manager.SetAsync(new CmkSetOptions(Sql, Key("kv-good")) { AutoRotate = true });
            Assert.Equal("true", status!.Details[SqlServerAdapter.DetailKeys.AutoRotationEnabled]);
            Emulator.Server.Log.Clear();
            var auto = await new KeyRotation(Session).RotateAsync(new CmkKeyRotationRequest(Sql), Host, CancellationToken.None);
            Assert.Equal(CmkKeyRotationStatus.AutoRotating, auto.Status);
            Assert.Empty(Writes());
            AssertNoRejectedRequests();
        }

        [Theory]
        [MemberData(nameof(BrokenRequirements))]
        public Task Set_fails_exactly_the_broken_requirement_before_any_write(string vault, string key, string? uai, string check)
            => AssertSetRefusedBeforeAnyWrite(Sql, Key(vault, key), uai, check);

        [Fact]
        public async Task A_user_assigned_identity_becomes_the_primary_identity_before_the_key()
        {
            var status = await Manager.SetAsync(new CmkSetOptions(Sql, Key("kv-good")) { UserAssignedIdentityId = Uai("uai-good") });

            Assert.Equal("UserAssigned", status!.IdentityType);
            var writes = Writes(Sql);
            Assert.Equal(new[] { "PATCH", "PATCH", "PUT", "PUT" }, writes.Select(w => w.Method));
            Assert.Equal("SystemAssigned,UserAssigned", JsonNode.Parse(writes[0].RequestBody!)!["identity"]!["type"]!.GetValue<string>());
            Assert.Equal(Uai("uai-good"), JsonNode.Parse(writes[1].RequestBody!)!["properties"]!["primaryUserAssignedIdentityId"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }

        [Fact]
        public async Task The_service_refuses_a_key_its_identity_cannot_use_when_validation_is_skipped()
        {
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Sql, Key("kv-nopurge")) { SkipValidation = true }));

            Assert.Equal("KeyVaultPurgeProtectionNotEnabled", ex.ServiceCode);
            Assert.Equal(ServiceErrorOrigin.LongRunningOperation, ex.ServiceError!.Origin);
            // The protector write never happened: the server is still on service-managed TDE.
            Assert.DoesNotContain(Writes(Sql), w => w.Path.EndsWith("/encryptionProtector/current", StringComparison.OrdinalIgnoreCase));
            Assert.False((await Manager.GetAsync(Sql)).CustomerManaged);
        }

        [Fact]
        public async Task Disable_puts_the_service_managed_protector()
        {
            await Manager.SetAsync(new CmkSetOptions(Sql, Key("kv-good")));
            Emulator.Server.Log.Clear();

            var status = await Manager.DisableAsync(Sql);

            Assert.False(status!.CustomerManaged);
            Assert.Equal("ServiceManaged", status.KeySource);
            var put = Assert.Single(Writes(Sql));
            Assert.Equal(Protector, put.Path, StringComparer.OrdinalIgnoreCase);
            Assert.Equal("ServiceManaged", JsonNode.Parse(put.RequestBody!)!["properties"]!["serverKeyType"]!.GetValue<string>());
            AssertNoRejectedRequests();
        }
    }
}
