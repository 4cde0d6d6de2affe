using System;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>The caller behind a verified bearer token.</summary>
    internal sealed record Caller(string ObjectId, string? AppId, string TenantId);

    /// <summary>HS256 JWTs signed with a key made at start: only this emulator instance can make or accept them.</summary>
    internal sealed class JwtTokens
    {
        private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
        private readonly string _issuerBase;

        public JwtTokens(string issuerBase) => _issuerBase = issuerBase.TrimEnd('/');

        public string Issue(string tenantId, string objectId, string? appId, string audience, TimeSpan lifetime)
        {
            var now = DateTimeOffset.UtcNow;
            var header = new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT", ["kid"] = "emulator" };
            var payload = new JsonObject
            {
                ["aud"] = audience,
                ["iss"] = $"{_issuerBase}/{tenantId}/",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["nbf"] = now.AddMinutes(-5).ToUnixTimeSeconds(),
                ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
                ["tid"] = tenantId,
                ["oid"] = objectId,
                ["sub"] = objectId,
                ["appid"] = appId ?? objectId,
                ["ver"] = "1.0",
            };
            var signingInput = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(payload.ToJsonString()));
            return signingInput + "." + B64(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(signingInput)));
        }

        /// <summary>Verifies signature and lifetime; throws an ArmException shaped like ARM's 401s.</summary>
        public Caller Validate(string token)
        {
            var parts = token.Split('.');
            if (parts.Length != 3) throw Invalid("The access token is invalid.");
            var expected = B64(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(parts[0] + "." + parts[1])));
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[2])))
                throw Invalid("The access token has an invalid signature.");
            JsonObject payload;
            try
            {
                payload = JsonNode.Parse(Encoding.UTF8.GetString(FromB64(parts[1])))!.AsObject();
            }
            catch (Exception)
            {
                throw Invalid("The access token is invalid.");
            }
            var now = DateTimeOffset.UtcNow;
            var exp = DateTimeOffset.FromUnixTimeSeconds(payload["exp"]?.GetValue<long>() ?? 0);
            if (exp < now)
                throw new ArmException(401, "ExpiredAuthenticationToken",
                    $"The access token expiry UTC time '{exp.UtcDateTime:M/d/yyyy h:mm:ss tt}' is earlier than current UTC time '{now.UtcDateTime:M/d/yyyy h:mm:ss tt}'.");
            var nbf = DateTimeOffset.FromUnixTimeSeconds(payload["nbf"]?.GetValue<long>() ?? 0);
            if (nbf > now.AddMinutes(5)) throw Invalid("The access token is not yet valid.");
            var oid = payload["oid"]?.GetValue<string>();
            var tid = payload["tid"]?.GetValue<string>();
            if (string.IsNullOrEmpty(oid) || string.IsNullOrEmpty(tid)) throw Invalid("The access token is missing the 'oid' or 'tid' claim.");
            return new Caller(oid, payload["appid"]?.GetValue<string>(), tid);
        }

        private static ArmException Invalid(string message) => new(401, "InvalidAuthenticationToken", message);

        private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        private static byte[] FromB64(string s)
        {
            var padded = s.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            return Convert.FromBase64String(padded);
        }
    }
}
