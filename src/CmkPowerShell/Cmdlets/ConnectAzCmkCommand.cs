using System;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmkPowerShell.Connection;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// Chooses the cloud, tenant, subscription and credential every later cmdlet of the session uses.
    /// Parameter sets follow the credential; the endpoint parameters belong to every set but -EmulatorProfile's,
    /// which supplies its own endpoint, certificate pin and token.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "AzCmk", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(CmkConnectionInfo))]
    public sealed class ConnectAzCmkCommand : CmkCmdlet
    {
        public const string ParameterConflictErrorId = "ConnectParameterConflict";
        public const string CertificateNotFoundErrorId = "CertificateNotFound";
        public const string CertificateInvalidErrorId = "CertificateInvalid";

        private const string DefaultSet = "DefaultCredential";
        private const string IdentitySet = "ManagedIdentity";
        private const string TokenSet = "AccessToken";
        private const string SecretSet = "ServicePrincipalSecret";
        private const string CertificateFileSet = "ServicePrincipalCertificateFile";
        private const string CertificateStoreSet = "ServicePrincipalCertificateStore";
        private const string ProfileSet = "EmulatorProfile";

        [Parameter(ParameterSetName = DefaultSet, HelpMessage = "The Azure cloud: AzureCloud (default), AzureUSGovernment or AzureChinaCloud.")]
        [Parameter(ParameterSetName = IdentitySet, HelpMessage = "The Azure cloud: AzureCloud (default), AzureUSGovernment or AzureChinaCloud.")]
        [Parameter(ParameterSetName = TokenSet, HelpMessage = "The Azure cloud: AzureCloud (default), AzureUSGovernment or AzureChinaCloud.")]
        [Parameter(ParameterSetName = SecretSet, HelpMessage = "The Azure cloud: AzureCloud (default), AzureUSGovernment or AzureChinaCloud.")]
        [Parameter(ParameterSetName = CertificateFileSet, HelpMessage = "The Azure cloud: AzureCloud (default), AzureUSGovernment or AzureChinaCloud.")]
        [Parameter(ParameterSetName = CertificateStoreSet, HelpMessage = "The Azure cloud: AzureCloud (default), AzureUSGovernment or AzureChinaCloud.")]
        [ValidateSet("AzureCloud", "AzureUSGovernment", "AzureChinaCloud")]
        public string? Environment { get; set; }

        [Parameter(ParameterSetName = DefaultSet, HelpMessage = "A custom Azure Resource Manager endpoint, such as the local emulator.")]
        [Parameter(ParameterSetName = IdentitySet, HelpMessage = "A custom Azure Resource Manager endpoint, such as the local emulator.")]
        [Parameter(ParameterSetName = TokenSet, HelpMessage = "A custom Azure Resource Manager endpoint, such as the local emulator.")]
        [Parameter(ParameterSetName = SecretSet, HelpMessage = "A custom Azure Resource Manager endpoint, such as the local emulator.")]
        [Parameter(ParameterSetName = CertificateFileSet, HelpMessage = "A custom Azure Resource Manager endpoint, such as the local emulator.")]
        [Parameter(ParameterSetName = CertificateStoreSet, HelpMessage = "A custom Azure Resource Manager endpoint, such as the local emulator.")]
        [ValidateNotNull]
        public Uri? ResourceManagerEndpoint { get; set; }

        [Parameter(ParameterSetName = DefaultSet, HelpMessage = "The token authority of a custom endpoint (defaults to the endpoint itself).")]
        [Parameter(ParameterSetName = IdentitySet, HelpMessage = "The token authority of a custom endpoint (defaults to the endpoint itself).")]
        [Parameter(ParameterSetName = TokenSet, HelpMessage = "The token authority of a custom endpoint (defaults to the endpoint itself).")]
        [Parameter(ParameterSetName = SecretSet, HelpMessage = "The token authority of a custom endpoint (defaults to the endpoint itself).")]
        [Parameter(ParameterSetName = CertificateFileSet, HelpMessage = "The token authority of a custom endpoint (defaults to the endpoint itself).")]
        [Parameter(ParameterSetName = CertificateStoreSet, HelpMessage = "The token authority of a custom endpoint (defaults to the endpoint itself).")]
        [ValidateNotNull]
        public Uri? AuthorityHost { get; set; }

        [Parameter(ParameterSetName = DefaultSet, HelpMessage = "Thumbprint of the only self-signed certificate the custom endpoint may present.")]
        [Parameter(ParameterSetName = IdentitySet, HelpMessage = "Thumbprint of the only self-signed certificate the custom endpoint may present.")]
        [Parameter(ParameterSetName = TokenSet, HelpMessage = "Thumbprint of the only self-signed certificate the custom endpoint may present.")]
        [Parameter(ParameterSetName = SecretSet, HelpMessage = "Thumbprint of the only self-signed certificate the custom endpoint may present.")]
        [Parameter(ParameterSetName = CertificateFileSet, HelpMessage = "Thumbprint of the only self-signed certificate the custom endpoint may present.")]
        [Parameter(ParameterSetName = CertificateStoreSet, HelpMessage = "Thumbprint of the only self-signed certificate the custom endpoint may present.")]
        [ValidateNotNullOrEmpty]
        public string? TrustedCertificateThumbprint { get; set; }

        // One attribute per set, never an all-sets attribute beside set-specific ones: PowerShell then cannot tell the
        // sets apart ("-Tenant -Identity" was AmbiguousParameterSet).
        [Parameter(ParameterSetName = DefaultSet, HelpMessage = "The tenant (directory) id or domain to sign in to.")]
        [Parameter(ParameterSetName = IdentitySet, HelpMessage = "The tenant (directory) id or domain to sign in to.")]
        [Parameter(ParameterSetName = TokenSet, HelpMessage = "The tenant (directory) id or domain to sign in to.")]
        [Parameter(ParameterSetName = ProfileSet, HelpMessage = "The tenant (directory) id or domain to sign in to.")]
        [Parameter(ParameterSetName = SecretSet, Mandatory = true, HelpMessage = "The tenant of the service principal.")]
        [Parameter(ParameterSetName = CertificateFileSet, Mandatory = true, HelpMessage = "The tenant of the service principal.")]
        [Parameter(ParameterSetName = CertificateStoreSet, Mandatory = true, HelpMessage = "The tenant of the service principal.")]
        [Alias("TenantId")]
        [ValidateNotNullOrEmpty]
        public string? Tenant { get; set; }

        [Parameter(HelpMessage = "The subscription id or name that cmdlets work in.")]
        [Alias("SubscriptionId", "SubscriptionName")]
        [ValidateNotNullOrEmpty]
        public string? Subscription { get; set; }

        [Parameter(ParameterSetName = IdentitySet, Mandatory = true, HelpMessage = "Sign in with the managed identity of this machine, runbook or function.")]
        [Alias("ManagedIdentity")]
        public SwitchParameter Identity { get; set; }

        [Parameter(ParameterSetName = IdentitySet, HelpMessage = "Client id of a user-assigned managed identity.")]
        [ValidateNotNullOrEmpty]
        public string? AccountId { get; set; }

        [Parameter(ParameterSetName = TokenSet, Mandatory = true, HelpMessage = "An Azure Resource Manager access token, e.g. (Get-AzAccessToken -AsSecureString).Token.")]
        [ValidateNotNull]
        public SecureString? AccessToken { get; set; }

        [Parameter(ParameterSetName = SecretSet, Mandatory = true, HelpMessage = "Sign in as a service principal.")]
        [Parameter(ParameterSetName = CertificateFileSet, Mandatory = true, HelpMessage = "Sign in as a service principal.")]
        [Parameter(ParameterSetName = CertificateStoreSet, Mandatory = true, HelpMessage = "Sign in as a service principal.")]
        public SwitchParameter ServicePrincipal { get; set; }

        [Parameter(ParameterSetName = SecretSet, Mandatory = true, HelpMessage = "The application (client) id of the service principal.")]
        [Parameter(ParameterSetName = CertificateFileSet, Mandatory = true, HelpMessage = "The application (client) id of the service principal.")]
        [Parameter(ParameterSetName = CertificateStoreSet, Mandatory = true, HelpMessage = "The application (client) id of the service principal.")]
        [Alias("ClientId")]
        [ValidateNotNullOrEmpty]
        public string? ApplicationId { get; set; }

        [Parameter(ParameterSetName = SecretSet, Mandatory = true, HelpMessage = "The client secret of the service principal.")]
        [ValidateNotNull]
        public SecureString? ClientSecret { get; set; }

        [Parameter(ParameterSetName = CertificateFileSet, Mandatory = true, HelpMessage = "Path of a PFX/PKCS#12 file with the service principal's certificate and private key.")]
        [ValidateNotNullOrEmpty]
        public string? CertificatePath { get; set; }

        [Parameter(ParameterSetName = CertificateFileSet, HelpMessage = "Password of the certificate file.")]
        [ValidateNotNull]
        public SecureString? CertificatePassword { get; set; }

        [Parameter(ParameterSetName = CertificateStoreSet, Mandatory = true, HelpMessage = "Thumbprint of the service principal's certificate in the CurrentUser or LocalMachine My store.")]
        [ValidateNotNullOrEmpty]
        public string? CertificateThumbprint { get; set; }

        [Parameter(ParameterSetName = ProfileSet, Mandatory = true, HelpMessage = "Path of the profile JSON the local emulator wrote at start.")]
        [ValidateNotNullOrEmpty]
        public string? EmulatorProfile { get; set; }

        protected override void ProcessRecord()
        {
            var options = Precondition(BuildOptions);
            var session = Run(host => CmkContext.ConnectAsync(options, host));
            if (session is null)
            {
                return; // stopped by the user
            }
            WriteVerbose($"Connected to {session.Info.ResourceManager} as {session.Info.Account}, subscription {session.Info.SubscriptionId}.");
            WriteObject(session.Info);
        }

        private CmkConnectionOptions BuildOptions()
        {
            var options = ParameterSetName == ProfileSet ? FromProfile() : FromEndpointParameters();
            if (Tenant != null) options.TenantId = Tenant;
            if (Subscription != null) options.SubscriptionId = Subscription;

            switch (ParameterSetName)
            {
                case IdentitySet:
                    options.CredentialKind = CmkCredentialKind.ManagedIdentity;
                    options.ClientId = AccountId;
                    break;
                case TokenSet:
                    options.CredentialKind = CmkCredentialKind.AccessToken;
                    options.AccessToken = AccessToken;
                    break;
                case SecretSet:
                    options.CredentialKind = CmkCredentialKind.ServicePrincipalSecret;
                    options.ClientId = ApplicationId;
                    options.ClientSecret = ClientSecret;
                    break;
                case CertificateFileSet:
                    options.CredentialKind = CmkCredentialKind.ServicePrincipalCertificate;
                    options.ClientId = ApplicationId;
                    options.ClientCertificate = LoadCertificateFile(GetUnresolvedProviderPathFromPSPath(CertificatePath!));
                    break;
                case CertificateStoreSet:
                    options.CredentialKind = CmkCredentialKind.ServicePrincipalCertificate;
                    options.ClientId = ApplicationId;
                    options.ClientCertificate = FindStoreCertificate(CertificateThumbprint!);
                    break;
            }
            return options;
        }

        private CmkConnectionOptions FromProfile()
        {
            var profile = Connection.EmulatorProfile.Load(GetUnresolvedProviderPathFromPSPath(EmulatorProfile!));
            WriteVerbose($"Emulator profile {profile.Path}: {profile.ResourceManagerEndpoint}.");
            return new CmkConnectionOptions
            {
                ResourceManagerEndpoint = profile.ResourceManagerEndpoint,
                AuthorityHost = profile.AuthorityHost,
                TrustedCertificateThumbprint = profile.CertificateThumbprint,
                TenantId = profile.TenantId,
                SubscriptionId = profile.SubscriptionId,
                CredentialKind = CmkCredentialKind.AccessToken,
                AccessToken = ToSecureString(profile.AccessToken),
                ImitatedCloud = profile.Cloud,
            };
        }

        private CmkConnectionOptions FromEndpointParameters()
        {
            if (Environment != null && ResourceManagerEndpoint != null)
            {
                throw Conflict("Pass either -Environment or -ResourceManagerEndpoint, not both.");
            }
            if (ResourceManagerEndpoint is null && (AuthorityHost != null || TrustedCertificateThumbprint != null))
            {
                throw Conflict("-AuthorityHost and -TrustedCertificateThumbprint apply only to a custom -ResourceManagerEndpoint.");
            }
            return new CmkConnectionOptions
            {
                Environment = Environment ?? "AzureCloud",
                ResourceManagerEndpoint = ResourceManagerEndpoint,
                AuthorityHost = AuthorityHost,
                TrustedCertificateThumbprint = TrustedCertificateThumbprint,
            };
        }

        private static CmkException Conflict(string message)
            => CmkErrors.Create(ParameterConflictErrorId, target: null, message);

        private X509Certificate2 LoadCertificateFile(string path)
        {
            try
            {
                var certificate = new X509Certificate2(path, CertificatePassword);
                if (!certificate.HasPrivateKey)
                {
                    throw CmkErrors.Create(CertificateInvalidErrorId, path, "It has no private key: export it with its private key (PFX/PKCS#12).");
                }
                return certificate;
            }
            catch (CryptographicException ex)
            {
                throw CmkErrors.Create(CertificateInvalidErrorId, path, ex.Message, ex);
            }
        }

        private static X509Certificate2 FindStoreCertificate(string thumbprint)
        {
            var wanted = thumbprint.Replace(" ", string.Empty).Replace(":", string.Empty);
            foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                using var store = new X509Store(StoreName.My, location);
                try
                {
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                }
                catch (CryptographicException)
                {
                    continue; // this store does not exist on this platform
                }
                foreach (var certificate in store.Certificates.Find(X509FindType.FindByThumbprint, wanted, validOnly: false))
                {
                    if (certificate.HasPrivateKey)
                    {
                        return certificate;
                    }
                }
            }
            throw CmkErrors.Create(CertificateNotFoundErrorId, wanted);
        }

        private static SecureString ToSecureString(string text)
        {
            var secure = new SecureString();
            foreach (var c in text)
            {
                secure.AppendChar(c);
            }
            secure.MakeReadOnly();
            return secure;
        }
    }
}
