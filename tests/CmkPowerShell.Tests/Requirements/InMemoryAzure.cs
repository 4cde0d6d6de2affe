using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Tests.Requirements
{
    /// <summary>
    /// A unit-level stand-in for ARM: resources by id, the list semantics the engine relies on (generic
    /// resource filter by type and name, children of a path, role assignments for a principal at, above or
    /// below a scope) and a request log. It is not the emulator: it checks no api-versions or bodies.
    /// </summary>
    public sealed class InMemoryAzure : IAzureResources
    {
        private readonly Dictionary<string, JsonObject> _resources = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<JsonObject> _roleAssignments = new();
        private readonly ConcurrentQueue<string> _log = new();

        public InMemoryAzure(string subscriptionId, string tenantId, AzureCloud? cloud = null)
        {
            SubscriptionId = subscriptionId;
            TenantId = tenantId;
            Cloud = cloud ?? AzureCloud.AzureCloudPublic;
        }

        public AzureCloud Cloud { get; }
        public string SubscriptionId { get; }
        public string TenantId { get; }
        /// <summary>Principals for which listing role assignments answers 403 AuthorizationFailed.</summary>
        public bool RoleAssignmentReadForbidden { get; set; }
        /// <summary>Every request as "GET path[?query]" / "LIST path[?query]".</summary>
        public IReadOnlyList<string> Requests => _log.ToList();
        public int RequestCount => _log.Count;
        public void ClearLog() { while (_log.TryDequeue(out _)) { } }

        public void Add(JsonObject resource) => _resources[(string)resource["id"]!] = resource;

        public void AddRoleAssignment(JsonObject assignment) => _roleAssignments.Add(assignment);

        public async Task<JsonObject?> GetAsync(string path, CancellationToken cancellationToken, string? extraQuery = null)
        {
            _log.Enqueue("GET " + path + (extraQuery == null ? "" : "?" + extraQuery));
            await Task.Yield();
            return _resources.TryGetValue(path.TrimEnd('/'), out var r) ? (JsonObject)r.DeepClone() : null;
        }

        public async Task<IReadOnlyList<JsonObject>> ListAsync(string path, CancellationToken cancellationToken, string? extraQuery = null)
        {
            _log.Enqueue("LIST " + path + (extraQuery == null ? "" : "?" + extraQuery));
            await Task.Yield();
            path = path.TrimEnd('/');
            if (path.EndsWith("/providers/Microsoft.Authorization/roleAssignments", StringComparison.OrdinalIgnoreCase))
                return RoleAssignmentsFor(path.Substring(0, path.Length - "/providers/Microsoft.Authorization/roleAssignments".Length), extraQuery);
            if (string.Equals(path, $"/subscriptions/{SubscriptionId}/resources", StringComparison.OrdinalIgnoreCase))
                return GenericList(extraQuery);
            var prefix = path + "/";
            return _resources.Values.Where(r => ((string)r["id"]!).StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                                                && ((string)r["id"]!).Substring(prefix.Length).IndexOf('/') < 0)
                .Select(r => (JsonObject)r.DeepClone()).ToList();
        }

        public Task<JsonObject?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken,
            IProgress<OperationProgress>? progress = null)
            => throw new InvalidOperationException("The requirement engine must never write: " + method + " " + path);

        private IReadOnlyList<JsonObject> GenericList(string? filter)
        {
            var type = Regex.Match(filter ?? "", "resourceType eq '([^']+)'").Groups[1].Value;
            var name = Regex.Match(filter ?? "", "name eq '([^']+)'").Groups[1].Value;
            return _resources.Values
                .Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase)
                            && string.Equals((string?)r["name"], name, StringComparison.OrdinalIgnoreCase))
                .Select(r => new JsonObject { ["id"] = (string)r["id"]!, ["name"] = (string)r["name"]!, ["type"] = (string)r["type"]!, ["location"] = (string?)r["location"] })
                .ToList();
        }

        private IReadOnlyList<JsonObject> RoleAssignmentsFor(string scope, string? filter)
        {
            if (RoleAssignmentReadForbidden)
                throw new CmkException("AuthorizationFailed", CmkErrorCategory.NotSpecified,
                    "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'.",
                    scope, serviceCode: "AuthorizationFailed", userCanFix: true);
            var principal = Regex.Match(filter ?? "", "principalId eq '([^']+)'").Groups[1].Value;
            return _roleAssignments
                .Where(a => string.Equals((string?)a["properties"]!["principalId"], principal, StringComparison.OrdinalIgnoreCase))
                .Where(a => Related((string)a["properties"]!["scope"]!, scope))
                .Select(a => (JsonObject)a.DeepClone()).ToList();
        }

        /// <summary>At, above or below: one scope is a prefix of the other (management groups are always above).</summary>
        private static bool Related(string a, string b)
        {
            if (a == "/" || a.StartsWith("/providers/Microsoft.Management", StringComparison.OrdinalIgnoreCase)) return true;
            static bool Prefix(string x, string y) => y.Equals(x, StringComparison.OrdinalIgnoreCase)
                                                     || y.StartsWith(x.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase);
            return Prefix(a, b) || Prefix(b, a);
        }
    }
}
