using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Azure
{
    /// <summary>
    /// Azure.Identity credentials over the session's own transport: the fake is the only thing that can
    /// answer, so a token request that went to login.microsoftonline.com or around the pin would fail.
    /// </summary>
    [Collection(ProcessEnvironmentCollection.Name)]
    public class CredentialFlowTests
    {
        private static HttpResponseMessage TokenAnswer(string token)
            => FakeArm.Json(200, new JsonObject { ["access_token"] = token, ["token_type"] = "Bearer", ["expires_in"] = 3600, ["ext_expires_in"] = 3600 });

        [Fact]
        public async Task Client_secret_asks_the_configured_authority_through_the_session_transport()
        {
            var token = TestTokens.Jwt(upn: null, appid: "app-55");
            var arm = new FakeArm().On("POST", $"^/{FakeArm.TenantId}/oauth2/v2.0/token$", (_, _) => TokenAnswer(token));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host, configure: o =>
            {
                o.CredentialKind = CmkCredentialKind.ServicePrincipalSecret;
                o.AccessToken = null;
                o.TenantId = FakeArm.TenantId;
                o.ClientId = "55555555-5555-5555-5555-555555555555";
                o.ClientSecret = TestTokens.Secure("s3cret-value");
            });

            Assert.Equal("app-55", session.Info.Account);
            var tokenRequest = Assert.Single(arm.To("POST", "/oauth2/v2.0/token$"));
            Assert.Contains("client_secret=s3cret-value", tokenRequest.Body);
            Assert.Contains(Uri.EscapeDataString(session.Scope), tokenRequest.Body);
            // ARM calls carry the token, and the token request is not an ARM request.
            Assert.Equal("Bearer " + token, arm.To("GET", "^/subscriptions$").Single().Authorization);
            Assert.Equal(1, session.Requests.Snapshot().Get);
            Assert.DoesNotContain("s3cret-value", host.AllText);
        }

        [Fact]
        public async Task A_rejected_client_secret_is_an_authentication_error()
        {
            var arm = new FakeArm().On("POST", "/oauth2/v2.0/token$", (_, _) => FakeArm.Json(401, new JsonObject
            {
                ["error"] = "invalid_client", ["error_description"] = "AADSTS7000215: Invalid client secret provided.",
            }));
            using var host = new RecordingHost();
            var ex = await Assert.ThrowsAsync<CmkException>(() => arm.ConnectAsync(host, configure: o =>
            {
                o.CredentialKind = CmkCredentialKind.ServicePrincipalSecret;
                o.TenantId = FakeArm.TenantId;
                o.ClientId = "55555555-5555-5555-5555-555555555555";
                o.ClientSecret = TestTokens.Secure("wrong");
            }));
            Assert.Equal("AuthenticationFailed", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.AuthenticationError, ex.Category);
            Assert.Empty(arm.To("GET", "^/subscriptions$"));
        }

        [Fact]
        public async Task A_service_principal_without_tenant_is_an_input_error()
        {
            using var host = new RecordingHost();
            var ex = await Assert.ThrowsAsync<CmkException>(() => new FakeArm().ConnectAsync(host, configure: o =>
            {
                o.CredentialKind = CmkCredentialKind.ServicePrincipalSecret;
                o.ClientId = "55555555-5555-5555-5555-555555555555";
                o.ClientSecret = TestTokens.Secure("x");
            }));
            Assert.Equal("MissingConnectionParameter", ex.ErrorId);
        }

        [Fact]
        public async Task Managed_identity_uses_the_runbook_endpoint_from_the_environment()
        {
            var token = TestTokens.Jwt(oid: "mi-object-id", upn: null);
            var arm = new FakeArm().On("GET", "^/msi/token$", (r, _) => FakeArm.Json(200, new JsonObject
            {
                ["access_token"] = token, ["expires_on"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(),
                ["resource"] = r.Query("resource"), ["token_type"] = "Bearer",
            }));
            using var env = new EnvironmentScope(("IDENTITY_ENDPOINT", FakeArm.Endpoint + "msi/token"), ("IDENTITY_HEADER", "header-secret"),
                ("MSI_ENDPOINT", null), ("MSI_SECRET", null), ("IMDS_ENDPOINT", null), ("IDENTITY_SERVER_THUMBPRINT", null));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host, configure: o =>
            {
                o.CredentialKind = CmkCredentialKind.ManagedIdentity;
                o.AccessToken = null;
            });

            Assert.Equal("mi-object-id", session.Info.Account);
            Assert.Equal(CmkCredentialKind.ManagedIdentity, session.Info.CredentialKind);
            Assert.NotEmpty(arm.To("GET", "^/msi/token$"));
            Assert.Equal("Bearer " + token, arm.To("GET", "^/subscriptions$").Single().Authorization);
        }
    }
}
