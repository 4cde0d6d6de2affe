using System;
using System.Text;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// The few claims of an access token we show or need (who, which tenant, until when). The token is
    /// only decoded, never validated: ARM validates it. Nothing here keeps or prints the token itself.
    /// </summary>
    public sealed class TokenClaims
    {
        private TokenClaims(DateTimeOffset? expiresOn, string? objectId, string? userPrincipalName, string? appId, string? tenantId)
        {
            ExpiresOn = expiresOn;
            ObjectId = objectId;
            UserPrincipalName = userPrincipalName;
            AppId = appId;
            TenantId = tenantId;
        }

        public DateTimeOffset? ExpiresOn { get; }
        public string? ObjectId { get; }
        public string? UserPrincipalName { get; }
        public string? AppId { get; }
        public string? TenantId { get; }

        /// <summary>How Connect-AzCmk names the signed-in principal: upn, else application id, else object id.</summary>
        public string? Account => UserPrincipalName ?? AppId ?? ObjectId;

        /// <summary>Reads a JWT's payload; null when the text is not a JWT (an opaque token is still usable).</summary>
        public static TokenClaims? TryParse(string token)
        {
            if (string.IsNullOrEmpty(token)) return null;
            var parts = token.Split('.');
            if (parts.Length < 2) return null;
            try
            {
                var json = Encoding.UTF8.GetString(FromBase64Url(parts[1]));
                if (JsonNode.Parse(json) is not JsonObject payload) return null;
                DateTimeOffset? exp = null;
                if (payload["exp"] is JsonValue expValue && expValue.TryGetValue<long>(out var seconds))
                {
                    exp = DateTimeOffset.FromUnixTimeSeconds(seconds);
                }
                return new TokenClaims(exp, Text(payload, "oid"),
                    Text(payload, "upn") ?? Text(payload, "unique_name") ?? Text(payload, "preferred_username"),
                    Text(payload, "appid") ?? Text(payload, "azp"), Text(payload, "tid"));
            }
            catch (Exception ex) when (ex is FormatException || ex is System.Text.Json.JsonException || ex is ArgumentException)
            {
                return null;
            }
        }

        private static string? Text(JsonObject payload, string name)
            => payload[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

        private static byte[] FromBase64Url(string segment)
        {
            var s = segment.Replace('-', '+').Replace('_', '/');
            switch (s.Length % 4)
            {
                case 2: s += "=="; break;
                case 3: s += "="; break;
            }
            return Convert.FromBase64String(s);
        }
    }
}
