using System;
using System.Globalization;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Core.Pipeline;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// Bearer authentication that survives one 401 during a run: a token revoked or expired early, or a continuous access
    /// evaluation challenge. Azure.Core already answers a claims challenge (CAE) with a token for those claims; for any other
    /// 401 a credential that can renew (managed identity, service principal, DefaultAzureCredential) gets one fresh token and
    /// the request one retry. A static access token cannot renew: its 401 stays the typed authentication error at once.
    /// </summary>
    internal sealed class RenewingAuthenticationPolicy : BearerTokenAuthenticationPolicy
    {
        private const string RenewedProperty = "CmkPowerShell.TokenRenewed";
        private readonly string[] _scopes;
        private readonly bool _canRenew;

        public RenewingAuthenticationPolicy(TokenCredential credential, string scope, bool canRenew)
            : base(credential, scope)
        {
            _scopes = new[] { scope };
            _canRenew = canRenew;
        }

        protected override async ValueTask<bool> AuthorizeRequestOnChallengeAsync(HttpMessage message)
        {
            if (await base.AuthorizeRequestOnChallengeAsync(message).ConfigureAwait(false)) return true;
            if (!ShouldRenew(message)) return false;
            await AuthenticateAndAuthorizeRequestAsync(message, FreshTokenContext(message)).ConfigureAwait(false);
            return true;
        }

        protected override bool AuthorizeRequestOnChallenge(HttpMessage message)
        {
            if (base.AuthorizeRequestOnChallenge(message)) return true;
            if (!ShouldRenew(message)) return false;
            AuthenticateAndAuthorizeRequest(message, FreshTokenContext(message));
            return true;
        }

        /// <summary>Once per request, and only for a credential that can get another token.</summary>
        private bool ShouldRenew(HttpMessage message)
        {
            if (!_canRenew || message.TryGetProperty(RenewedProperty, out _)) return false;
            message.SetProperty(RenewedProperty, true);
            return true;
        }

        /// <summary>
        /// A token request that no cache can answer with the rejected token: it asks for a token not issued before now, the
        /// claims form CAE itself uses ({"access_token":{"nbf":{"essential":true,"value":...}}}), which makes MSAL go to the
        /// token endpoint.
        /// </summary>
        private TokenRequestContext FreshTokenContext(HttpMessage message)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var claims = "{\"access_token\":{\"nbf\":{\"essential\":true,\"value\":\"" + now + "\"}}}";
            return new TokenRequestContext(_scopes, message.Request.ClientRequestId, claims, tenantId: null, isCaeEnabled: true);
        }
    }
}
