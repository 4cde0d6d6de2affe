using System;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// Trust for one self-signed certificate (a local emulator or an Azure Stack endpoint) by its thumbprint.
    /// A chain that validates normally is always accepted; an invalid one only when it is the pinned
    /// certificate. Validation is never switched off.
    /// </summary>
    public sealed class CertificatePin
    {
        private readonly string _thumbprint;

        public CertificatePin(string thumbprint)
        {
            _thumbprint = Normalize(thumbprint);
            // SHA-1 is 20 bytes (40 hex digits), SHA-256 32 bytes (64); anything else cannot ever match.
            if ((_thumbprint.Length != 40 && _thumbprint.Length != 64) || !IsHex(_thumbprint))
            {
                throw CmkErrors.Create("InvalidCertificateThumbprint", thumbprint);
            }
        }

        /// <summary>Upper-case hex without spaces, colons or dashes, as certificate tools print it in many styles.</summary>
        public static string Normalize(string thumbprint)
        {
            if (thumbprint is null) throw new ArgumentNullException(nameof(thumbprint));
            var sb = new StringBuilder(thumbprint.Length);
            foreach (var c in thumbprint)
            {
                if (c == ' ' || c == ':' || c == '-' || c == '\u200e' || c == '\u200f') continue;
                sb.Append(char.ToUpperInvariant(c));
            }
            return sb.ToString();
        }

        public bool Matches(X509Certificate2 certificate)
        {
            if (certificate is null) return false;
            byte[] hash;
            if (_thumbprint.Length == 40)
            {
                hash = certificate.GetCertHash();
            }
            else
            {
                using var sha = SHA256.Create();
                hash = sha.ComputeHash(certificate.RawData);
            }
            return FixedTimeEquals(ToHex(hash), _thumbprint);
        }

        /// <summary>The rule HttpClientHandler.ServerCertificateCustomValidationCallback applies.</summary>
        public bool Validate(X509Certificate2? certificate, SslPolicyErrors errors)
            => errors == SslPolicyErrors.None || (certificate != null && Matches(certificate));

        private static bool IsHex(string s)
        {
            foreach (var c in s)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
            }
            return true;
        }

        private static string ToHex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("X2"));
            return sb.ToString();
        }

        private static bool FixedTimeEquals(string a, string b)
        {
            if (a.Length != b.Length) return false;
            var diff = 0;
            for (int i = 0; i < a.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }
    }
}
