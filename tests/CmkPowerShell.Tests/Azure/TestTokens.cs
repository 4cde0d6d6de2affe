using System;
using System.Security;
using System.Text;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Tests.Azure
{
    /// <summary>Unsigned JWTs with chosen claims: the engine only decodes them, ARM (or the fake) judges them.</summary>
    internal static class TestTokens
    {
        public static string Jwt(string? oid = "33333333-3333-3333-3333-333333333333", string? upn = "admin@contoso.test",
            DateTimeOffset? expires = null, string? tid = FakeArm.TenantId, string? appid = null)
        {
            var payload = new JsonObject { ["exp"] = (expires ?? DateTimeOffset.UtcNow.AddHours(1)).ToUnixTimeSeconds() };
            if (oid != null) payload["oid"] = oid;
            if (upn != null) payload["upn"] = upn;
            if (tid != null) payload["tid"] = tid;
            if (appid != null) payload["appid"] = appid;
            return Segment(new JsonObject { ["alg"] = "none", ["typ"] = "JWT" }) + "." + Segment(payload) + ".c2lnbmF0dXJl";
        }

        public static SecureString Secure(string text)
        {
            var secure = new SecureString();
            foreach (var c in text) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }

        private static string Segment(JsonNode node)
            => Convert.ToBase64String(Encoding.UTF8.GetBytes(node.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
