using System;
using System.Collections.Generic;
using System.Linq;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.KeyVault
{
    public enum KeyVaultKind { Vault, ManagedHsm }

    /// <summary>
    /// A parsed key identifier: https://{vault}.{suffix}/keys/{name}[/{version}] for a key vault or a
    /// Managed HSM of any well-known cloud (or of the cloud passed in). Whether the host belongs to the
    /// connected cloud is a separate question (<see cref="IsInCloud"/>), so that a key of another cloud
    /// is a failed check rather than an unparseable input.
    /// </summary>
    public sealed class KeyIdentifier : IEquatable<KeyIdentifier>
    {
        private KeyIdentifier(KeyVaultKind kind, string vaultName, string hostSuffix, string name, string? version, bool isKeyVaultHost = true)
        {
            Kind = kind;
            VaultName = vaultName;
            HostSuffix = hostSuffix;
            Name = name;
            Version = version;
            IsKeyVaultHost = isKeyVaultHost;
        }

        public KeyVaultKind Kind { get; }
        /// <summary>The vault (or HSM) name, lower case as DNS has it.</summary>
        public string VaultName { get; }
        /// <summary>e.g. "vault.azure.net" or "managedhsm.usgovcloudapi.net".</summary>
        public string HostSuffix { get; }
        public string Name { get; }
        /// <summary>32 hex characters, or null for a versionless identifier.</summary>
        public string? Version { get; }
        public bool IsVersioned => Version != null;
        /// <summary>
        /// False for a well-formed https key URI whose host is no key vault or Managed HSM host of any known cloud (only
        /// <see cref="ParseAnyHost"/> gives one): the requirement engine reports it as a failed KeyUri.CloudHost check.
        /// </summary>
        public bool IsKeyVaultHost { get; }
        public string Host => HostSuffix.Length == 0 ? VaultName : VaultName + "." + HostSuffix;
        /// <summary>"https://{host}/" as vaults report it in properties.vaultUri.</summary>
        public string VaultUri => "https://" + Host + "/";
        /// <summary>The versionless identifier.</summary>
        public string VersionlessUri => "https://" + Host + "/keys/" + Name;
        /// <summary>The normalized identifier (no port, no trailing slash).</summary>
        public string Uri => Version == null ? VersionlessUri : VersionlessUri + "/" + Version;

        public override string ToString() => Uri;

        /// <summary>The same key with another (or no) version.</summary>
        public KeyIdentifier WithVersion(string? version)
        {
            if (version != null && !IsVersion(version))
                throw KeyVaultInputErrors.InvalidKeyUri(VersionlessUri + "/" + version, "the version must be 32 hexadecimal characters.");
            return new KeyIdentifier(Kind, VaultName, HostSuffix, Name, version?.ToLowerInvariant(), IsKeyVaultHost);
        }

        /// <summary>True when the host suffix is the connected cloud's vault or HSM suffix.</summary>
        public bool IsInCloud(AzureCloud cloud)
            => IsKeyVaultHost && string.Equals(HostSuffix, Kind == KeyVaultKind.Vault ? cloud.KeyVaultSuffix : cloud.ManagedHsmSuffix,
                StringComparison.OrdinalIgnoreCase);

        /// <summary>Parses a key URI; throws the typed InvalidKeyUri error naming the input.</summary>
        /// <remarks>A well-formed URI on a host that is no key vault at all gives KeyVaultHostNotInCloud (Data Box's SsemUserErrorKeyVaultUrlInvalidHost).</remarks>
        public static KeyIdentifier Parse(string? input, AzureCloud? cloud = null)
        {
            var result = TryParseCore(input, cloud, anyHost: false, out var error);
            if (result != null) return result;
            if (error == ForeignHost)
                throw CmkErrors.InvalidInput(HostNotInCloudId, "KeyUri", input, $"'{HostOf(input!)}' is not a key vault or Managed HSM host.");
            throw KeyVaultInputErrors.InvalidKeyUri(input, error!);
        }

        /// <summary>
        /// As <see cref="Parse"/>, but a well-formed https URI on any host parses (with <see cref="IsKeyVaultHost"/> false when
        /// the host is no vault's): the requirement engine reports the host as a failed check among its results.
        /// </summary>
        public static KeyIdentifier ParseAnyHost(string? input, AzureCloud? cloud = null)
        {
            var result = TryParseCore(input, cloud, anyHost: true, out var error);
            if (result == null) throw KeyVaultInputErrors.InvalidKeyUri(input, error!);
            return result;
        }

        public static bool TryParse(string? input, out KeyIdentifier? identifier, AzureCloud? cloud = null)
        {
            identifier = TryParseCore(input, cloud, anyHost: false, out _);
            return identifier != null;
        }

        private const string HostNotInCloudId = "KeyVaultHostNotInCloud";
        private const string ForeignHost = "foreign host";

        private static string HostOf(string input) => System.Uri.TryCreate(input, UriKind.Absolute, out var u) ? u.Host : input;

        /// <summary>
        /// The key URI of a vault URI, key name and optional version, as services store them apart. The vault URI's host
        /// is kept as given (not normalized): the result shows what the service was told and may not even parse.
        /// </summary>
        public static string Compose(string vaultUri, string keyName, string? version)
            => vaultUri.TrimEnd('/') + "/keys/" + keyName + (version == null ? "" : "/" + version);

        /// <summary>Builds the identifier of a key given by vault name, in the given cloud.</summary>
        public static KeyIdentifier FromParts(string vaultName, string keyName, string? version, AzureCloud cloud,
            KeyVaultKind kind = KeyVaultKind.Vault)
        {
            if (cloud is null) throw new ArgumentNullException(nameof(cloud));
            var nameError = VaultNameError(vaultName);
            if (nameError != null) throw KeyVaultInputErrors.InvalidKeyVaultName(vaultName, nameError);
            var keyError = KeyNameError(keyName);
            if (keyError != null) throw KeyVaultInputErrors.InvalidKeyName(keyName, keyError);
            var id = new KeyIdentifier(kind, vaultName.ToLowerInvariant(),
                kind == KeyVaultKind.Vault ? cloud.KeyVaultSuffix : cloud.ManagedHsmSuffix, keyName, null);
            return id.WithVersion(version);
        }

        private static KeyIdentifier? TryParseCore(string? input, AzureCloud? cloud, bool anyHost, out string? error)
        {
            error = null;
            if (string.IsNullOrWhiteSpace(input)) { error = "it is empty."; return null; }
            // Refused before System.Uri can rewrite it (dot segments, escapes, invisible characters, white space).
            var text = input!;
            error = CanonicalInput.Problem(text);
            if (error != null) return null;
            if (!System.Uri.TryCreate(text, UriKind.Absolute, out var uri)) { error = "it is not an absolute URI."; return null; }
            if (!string.Equals(uri.Scheme, "https", StringComparison.OrdinalIgnoreCase)) { error = "only the https scheme is allowed."; return null; }
            if (!string.IsNullOrEmpty(uri.UserInfo)) { error = "it must not carry user information."; return null; }
            // The management plane reports keyUri with an explicit ":443"; any other port is not a vault.
            if (uri.Port != 443) { error = $"port {uri.Port} is not allowed."; return null; }
            if (text.IndexOf('?') >= 0 || text.IndexOf('#') >= 0) { error = "it must not have a query or a fragment."; return null; }

            var host = uri.Host.ToLowerInvariant();
            var match = HostSuffixes(cloud).FirstOrDefault(s => host.EndsWith("." + s.Suffix, StringComparison.Ordinal));
            string vaultName;
            if (match.Suffix == null)
            {
                if (!anyHost)
                {
                    error = ForeignHost;
                    return null;
                }
                var dot = host.IndexOf('.');
                vaultName = dot < 0 ? host : host.Substring(0, dot);
                match = (dot < 0 ? "" : host.Substring(dot + 1), KeyVaultKind.Vault);
            }
            else
            {
                vaultName = host.Substring(0, host.Length - match.Suffix.Length - 1);
                var nameError = VaultNameError(vaultName);
                if (nameError != null) { error = "the vault name " + nameError; return null; }
            }

            var path = uri.AbsolutePath;
            if (path.Length > 1 && path.EndsWith("/", StringComparison.Ordinal))
            {
                error = $"it ends with '/': give the key identifier without it ({text.TrimEnd('/')}).";
                return null;
            }
            var segments = path.Split('/');
            // "/keys/name" splits to ["", "keys", "name"]; "/keys/name/version" to four parts.
            if (segments.Length < 3 || segments.Length > 4 || segments[0].Length != 0
                || !string.Equals(segments[1], "keys", StringComparison.OrdinalIgnoreCase))
            {
                error = "the path must be /keys/{name} or /keys/{name}/{version}.";
                return null;
            }
            var keyName = segments[2];
            var keyError = KeyNameError(keyName);
            if (keyError != null) { error = "the key name " + keyError; return null; }
            string? version = null;
            if (segments.Length == 4)
            {
                version = segments[3];
                if (!IsVersion(version)) { error = "the version must be 32 hexadecimal characters."; return null; }
                version = version.ToLowerInvariant();
            }
            return new KeyIdentifier(match.Kind, vaultName, match.Suffix, keyName, version, isKeyVaultHost: HostSuffixes(cloud).Any(s => s.Suffix == match.Suffix));
        }

        private static IEnumerable<(string Suffix, KeyVaultKind Kind)> HostSuffixes(AzureCloud? cloud)
        {
            var clouds = cloud == null ? AzureCloud.WellKnown : new[] { cloud }.Concat(AzureCloud.WellKnown);
            foreach (var c in clouds)
            {
                yield return (c.KeyVaultSuffix.ToLowerInvariant(), KeyVaultKind.Vault);
                yield return (c.ManagedHsmSuffix.ToLowerInvariant(), KeyVaultKind.ManagedHsm);
            }
        }

        internal static bool IsVersion(string s) => s.Length == 32 && s.All(IsHex);

        private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

        /// <summary>Key vault and Managed HSM names: 3-24 of [a-z0-9-], a letter first, no "--", no trailing hyphen.</summary>
        internal static string? VaultNameError(string? name)
        {
            if (string.IsNullOrEmpty(name)) return "is empty.";
            if (name!.Length < 3 || name.Length > 24) return "must have 3 to 24 characters.";
            if (!char.IsLetter(name[0])) return "must start with a letter.";
            if (name[name.Length - 1] == '-') return "must not end with a hyphen.";
            if (name.Contains("--")) return "must not contain consecutive hyphens.";
            if (!name.All(c => (c < 128 && char.IsLetterOrDigit(c)) || c == '-')) return "may only contain letters, digits and hyphens.";
            return null;
        }

        internal static string? KeyNameError(string? name)
        {
            if (string.IsNullOrEmpty(name)) return "is empty.";
            if (name!.Length > 127) return "must have at most 127 characters.";
            if (!name.All(c => (c < 128 && char.IsLetterOrDigit(c)) || c == '-')) return "may only contain letters, digits and hyphens.";
            return null;
        }

        public bool Equals(KeyIdentifier? other) => other != null && string.Equals(Uri, other.Uri, StringComparison.OrdinalIgnoreCase);
        public override bool Equals(object? obj) => Equals(obj as KeyIdentifier);
        public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Uri);
    }
}
