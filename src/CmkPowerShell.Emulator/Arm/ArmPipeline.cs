using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// The ARM front door, in ARM's order: authentication (401), throttling (429), api-version (400), caller
    /// authorization (403), subscription / resource group existence (404), request body (400), then the provider.
    /// </summary>
    internal sealed class ArmPipeline
    {
        private readonly EmulatorWorld _world;
        private readonly Throttler _throttler;
        private readonly Func<IRequestBodyValidator?> _validator;
        private readonly ProviderRouter _router;

        public ArmPipeline(EmulatorWorld world, Throttler throttler, Func<IRequestBodyValidator?> validator)
        {
            _world = world;
            _throttler = throttler;
            _validator = validator;
            _router = new ProviderRouter(world);
            ResourceGraph = new ResourceGraphHandler(world);
        }

        public ArmResult Handle(HttpContext ctx, string? bodyText, FaultRule? lroFault, Action<string> setPrincipal)
        {
            var method = ctx.Request.Method.ToUpperInvariant();
            var path = ArmId.Normalize(Uri.UnescapeDataString(ctx.Request.Path.Value ?? "/"));
            var caller = Authenticate(ctx);
            setPrincipal(caller.ObjectId);

            var id = ArmId.Parse(path);
            if (string.Equals(id.Namespace, ResourceGraphHandler.Namespace, StringComparison.OrdinalIgnoreCase))
            {
                // Resource Graph has its own per-user quota instead of ARM's subscription buckets, and answers only what
                // the caller may read (the subscriptions it names must exist).
                ApiVersionCatalog.Check(id.Namespace!, ctx.Request.Query["api-version"].FirstOrDefault());
                return ResourceGraph.Handle(new ArmRequest(method, path, ctx.Request.Query, ParseBody(bodyText), ctx.Request.Query["api-version"].FirstOrDefault()!,
                    caller, id, lroFault), _throttler.Enabled);
            }
            bool write = method != "GET" && method != "HEAD";
            var (allowed, remaining, retryAfter) = _throttler.Take(id.SubscriptionId ?? "tenant", caller.ObjectId, write);
            var rateHeader = write ? "x-ms-ratelimit-remaining-subscription-writes" : "x-ms-ratelimit-remaining-subscription-reads";
            ctx.Response.Headers[rateHeader] = remaining.ToString();
            if (!allowed)
            {
                ctx.Response.Headers["Retry-After"] = retryAfter.ToString();
                throw new ArmException(429, "SubscriptionRequestsThrottled",
                    $"Number of '{(write ? "write" : "read")}' requests for subscription '{id.SubscriptionId}' actor '{caller.ObjectId}' exceeded. " +
                    $"Please try again after '{retryAfter}' seconds after the first request. The results of this request will be ignored.");
            }

            bool providerRead = ResourceManagerHandler.IsProviderRead(id);
            var ns = providerRead ? ApiVersionCatalog.ResourcesNamespace : id.Namespace ?? ApiVersionCatalog.ResourcesNamespace;
            string? apiVersion = ctx.Request.Query["api-version"].FirstOrDefault();
            var served = ApiVersionCatalog.Check(ns, apiVersion);

            if (providerRead) Authorize(caller, "Microsoft.Resources/subscriptions/providers/read", $"/subscriptions/{id.SubscriptionId}");
            else Authorize(caller, method, path, id);
            CheckContainers(method, id);

            var body = ParseBody(bodyText);
            // A version without its own spec is validated against the substitute the table names (or not at all, as listed there).
            if (method is "PUT" or "PATCH" or "POST" && served.SpecVersion != null && _validator() is { } validator)
            {
                var violations = validator.Validate(method, path, served.SpecVersion, body);
                if (violations.Count > 0)
                {
                    var first = violations[0];
                    throw new ArmException(400, "InvalidRequestContent",
                        $"The request content was invalid: property '{first.Path}': {first.Message}" + (violations.Count > 1 ? $" (and {violations.Count - 1} more)" : ""),
                        violations.Select(v => ("InvalidRequestContent", $"{v.Path}: {v.Message}", (string?)v.Path)));
                }
            }

            var request = new ArmRequest(method, path, ctx.Request.Query, body, apiVersion!, caller, id, lroFault);
            return _router.Route(request);
        }

        /// <summary>Azure Resource Graph (POST /providers/Microsoft.ResourceGraph/resources).</summary>
        public ResourceGraphHandler ResourceGraph { get; private set; } = null!;

        private static JsonNode? ParseBody(string? bodyText)
        {
            if (string.IsNullOrWhiteSpace(bodyText)) return null;
            try
            {
                return JsonNode.Parse(bodyText);
            }
            catch (JsonException e)
            {
                throw new ArmException(400, "InvalidRequestContent", $"The request content was invalid and could not be deserialized: '{e.Message}'.");
            }
        }

        private Caller Authenticate(HttpContext ctx)
        {
            var header = ctx.Request.Headers.Authorization.FirstOrDefault();
            if (string.IsNullOrEmpty(header))
                throw Unauthorized("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", ctx);
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                throw Unauthorized("AuthenticationFailedInvalidHeader", "Authentication failed. The 'Authorization' header is provided in an invalid format.", ctx);
            try
            {
                var caller = _world.Tokens.Validate(header.Substring(7).Trim());
                if (!caller.TenantId.Equals(_world.TenantId, StringComparison.OrdinalIgnoreCase))
                    throw new ArmException(401, "InvalidAuthenticationTokenTenant",
                        $"The access token is from the wrong issuer '{caller.TenantId}'. It must match the tenant '{_world.TenantId}' associated with this subscription.");
                return caller;
            }
            catch (ArmException e) when (e.Status == 401)
            {
                throw Unauthorized(e.Code, e.Message, ctx);
            }
        }

        private ArmException Unauthorized(string code, string message, HttpContext ctx)
        {
            ctx.Response.Headers["WWW-Authenticate"] =
                $"Bearer authorization_uri=\"{_world.BaseUrl}/{_world.TenantId}\", error=\"invalid_token\", error_description=\"{message.Replace("\"", "'")}\"";
            return new ArmException(401, code, message);
        }

        /// <summary>Derives the ARM action from the path and checks it against the caller's role assignments.</summary>
        private void Authorize(Caller caller, string method, string path, ArmId id)
        {
            string? action;
            string scope;
            string verb = method switch { "GET" or "HEAD" => "read", "DELETE" => "delete", _ => "write" };
            if (id.Namespace == null)
            {
                var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length <= 1) return; // tenant-level subscription list: shows what the caller may see
                if (parts.Length >= 3 && parts[2].Equals("resources", StringComparison.OrdinalIgnoreCase)) return;
                if (parts.Length >= 5 && parts[4].Equals("resources", StringComparison.OrdinalIgnoreCase)) return;
                bool rg = parts.Length >= 3;
                action = rg ? $"Microsoft.Resources/subscriptions/resourceGroups/{verb}" : "Microsoft.Resources/subscriptions/read";
                scope = parts.Length >= 4 ? $"/subscriptions/{parts[1]}/resourceGroups/{parts[3]}" : $"/subscriptions/{parts[1]}";
            }
            else if (method == "POST" && id.EndsWithType)
            {
                action = id.FullType + "/action";
                scope = id.ItemPath;
            }
            else
            {
                action = (id.EndsWithType ? id.FullType : id.ResourceType) + "/" + verb;
                scope = id.ItemPath;
            }
            if (scope.Length == 0) scope = "/";
            Authorize(caller, action, scope);
        }

        private void Authorize(Caller caller, string action, string scope)
        {
            if (!_world.Rbac.HasAction(caller.ObjectId, action, scope))
                throw new ArmException(403, "AuthorizationFailed",
                    $"The client '{caller.AppId ?? caller.ObjectId}' with object id '{caller.ObjectId}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.");
        }

        private void CheckContainers(string method, ArmId id)
        {
            if (id.SubscriptionId == null) return;
            if (!_world.Store.Exists($"/subscriptions/{id.SubscriptionId}")) throw ArmException.SubscriptionNotFound(id.SubscriptionId);
            if (id.ResourceGroup == null) return;
            bool addressesGroupItself = id.Namespace == null;
            if (addressesGroupItself && method == "PUT") return;
            if (!_world.Store.Exists($"/subscriptions/{id.SubscriptionId}/resourceGroups/{id.ResourceGroup}"))
                throw ArmException.ResourceGroupNotFound(id.ResourceGroup);
        }
    }
}
