using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Loads a scenario file (format in Scenarios/README.md) into the store. "{subscriptionId}" and "{tenantId}" in the
    /// text are replaced first; times may be relative ("-30d", "+2h", "now"), an ISO date, or epoch seconds.
    /// </summary>
    internal static class ScenarioLoader
    {
        public const string DefaultTenant = "11111111-1111-1111-1111-111111111111";
        public const string DefaultSubscription = "22222222-2222-2222-2222-222222222222";
        public const string DefaultAdmin = "33333333-3333-3333-3333-333333333333";

        public static string ReadBuiltIn(string name)
        {
            if (FleetScenario.Handles(name)) return FleetScenario.Build(name);
            var resource = $"CmkPowerShell.Emulator.Scenarios.{name}.json";
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
                               ?? throw new ArgumentException($"There is no built-in scenario '{name}'.", nameof(name));
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        /// <summary>An empty tenant: one subscription and an Owner admin, nothing else.</summary>
        public const string EmptyScenario = "{}";

        /// <param name="specs">
        /// Checks every <c>resources[]</c> entry as the resource its provider's GET answers at the pinned api-version: a
        /// scenario cannot hold what Azure could not (issue 11). Null checks nothing.
        /// </param>
        public static void Load(EmulatorWorld world, string scenarioText, Validation.SpecCatalog? specs = null)
        {
            var first = JsonNode.Parse(scenarioText)!.AsObject();
            var tenant = first["tenantId"]?.GetValue<string>() ?? DefaultTenant;
            var subscription = first["subscriptionId"]?.GetValue<string>() ?? DefaultSubscription;
            var s = JsonNode.Parse(scenarioText.Replace("{subscriptionId}", subscription).Replace("{tenantId}", tenant))!.AsObject();
            var store = world.Store;
            store.TenantId = tenant;
            store.SubscriptionId = subscription;
            if (Str(s, "cloud") is { } cloud) store.Cloud = EmulatedCloud.Find(cloud);
            var subPath = $"/subscriptions/{subscription}";

            world.AdminPrincipalId = s["adminPrincipalId"]?.GetValue<string>() ?? DefaultAdmin;
            world.HostPrincipalId = s["hostPrincipalId"]?.GetValue<string>() ?? world.AdminPrincipalId;
            foreach (var c in Array(s, "clients"))
                world.Clients.Add(new ClientApp(Str(c, "clientId")!, Str(c, "clientSecret")!, Str(c, "principalId")!));

            store.Put(subPath, new JsonObject
            {
                ["subscriptionId"] = subscription,
                ["displayName"] = s["subscriptionName"]?.GetValue<string>() ?? "Emulator",
                ["state"] = "Enabled",
                ["tenantId"] = tenant,
                ["authorizationSource"] = "RoleBased",
                ["subscriptionPolicies"] = new JsonObject { ["locationPlacementId"] = "Public_2014-09-01", ["quotaId"] = "PayAsYouGo_2014-09-01", ["spendingLimit"] = "Off" },
            });
            store.Update(subPath, o => o.Remove("name"));

            // Further subscriptions of the same tenant, and management groups over them (fleet scenarios).
            foreach (var extra in Array(s, "subscriptions"))
            {
                var id = Str(extra, "subscriptionId")!;
                store.Put($"/subscriptions/{id}", new JsonObject
                {
                    ["subscriptionId"] = id,
                    ["displayName"] = Str(extra, "displayName") ?? id,
                    ["state"] = "Enabled",
                    ["tenantId"] = tenant,
                    ["authorizationSource"] = "RoleBased",
                });
                store.Update($"/subscriptions/{id}", o => o.Remove("name"));
            }
            foreach (var mg in Array(s, "managementGroups"))
            {
                var name = Str(mg, "name")!;
                var children = new JsonArray();
                foreach (var child in mg["subscriptions"]?.AsArray() ?? new JsonArray())
                    children.Add(new JsonObject { ["id"] = $"/subscriptions/{child!.GetValue<string>()}", ["type"] = "/subscriptions" });
                foreach (var child in mg["managementGroups"]?.AsArray() ?? new JsonArray())
                    children.Add(new JsonObject { ["id"] = ResourceGraphHandler.ManagementGroupPrefix + child!.GetValue<string>(), ["type"] = "Microsoft.Management/managementGroups" });
                store.Put(ResourceGraphHandler.ManagementGroupPrefix + name, new JsonObject
                {
                    ["name"] = name,
                    ["type"] = "Microsoft.Management/managementGroups",
                    ["properties"] = new JsonObject { ["displayName"] = Str(mg, "displayName") ?? name, ["tenantId"] = tenant, ["children"] = children },
                });
            }

            foreach (var role in JsonNode.Parse(ReadBuiltIn("builtin-roles"))!.AsArray().OfType<JsonObject>())
                store.Put(role["id"]!.GetValue<string>(), role);

            foreach (var rg in Array(s, "resourceGroups"))
                store.Put($"/subscriptions/{Str(rg, "subscriptionId") ?? subscription}/resourceGroups/{Str(rg, "name")}", new JsonObject
                {
                    ["name"] = Str(rg, "name"),
                    ["type"] = "Microsoft.Resources/resourceGroups",
                    ["location"] = Str(rg, "location"),
                    ["tags"] = new JsonObject(),
                    ["properties"] = new JsonObject { ["provisioningState"] = "Succeeded" },
                });

            foreach (var def in Array(s, "roleDefinitions"))
            {
                var name = Str(def, "name") ?? Guid.NewGuid().ToString();
                store.Put($"{subPath}/providers/Microsoft.Authorization/roleDefinitions/{name}", new JsonObject
                {
                    ["name"] = name,
                    ["type"] = Rbac.DefinitionType,
                    ["properties"] = new JsonObject
                    {
                        ["roleName"] = Str(def, "roleName"),
                        ["description"] = Str(def, "description") ?? "",
                        ["type"] = "CustomRole",
                        ["permissions"] = new JsonArray(new JsonObject
                        {
                            ["actions"] = Copy(def["actions"]),
                            ["notActions"] = Copy(def["notActions"]),
                            ["dataActions"] = Copy(def["dataActions"]),
                            ["notDataActions"] = Copy(def["notDataActions"]),
                        }),
                        ["assignableScopes"] = def["assignableScopes"]?.DeepClone() ?? new JsonArray(subPath),
                    },
                });
            }

            foreach (var uai in Array(s, "identities"))
                store.Put(ResourceId(subPath, uai, "Microsoft.ManagedIdentity/userAssignedIdentities"), new JsonObject
                {
                    ["location"] = Str(uai, "location") ?? "westeurope",
                    ["tags"] = new JsonObject(),
                    ["properties"] = new JsonObject
                    {
                        ["tenantId"] = tenant,
                        ["principalId"] = Str(uai, "principalId") ?? Guid.NewGuid().ToString(),
                        ["clientId"] = Str(uai, "clientId") ?? Guid.NewGuid().ToString(),
                    },
                });

            var policySets = s["accessPolicySets"] as JsonObject;
            foreach (var v in Array(s, "vaults"))
                LoadVault(store, subPath, tenant, v, policySets);

            foreach (var h in Array(s, "managedHsms"))
                LoadManagedHsm(store, subPath, tenant, h, world.AdminPrincipalId);

            foreach (var vnet in Array(s, "virtualNetworks"))
                LoadVirtualNetwork(store, subPath, vnet);

            foreach (var pe in Array(s, "privateEndpoints"))
                LoadPrivateEndpoint(store, subPath, pe);

            foreach (var r in Array(s, "resources"))
                LoadResource(world, r, specs);

            foreach (var ra in Array(s, "roleAssignments"))
            {
                var roleRef = Str(ra, "role") ?? Str(ra, "roleDefinitionId")!;
                var def = world.Rbac.Definition(roleRef) ?? world.Rbac.DefinitionByRoleName(roleRef)
                          ?? throw new InvalidDataException($"Scenario role assignment names an unknown role '{roleRef}'.");
                var scope = ArmId.Normalize(Str(ra, "scope") ?? subPath);
                var name = Str(ra, "name") ?? Guid.NewGuid().ToString();
                store.Put($"{(scope == "/" ? "" : scope)}/providers/Microsoft.Authorization/roleAssignments/{name}",
                    AuthorizationHandler.NewAssignment(name, scope, $"{subPath}/providers/Microsoft.Authorization/roleDefinitions/{def["name"]}",
                        Str(ra, "principalId")!, Str(ra, "principalType") ?? "ServicePrincipal", world.AdminPrincipalId));
            }
        }

        /// <summary>The empty scenario still needs someone who may do everything: the admin is Owner of the subscription.</summary>
        public static void AddAdminOwner(EmulatorWorld world)
        {
            var sub = $"/subscriptions/{world.SubscriptionId}";
            var name = "a0000000-0000-0000-0000-000000000001";
            world.Store.Put($"{sub}/providers/Microsoft.Authorization/roleAssignments/{name}",
                AuthorizationHandler.NewAssignment(name, sub, $"{sub}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
                    world.AdminPrincipalId, "User", world.AdminPrincipalId));
        }

        private static void LoadVault(ResourceStore store, string subPath, string tenant, JsonObject v, JsonObject? policySets)
        {
            var id = ResourceId(subPath, v, KeyVaultModel.VaultType);
            var policies = new JsonArray();
            var policySource = v["accessPolicies"] is JsonValue setName ? policySets?[setName.GetValue<string>()] : v["accessPolicies"];
            foreach (var p in (policySource as JsonArray ?? new JsonArray()).OfType<JsonObject>())
                policies.Add(new JsonObject
                {
                    ["tenantId"] = tenant,
                    ["objectId"] = Str(p, "objectId"),
                    ["permissions"] = new JsonObject
                    {
                        ["keys"] = Copy(p["keys"]),
                        ["secrets"] = Copy(p["secrets"]),
                        ["certificates"] = Copy(p["certificates"]),
                    },
                });
            var props = new JsonObject
            {
                ["enableSoftDelete"] = v["enableSoftDelete"]?.DeepClone() ?? true,
                ["enablePurgeProtection"] = v["enablePurgeProtection"]?.DeepClone() ?? false,
                ["enableRbacAuthorization"] = v["enableRbacAuthorization"]?.DeepClone() ?? false,
                ["accessPolicies"] = policies,
                ["networkAcls"] = v["networkAcls"]?.DeepClone() ?? new JsonObject { ["bypass"] = "AzureServices", ["defaultAction"] = "Allow", ["ipRules"] = new JsonArray(), ["virtualNetworkRules"] = new JsonArray() },
                ["enabledForDeployment"] = false,
                ["enabledForDiskEncryption"] = false,
                ["enabledForTemplateDeployment"] = false,
            };
            store.Put(id, KeyVaultModel.NewVault(id, Str(v, "location") ?? "westeurope", tenant, props, store.Cloud));

            LoadKeys(store, id, v);
        }

        /// <summary>
        /// A Managed HSM with its keys (the same key format as vaults) and its local RBAC: role assignments of the HSM's own
        /// data plane, { principalId, role (a Managed HSM built-in role name or id), scope ("/", "/keys", "/keys/{name}") }.
        /// The initial administrators ("initialAdminObjectIds", by default the scenario's admin) hold Managed HSM Administrator
        /// at "/", as an activated HSM's do (https://learn.microsoft.com/azure/key-vault/managed-hsm/access-control).
        /// </summary>
        private static void LoadManagedHsm(ResourceStore store, string subPath, string tenant, JsonObject h, string adminPrincipalId)
        {
            var id = ResourceId(subPath, h, KeyVaultModel.HsmType);
            var props = new JsonObject();
            if (h["enablePurgeProtection"] is JsonNode purge) props["enablePurgeProtection"] = purge.DeepClone();
            var admins = h["initialAdminObjectIds"] as JsonArray ?? new JsonArray(adminPrincipalId);
            props["initialAdminObjectIds"] = admins.DeepClone();
            var hsm = KeyVaultModel.NewManagedHsm(id, Str(h, "location") ?? "westeurope", tenant, props, store.Cloud);
            var assignments = new JsonArray();
            foreach (var admin in admins)
                assignments.Add(ManagedHsmLocalRbac.Assignment(admin!.GetValue<string>(), ManagedHsmLocalRbac.AdministratorRole, "/"));
            foreach (var a in Array(h, "localRoleAssignments"))
                assignments.Add(ManagedHsmLocalRbac.Assignment(Str(a, "principalId")!, Str(a, "role")!, Str(a, "scope") ?? "/"));
            ResourceStore.Hidden(hsm)["localRoleAssignments"] = assignments;
            store.Put(id, hsm);
            LoadKeys(store, id, h);
        }

        private static void LoadKeys(ResourceStore store, string id, JsonObject v)
        {
            foreach (var key in Array(v, "keys"))
            {
                var versions = key["versions"] as JsonArray ?? new JsonArray(new JsonObject());
                foreach (var ver in versions.OfType<JsonObject>())
                {
                    store.AddKeyVersion(id, Str(key, "name")!, new KeyVersionSpec(
                        Kty: Str(key, "kty") ?? "RSA",
                        KeySize: key["keySize"]?.GetValue<int>() ?? ((Str(key, "kty") ?? "RSA").StartsWith("RSA") ? 2048 : null),
                        CurveName: Str(key, "curveName"),
                        KeyOps: (key["keyOps"] as JsonArray)?.Select(x => x!.GetValue<string>()).ToList(),
                        Enabled: ver["enabled"]?.GetValue<bool>() ?? true,
                        NotBefore: Time(ver["nbf"]),
                        Expires: Time(ver["exp"]),
                        Created: Time(ver["created"]),
                        Version: Str(ver, "version")));
                }
            }
        }

        private static void LoadVirtualNetwork(ResourceStore store, string subPath, JsonObject vnet)
        {
            var id = ResourceId(subPath, vnet, "Microsoft.Network/virtualNetworks");
            var subnets = new JsonArray();
            foreach (var sn in Array(vnet, "subnets"))
            {
                var delegations = new JsonArray();
                foreach (var d in (sn["delegations"] as JsonArray ?? new JsonArray()).Select(x => x!.GetValue<string>()))
                    delegations.Add(new JsonObject
                    {
                        ["name"] = d.Replace('/', '.'),
                        ["id"] = $"{id}/subnets/{Str(sn, "name")}/delegations/{d.Replace('/', '.')}",
                        ["type"] = "Microsoft.Network/virtualNetworks/subnets/delegations",
                        ["properties"] = new JsonObject { ["serviceName"] = d, ["provisioningState"] = "Succeeded" },
                    });
                var subnet = new JsonObject
                {
                    ["name"] = Str(sn, "name"),
                    ["type"] = "Microsoft.Network/virtualNetworks/subnets",
                    ["properties"] = new JsonObject
                    {
                        ["addressPrefix"] = Str(sn, "addressPrefix"),
                        ["delegations"] = delegations,
                        ["privateEndpointNetworkPolicies"] = "Disabled",
                        ["provisioningState"] = "Succeeded",
                    },
                };
                store.Put($"{id}/subnets/{Str(sn, "name")}", subnet);
                var inline = (JsonObject)subnet.DeepClone();
                inline["id"] = $"{id}/subnets/{Str(sn, "name")}";
                subnets.Add(inline);
            }
            store.Put(id, new JsonObject
            {
                ["location"] = Str(vnet, "location") ?? "westeurope",
                ["tags"] = new JsonObject(),
                ["properties"] = new JsonObject
                {
                    ["addressSpace"] = new JsonObject { ["addressPrefixes"] = Copy(vnet["addressPrefixes"]) },
                    ["subnets"] = subnets,
                    ["provisioningState"] = "Succeeded",
                },
            });
        }

        private static void LoadPrivateEndpoint(ResourceStore store, string subPath, JsonObject pe)
        {
            var id = ResourceId(subPath, pe, "Microsoft.Network/privateEndpoints");
            var vaultId = $"{subPath}/resourceGroups/{Str(pe, "vaultResourceGroup") ?? Str(pe, "resourceGroup")}/providers/Microsoft.KeyVault/vaults/{Str(pe, "vault")}";
            var connectionName = $"{Str(pe, "name")}-connection";
            store.Put(id, new JsonObject
            {
                ["location"] = Str(pe, "location") ?? "westeurope",
                ["tags"] = new JsonObject(),
                ["properties"] = new JsonObject
                {
                    ["subnet"] = new JsonObject { ["id"] = Str(pe, "subnetId") },
                    ["provisioningState"] = "Succeeded",
                    ["privateLinkServiceConnections"] = new JsonArray(new JsonObject
                    {
                        ["name"] = connectionName,
                        ["id"] = $"{id}/privateLinkServiceConnections/{connectionName}",
                        ["properties"] = new JsonObject
                        {
                            ["privateLinkServiceId"] = vaultId,
                            ["groupIds"] = new JsonArray("vault"),
                            ["privateLinkServiceConnectionState"] = new JsonObject { ["status"] = "Approved", ["description"] = "Auto-Approved", ["actionsRequired"] = "None" },
                            ["provisioningState"] = "Succeeded",
                        },
                    }),
                    ["manualPrivateLinkServiceConnections"] = new JsonArray(),
                    ["customDnsConfigs"] = new JsonArray(new JsonObject { ["fqdn"] = $"{Str(pe, "vault")}.{store.Cloud.KeyVaultDnsSuffix}", ["ipAddresses"] = new JsonArray("10.10.2.4") }),
                },
            });
            if (store.Exists(vaultId))
                store.Update(vaultId, vault =>
                {
                    var conns = (JsonArray)(vault["properties"]!["privateEndpointConnections"] ??= new JsonArray());
                    conns.Add(new JsonObject
                    {
                        ["id"] = $"{vaultId}/privateEndpointConnections/{connectionName}",
                        ["etag"] = "\"00000000-0000-0000-0000-000000000000\"",
                        ["properties"] = new JsonObject
                        {
                            ["privateEndpoint"] = new JsonObject { ["id"] = id },
                            ["privateLinkServiceConnectionState"] = new JsonObject { ["status"] = "Approved", ["description"] = "Auto-Approved", ["actionsRequired"] = "None" },
                            ["provisioningState"] = "Succeeded",
                        },
                    });
                });
        }

        private static void LoadResource(EmulatorWorld world, JsonObject r, Validation.SpecCatalog? specs)
        {
            var resource = (JsonObject)r.DeepClone();
            var id = Str(resource, "id")!;
            resource.Remove("_comment"); // documentation in the scenario file, never part of the resource
            ConvertRelativeTimes(resource);
            if (specs != null) Validate(specs, id, resource);
            if (resource["emulator"] is JsonObject hidden && hidden["identityCertificateIssued"] is JsonNode issued)
                hidden["identityCertificateIssued"] = Time(issued)!.Value.ToUnixTimeSeconds();
            if (resource["identity"] is JsonObject identity)
            {
                var type = identity["type"]?.GetValue<string>() ?? "None";
                if (type.Contains("SystemAssigned", StringComparison.OrdinalIgnoreCase))
                {
                    identity["principalId"] ??= Guid.NewGuid().ToString();
                    identity["tenantId"] = world.TenantId;
                }
                if (identity["userAssignedIdentities"] is JsonObject map && map.Count > 0)
                    resource["identity"] = world.ApplyIdentity(null, identity);
                if (type.Contains("SystemAssigned", StringComparison.OrdinalIgnoreCase) && resource["identity"] is JsonObject applied)
                {
                    applied["principalId"] = identity["principalId"]!.DeepClone();
                    applied["tenantId"] = world.TenantId;
                }
            }
            var parsed = ArmId.Parse(id);
            if (parsed.Segments.Count == 1)
            {
                var props = JsonUtil.Obj(resource, "properties");
                props["provisioningState"] ??= "Succeeded";
                resource["tags"] ??= new JsonObject();
            }
            world.Store.Put(id, resource);
        }

        private static readonly Regex Relative = new(@"^(now|[+-]\d+[dhm])$", RegexOptions.IgnoreCase);

        private static void ConvertRelativeTimes(JsonObject o)
        {
            foreach (var (name, value) in o.ToList())
            {
                if (name == "emulator") continue;
                if (value is JsonObject child) ConvertRelativeTimes(child);
                else if (value is JsonValue v && v.TryGetValue<string>(out var text) && Relative.IsMatch(text))
                    o[name] = Time(v)!.Value.UtcDateTime.ToString("o");
            }
        }

        private static void Validate(Validation.SpecCatalog specs, string id, JsonObject resource)
        {
            var ns = ArmId.Parse(id).Namespace;
            var pinned = ns == null ? null : ApiVersionCatalog.Table.FirstOrDefault(v => v.HasOwnSpec && v.Namespace.Equals(ns, StringComparison.OrdinalIgnoreCase));
            var read = pinned == null ? null : specs.FindOperation("GET", id, pinned.Version);
            if (read == null) return;
            var body = (JsonObject)resource.DeepClone();
            body.Remove("emulator"); // emulator-only state, never sent to clients
            var violations = specs.ValidateResponse(read, 200, body);
            if (violations.Count > 0)
                throw new InvalidDataException($"Scenario resource '{id}' is not a {read.OperationId} answer of the {ns} {pinned!.Version} spec: " +
                    string.Join("; ", violations.Select(v => $"property '{v.Path}': {v.Message}")));
        }

        public static DateTimeOffset? Time(JsonNode? node)
        {
            if (node is not JsonValue v) return null;
            if (v.TryGetValue<long>(out var epoch)) return DateTimeOffset.FromUnixTimeSeconds(epoch);
            var text = v.GetValue<string>();
            if (text.Equals("now", StringComparison.OrdinalIgnoreCase)) return DateTimeOffset.UtcNow;
            var m = Regex.Match(text, @"^([+-]\d+)([dhm])$");
            if (m.Success)
            {
                var n = int.Parse(m.Groups[1].Value);
                return DateTimeOffset.UtcNow + (m.Groups[2].Value switch { "d" => TimeSpan.FromDays(n), "h" => TimeSpan.FromHours(n), _ => TimeSpan.FromMinutes(n) });
            }
            return DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        }

        private static string ResourceId(string subPath, JsonObject o, string type) =>
            $"{subPath}/resourceGroups/{Str(o, "resourceGroup")}/providers/{type}/{Str(o, "name")}";

        private static IEnumerable<JsonObject> Array(JsonObject o, string name) =>
            (o[name] as JsonArray ?? new JsonArray()).OfType<JsonObject>();

        private static string? Str(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        private static JsonArray Copy(JsonNode? node) => node?.DeepClone() as JsonArray ?? new JsonArray();
    }
}
