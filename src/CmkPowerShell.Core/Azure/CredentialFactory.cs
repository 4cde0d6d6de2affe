using System;
using System.Net;
using System.Security;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// Builds the Azure.Identity credential Connect-AzCmk asked for. Token requests go through the session's
    /// own transport, so a pinned certificate and the same network settings apply to them too.
    /// </summary>
    internal static class CredentialFactory
    {
        public static TokenCredential Create(CmkConnectionOptions options, AzureCloud cloud, bool customCloud, HttpPipelineTransport transport, DateTimeOffset now)
        {
            switch (options.CredentialKind)
            {
                case CmkCredentialKind.AccessToken:
                    {
                        var token = Reveal(options.AccessToken);
                        if (string.IsNullOrWhiteSpace(token)) throw Missing("AccessToken", "an access token (Get-AzAccessToken -AsSecureString)");
                        token = StripBearer(token!);
                        var claims = TokenClaims.TryParse(token);
                        var credential = new AccessTokenCredential(token, claims, now);
                        if (credential.ExpiresOn <= now) throw AccessTokenCredential.Expired(credential.ExpiresOn);
                        return credential;
                    }
                case CmkCredentialKind.ManagedIdentity:
                    {
                        var id = string.IsNullOrWhiteSpace(options.ClientId)
                            ? ManagedIdentityId.SystemAssigned
                            : ManagedIdentityId.FromUserAssignedClientId(options.ClientId);
                        return new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(id) { Transport = transport });
                    }
                case CmkCredentialKind.ServicePrincipalSecret:
                    {
                        var (tenant, clientId) = RequireServicePrincipal(options);
                        var secret = Reveal(options.ClientSecret);
                        if (string.IsNullOrEmpty(secret)) throw Missing("ClientSecret", "the service principal's client secret");
                        return new ClientSecretCredential(tenant, clientId, secret,
                            Configure(new ClientSecretCredentialOptions { DisableInstanceDiscovery = customCloud }, cloud, transport));
                    }
                case CmkCredentialKind.ServicePrincipalCertificate:
                    {
                        var (tenant, clientId) = RequireServicePrincipal(options);
                        if (options.ClientCertificate is null) throw Missing("ClientCertificate", "the service principal's certificate (with its private key)");
                        return new ClientCertificateCredential(tenant, clientId, options.ClientCertificate,
                            Configure(new ClientCertificateCredentialOptions { DisableInstanceDiscovery = customCloud }, cloud, transport));
                    }
                case CmkCredentialKind.Default:
                    {
                        var dac = new DefaultAzureCredentialOptions
                        {
                            DisableInstanceDiscovery = customCloud,
                            ExcludeInteractiveBrowserCredential = true,
                        };
                        if (!string.IsNullOrWhiteSpace(options.TenantId)) dac.TenantId = options.TenantId;
                        if (!string.IsNullOrWhiteSpace(options.ClientId)) dac.ManagedIdentityClientId = options.ClientId;
                        return new DefaultAzureCredential(Configure(dac, cloud, transport));
                    }
                default:
                    // Not a user's mistake: the cmdlets only pass defined kinds, so an undefined one is a caller's bug.
                    throw new ArgumentOutOfRangeException(nameof(options), options.CredentialKind, "Unknown credential kind.");
            }
        }

        private static T Configure<T>(T options, AzureCloud cloud, HttpPipelineTransport transport) where T : TokenCredentialOptions
        {
            options.AuthorityHost = cloud.Authority;
            options.Transport = transport;
            return options;
        }

        private static (string Tenant, string ClientId) RequireServicePrincipal(CmkConnectionOptions options)
        {
            if (string.IsNullOrWhiteSpace(options.TenantId)) throw Missing("Tenant", "the tenant id of the service principal");
            if (string.IsNullOrWhiteSpace(options.ClientId)) throw Missing("ApplicationId", "the service principal's application (client) id");
            return (options.TenantId!, options.ClientId!);
        }

        private static CmkException Missing(string parameter, string what)
            => CmkErrors.Create("MissingConnectionParameter", target: null, $"-{parameter} is required: pass {what}.", parameterName: parameter);

        /// <summary>The plain text of a SecureString, for the one call that needs it; never stored elsewhere.</summary>
        internal static string? Reveal(SecureString? secure)
            => secure is null ? null : new NetworkCredential(string.Empty, secure).Password;

        // Get-AzAccessToken users sometimes paste "Bearer eyJ..." from a header.
        private static string StripBearer(string token)
        {
            token = token.Trim();
            return token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? token.Substring(7).Trim() : token;
        }
    }
}
