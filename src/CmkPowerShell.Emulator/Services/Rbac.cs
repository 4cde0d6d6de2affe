using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Azure RBAC over the store: role assignments inherit down the scope tree (subscription > resource group > resource >
    /// child), a permission block allows an action when an action pattern matches and no notAction pattern does.
    /// </summary>
    internal sealed class Rbac
    {
        public const string AssignmentType = "Microsoft.Authorization/roleAssignments";
        public const string DefinitionType = "Microsoft.Authorization/roleDefinitions";

        private readonly ResourceStore _store;

        public Rbac(ResourceStore store) => _store = store;

        public IReadOnlyList<JsonObject> AllAssignments() =>
            _store.Where((id, o) => string.Equals(o["type"]?.GetValue<string>(), AssignmentType, StringComparison.OrdinalIgnoreCase));

        /// <summary>Assignments whose scope is at or above <paramref name="scope"/> (what applies there).</summary>
        public IEnumerable<JsonObject> AssignmentsApplyingTo(string scope, string? principalId = null) =>
            AllAssignments().Where(a =>
                ArmId.IsAtOrAbove(a["properties"]?["scope"]?.GetValue<string>() ?? "/", scope) &&
                (principalId == null || string.Equals(a["properties"]?["principalId"]?.GetValue<string>(), principalId, StringComparison.OrdinalIgnoreCase)));

        /// <summary>Finds a role definition by its GUID name or full id, at whatever scope it was stored.</summary>
        public JsonObject? Definition(string idOrName)
        {
            var guid = idOrName.TrimEnd('/').Split('/').Last();
            return _store.Where((id, o) =>
                    string.Equals(o["type"]?.GetValue<string>(), DefinitionType, StringComparison.OrdinalIgnoreCase) &&
                    string.Equals(o["name"]?.GetValue<string>(), guid, StringComparison.OrdinalIgnoreCase))
                .FirstOrDefault();
        }

        public JsonObject? DefinitionByRoleName(string roleName) =>
            _store.Where((id, o) =>
                    string.Equals(o["type"]?.GetValue<string>(), DefinitionType, StringComparison.OrdinalIgnoreCase) &&
                    string.Equals(o["properties"]?["roleName"]?.GetValue<string>(), roleName, StringComparison.OrdinalIgnoreCase))
                .FirstOrDefault();

        public bool HasAction(string principalId, string action, string scope) => Allows(principalId, scope, action, data: false);

        public bool HasDataAction(string principalId, string dataAction, string scope) => Allows(principalId, scope, dataAction, data: true);

        private bool Allows(string principalId, string scope, string action, bool data)
        {
            foreach (var assignment in AssignmentsApplyingTo(scope, principalId))
            {
                var def = Definition(assignment["properties"]?["roleDefinitionId"]?.GetValue<string>() ?? "");
                if (def?["properties"]?["permissions"] is not JsonArray permissions) continue;
                foreach (var block in permissions.OfType<JsonObject>())
                {
                    var allow = Strings(block[data ? "dataActions" : "actions"]);
                    var deny = Strings(block[data ? "notDataActions" : "notActions"]);
                    if (allow.Any(p => Matches(p, action)) && !deny.Any(p => Matches(p, action))) return true;
                }
            }
            return false;
        }

        private static IEnumerable<string> Strings(JsonNode? node) =>
            node is JsonArray a ? a.Select(x => x?.GetValue<string>()).Where(s => s != null).Select(s => s!) : Enumerable.Empty<string>();

        /// <summary>Azure action patterns: case-insensitive, '*' anywhere matches any run of characters.</summary>
        public static bool Matches(string pattern, string action)
        {
            var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*") + "$";
            return Regex.IsMatch(action, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }
    }
}
