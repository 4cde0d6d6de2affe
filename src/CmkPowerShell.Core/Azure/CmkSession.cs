using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>A live connection: the ARM client, the pipeline and the request counter that go with it.</summary>
    public sealed class CmkSession : IAzureResources
    {
        // PLACEHOLDER shape for the cmdlet layer; implemented with the transport (issue 2).
        private CmkSession(CmkConnectionInfo info) { Info = info; }

        public CmkConnectionInfo Info { get; }
        public AzureCloud Cloud => throw new NotImplementedException();
        public string SubscriptionId => Info.SubscriptionId;
        public string TenantId => Info.TenantId;

        public Task<JsonObject?> GetAsync(string path, CancellationToken cancellationToken, string? extraQuery = null)
            => throw new NotImplementedException();
        public Task<IReadOnlyList<JsonObject>> ListAsync(string path, CancellationToken cancellationToken, string? extraQuery = null)
            => throw new NotImplementedException();
        public Task<JsonObject?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken,
            IProgress<OperationProgress>? progress = null)
            => throw new NotImplementedException();
    }
}
