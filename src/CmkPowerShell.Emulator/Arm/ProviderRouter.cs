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
                MessagingNamespaceHandler.EventHub(world, cmk),
                MessagingNamespaceHandler.ServiceBus(world, cmk),
                new ContainerRegistryHandler(world, cmk),
                new PostgreSqlHandler(world, cmk),
                new RecoveryServicesHandler(world, cmk),
                new StorageHandler(world, cmk),
                new DiskEncryptionSetHandler(world, cmk),
                new SqlServerHandler(world, cmk),
                new LogAnalyticsClusterHandler(world, cmk),
                new CosmosDbHandler(world, cmk),
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

        /// <summary>GET /subscriptions/{s}/providers/{namespace}: a provider registration, not a resource of the provider.</summary>
        public static bool IsProviderRead(ArmId id) =>
            id.Namespace != null && id.Segments.Count == 0 && id.ExtensionScope == null && id.ResourceGroup == null && id.SubscriptionId != null;

        public ArmResult? Handle(ArmRequest r)
        {
            if (IsProviderRead(r.Id) && r.IsGet)
            {
                if (!ApiVersionCatalog.IsKnownNamespace(r.Id.Namespace!))
                    throw new ArmException(404, "NamespaceNotFound", $"The resource namespace '{r.Id.Namespace}' is not registered for subscription '{r.Id.SubscriptionId}'.");
                var ns = ApiVersionCatalog.Namespaces.First(n => n.Equals(r.Id.Namespace, StringComparison.OrdinalIgnoreCase));
                return ArmResult.Ok(Provider(r.Id.SubscriptionId!, ns));
            }
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
                    return ListResources($"/subscriptions/{parts[1]}", r.Q("$filter"), r.Q("$expand"));
                case 5 when parts[4].Equals("resources", StringComparison.OrdinalIgnoreCase) && r.IsGet:
                    return ListResources($"/subscriptions/{parts[1]}/resourceGroups/{parts[3]}", r.Q("$filter"), r.Q("$expand"));
                case 3 when parts[2].Equals("providers", StringComparison.OrdinalIgnoreCase) && r.IsGet:
                    return ArmResult.Ok(new JsonObject { ["value"] = new JsonArray(ApiVersionCatalog.Namespaces.Select(ns => (JsonNode)Provider(parts[1], ns)).ToArray()) });
                case 4 when parts[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase):
                    return ResourceGroup(r, $"/subscriptions/{parts[1]}/resourceGroups/{parts[3]}", parts[3]);
            }
            return null;
        }

        /// <summary>
        /// A resource provider as Providers_Get shapes it: the types this subscription holds under it, their locations and
        /// the api-versions the emulator serves (what GenericResource and 'az resource show --ids' pick a version from).
        /// </summary>
        public JsonObject Provider(string subscriptionId, string ns)
        {
            var types = new SortedDictionary<string, SortedSet<string>>(StringComparer.OrdinalIgnoreCase);
            _world.Store.Where((id, resource) =>
            {
                var parsed = ArmId.Parse(id);
                if (!string.Equals(parsed.Namespace, ns, StringComparison.OrdinalIgnoreCase) || parsed.ExtensionScope != null || parsed.Segments.Count == 0 || parsed.EndsWithType)
                    return false;
                var type = string.Join("/", parsed.Segments.Select(s => s.Type));
                if (!types.TryGetValue(type, out var locations)) types[type] = locations = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
                if (JsonUtil.Str(resource, "location") is { } location) locations.Add(location);
                return false;
            });
            var versions = new JsonArray(ApiVersionCatalog.For(ns).Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
            return new JsonObject
            {
                ["id"] = $"/subscriptions/{subscriptionId}/providers/{ns}",
                ["namespace"] = ns,
                ["registrationState"] = "Registered",
                ["registrationPolicy"] = "RegistrationRequired",
                ["resourceTypes"] = new JsonArray(types.Select(t => (JsonNode)new JsonObject
                {
                    ["resourceType"] = t.Key,
                    ["locations"] = new JsonArray(t.Value.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
                    ["apiVersions"] = versions.DeepClone(),
                }).ToArray()),
            };
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

        // The $filter fields ARM documents for Resources_List: resourceGroup, resourceType, name, tagName (+ tagValue).
        private static readonly string[] FilterFields = { "resourcegroup", "resourcetype", "name", "tagname", "tagvalue" };

        // $expand adds these (Resources - List: createdTime, changedTime, provisioningState).
        private static readonly string[] ExpandFields = { "createdtime", "changedtime", "provisioningstate" };

        /// <summary>
        /// GET .../resources: the tracked resources (those with a location, inside a resource group) at or under the scope.
        /// Proxy and extension resources such as role assignments and definitions are not listed, as in ARM.
        /// </summary>
        private ArmResult ListResources(string scope, string? filter, string? expand)
        {
            var conditions = ParseFilter(filter);
            var expanded = ParseExpand(expand);
            var items = _world.Store.Where((id, o) =>
            {
                var parsed = ArmId.Parse(id);
                if (parsed.Namespace == null || parsed.ExtensionScope != null || parsed.ResourceGroup == null || parsed.Segments.Count != 1
                    || parsed.EndsWithType || o["location"] == null) return false;
                if (!ArmId.IsAtOrAbove(scope, id)) return false;
                string? tagName = null;
                foreach (var (field, value) in conditions)
                {
                    switch (field)
                    {
                        case "tagname":
                            tagName = value;
                            if (FindTag(o, value) == null) return false;
                            break;
                        case "tagvalue":
                            if (tagName == null || !string.Equals(FindTag(o, tagName), value, StringComparison.Ordinal)) return false;
                            break;
                        default:
                            var actual = field == "resourcetype" ? parsed.ResourceType : field == "name" ? parsed.Name : parsed.ResourceGroup;
                            if (!string.Equals(actual, value, StringComparison.OrdinalIgnoreCase)) return false;
                            break;
                    }
                }
                return true;
            });
            var arr = new JsonArray();
            foreach (var o in items)
            {
                var summary = new JsonObject();
                foreach (var prop in new[] { "id", "name", "type", "kind", "location", "tags", "sku", "identity" })
                    if (o[prop] != null) summary[prop] = o[prop]!.DeepClone();
                summary["id"] ??= ResourceStore.Present(o)["id"]?.DeepClone();
                if (expanded.Contains("provisioningstate") && JsonUtil.Str(o, "properties.provisioningState") is { } state) summary["provisioningState"] = state;
                if (expanded.Contains("createdtime") && JsonUtil.Str(o, "systemData.createdAt") is { } created) summary["createdTime"] = created;
                if (expanded.Contains("changedtime") && JsonUtil.Str(o, "systemData.lastModifiedAt") is { } changed) summary["changedTime"] = changed;
                arr.Add(summary);
            }
            return ArmResult.Ok(new JsonObject { ["value"] = arr });
        }

        private static string? FindTag(JsonObject resource, string name) =>
            (resource["tags"] as JsonObject)?.FirstOrDefault(t => t.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value?.ToString();

        private static List<(string Field, string Value)> ParseFilter(string? filter)
        {
            var result = new List<(string, string)>();
            if (string.IsNullOrWhiteSpace(filter)) return result;
            foreach (var clause in System.Text.RegularExpressions.Regex.Split(filter, @"\s+and\s+", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            {
                var m = System.Text.RegularExpressions.Regex.Match(clause.Trim(), @"^(\w+)\s+eq\s+'(.*)'$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                var field = m.Success ? m.Groups[1].Value.ToLowerInvariant() : null;
                if (field == null || !FilterFields.Contains(field))
                    throw new ArmException(400, "InvalidFilterInQueryString", $"Invalid $filter '{filter}' specified in the query string.");
                result.Add((field, m.Groups[2].Value.Replace("''", "'")));
            }
            if (result.Any(c => c.Item1 == "tagvalue") && !result.Any(c => c.Item1 == "tagname"))
                throw new ArmException(400, "InvalidFilterInQueryString", $"Invalid $filter '{filter}' specified in the query string: tagValue needs tagName.");
            return result;
        }

        private static HashSet<string> ParseExpand(string? expand)
        {
            var fields = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (string.IsNullOrWhiteSpace(expand)) return fields;
            foreach (var raw in expand.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!ExpandFields.Contains(raw.ToLowerInvariant()))
                    throw new ArmException(400, "InvalidExpandInQueryString", $"Invalid $expand '{expand}' specified in the query string. Supported: createdTime, changedTime, provisioningState.");
                fields.Add(raw.ToLowerInvariant());
            }
            return fields;
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
            if (!locationStyle)
            {
                // A pending status poll tells the client when to ask again, as ARM's async guidance has it (issue 11:
                // without it azure-cli waits its 30 s default).
                var status = ArmResult.Ok(op.StatusBody());
                if (op.Status == "InProgress") _world.AddPollRetryAfter(status);
                return status;
            }
            if (op.Status == "InProgress")
            {
                var pending = new ArmResult(202);
                pending.Headers["Location"] = $"{_world.BaseUrl}{r.Path}?api-version={r.ApiVersion}&operationResultResponseType=Location";
                _world.AddPollRetryAfter(pending);
                return pending;
            }
            if (op.Status == "Failed")
                throw new ArmException(400, op.Error!.Value.Code, op.Error.Value.Message);
            return op.Result == null ? new ArmResult(204) : ArmResult.Ok(op.Result.DeepClone());
        }
    }
}
