using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>One emulated resource provider (or a group of plain resource types).</summary>
    internal interface IProviderHandler
    {
        /// <summary>Answers the request, or returns null when it does not handle this resource type.</summary>
        ArmResult? Handle(ArmRequest request);
    }

    /// <summary>Sends a request to its provider: operation results first, then the service handlers, then plain CRUD.</summary>
    internal sealed class ProviderRouter
    {
        private readonly EmulatorWorld _world;
        private readonly IProviderHandler[] _handlers;

        public ProviderRouter(EmulatorWorld world)
        {
            _world = world;
            var cmk = new CmkChecker(world);
            _handlers = new IProviderHandler[]
            {
                new OperationResultsHandler(world),
                new ResourceManagerHandler(world),
                new AuthorizationHandler(world),
                new KeyVaultHandler(world),
                new NetAppHandler(world, cmk),
                new DataBoxHandler(world, cmk),
                new KustoHandler(world, cmk),
                new CassandraHandler(world, cmk),
                new BatchHandler(world, cmk),
                new StorageHandler(world, cmk),
                new LogAnalyticsClusterHandler(world, cmk),
                new PlainResourceHandler(world),
            };
        }

        public ArmResult Route(ArmRequest request)
        {
            foreach (var handler in _handlers)
                if (handler.Handle(request) is { } result) return result;
            throw new ArmException(400, "InvalidResourceType",
                $"The resource type '{request.Id.FullType}' could not be found in the namespace '{request.Id.Namespace}' for api version '{request.ApiVersion}'.");
        }
    }

    /// <summary>Subscriptions, resource groups and the generic resource list (Microsoft.Resources).</summary>
    internal sealed class ResourceManagerHandler : IProviderHandler
    {
        private readonly EmulatorWorld _world;

        public ResourceManagerHandler(EmulatorWorld world) => _world = world;

        public ArmResult? Handle(ArmRequest r)
        {
            if (r.Id.Namespace != null) return null;
            var parts = r.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var store = _world.Store;
            switch (parts.Length)
            {
                case 1 when r.IsGet:
                    return ArmResult.List(store.Where((id, o) => ArmId.Parse(id) is { SubscriptionId: not null, ResourceGroup: null, Namespace: null } && id.Count(c => c == '/') == 2));
                case 2 when r.IsGet:
                    return ArmResult.Ok(ResourceStore.Present(store.Get(parts.Length > 1 ? $"/subscriptions/{parts[1]}" : "")!));
                case 3 when parts[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase) && r.IsGet:
                    return ArmResult.List(store.ListChildren($"/subscriptions/{parts[1]}", "resourceGroups"));
                case 3 when parts[2].Equals("resources", StringComparison.OrdinalIgnoreCase) && r.IsGet:
                    return ListResources($"/subscriptions/{parts[1]}", r.Q("$filter"));
                case 5 when parts[4].Equals("resources", StringComparison.OrdinalIgnoreCase) && r.IsGet:
                    return ListResources($"/subscriptions/{parts[1]}/resourceGroups/{parts[3]}", r.Q("$filter"));
                case 4 when parts[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase):
                    return ResourceGroup(r, $"/subscriptions/{parts[1]}/resourceGroups/{parts[3]}", parts[3]);
            }
            return null;
        }

        private ArmResult ResourceGroup(ArmRequest r, string id, string name)
        {
            var existing = _world.Store.Get(id);
            if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(existing ?? throw ArmException.ResourceGroupNotFound(name)));
            if (r.IsPut)
            {
                var body = r.BodyObject;
                var location = body["location"]?.GetValue<string>() ?? throw ArmException.BadRequest("The 'location' property is required.", "LocationRequired");
                if (existing != null && !string.Equals(existing["location"]?.GetValue<string>(), location, StringComparison.OrdinalIgnoreCase))
                    throw new ArmException(409, "InvalidResourceGroupLocation",
                        $"Invalid resource group location '{location}'. The Resource group already exists in location '{existing["location"]}'.");
                var rg = new JsonObject
                {
                    ["name"] = existing?["name"]?.GetValue<string>() ?? name,
                    ["type"] = "Microsoft.Resources/resourceGroups",
                    ["location"] = location,
                    ["tags"] = body["tags"]?.DeepClone() ?? new JsonObject(),
                    ["properties"] = new JsonObject { ["provisioningState"] = "Succeeded" },
                };
                _world.Store.Put(id, rg);
                return new ArmResult(existing == null ? 201 : 200, ResourceStore.Present(_world.Store.Get(id)!));
            }
            return null!;
        }

        /// <summary>GET .../resources with ARM's $filter subset: resourceType eq '...' and name eq '...'.</summary>
        private ArmResult ListResources(string scope, string? filter)
        {
            var conditions = ParseFilter(filter);
            var items = _world.Store.Where((id, o) =>
            {
                var parsed = ArmId.Parse(id);
                if (parsed.Namespace == null || parsed.ExtensionScope != null || parsed.Segments.Count != 1 || parsed.EndsWithType) return false;
                if (!ArmId.IsAtOrAbove(scope, id)) return false;
                foreach (var (field, value) in conditions)
                {
                    var actual = field == "resourcetype" ? parsed.ResourceType : field == "name" ? parsed.Name : null;
                    if (!string.Equals(actual, value, StringComparison.OrdinalIgnoreCase)) return false;
                }
                return true;
            });
            var arr = new JsonArray();
            foreach (var o in items)
            {
                var summary = new JsonObject();
                foreach (var prop in new[] { "id", "name", "type", "kind", "location", "tags", "sku", "identity" })
                    if (o[prop] != null) summary[prop] = o[prop]!.DeepClone();
                arr.Add(summary);
            }
            return ArmResult.Ok(new JsonObject { ["value"] = arr });
        }

        private static List<(string Field, string Value)> ParseFilter(string? filter)
        {
            var result = new List<(string, string)>();
            if (string.IsNullOrWhiteSpace(filter)) return result;
            foreach (var clause in System.Text.RegularExpressions.Regex.Split(filter, @"\s+and\s+", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            {
                var m = System.Text.RegularExpressions.Regex.Match(clause.Trim(), @"^(\w+)\s+eq\s+'(.*)'$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                if (!m.Success)
                    throw new ArmException(400, "InvalidFilterInQueryString", $"Invalid $filter '{filter}' specified in the query string.");
                var field = m.Groups[1].Value.ToLowerInvariant();
                if (field != "resourcetype" && field != "name")
                    throw new ArmException(400, "InvalidFilterInQueryString", $"Invalid $filter '{filter}' specified in the query string.");
                result.Add((field, m.Groups[2].Value.Replace("''", "'")));
            }
            return result;
        }
    }

    /// <summary>GET of operation status and Location URLs: .../providers/{ns}/locations/{loc}/operationResults/{id}.</summary>
    internal sealed class OperationResultsHandler : IProviderHandler
    {
        private readonly EmulatorWorld _world;

        public OperationResultsHandler(EmulatorWorld world) => _world = world;

        public ArmResult? Handle(ArmRequest r)
        {
            var segs = r.Id.Segments;
            if (!r.IsGet || segs.Count != 2 || !segs[0].Type.Equals("locations", StringComparison.OrdinalIgnoreCase) ||
                segs[1].Name == null || !(segs[1].Type.Equals("operationResults", StringComparison.OrdinalIgnoreCase) ||
                                          segs[1].Type.Equals("operationStatuses", StringComparison.OrdinalIgnoreCase)))
                return null;
            var op = _world.Operations.Get(segs[1].Name!);
            if (op == null || !op.Namespace.Equals(r.Id.Namespace, StringComparison.OrdinalIgnoreCase))
                throw new ArmException(404, "OperationNotFound", $"The operation '{segs[1].Name}' could not be found.");
            if (op.Status == "InProgress" && DateTimeOffset.UtcNow - op.StartTime >= _world.LroDelay) op.Finish();

            bool locationStyle = string.Equals(r.Q("operationResultResponseType"), "Location", StringComparison.OrdinalIgnoreCase);
            if (!locationStyle) return ArmResult.Ok(op.StatusBody());
            if (op.Status == "InProgress")
            {
                var pending = new ArmResult(202);
                pending.Headers["Location"] = $"{_world.BaseUrl}{r.Path}?api-version={r.ApiVersion}&operationResultResponseType=Location";
                if (_world.RetryAfter is { } ra) pending.Headers["Retry-After"] = ((int)Math.Ceiling(ra.TotalSeconds)).ToString();
                return pending;
            }
            if (op.Status == "Failed")
                throw new ArmException(400, op.Error!.Value.Code, op.Error.Value.Message);
            return op.Result == null ? new ArmResult(204) : ArmResult.Ok(op.Result.DeepClone());
        }
    }
}
