using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// For a custom Resource Manager endpoint that stands in for a cloud (the emulator): requests to that cloud's Managed
    /// HSM hosts ({hsm}.managedhsm.azure.net) are sent to the endpoint instead, with the HSM's name kept in the Host header,
    /// as a DNS entry pointing the HSM name at the endpoint would. Everything above the socket (the token, the path, the
    /// api-version) is what the real HSM gets. The well-known clouds never use it.
    /// </summary>
    internal sealed class ManagedHsmHostRedirect : DelegatingHandler
    {
        private readonly Uri _endpoint;
        private readonly string _suffix;

        public ManagedHsmHostRedirect(HttpMessageHandler inner, Uri endpoint, string managedHsmSuffix) : base(inner)
        {
            _endpoint = endpoint;
            _suffix = "." + managedHsmSuffix.TrimStart('.');
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri;
            if (uri != null && uri.Host.EndsWith(_suffix, StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = uri.Host;
                request.RequestUri = new UriBuilder(uri) { Scheme = _endpoint.Scheme, Host = _endpoint.Host, Port = _endpoint.Port }.Uri;
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
