using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// A Managed HSM's local RBAC, as "Local RBAC built-in roles for Managed HSM"
    /// (https://learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles) and "Managed HSM access control"
    /// describe it: role assignments live in the HSM's own data plane (not in Azure RBAC, and an HSM has no access
    /// policies), at scope "/" (the whole HSM), "/keys" or "/keys/{name}", and grant data actions prefixed
    /// Microsoft.KeyVault/managedHsm. Only the key-use data actions of the roles that carry them are modelled.
    /// </summary>
    internal static class ManagedHsmLocalRbac
    {
        private const string Prefix = "Microsoft.KeyVault/managedHsm/keys/";

        private sealed record Role(string Name, string Id, string[] DataActions);

        private static readonly Role[] Roles =
        {
            new("Managed HSM Crypto User", "21dbd100-6940-42c2-9190-5d6cb909625b",
                new[] { "read/action", "wrap/action", "unwrap/action", "encrypt/action", "decrypt/action", "sign/action", "verify/action", "write/action", "create" }),
            new("Managed HSM Crypto Service Encryption User", "33413926-3206-4cdd-b39a-83574fe37a17",
                new[] { "read/action", "wrap/action", "unwrap/action" }),
            new("Managed HSM Crypto Auditor", "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3", new[] { "read/action" }),
        };

        /// <summary>What a service needs to wrap with an HSM key (the key-use actions of Crypto Service Encryption User).</summary>
        public static readonly string[] WrapDataActions = { Prefix + "read/action", Prefix + "wrap/action", Prefix + "unwrap/action" };

        public static JsonObject Assignment(string principalId, string role, string scope)
        {
            var r = Roles.FirstOrDefault(x => x.Name.Equals(role, StringComparison.OrdinalIgnoreCase) || x.Id.Equals(role, StringComparison.OrdinalIgnoreCase))
                    ?? throw new System.IO.InvalidDataException($"Scenario Managed HSM role '{role}' is not one of {string.Join(", ", Roles.Select(x => x.Name))}.");
            if (scope != "/" && scope != "/keys" && !scope.StartsWith("/keys/", StringComparison.Ordinal))
                throw new System.IO.InvalidDataException($"Scenario Managed HSM role assignment scope '{scope}' is not '/', '/keys' or '/keys/{{name}}'.");
            return new JsonObject { ["principalId"] = principalId, ["roleDefinitionId"] = r.Id, ["roleName"] = r.Name, ["scope"] = scope };
        }

        /// <summary>Whether the principal holds every data action on the key through the HSM's local role assignments.</summary>
        public static bool Allows(JsonObject hsm, string principalId, string keyName, IEnumerable<string> dataActions)
        {
            var granted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var assignments = hsm[ResourceStore.HiddenProperty]?["localRoleAssignments"] as JsonArray ?? new JsonArray();
            foreach (var a in assignments.OfType<JsonObject>())
            {
                if (!string.Equals(JsonUtil.Str(a, "principalId"), principalId, StringComparison.OrdinalIgnoreCase)) continue;
                var scope = JsonUtil.Str(a, "scope") ?? "/";
                if (scope != "/" && scope != "/keys" && !scope.Equals("/keys/" + keyName, StringComparison.OrdinalIgnoreCase)) continue;
                var role = Roles.First(r => r.Id == JsonUtil.Str(a, "roleDefinitionId"));
                foreach (var action in role.DataActions) granted.Add(Prefix + action);
            }
            return dataActions.All(granted.Contains);
        }
    }
}
