using System;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// The local RBAC part of a Managed HSM's data plane, on its own host ({hsm}.managedhsm.azure.net, reached by Host
    /// header since every host is this one endpoint): RoleAssignments_ListForScope / _Get and RoleDefinitions_List / _Get of
    /// Key Vault 7.5 (Specs/specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.5/rbac.json), and RoleAssignments_Create
    /// with its body validated against that spec.
    /// Callers need the HSM's own roleAssignments / roleDefinitions read data actions, as the HSM checks them; Azure RBAC
    /// on the HSM resource does not count (https://learn.microsoft.com/azure/key-vault/managed-hsm/access-control).
    /// </summary>
    internal sealed class ManagedHsmDataPlane
    {
        public const string ApiVersion = "7.5";
        private const string Providers = "/providers/Microsoft.Authorization/";
        private readonly EmulatorWorld _world;
        private readonly Func<IRequestBodyValidator?> _validator;

        public ManagedHsmDataPlane(EmulatorWorld world, Func<IRequestBodyValidator?> validator) { _world = world; _validator = validator; }

        /// <summary>Whether the request is addressed to a Managed HSM host of the imitated cloud.</summary>
        public bool Serves(HttpContext ctx)
            => ctx.Request.Host.Host.EndsWith("." + _world.Store.Cloud.ManagedHsmDnsSuffix, StringComparison.OrdinalIgnoreCase);

        /// <summary>The answer, errors in Key Vault's shape: { error: { code, message, innererror: { code } } }.</summary>
        public ArmResult Handle(HttpContext ctx, string? bodyText, Action<string> onCaller)
        {
            try
            {
                return Serve(ctx, bodyText, onCaller);
            }
            catch (ArmException e)
            {
                var error = new JsonObject { ["code"] = e.Code, ["message"] = e.Message };
                if (e.Details.Count > 0) error["innererror"] = new JsonObject { ["code"] = e.Details[0].Code };
                return new ArmResult(e.Status, new JsonObject { ["error"] = error });
            }
        }

        private ArmResult Serve(HttpContext ctx, string? bodyText, Action<string> onCaller)
        {
            var caller = Authenticate(ctx);
            onCaller(caller.ObjectId);
            var hsmName = ctx.Request.Host.Host.Split('.')[0];
            var hsm = _world.Store.Where((_, o) =>
                    string.Equals(JsonUtil.Str(o, "type"), KeyVaultModel.HsmType, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(JsonUtil.Str(o, "name"), hsmName, StringComparison.OrdinalIgnoreCase))
                .FirstOrDefault()
                ?? throw Error(404, "NotFound", $"Managed HSM '{hsmName}' does not exist.");

            var version = ctx.Request.Query["api-version"].FirstOrDefault();
            if (version != ApiVersion)
                throw Error(400, "BadParameter", $"The specified version ({version ?? "none"}) is not recognized. Consider using the latest supported version ({ApiVersion}).");

            // "/{scope}/providers/Microsoft.Authorization/{collection}[/{name}]", scope "/" being an empty segment.
            var path = ctx.Request.Path.Value ?? "/";
            var at = path.IndexOf(Providers, StringComparison.OrdinalIgnoreCase);
            if (at < 0) throw Error(404, "NotFound", $"'{path}' is not served by this emulator's Managed HSM data plane.");
            var scope = Scope(path.Substring(0, at));
            var rest = path.Substring(at + Providers.Length).Split('/', StringSplitOptions.RemoveEmptyEntries);
            var collection = rest.FirstOrDefault() ?? "";
            var name = rest.Length > 1 ? rest[1] : null;

            var put = HttpMethods.IsPut(ctx.Request.Method);
            if (!HttpMethods.IsGet(ctx.Request.Method) && !(put && name != null && collection.Equals("roleAssignments", StringComparison.OrdinalIgnoreCase)))
                throw Error(405, "MethodNotAllowed", $"{ctx.Request.Method} is not served by this emulator's Managed HSM data plane.");
            if (put) return CreateAssignment(hsm, caller, path, scope, name!, bodyText);

            if (collection.Equals("roleAssignments", StringComparison.OrdinalIgnoreCase))
            {
                Authorize(hsm, caller, scope, ManagedHsmLocalRbac.ReadRoleAssignments);
                var all = ManagedHsmLocalRbac.Assignments(hsm);
                if (name != null)
                    return ArmResult.Ok(Present(all.FirstOrDefault(a => string.Equals(JsonUtil.Str(a, "name"), name, StringComparison.OrdinalIgnoreCase)
                                                                        && string.Equals(JsonUtil.Str(a, "scope"), scope, StringComparison.OrdinalIgnoreCase))
                                                ?? throw Error(404, "RoleAssignmentNotFound", $"Role assignment '{name}' does not exist at scope '{scope}'.")));
                // The spec's $filter: atScope() gives the assignments at or above the scope; principalId eq {id} those of the
                // principal at, above or below it; none, every assignment at, above or below it.
                var filter = ctx.Request.Query["$filter"].FirstOrDefault()?.Trim();
                string? principal = null;
                var atScopeOnly = false;
                if (!string.IsNullOrEmpty(filter))
                {
                    if (filter.Equals("atScope()", StringComparison.OrdinalIgnoreCase)) atScopeOnly = true;
                    else if (filter.StartsWith("principalId eq ", StringComparison.OrdinalIgnoreCase))
                        principal = filter.Substring("principalId eq ".Length).Trim().Trim('\'');
                    else throw Error(400, "BadParameter", $"The filter '{filter}' is not supported; use atScope() or principalId eq {{id}}.");
                }
                var items = all.Where(a =>
                {
                    var s = JsonUtil.Str(a, "scope") ?? "/";
                    if (principal != null && !string.Equals(JsonUtil.Str(a, "principalId"), principal, StringComparison.OrdinalIgnoreCase)) return false;
                    return ManagedHsmLocalRbac.Covers(s, scope) || (!atScopeOnly && ManagedHsmLocalRbac.Covers(scope, s));
                });
                return new ArmResult(200, new JsonObject { ["value"] = new JsonArray(items.Select(a => (JsonNode)Present(a)).ToArray()) });
            }
            if (collection.Equals("roleDefinitions", StringComparison.OrdinalIgnoreCase))
            {
                Authorize(hsm, caller, scope, ManagedHsmLocalRbac.ReadRoleDefinitions);
                if (name != null)
                    return ArmResult.Ok(Definition(ManagedHsmLocalRbac.Roles.FirstOrDefault(r => r.Id.Equals(name, StringComparison.OrdinalIgnoreCase))
                                                   ?? throw Error(404, "RoleDefinitionNotFound", $"Role definition '{name}' does not exist.")));
                return new ArmResult(200, new JsonObject { ["value"] = new JsonArray(ManagedHsmLocalRbac.Roles.Select(r => (JsonNode)Definition(r)).ToArray()) });
            }
            throw Error(404, "NotFound", $"'{path}' is not served by this emulator's Managed HSM data plane.");
        }

        /// <summary>
        /// RoleAssignments_Create: 201 with the assignment. The same name again replaces it; the same principal, role and scope
        /// under another name is a conflict (RoleAssignmentExists), as for Azure RBAC.
        /// </summary>
        private ArmResult CreateAssignment(JsonObject hsm, Caller caller, string path, string scope, string name, string? bodyText)
        {
            Authorize(hsm, caller, scope, ManagedHsmLocalRbac.WriteRoleAssignments);
            JsonNode? body;
            try { body = string.IsNullOrWhiteSpace(bodyText) ? null : JsonNode.Parse(bodyText); }
            catch (System.Text.Json.JsonException e) { throw Error(400, "BadParameter", "The request body is not JSON: " + e.Message); }
            if (_validator() is { } validator && validator.Validate("PUT", path, ApiVersion, body) is { Count: > 0 } violations)
                throw Error(400, "BadParameter", $"The request content was invalid: property '{violations[0].Path}': {violations[0].Message}");
            var properties = body?["properties"];
            var principal = JsonUtil.Str(properties, "principalId")!;
            var roleId = JsonUtil.Str(properties, "roleDefinitionId")!;
            var role = ManagedHsmLocalRbac.Roles.FirstOrDefault(r => r.Id.Equals(roleId.Substring(roleId.TrimEnd('/').LastIndexOf('/') + 1), StringComparison.OrdinalIgnoreCase))
                       ?? throw Error(400, "BadParameter", $"Role definition '{roleId}' does not exist.");
            if (!Guid.TryParse(name, out _)) throw Error(400, "BadParameter", $"The role assignment name '{name}' is not a GUID.");
            var duplicate = ManagedHsmLocalRbac.Assignments(hsm).FirstOrDefault(a =>
                !string.Equals(JsonUtil.Str(a, "name"), name, StringComparison.OrdinalIgnoreCase)
                && string.Equals(JsonUtil.Str(a, "principalId"), principal, StringComparison.OrdinalIgnoreCase)
                && string.Equals(JsonUtil.Str(a, "roleDefinitionId"), role.Id, StringComparison.OrdinalIgnoreCase)
                && string.Equals(JsonUtil.Str(a, "scope"), scope, StringComparison.OrdinalIgnoreCase));
            if (duplicate != null) throw Error(409, "RoleAssignmentExists", "The role assignment already exists.");

            var assignment = ManagedHsmLocalRbac.Assignment(principal, role.Id, scope);
            assignment["name"] = name.ToLowerInvariant();
            _world.Store.Update(JsonUtil.Str(hsm, "id")!, h =>
            {
                var list = ResourceStore.Hidden(h)["localRoleAssignments"] as JsonArray ?? new JsonArray();
                foreach (var same in list.OfType<JsonObject>().Where(a => string.Equals(JsonUtil.Str(a, "name"), name, StringComparison.OrdinalIgnoreCase)).ToList())
                    list.Remove(same);
                list.Add(assignment.DeepClone());
                ResourceStore.Hidden(h)["localRoleAssignments"] = list;
            });
            return new ArmResult(201, Present(assignment));
        }

        private static string Scope(string prefix)
        {
            var trimmed = prefix.Trim('/');
            return trimmed.Length == 0 ? "/" : "/" + trimmed;
        }

        private static JsonObject Present(JsonObject a)
        {
            var scope = JsonUtil.Str(a, "scope") ?? "/";
            var name = JsonUtil.Str(a, "name")!;
            return new JsonObject
            {
                ["id"] = (scope == "/" ? "" : scope) + Providers + "roleAssignments/" + name,
                ["name"] = name,
                ["type"] = "Microsoft.Authorization/roleAssignments",
                ["properties"] = new JsonObject
                {
                    ["scope"] = scope,
                    ["roleDefinitionId"] = ManagedHsmLocalRbac.RoleOf(a).DefinitionId,
                    ["principalId"] = JsonUtil.Str(a, "principalId"),
                },
            };
        }

        private static JsonObject Definition(ManagedHsmLocalRbac.Role role) => new()
        {
            ["id"] = role.DefinitionId,
            ["name"] = role.Id,
            ["type"] = "Microsoft.Authorization/roleDefinitions",
            ["properties"] = new JsonObject
            {
                ["roleName"] = role.Name,
                ["description"] = "",
                ["type"] = "AKVBuiltInRole",
                ["permissions"] = new JsonArray(new JsonObject
                {
                    ["actions"] = new JsonArray(),
                    ["notActions"] = new JsonArray(),
                    ["dataActions"] = new JsonArray(role.DataActions.Select(d => (JsonNode)("Microsoft.KeyVault/managedHsm/" + d)).ToArray()),
                    ["notDataActions"] = new JsonArray(),
                }),
                ["assignableScopes"] = new JsonArray("/"),
            },
        };

        private Caller Authenticate(HttpContext ctx)
        {
            var header = ctx.Request.Headers.Authorization.FirstOrDefault();
            try
            {
                if (header == null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                    throw Error(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
                var caller = _world.Tokens.Validate(header.Substring(7).Trim());
                if (!caller.TenantId.Equals(_world.TenantId, StringComparison.OrdinalIgnoreCase))
                    throw Error(401, "Unauthorized", $"AKV10032: Invalid issuer. Expected tenant {_world.TenantId}, found {caller.TenantId}.");
                return caller;
            }
            catch (ArmException e) when (e.Status == 401)
            {
                // Key Vault's challenge names the authority and the resource to ask a token for.
                ctx.Response.Headers["WWW-Authenticate"] =
                    $"Bearer authorization=\"{_world.BaseUrl}/{_world.TenantId}\", resource=\"https://{_world.Store.Cloud.ManagedHsmDnsSuffix}\"";
                throw Error(401, "Unauthorized", e.Message);
            }
        }

        private static void Authorize(JsonObject hsm, Caller caller, string scope, string dataAction)
        {
            if (!ManagedHsmLocalRbac.Holds(hsm, caller.ObjectId, scope, dataAction))
                throw new ArmException(403, "Forbidden",
                    $"Operation not allowed. Caller {caller.ObjectId} is not authorized to perform action {dataAction} over scope '{scope}'.",
                    new[] { ("ForbiddenByRbac", "The caller holds no local role with this data action at or above the scope.", (string?)null) });
        }

        private static ArmException Error(int status, string code, string message) => new(status, code, message);
    }
}
