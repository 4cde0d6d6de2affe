using System;
using System.Security;
using System.Security.Cryptography.X509Certificates;

namespace CmkPowerShell.Core.Azure
{
    public enum CmkCredentialKind { Default, ManagedIdentity, AccessToken, ServicePrincipalSecret, ServicePrincipalCertificate }

    /// <summary>What Connect-AzCmk was asked for. Validated by CmkContext.ConnectAsync.</summary>
    public sealed class CmkConnectionOptions
    {
        /// <summary>AzureCloud, AzureUSGovernment or AzureChinaCloud; ignored when ResourceManagerEndpoint is set.</summary>
        public string Environment { get; set; } = "AzureCloud";
        /// <summary>A custom ARM endpoint (e.g. the local emulator).</summary>
        public Uri? ResourceManagerEndpoint { get; set; }
        /// <summary>Token authority for a custom endpoint (defaults to the endpoint itself).</summary>
        public Uri? AuthorityHost { get; set; }

        /// <summary>
        /// For a custom ResourceManagerEndpoint: the well-known cloud it stands in for (an emulator imitating
        /// AzureUSGovernment), whose key vault and Managed HSM host suffixes then apply. Null means the public cloud's.
        /// </summary>
        public string? ImitatedCloud { get; set; }
        /// <summary>SHA-1 or SHA-256 thumbprint of the only self-signed certificate a custom endpoint may present.</summary>
        public string? TrustedCertificateThumbprint { get; set; }
        public string? TenantId { get; set; }
        public string? SubscriptionId { get; set; }
        public CmkCredentialKind CredentialKind { get; set; } = CmkCredentialKind.Default;
        /// <summary>User-assigned managed identity client id, or the service principal's application id.</summary>
        public string? ClientId { get; set; }
        public SecureString? ClientSecret { get; set; }
        public X509Certificate2? ClientCertificate { get; set; }
        /// <summary>A bearer token for ARM, e.g. from Get-AzAccessToken -AsSecureString.</summary>
        public SecureString? AccessToken { get; set; }
        /// <summary>Retry, polling and client-side throttling settings shared by every request of the session.</summary>
        public CmkTransportOptions Transport { get; set; } = new CmkTransportOptions();
    }

    /// <summary>What a connection is: the object Connect-AzCmk outputs.</summary>
    public sealed class CmkConnectionInfo
    {
        public CmkConnectionInfo(string environment, Uri resourceManager, string tenantId, string subscriptionId,
            string? subscriptionName, string account, CmkCredentialKind credentialKind)
        {
            Environment = environment;
            ResourceManager = resourceManager;
            TenantId = tenantId;
            SubscriptionId = subscriptionId;
            SubscriptionName = subscriptionName;
            Account = account;
            CredentialKind = credentialKind;
        }

        public string Environment { get; }
        public Uri ResourceManager { get; }
        public string TenantId { get; }
        public string SubscriptionId { get; }
        public string? SubscriptionName { get; }
        /// <summary>Who is signed in: the token's upn/appid/oid, never the token.</summary>
        public string Account { get; }
        public CmkCredentialKind CredentialKind { get; }
    }
}
