using System;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Tests.KeyVault
{
    public class KeyIdentifierTests
    {
        [Theory]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk", "kv-good", "vault.azure.net", "cmk", null, KeyVaultKind.Vault)]
        [InlineData("https://KV-Good.Vault.Azure.Net/keys/cmk/0123456789ABCDEF0123456789abcdef", "kv-good", "vault.azure.net", "cmk", "0123456789abcdef0123456789abcdef", KeyVaultKind.Vault)]
        [InlineData("https://sample-vault-name.vault.azure.net:443/keys/sample-key-name/fd618d9519b74f9aae94ade66b876acc", "sample-vault-name", "vault.azure.net", "sample-key-name", "fd618d9519b74f9aae94ade66b876acc", KeyVaultKind.Vault)]
        [InlineData("https://gov1.vault.usgovcloudapi.net/keys/k", "gov1", "vault.usgovcloudapi.net", "k", null, KeyVaultKind.Vault)]
        [InlineData("https://cn-vault.vault.azure.cn/keys/k-1", "cn-vault", "vault.azure.cn", "k-1", null, KeyVaultKind.Vault)]
        [InlineData("https://myhsm.managedhsm.azure.net/keys/hsm-key/78deebed173b48e48f55abf87ed4cf71", "myhsm", "managedhsm.azure.net", "hsm-key", "78deebed173b48e48f55abf87ed4cf71", KeyVaultKind.ManagedHsm)]
        public void Parses_vault_and_hsm_identifiers(string input, string vault, string suffix, string name, string? version, KeyVaultKind kind)
        {
            var id = KeyIdentifier.Parse(input);
            Assert.Equal(vault, id.VaultName);
            Assert.Equal(suffix, id.HostSuffix);
            Assert.Equal(name, id.Name);
            Assert.Equal(version, id.Version);
            Assert.Equal(kind, id.Kind);
            Assert.Equal(version != null, id.IsVersioned);
            Assert.Equal($"https://{vault}.{suffix}/keys/{name}" + (version == null ? "" : "/" + version), id.Uri);
        }

        [Theory]
        [InlineData(null, "empty")]
        [InlineData("", "empty")]
        [InlineData("kv-good.vault.azure.net/keys/cmk", "absolute")]
        [InlineData("http://kv-good.vault.azure.net/keys/cmk", "https")]
        [InlineData("https://kv-good.vault.azure.net:8443/keys/cmk", "port")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk?api-version=7.5", "query")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk#frag", "fragment")]
        [InlineData("https://user@kv-good.vault.azure.net/keys/cmk", "user")]
        [InlineData("https://kv-good.vault.azure.net/secrets/cmk", "/keys/")]
        [InlineData("https://kv-good.vault.azure.net/keys", "/keys/")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef/extra", "/keys/")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk/", "ends with '/'")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef/", "ends with '/'")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk/123", "32 hexadecimal")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdeg", "32 hexadecimal")]
        [InlineData("https://kv-good.vault.azure.net/keys/c_mk", "key name")]
        [InlineData("https://kv.vault.azure.net/keys/cmk", "3 to 24")]
        [InlineData("https://1kv.vault.azure.net/keys/cmk", "start with a letter")]
        [InlineData("https://kv--x.vault.azure.net/keys/cmk", "consecutive")]
        [InlineData("https://a.b.vault.azure.net/keys/cmk", "letters, digits")]
        public void Rejects_anything_else_with_a_typed_error_naming_the_input(string? input, string reason)
        {
            var ex = Assert.ThrowsAny<CmkException>(() => KeyIdentifier.Parse(input));
            Assert.Equal("InvalidKeyUri", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.InvalidArgument, ex.Category);
            Assert.Equal(input, ex.Target);
            Assert.Contains(reason, ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.False(string.IsNullOrEmpty(ex.RecommendedAction));
            Assert.False(KeyIdentifier.TryParse(input, out var none));
            Assert.Null(none);
        }

        [Theory]
        [InlineData("https://kv-good.vault.azure.net/secrets/../keys/cmk", "dot segment '..' at position 41")]
        [InlineData("https://kv-good.vault.azure.net/keys/./cmk", "dot segment '.' at position 38")]
        [InlineData("https://kv-good.vault.azure.net/k%65ys/cmk", "percent-escape at position 34")]
        [InlineData("https://kv-good.vault.azure.net/keys/cm%6B", "percent-escape at position 40")]
        [InlineData("https://kv-\u202Egood.vault.azure.net/keys/cmk", "U+202E (RIGHT-TO-LEFT OVERRIDE) at position 12")]
        [InlineData("https://kv-good.vault.azure.net/keys/c\u200Bmk", "U+200B (ZERO WIDTH SPACE) at position 39")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk\u00A0", "trailing white space U+00A0 (NO-BREAK SPACE) at position 41")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk ", "trailing white space U+0020 (SPACE) at position 41")]
        [InlineData(" https://kv-good.vault.azure.net/keys/cmk", "leading white space U+0020 (SPACE) at position 1")]
        [InlineData("https://kv-good.vault.azure.net/keys/cmk\t", "U+0009 (TAB) at position 41")]
        [InlineData("https://kv-good.vault.azure.net\\u005Ckeys\\u005Ccmk", "backslash at position 32")]
        public void Refuses_what_Uri_normalisation_would_rewrite_naming_the_character_and_position(string escaped, string reason)
        {
            var input = System.Text.RegularExpressions.Regex.Unescape(escaped);
            var ex = Assert.IsType<CmkInputException>(Assert.ThrowsAny<CmkException>(() => KeyIdentifier.Parse(input)));
            Assert.Equal("InvalidKeyUri", ex.ErrorId);
            Assert.Equal("KeyUri", ex.ParameterName);
            Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
            Assert.False(KeyIdentifier.TryParse(input, out _));
            Assert.Equal("InvalidKeyUri", Assert.ThrowsAny<CmkException>(() => KeyIdentifier.ParseAnyHost(input)).ErrorId);
        }

        [Fact]
        public void A_host_that_is_no_key_vault_is_the_cloud_host_error_and_parses_for_the_requirement_engine()
        {
            var ex = Assert.IsType<CmkInputException>(Assert.ThrowsAny<CmkException>(() => KeyIdentifier.Parse("https://kv-good.example.com/keys/cmk")));
            Assert.Equal("KeyVaultHostNotInCloud", ex.ErrorId);
            Assert.Equal("KeyUri", ex.ParameterName);
            Assert.Contains("'kv-good.example.com' is not a key vault or Managed HSM host", ex.Message);

            var any = KeyIdentifier.ParseAnyHost("https://kv-good.example.com/keys/cmk");
            Assert.False(any.IsKeyVaultHost);
            Assert.Equal("kv-good.example.com", any.Host);
            Assert.False(any.IsInCloud(AzureCloud.AzureCloudPublic));
            Assert.True(KeyIdentifier.ParseAnyHost("https://kv-good.vault.azure.net/keys/cmk").IsKeyVaultHost);
        }

        [Theory]
        [InlineData("https://kv1.vault.azure.net/", null, "https://kv1.vault.azure.net/keys/k")]
        [InlineData("https://kv1.vault.azure.net", null, "https://kv1.vault.azure.net/keys/k")]
        [InlineData("https://kv1.vault.azure.net/", "0123456789abcdef0123456789abcdef", "https://kv1.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef")]
        [InlineData("https://KV1.vault.azure.net:443/", null, "https://KV1.vault.azure.net:443/keys/k")]
        public void Compose_joins_a_stored_vault_uri_name_and_version_without_normalizing(string vaultUri, string? version, string expected)
            => Assert.Equal(expected, KeyIdentifier.Compose(vaultUri, "k", version));

        [Fact]
        public void A_key_of_another_cloud_parses_but_is_not_in_the_connected_cloud()
        {
            var gov = KeyIdentifier.Parse("https://gov1.vault.usgovcloudapi.net/keys/k");
            Assert.False(gov.IsInCloud(AzureCloud.AzureCloudPublic));
            Assert.True(gov.IsInCloud(AzureCloud.AzureUSGovernment));
            Assert.True(KeyIdentifier.Parse("https://hsm1.managedhsm.azure.cn/keys/k").IsInCloud(AzureCloud.AzureChinaCloud));
        }

        [Fact]
        public void A_custom_cloud_adds_its_own_suffixes()
        {
            var custom = new AzureCloud("Emulator", new Uri("https://127.0.0.1:5001/"), new Uri("https://127.0.0.1:5001/"),
                "https://management.emulator/", "vault.emulator.test", "managedhsm.emulator.test");
            Assert.False(KeyIdentifier.TryParse("https://kv-good.vault.emulator.test/keys/cmk", out _));
            var id = KeyIdentifier.Parse("https://kv-good.vault.emulator.test/keys/cmk", custom);
            Assert.True(id.IsInCloud(custom));
        }

        [Fact]
        public void Builds_from_parts_and_versions_round_trip()
        {
            var id = KeyIdentifier.FromParts("KV-Good", "cmk", null, AzureCloud.AzureChinaCloud);
            Assert.Equal("https://kv-good.vault.azure.cn/keys/cmk", id.Uri);
            var versioned = id.WithVersion("0123456789ABCDEF0123456789ABCDEF");
            Assert.Equal(id.Uri + "/0123456789abcdef0123456789abcdef", versioned.Uri);
            Assert.Equal(versioned, KeyIdentifier.Parse(versioned.Uri));
            Assert.Equal(id.VersionlessUri, versioned.VersionlessUri);
            Assert.Equal("InvalidKeyVaultName", Assert.ThrowsAny<CmkException>(() => KeyIdentifier.FromParts("x", "cmk", null, AzureCloud.AzureCloudPublic)).ErrorId);
            Assert.Equal("InvalidKeyName", Assert.ThrowsAny<CmkException>(() => KeyIdentifier.FromParts("kv-good", "a/b", null, AzureCloud.AzureCloudPublic)).ErrorId);
        }
    }
}
