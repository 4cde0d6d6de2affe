using System.Security;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.TestSupport
{
    /// <summary>An admin session on an in-process emulator over the real transport (pinned certificate, access token).</summary>
    public static class EmulatorSessions
    {
        /// <param name="bearer">A Get-AzAccessToken style token of another principal; the demo admin's when null.</param>
        public static Task<CmkSession> ConnectAsync(EmulatorServer server, ICmkHost host, CmkTransportOptions? transport = null, string? bearer = null)
        {
            var token = new SecureString();
            foreach (var c in bearer ?? server.AdminToken) token.AppendChar(c);
            token.MakeReadOnly();
            return CmkSession.ConnectAsync(new CmkConnectionOptions
            {
                ResourceManagerEndpoint = server.Endpoint,
                TrustedCertificateThumbprint = server.CertificateThumbprint,
                TenantId = server.TenantId,
                SubscriptionId = server.SubscriptionId,
                CredentialKind = CmkCredentialKind.AccessToken,
                AccessToken = token,
                Transport = transport,
            }, host);
        }
    }
}
