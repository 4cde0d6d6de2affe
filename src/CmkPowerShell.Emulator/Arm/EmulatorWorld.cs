using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>A client-credentials app the token endpoint knows (client id + secret -> principal).</summary>
    internal sealed record ClientApp(string ClientId, string ClientSecret, string PrincipalId);

    /// <summary>Everything the handlers share: the store, RBAC, operations, tokens and the live settings.</summary>
    internal sealed class EmulatorWorld
    {
        public EmulatorWorld(ResourceStore store, Uri endpoint, JwtTokens tokens)
        {
            Store = store;
            Endpoint = endpoint;
            Tokens = tokens;
            Rbac = new Rbac(store);
        }

        public ResourceStore Store { get; }
        public Rbac Rbac { get; }
        public OperationTracker Operations { get; } = new();
        public JwtTokens Tokens { get; }
        public Uri Endpoint { get; }
        public string TenantId => Store.TenantId;
        public string SubscriptionId => Store.SubscriptionId;
        public string AdminPrincipalId { get; set; } = "";
        /// <summary>The system identity the managed-identity endpoint issues for when no client_id is given.</summary>
        public string HostPrincipalId { get; set; } = "";
        public List<ClientApp> Clients { get; } = new();

        public TimeSpan LroDelay { get; set; }

        /// <summary>Resource Graph's per-user quota: requests per window (Azure: 15 per 5 seconds), enforced when throttling is on.</summary>
        public int GraphQuota { get; set; } = 15;
        public TimeSpan GraphWindow { get; set; } = TimeSpan.FromSeconds(5);
        public TimeSpan? RetryAfter { get; set; }

        public string BaseUrl => Endpoint.ToString().TrimEnd('/');

        /// <summary>The 201/202 answer of a long-running write, with the headers the service's swagger declares.</summary>
        public ArmResult Accepted(Operation op, int status, bool asyncHeader, bool locationHeader, JsonNode? body = null)
        {
            var result = new ArmResult(status, body);
            var statusUrl = $"{BaseUrl}{op.StatusPath}?api-version={op.ApiVersion}";
            if (asyncHeader) result.Headers["Azure-AsyncOperation"] = statusUrl;
            if (locationHeader) result.Headers["Location"] = statusUrl + "&operationResultResponseType=Location";
            AddRetryAfter(result);
            return result;
        }

        /// <summary>Whole seconds to send as Retry-After, or null when the emulator is set to send none.</summary>
        public string? RetryAfterSeconds => RetryAfter is { } ra ? ((int)Math.Ceiling(ra.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

        public void AddRetryAfter(ArmResult result)
        {
            if (RetryAfterSeconds is { } seconds) result.Headers["Retry-After"] = seconds;
        }

        /// <summary>
        /// Retry-After on a pending poll. A zero setting (fast tests) sends none there, so clients fall back to their own
        /// interval instead of polling without pause; ARM itself never asks for 0.
        /// </summary>
        public void AddPollRetryAfter(ArmResult result)
        {
            if (RetryAfter is { } ra && ra > TimeSpan.Zero) AddRetryAfter(result);
        }

        /// <summary>Starts an LRO whose failure is the given check result, or the injected fault when there is one.</summary>
        public Operation StartOperation(ArmRequest request, string location, (string Code, string Message)? failure, Func<JsonNode?> onSuccess)
        {
            if (request.LroFault is { } fault) failure = (fault.Code, fault.Message);
            var ns = request.Id.Namespace!;
            return Operations.Start(request.Id.SubscriptionId ?? SubscriptionId, ns, location, request.Id.ItemPath, request.ApiVersion, failure, onSuccess);
        }

        /// <summary>The resource (hidden state kept) or ARM's 404 for it.</summary>
        public JsonObject Require(ArmId id) => Store.Get(id.ItemPath) ?? throw ArmException.NotFound(id);

        public JsonObject Require(string id) => Require(ArmId.Parse(id));

        /// <summary>
        /// Applies a requested managed identity the way ARM does: SystemAssigned keeps or mints a principalId, user-assigned
        /// entries get principalId/clientId from the identity resources, None drops everything.
        /// </summary>
        public JsonObject ApplyIdentity(JsonObject? current, JsonNode? requested, bool uppercaseUserAssignedSeparator = false)
        {
            if (requested is not JsonObject req) return (JsonObject?)current?.DeepClone() ?? new JsonObject { ["type"] = "None" };
            var type = req["type"]?.GetValue<string>() ?? current?["type"]?.GetValue<string>() ?? "None";
            var normalized = type.Replace(" ", "");
            bool system = normalized.Contains("SystemAssigned", StringComparison.OrdinalIgnoreCase);
            bool user = normalized.Contains("UserAssigned", StringComparison.OrdinalIgnoreCase);
            var result = new JsonObject { ["type"] = type };
            if (system)
            {
                var currentType = current?["type"]?.GetValue<string>() ?? "";
                var keep = currentType.Contains("SystemAssigned", StringComparison.OrdinalIgnoreCase) ? current?["principalId"]?.GetValue<string>() : null;
                result["principalId"] = keep ?? Guid.NewGuid().ToString();
                result["tenantId"] = TenantId;
            }
            if (user)
            {
                var map = new JsonObject();
                var requestedMap = req["userAssignedIdentities"] as JsonObject;
                var source = requestedMap ?? current?["userAssignedIdentities"] as JsonObject ?? new JsonObject();
                foreach (var (uaiId, value) in source)
                {
                    if (value == null && requestedMap != null) continue; // null removes the identity (merge semantics)
                    var uai = Store.Get(uaiId);
                    if (uai == null)
                        throw new ArmException(400, "InvalidIdentity", $"Resource '{uaiId}' was not found.", new[] { ("ResourceNotFound", $"The Resource '{uaiId}' was not found.", (string?)"identity.userAssignedIdentities") });
                    map[uai["id"]!.GetValue<string>()] = new JsonObject
                    {
                        ["principalId"] = uai["properties"]?["principalId"]?.DeepClone(),
                        ["clientId"] = uai["properties"]?["clientId"]?.DeepClone(),
                    };
                }
                result["userAssignedIdentities"] = map;
            }
            return result;
        }

        /// <summary>Principal of a user-assigned identity given by ARM id, or null.</summary>
        public string? UserAssignedPrincipal(string? uaiId) =>
            string.IsNullOrEmpty(uaiId) ? null : Store.Get(uaiId)?["properties"]?["principalId"]?.GetValue<string>();

        public static string Now() => DateTimeOffset.UtcNow.UtcDateTime.ToString("o");
    }
}
