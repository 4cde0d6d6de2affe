using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CmkPowerShell.Emulator
{
    /// <summary>Microsoft.Authorization roleAssignments and roleDefinitions at any scope.</summary>
    internal sealed class AuthorizationHandler : IProviderHandler
    {
        private readonly EmulatorWorld _world;

        public AuthorizationHandler(EmulatorWorld world) => _world = world;

        public static JsonObject NewAssignment(string name, string scope, string roleDefinitionId, string principalId, string principalType, string createdBy)
        {
            var now = EmulatorWorld.Now();
            return new JsonObject
            {
                ["name"] = name,
                ["type"] = Rbac.AssignmentType,
                ["properties"] = new JsonObject
                {
                    ["roleDefinitionId"] = roleDefinitionId,
                    ["principalId"] = principalId,
                    ["principalType"] = principalType,
                    ["scope"] = scope,
                    ["condition"] = null,
                    ["conditionVersion"] = null,
                    ["createdOn"] = now,
                    ["updatedOn"] = now,
                    ["createdBy"] = createdBy,
                    ["updatedBy"] = createdBy,
                    ["delegatedManagedIdentityResourceId"] = null,
                    ["description"] = null,
                },
            };
        }

        public ArmResult? Handle(ArmRequest r)
        {
            if (!string.Equals(r.Id.Namespace, "Microsoft.Authorization", StringComparison.OrdinalIgnoreCase) || r.Id.Segments.Count != 1) return null;
            var type = r.Id.Segments[0].Type;
            var name = r.Id.Segments[0].Name;
            var scope = r.Id.ProviderScope;
            if (type.Equals("roleAssignments", StringComparison.OrdinalIgnoreCase))
                return name == null ? (r.IsGet ? ListAssignments(r, scope) : null) : Assignment(r, scope, name);
            if (type.Equals("roleDefinitions", StringComparison.OrdinalIgnoreCase))
                return name == null ? (r.IsGet ? ListDefinitions(r, scope) : null) : Definition(r, scope, name);
            return null;
        }

        private ArmResult ListAssignments(ArmRequest r, string scope)
        {
            var filter = r.Q("$filter")?.Trim();
            var all = _world.Rbac.AllAssignments();
            Func<JsonObject, bool> include;
            string? principal = null;
            bool atScope = false;
            if (!string.IsNullOrEmpty(filter))
            {
                foreach (var clause in Regex.Split(filter, @"\s+and\s+", RegexOptions.IgnoreCase))
                {
                    Match m;
                    if (clause.Trim().Equals("atScope()", StringComparison.OrdinalIgnoreCase)) atScope = true;
                    else if ((m = Regex.Match(clause.Trim(), @"^principalId\s+eq\s+'([^']+)'$", RegexOptions.IgnoreCase)).Success) principal = m.Groups[1].Value;
                    else if ((m = Regex.Match(clause.Trim(), @"^assignedTo\('([^']+)'\)$", RegexOptions.IgnoreCase)).Success) principal = m.Groups[1].Value;
                    else throw new ArmException(400, "UnsupportedQuery", $"The filter '{filter}' is not supported.");
                }
            }
            include = a =>
            {
                var s = a["properties"]?["scope"]?.GetValue<string>() ?? "/";
                bool inScope = ArmId.IsAtOrAbove(s, scope) || (!atScope && ArmId.IsAtOrAbove(scope, s));
                bool who = principal == null || string.Equals(a["properties"]?["principalId"]?.GetValue<string>(), principal, StringComparison.OrdinalIgnoreCase);
                return inScope && who;
            };
            return ArmResult.List(all.Where(include));
        }

        private ArmResult? Assignment(ArmRequest r, string scope, string name)
        {
            var id = r.Id.ItemPath;
            var existing = _world.Store.Get(id);
            if (r.IsGet)
                return ArmResult.Ok(ResourceStore.Present(existing ?? throw new ArmException(404, "RoleAssignmentNotFound", $"The role assignment '{name}' is not found.")));
            if (r.IsDelete)
            {
                if (existing == null) return new ArmResult(204);
                _world.Store.Remove(id);
                return ArmResult.Ok(ResourceStore.Present(existing));
            }
            if (!r.IsPut) return null;
            if (!Guid.TryParse(name, out _))
                throw new ArmException(400, "InvalidRoleAssignmentId", $"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.");
            var props = r.BodyObject["properties"] as JsonObject ?? throw ArmException.BadRequest("The request must contain 'properties'.", "InvalidRequestContent");
            var roleDefinitionId = JsonUtil.Str(props, "roleDefinitionId") ?? throw ArmException.BadRequest("'properties.roleDefinitionId' is required.", "InvalidRequestContent");
            var principalId = JsonUtil.Str(props, "principalId") ?? throw ArmException.BadRequest("'properties.principalId' is required.", "InvalidRequestContent");
            var definition = _world.Rbac.Definition(roleDefinitionId)
                             ?? throw new ArmException(400, "RoleDefinitionDoesNotExist", $"The specified role definition with ID '{roleDefinitionId.Split('/').Last()}' does not exist.");
            var duplicate = _world.Rbac.AllAssignments().FirstOrDefault(a =>
                !string.Equals(a["name"]?.GetValue<string>(), name, StringComparison.OrdinalIgnoreCase) &&
                string.Equals(a["properties"]?["principalId"]?.GetValue<string>(), principalId, StringComparison.OrdinalIgnoreCase) &&
                string.Equals(a["properties"]?["roleDefinitionId"]?.GetValue<string>().Split('/').Last(), definition["name"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase) &&
                string.Equals(ArmId.Normalize(a["properties"]?["scope"]?.GetValue<string>() ?? "/"), ArmId.Normalize(scope), StringComparison.OrdinalIgnoreCase));
            if (duplicate != null)
                throw new ArmException(409, "RoleAssignmentExists", "The role assignment already exists.");
            if (existing != null)
                throw new ArmException(409, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.");
            var assignment = NewAssignment(name, scope, roleDefinitionId, principalId, JsonUtil.Str(props, "principalType") ?? "User", r.Caller.ObjectId);
            var p = (JsonObject)assignment["properties"]!;
            if (JsonUtil.Str(props, "description") is { } description) p["description"] = description;
            if (JsonUtil.Str(props, "condition") is { } condition)
            {
                p["condition"] = condition;
                p["conditionVersion"] = JsonUtil.Str(props, "conditionVersion") ?? "2.0";
            }
            _world.Store.Put(id, assignment);
            return new ArmResult(201, ResourceStore.Present(_world.Store.Get(id)!));
        }

        private ArmResult ListDefinitions(ArmRequest r, string scope)
        {
            var filter = r.Q("$filter");
            string? roleName = null;
            if (!string.IsNullOrEmpty(filter))
            {
                var m = Regex.Match(filter, @"^roleName\s+eq\s+'([^']+)'$", RegexOptions.IgnoreCase);
                if (!m.Success) throw new ArmException(400, "UnsupportedQuery", $"The filter '{filter}' is not supported.");
                roleName = m.Groups[1].Value;
            }
            var defs = _world.Store.Where((id, o) =>
                string.Equals(o["type"]?.GetValue<string>(), Rbac.DefinitionType, StringComparison.OrdinalIgnoreCase) &&
                (roleName == null || string.Equals(o["properties"]?["roleName"]?.GetValue<string>(), roleName, StringComparison.OrdinalIgnoreCase)) &&
                Assignable(o, scope));
            return ArmResult.List(defs.Select(d => AtScope(d, scope)));
        }

        private static bool Assignable(JsonObject definition, string scope) =>
            (definition["properties"]?["assignableScopes"] as JsonArray ?? new JsonArray())
            .Select(s => s?.GetValue<string>() ?? "/")
            .Any(s => ArmId.IsAtOrAbove(s, scope) || ArmId.IsAtOrAbove(scope, s));

        /// <summary>ARM reports a role definition's id under the scope it was read at.</summary>
        private static JsonObject AtScope(JsonObject definition, string scope)
        {
            var copy = (JsonObject)definition.DeepClone();
            var prefix = scope == "/" ? "" : ArmId.Normalize(scope);
            copy["id"] = $"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{definition["name"]}";
            return copy;
        }

        private ArmResult? Definition(ArmRequest r, string scope, string name)
        {
            var existing = _world.Rbac.Definition(name);
            if (r.IsGet)
                return ArmResult.Ok(ResourceStore.Present(AtScope(existing ?? throw new ArmException(404, "RoleDefinitionDoesNotExist",
                    $"The specified role definition with ID '{name}' does not exist."), scope)));
            if (r.IsPut)
            {
                if (existing != null && existing["properties"]?["type"]?.GetValue<string>() == "BuiltInRole")
                    throw new ArmException(403, "AuthorizationFailed", "Built-in role definitions cannot be changed.");
                var props = (r.BodyObject["properties"] as JsonObject)?.DeepClone() as JsonObject ?? throw ArmException.BadRequest("'properties' is required.", "InvalidRequestContent");
                props["type"] = "CustomRole";
                props["assignableScopes"] ??= new JsonArray(scope);
                var def = new JsonObject { ["name"] = name, ["type"] = Rbac.DefinitionType, ["properties"] = props };
                var storeId = $"{(scope == "/" ? "" : ArmId.Normalize(scope))}/providers/Microsoft.Authorization/roleDefinitions/{name}";
                if (existing != null) _world.Store.Remove(existing["id"]!.GetValue<string>());
                _world.Store.Put(storeId, def);
                return new ArmResult(201, ResourceStore.Present(_world.Store.Get(storeId)!));
            }
            return null;
        }
    }
}
