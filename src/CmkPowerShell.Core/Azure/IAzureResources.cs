using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// The engine's only door to Azure Resource Manager. Paths are ARM paths
    /// ("/subscriptions/.../providers/Microsoft.Kusto/clusters/c1"); the api-version is added from
    /// <see cref="ApiVersions"/>, never discovered. Failures come out as CmkException.
    /// </summary>
    public interface IAzureResources
    {
        AzureCloud Cloud { get; }
        string SubscriptionId { get; }
        string TenantId { get; }

        /// <summary>GET one resource; null when it does not exist (404).</summary>
        Task<JsonObject?> GetAsync(string path, CancellationToken cancellationToken, string? extraQuery = null);

        /// <summary>Every item of a list operation ("value" arrays), following nextLink.</summary>
        Task<IReadOnlyList<JsonObject>> ListAsync(string path, CancellationToken cancellationToken, string? extraQuery = null);

        /// <summary>
        /// PUT / PATCH / POST / DELETE, following a long-running operation to its end. Returns the final
        /// resource body (or the action's result), null when the service returns none.
        /// </summary>
        Task<JsonObject?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken,
            IProgress<OperationProgress>? progress = null);
    }

    /// <summary>
    /// The data plane of a Managed HSM, for what Resource Manager does not show: the HSM's local RBAC. Requests go to
    /// https://{hsm host}/ with a token for the cloud's Managed HSM audience (e.g. https://managedhsm.azure.net) and the
    /// api-version <see cref="ApiVersions.ManagedHsmDataPlane"/>. Failures come out as CmkException.
    /// </summary>
    public interface IManagedHsmDataPlane
    {
        /// <summary>Every item of a data-plane list operation ("value" arrays), following nextLink on the same host.</summary>
        Task<IReadOnlyList<JsonObject>> ListManagedHsmAsync(string hsmHost, string path, string? extraQuery, CancellationToken cancellationToken);

        /// <summary>A data-plane PUT (e.g. RoleAssignments_Create), answered at once; returns the body.</summary>
        Task<JsonObject?> PutManagedHsmAsync(string hsmHost, string path, JsonNode body, CancellationToken cancellationToken);
    }

    /// <summary>Progress of a long-running operation while it is polled.</summary>
    public sealed record OperationProgress(string Path, string Status, TimeSpan Elapsed);
}
