using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.Emulator;
using CmkPowerShell.Tests.Requirements;
using CmkPowerShell.Tests.TestSupport;
using Xunit.Abstractions;

namespace CmkPowerShell.Tests.Rotation
{
    /// <summary>
    /// Update-AzCmkKeyVersion's engine against the demo emulator over HTTPS: each test makes its own key in kv-good (so tests
    /// do not depend on each other), puts the resource on it with Set-AzCmkEncryption's manager, seeds newer versions into
    /// the emulator's store, rotates, and reads the request log to prove what was (not) written.
    /// </summary>
    public class KeyRotationEmulatorTests : IClassFixture<RequirementEmulatorFixture>
    {
        private readonly RequirementEmulatorFixture _f;
        private readonly ITestOutputHelper _out;

        public KeyRotationEmulatorTests(RequirementEmulatorFixture f, ITestOutputHelper output) { _f = f; _out = output; }

        private EmulatorServer Server => _f.Emulator.Server;
        private string VaultId => _f.Emulator.VaultId("kv-good");
        private string Resource(string service) => service switch
        {
            "kusto" => $"{_f.Emulator.RgPath}/providers/Microsoft.Kusto/clusters/kusto-demo",
            "batch" => $"{_f.Emulator.RgPath}/providers/Microsoft.Batch/batchAccounts/batchdemo",
            "databox" => $"{_f.Emulator.RgPath}/providers/Microsoft.DataBox/jobs/databox-demo",
            "netapp" => $"{_f.Emulator.RgPath}/providers/Microsoft.NetApp/netAppAccounts/anf-demo",
            "cassandra" => $"{_f.Emulator.RgPath}/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo",
            _ => throw new ArgumentOutOfRangeException(nameof(service)),
        };

        private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

        // ---- set-up helpers -----------------------------------------------------------------------------------------

        /// <summary>A fresh key in kv-good with one version per spec (oldest first, one day apart); returns its name and versions.</summary>
        private (string Name, string[] Versions) NewKey(params KeyVersionSpec[] specs)
        {
            var name = "rot-" + Guid.NewGuid().ToString("N").Substring(0, 12);
            var versions = specs.Select((s, i) => Server.Store.AddKeyVersion(VaultId, name,
                s with { Created = s.Created ?? Now.AddDays(i - specs.Length - 1) })).ToArray();
            return (name, versions);
        }

        private static KeyVersionSpec Good => new KeyVersionSpec();

        private static string Uri(string key, string? version = null) => $"https://kv-good.vault.azure.net/keys/{key}" + (version == null ? "" : "/" + version);

        /// <summary>
        /// Puts the service's demo resource on the key the way a user does (Set-AzCmkEncryption's manager, validated).
        /// cassandra-demo has no identity until the first enable creates it, so only -GrantAccess gives it the key.
        /// </summary>
        private async Task SetAsync(string service, string keyUri)
        {
            using var host = new RecordingHost();
            var status = await new CmkEncryptionManager(_f.Admin, host).SetAsync(new CmkSetOptions(Resource(service), keyUri) { GrantAccess = service == "cassandra" });
            Assert.NotNull(status);
        }

        private async Task<CmkKeyRotationResult> RotateAsync(CmkKeyRotationRequest request, RecordingHost? host = null, KeyRotation? rotation = null)
        {
            var h = host ?? new RecordingHost();
            var result = await (rotation ?? new KeyRotation(_f.Admin)).RotateAsync(request, h, CancellationToken.None);
            _out.WriteLine($"{result.Name}: {result.Status} {result.PreviousKeyVersion} -> {result.NewKeyVersion}: {result.Message}");
            foreach (var w in h.Warnings) _out.WriteLine("WARNING " + w);
            return result;
        }

        private IReadOnlyList<string> Writes() => Server.Log.Entries.Where(e => e.Method != "GET").Select(e => $"{e.Method} {e.Path}").ToList();

        private async Task<string?> ConfiguredKeyAsync(string resourceId)
        {
            using var host = new RecordingHost();
            return (await new CmkEncryptionManager(_f.Admin, host).GetAsync(resourceId)).KeyUri;
        }

        // ---- rotation to the newest version, and idempotence ------------------------------------------------------

        [Theory]
        [InlineData("kusto")]
        [InlineData("batch")]
        [InlineData("databox")]
        [InlineData("cassandra")]
        public async Task Moves_to_the_newest_version_then_a_second_run_writes_nothing(string service)
        {
            var (key, v) = NewKey(Good, Good, Good);
            await SetAsync(service, Uri(key, v[0]));
            Server.Log.Clear();

            var result = await RotateAsync(new CmkKeyRotationRequest(Resource(service)));

            Assert.Equal(CmkKeyRotationStatus.Updated, result.Status);
            Assert.Equal(v[0], result.PreviousKeyVersion);
            Assert.Equal(v[2], result.NewKeyVersion);
            // Managed Cassandra: one PATCH per data center, disk and backup keys together.
            Assert.Equal(service == "cassandra" ? 2 : 1, Writes().Count(w => w.StartsWith("PATCH " + Resource(service), StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(Writes().Count, Writes().Count(w => w.StartsWith("PATCH ")));
            Assert.Equal(v[2], result.Encryption!.KeyVersion);
            Assert.EndsWith("/keys/" + key + "/" + v[2], await ConfiguredKeyAsync(Resource(service)));

            Server.Log.Clear();
            var again = await RotateAsync(new CmkKeyRotationRequest(Resource(service)));
            Assert.Equal(CmkKeyRotationStatus.UpToDate, again.Status);
            Assert.Contains("Up to date", again.Message);
            Assert.Equal(v[2], again.NewKeyVersion);
            Assert.Empty(Writes());
        }

        [Theory]
        [InlineData("kusto")]
        [InlineData("batch")]
        public async Task Moves_to_a_given_version_even_an_older_one(string service)
        {
            var (key, v) = NewKey(Good, Good, Good);
            await SetAsync(service, Uri(key, v[2]));
            Server.Log.Clear();

            var result = await RotateAsync(new CmkKeyRotationRequest(Resource(service)) { KeyVersion = v[1].ToUpperInvariant() });

            Assert.Equal(CmkKeyRotationStatus.Updated, result.Status);
            Assert.Equal(v[1], result.NewKeyVersion);
            Assert.Single(Writes());
            Assert.EndsWith("/" + v[1], await ConfiguredKeyAsync(Resource(service)));
        }

        // ---- refusal of unusable versions -------------------------------------------------------------------------

        public static TheoryData<string, string> UnusableKinds => new()
        {
            { "kusto", "disabled" }, { "kusto", "expired" }, { "kusto", "future" },
            { "batch", "disabled" }, { "batch", "expired" }, { "batch", "future" },
            { "databox", "disabled" }, { "cassandra", "disabled" },
        };

        private static KeyVersionSpec Unusable(string kind) => kind switch
        {
            "disabled" => new KeyVersionSpec(Enabled: false),
            "expired" => new KeyVersionSpec(Expires: Now.AddHours(-1)),
            _ => new KeyVersionSpec(NotBefore: Now.AddDays(3)),
        };

        private static string ErrorIdOf(string kind) => kind switch { "disabled" => "KeyDisabled", "expired" => "KeyExpired", _ => "KeyNotActive" };

        [Theory]
        [MemberData(nameof(UnusableKinds))]
        public async Task A_newer_unusable_version_is_passed_over_with_a_warning_naming_it_and_nothing_is_written(string service, string kind)
        {
            var (key, v) = NewKey(Good, Unusable(kind));
            await SetAsync(service, Uri(key, v[0]));
            Server.Log.Clear();
            using var host = new RecordingHost();

            var result = await RotateAsync(new CmkKeyRotationRequest(Resource(service)), host);

            Assert.Equal(CmkKeyRotationStatus.UpToDate, result.Status);
            Assert.Contains("Up to date", result.Message);
            Assert.Equal(v[0], result.NewKeyVersion);
            var warning = Assert.Single(host.Warnings);
            Assert.Contains(v[1], warning);
            Assert.Contains(kind == "future" ? "not active" : kind, warning);
            Assert.Contains(v[1], Assert.Single(result.Warnings));
            Assert.Empty(Writes());
        }

        [Theory]
        [MemberData(nameof(UnusableKinds))]
        public async Task An_unusable_version_asked_for_is_refused_with_its_check_and_nothing_is_written(string service, string kind)
        {
            var (key, v) = NewKey(Good, Unusable(kind));
            await SetAsync(service, Uri(key, v[0]));
            Server.Log.Clear();

            var error = await Assert.ThrowsAsync<KeyStateException>(() => RotateAsync(new CmkKeyRotationRequest(Resource(service)) { KeyVersion = v[1] }));

            Assert.Equal(ErrorIdOf(kind), error.ErrorId);
            Assert.Contains(v[1], error.Message);
            Assert.EndsWith(v[1], error.Target);
            Assert.Empty(Writes());
            Assert.EndsWith("/" + v[0], await ConfiguredKeyAsync(Resource(service)));
        }

        [Fact]
        public async Task With_no_usable_version_the_newest_ones_failed_check_is_the_error()
        {
            var (key, v) = NewKey(Good, new KeyVersionSpec(Enabled: false));
            await SetAsync("batch", Uri(key, v[0]));
            Server.Store.SetKeyVersionAttributes(VaultId, key, v[0], expires: Now.AddMinutes(-5));
            Server.Log.Clear();

            var error = await Assert.ThrowsAsync<KeyStateException>(() => RotateAsync(new CmkKeyRotationRequest(Resource("batch"))));

            Assert.Equal("KeyDisabled", error.ErrorId);
            Assert.Contains(v[1], error.Message);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task A_newer_version_failing_any_other_check_is_refused_too()
        {
            // Attributes are fine, but Data Explorer takes only 2048, 3072 or 4096-bit keys: the requirement engine, run on
            // that exact version, decides.
            var (key, v) = NewKey(Good, new KeyVersionSpec(KeySize: 1024));
            await SetAsync("kusto", Uri(key, v[0]));
            Server.Log.Clear();

            var error = await Assert.ThrowsAsync<KeyStateException>(() => RotateAsync(new CmkKeyRotationRequest(Resource("kusto"))));

            Assert.Equal("KeySizeNotSupported", error.ErrorId);
            Assert.Contains(v[1], error.Message);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task An_intermediate_valid_version_is_used_when_the_newest_is_not()
        {
            var (key, v) = NewKey(Good, Good, new KeyVersionSpec(Enabled: false));
            await SetAsync("batch", Uri(key, v[0]));
            using var host = new RecordingHost();

            var result = await RotateAsync(new CmkKeyRotationRequest(Resource("batch")), host);

            Assert.Equal(CmkKeyRotationStatus.Updated, result.Status);
            Assert.Equal(v[1], result.NewKeyVersion);
            Assert.Contains(host.Warnings, w => w.Contains(v[2]) && w.Contains("disabled"));
        }

        [Fact]
        public async Task Never_moves_backwards_on_its_own()
        {
            var (key, v) = NewKey(Good, Good);
            await SetAsync("batch", Uri(key, v[1]));
            Server.Store.SetKeyVersionAttributes(VaultId, key, v[1], enabled: false);
            Server.Log.Clear();
            using var host = new RecordingHost();

            var result = await RotateAsync(new CmkKeyRotationRequest(Resource("batch")), host);

            Assert.Equal(CmkKeyRotationStatus.UpToDate, result.Status);
            Assert.Contains(host.Warnings, w => w.Contains(v[1]) && w.Contains("-KeyVersion"));
            Assert.Empty(Writes());
        }

        // ---- versionless, another key, -WhatIf ---------------------------------------------------------------------

        [Fact]
        public async Task A_versionless_cluster_is_auto_rotating_until_a_version_is_given()
        {
            var (key, v) = NewKey(Good, Good);
            await SetAsync("kusto", Uri(key));
            Server.Log.Clear();

            var auto = await RotateAsync(new CmkKeyRotationRequest(Resource("kusto")));
            Assert.Equal(CmkKeyRotationStatus.AutoRotating, auto.Status);
            Assert.Equal(CmkEncryptionStatus.Versionless, auto.NewKeyVersion);
            Assert.Empty(Writes());

            var pinned = await RotateAsync(new CmkKeyRotationRequest(Resource("kusto")) { KeyVersion = v[1] });
            Assert.Equal(CmkKeyRotationStatus.Updated, pinned.Status);
            Assert.Equal(CmkEncryptionStatus.Versionless, pinned.PreviousKeyVersion);
            Assert.Equal(v[1], pinned.Encryption!.KeyVersion);
        }

        [Fact]
        public async Task Another_key_of_the_same_vault_gets_its_newest_valid_version()
        {
            var (oldKey, oldVersions) = NewKey(Good);
            var (newKey, newVersions) = NewKey(Good, Good, new KeyVersionSpec(Expires: Now.AddDays(-1)));
            await SetAsync("batch", Uri(oldKey, oldVersions[0]));

            var result = await RotateAsync(new CmkKeyRotationRequest(Resource("batch")) { KeyName = newKey });

            Assert.Equal(CmkKeyRotationStatus.Updated, result.Status);
            Assert.Equal(oldKey, result.PreviousKeyName);
            Assert.Equal(newKey, result.NewKeyName);
            Assert.Equal(newVersions[1], result.NewKeyVersion);
        }

        [Fact]
        public async Task Declined_by_ShouldProcess_writes_nothing_and_says_skipped()
        {
            var (key, v) = NewKey(Good, Good);
            await SetAsync("batch", Uri(key, v[0]));
            Server.Log.Clear();
            using var host = new RecordingHost { ShouldProcessAnswer = (_, _) => false };

            var result = await RotateAsync(new CmkKeyRotationRequest(Resource("batch")), host);

            Assert.Equal(CmkKeyRotationStatus.Skipped, result.Status);
            Assert.Equal(v[1], result.NewKeyVersion);
            var (target, action, _) = Assert.Single(host.ShouldProcessCalls);
            Assert.Equal(Resource("batch"), target, ignoreCase: true);
            Assert.Contains(v[1], action);
            Assert.Empty(Writes());
        }

        // ---- NetApp Files: no version to pin; another key of the vault is the rekey -----------------------------------

        [Fact]
        public async Task NetApp_is_auto_rotating_refuses_a_version_and_rekeys_to_another_key()
        {
            var (key, v) = NewKey(Good, Good);
            var (other, _) = NewKey(Good);
            await SetAsync("netapp", Uri(key));
            Server.Log.Clear();

            var auto = await RotateAsync(new CmkKeyRotationRequest(Resource("netapp")));
            Assert.Equal(CmkKeyRotationStatus.AutoRotating, auto.Status);
            Assert.Empty(Writes());

            var refused = await Assert.ThrowsAsync<CmkInputException>(() => RotateAsync(new CmkKeyRotationRequest(Resource("netapp")) { KeyVersion = v[0] }));
            Assert.Equal(CmkServiceAdapter.ParameterNotSupportedId, refused.ErrorId);
            Assert.Equal("KeyVersion", refused.ParameterName);
            Assert.Empty(Writes());

            var rekey = await RotateAsync(new CmkKeyRotationRequest(Resource("netapp")) { KeyName = other });
            Assert.Equal(CmkKeyRotationStatus.Updated, rekey.Status);
            Assert.Equal(other, rekey.NewKeyName);
            Assert.Equal(CmkEncryptionStatus.Versionless, rekey.NewKeyVersion);
            Assert.Contains(Writes(), w => w.StartsWith("PATCH " + Resource("netapp"), StringComparison.OrdinalIgnoreCase));
            Assert.EndsWith("/keys/" + other, await ConfiguredKeyAsync(Resource("netapp")));
        }

        // ---- many resources in one run ----------------------------------------------------------------------------

        [Fact]
        public async Task One_run_reads_a_shared_key_once_and_a_failed_item_does_not_stop_the_others()
        {
            var (key, v) = NewKey(Good, Good);
            await SetAsync("kusto", Uri(key, v[0]));
            await SetAsync("batch", Uri(key, v[0]));
            Server.Log.Clear();
            // The failing item: databox-demo on a Microsoft-managed key again (other tests here put it under CMK).
            Server.Store.Update(Resource("databox"), job => job["properties"]!["details"]!["keyEncryptionKey"] = new JsonObject { ["kekType"] = "MicrosoftManaged" });
            var rotation = new KeyRotation(_f.Admin);
            using var host = new RecordingHost();

            var kusto = await RotateAsync(new CmkKeyRotationRequest(Resource("kusto")), host, rotation);
            var failed = await Assert.ThrowsAsync<CmkUnsupportedOperationException>(() => RotateAsync(new CmkKeyRotationRequest(Resource("databox")), host, rotation));
            var batch = await RotateAsync(new CmkKeyRotationRequest(Resource("batch")), host, rotation);

            Assert.Equal("CmkNotConfigured", failed.ErrorId);
            Assert.Equal(Resource("databox"), failed.Target, ignoreCase: true);
            Assert.Equal(CmkKeyRotationStatus.Updated, kusto.Status);
            Assert.Equal(CmkKeyRotationStatus.Updated, batch.Status);
            var gets = Server.Log.Entries.Where(e => e.Method == "GET").Select(e => e.Path).ToList();
            Assert.Equal(1, gets.Count(p => p.EndsWith("/vaults/kv-good", StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(1, gets.Count(p => p.EndsWith($"/keys/{key}/versions", StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(1, gets.Count(p => p.EndsWith($"/keys/{key}/versions/{v[1]}", StringComparison.OrdinalIgnoreCase)));
            // One progress activity, an entry per resource, each closed.
            Assert.Equal(3, host.Progress.Count(p => p.Completed && p.Activity == KeyRotation.ActivityName));
        }
    }
}
