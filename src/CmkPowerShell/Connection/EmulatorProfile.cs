using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Connection
{
    /// <summary>
    /// The JSON file the local emulator writes when it starts: where it listens, the certificate to pin, the
    /// demo tenant and subscription and a token. Connect-AzCmk -EmulatorProfile turns it into connection options.
    /// </summary>
    internal sealed class EmulatorProfile
    {
        public const string NotFoundErrorId = "EmulatorProfileNotFound";
        public const string InvalidErrorId = "EmulatorProfileInvalid";

        // The emulator and its clients are written separately; accept the obvious spellings of each field.
        private static readonly string[] EndpointNames = { "resourceManagerEndpoint", "resourceManagerUrl", "armEndpoint", "endpoint" };
        private static readonly string[] AuthorityNames = { "authorityHost", "authority" };
        private static readonly string[] ThumbprintNames = { "certificateThumbprint", "thumbprint", "certificateSha256", "certificateSha1" };
        private static readonly string[] TenantNames = { "tenantId", "tenant" };
        private static readonly string[] SubscriptionNames = { "subscriptionId", "subscription" };
        private static readonly string[] TokenNames = { "accessToken", "token" };
        private static readonly string[] CloudNames = { "cloud", "environment" };

        private EmulatorProfile(string path, Uri endpoint, Uri? authorityHost, string thumbprint, string tenantId,
            string subscriptionId, string accessToken, string? cloud)
        {
            Cloud = cloud;
            Path = path;
            ResourceManagerEndpoint = endpoint;
            AuthorityHost = authorityHost;
            CertificateThumbprint = thumbprint;
            TenantId = tenantId;
            SubscriptionId = subscriptionId;
            AccessToken = accessToken;
        }

        public string Path { get; }
        public Uri ResourceManagerEndpoint { get; }
        public Uri? AuthorityHost { get; }
        public string CertificateThumbprint { get; }
        public string TenantId { get; }
        public string SubscriptionId { get; }
        public string AccessToken { get; }
        /// <summary>The well-known cloud the emulator's scenario imitates (its vault and HSM hosts), or null for the public cloud.</summary>
        public string? Cloud { get; }

        public static EmulatorProfile Load(string path)
        {
            if (!File.Exists(path))
            {
                throw CmkErrors.Create(NotFoundErrorId, path);
            }
            JsonObject root;
            try
            {
                root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                    ?? throw new JsonException("The profile is not a JSON object.");
            }
            catch (JsonException ex)
            {
                throw Invalid(path, $"it is not valid JSON ({ex.Message})", ex);
            }

            var endpointText = Required(root, path, EndpointNames);
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme != Uri.UriSchemeHttps)
            {
                throw Invalid(path, $"the endpoint '{endpointText}' is not an absolute https URI");
            }
            Uri? authority = null;
            var authorityText = Optional(root, AuthorityNames);
            if (authorityText != null && !Uri.TryCreate(authorityText, UriKind.Absolute, out authority))
            {
                throw Invalid(path, $"the authority '{authorityText}' is not an absolute URI");
            }
            return new EmulatorProfile(path, endpoint, authority, Required(root, path, ThumbprintNames),
                Required(root, path, TenantNames), Required(root, path, SubscriptionNames), Required(root, path, TokenNames),
                Optional(root, CloudNames));
        }

        private static string Required(JsonObject root, string path, string[] names)
            => Optional(root, names) ?? throw Invalid(path, $"it has no '{names[0]}'");

        private static string? Optional(JsonObject root, string[] names)
        {
            foreach (var property in root)
            {
                if (Array.Exists(names, n => string.Equals(n, property.Key, StringComparison.OrdinalIgnoreCase))
                    && property.Value is JsonValue value && value.TryGetValue(out string? text) && !string.IsNullOrWhiteSpace(text))
                {
                    return text;
                }
            }
            return null;
        }

        private static CmkException Invalid(string path, string why, Exception? inner = null)
            => CmkErrors.Create(InvalidErrorId, path, why + ".", inner);
    }
}
