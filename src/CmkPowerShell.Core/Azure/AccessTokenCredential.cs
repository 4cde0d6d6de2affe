using System;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// A token someone else acquired (Get-AzAccessToken). It cannot be refreshed, so once it expires
    /// every request fails with a typed error that says to get a new one.
    /// </summary>
    internal sealed class AccessTokenCredential : TokenCredential
    {
        // An opaque token carries no expiry; assume the usual Entra lifetime so the SDK caches it sensibly.
        private static readonly TimeSpan AssumedLifetime = TimeSpan.FromHours(1);

        private readonly string _token;
        private readonly DateTimeOffset _expiresOn;

        public AccessTokenCredential(string token, TokenClaims? claims, DateTimeOffset now)
        {
            _token = token;
            Claims = claims;
            _expiresOn = claims?.ExpiresOn ?? now + AssumedLifetime;
        }

        public TokenClaims? Claims { get; }
        public DateTimeOffset ExpiresOn => _expiresOn;

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            if (DateTimeOffset.UtcNow >= _expiresOn) throw Expired(_expiresOn);
            return new AccessToken(_token, _expiresOn);
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
            => new ValueTask<AccessToken>(GetToken(requestContext, cancellationToken));

        public static CmkException Expired(DateTimeOffset expiresOn)
            => CmkErrors.Create("AccessTokenExpired", target: null, $"It expired at {expiresOn:u}.");
    }
}
