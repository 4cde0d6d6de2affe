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
    /// Microsoft.KeyVault/managedHsm. Modelled: the key-use data actions and the reading of role assignments and role
    /// definitions (the page's "Allowed operations" table); the HSM's initial administrators hold Managed HSM
    /// Administrator at "/".
    /// </summary>
    internal static class ManagedHsmLocalRbac
    {
        private const string Prefix = "Microsoft.KeyVault/managedHsm/";
        public const string ReadRoleAssignments = Prefix + "roleAssignments/read/action";
        public const string ReadRoleDefinitions = Prefix + "roleDefinitions/read/action";
        public const string WriteRoleAssignments = Prefix + "roleAssignments/write/action";
        public const string AdministratorRole = "Managed HSM Administrator";

        internal sealed record Role(string Name, string Id, string[] DataActions)
        {
            /// <summary>"Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/{id}", as the HSM names its built-in roles.</summary>
            public string DefinitionId => "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/" + Id;
        }

        private static readonly string[] ReadRbac = { "roleAssignments/read/action", "roleDefinitions/read/action" };

        internal static readonly Role[] Roles =
        {
            new(AdministratorRole, "a290e904-7015-4bba-90c8-60543313cdb4",
                new[] { "roleAssignments/read/action", "roleAssignments/write/action", "roleAssignments/delete/action", "roleDefinitions/read/action" }),
            new("Managed HSM Crypto Officer", "515eb02d-2335-4d2d-92f2-b1cbdf9c3778",
                new[] { "roleAssignments/read/action", "roleAssignments/write/action", "roleAssignments/delete/action", "roleDefinitions/read/action" }),
            new("Managed HSM Policy Administrator", "4bd23610-cdcf-4971-bdee-bdc562cc28e4",
                new[] { "roleAssignments/read/action", "roleAssignments/write/action", "roleAssignments/delete/action", "roleDefinitions/read/action" }),
            new("Managed HSM Crypto User", "21dbd100-6940-42c2-9190-5d6cb909625b",
                new[] { "keys/read/action", "keys/wrap/action", "keys/unwrap/action", "keys/encrypt/action", "keys/decrypt/action", "keys/sign/action",
                        "keys/verify/action", "keys/write/action", "keys/create" }.Concat(ReadRbac).ToArray()),
            new("Managed HSM Crypto Service Encryption User", "33413926-3206-4cdd-b39a-83574fe37a17",
                new[] { "keys/read/action", "keys/wrap/action", "keys/unwrap/action" }),
            new("Managed HSM Crypto Auditor", "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3", new[] { "keys/read/action" }.Concat(ReadRbac).ToArray()),
        };

        /// <summary>What a service needs to wrap with an HSM key (the key-use actions of Crypto Service Encryption User).</summary>
        public static readonly string[] WrapDataActions = { Prefix + "keys/read/action", Prefix + "keys/wrap/action", Prefix + "keys/unwrap/action" };

        public static JsonObject Assignment(string principalId, string role, string scope)
        {
            var r = Roles.FirstOrDefault(x => x.Name.Equals(role, StringComparison.OrdinalIgnoreCase) || x.Id.Equals(role, StringComparison.OrdinalIgnoreCase))
                    ?? throw new System.IO.InvalidDataException($"Scenario Managed HSM role '{role}' is not one of {string.Join(", ", Roles.Select(x => x.Name))}.");
            if (scope != "/" && scope != "/keys" && !scope.StartsWith("/keys/", StringComparison.Ordinal))
                throw new System.IO.InvalidDataException($"Scenario Managed HSM role assignment scope '{scope}' is not '/', '/keys' or '/keys/{{name}}'.");
            // The name is the assignment's own GUID, as RoleAssignments_Create takes it.
            return new JsonObject { ["name"] = Guid.NewGuid().ToString(), ["principalId"] = principalId, ["roleDefinitionId"] = r.Id, ["roleName"] = r.Name, ["scope"] = scope };
        }

        /// <summary>The HSM's local role assignments (hidden state), as the scenario or the initial administrators made them.</summary>
        public static IEnumerable<JsonObject> Assignments(JsonObject hsm)
            => (hsm[ResourceStore.HiddenProperty]?["localRoleAssignments"] as JsonArray ?? new JsonArray()).OfType<JsonObject>();

        /// <summary>Whether an assignment at <paramref name="assignmentScope"/> applies at <paramref name="scope"/> ("/" covers all, "/keys" its keys).</summary>
        public static bool Covers(string assignmentScope, string scope)
        {
            var a = assignmentScope.TrimEnd('/');
            var s = scope.TrimEnd('/');
            return a.Length == 0 || s.Equals(a, StringComparison.OrdinalIgnoreCase) || s.StartsWith(a + "/", StringComparison.OrdinalIgnoreCase);
        }

        public static Role RoleOf(JsonObject assignment) => Roles.First(r => r.Id == JsonUtil.Str(assignment, "roleDefinitionId"));

        /// <summary>Whether the principal holds the data action at the scope through an assignment at or above it.</summary>
        public static bool Holds(JsonObject hsm, string principalId, string scope, string dataAction)
            => Assignments(hsm).Any(a => string.Equals(JsonUtil.Str(a, "principalId"), principalId, StringComparison.OrdinalIgnoreCase)
                                        && Covers(JsonUtil.Str(a, "scope") ?? "/", scope)
                                        && RoleOf(a).DataActions.Any(d => string.Equals(Prefix + d, dataAction, StringComparison.OrdinalIgnoreCase)));

        /// <summary>Whether the principal holds every data action on the key through the HSM's local role assignments.</summary>
        public static bool Allows(JsonObject hsm, string principalId, string keyName, IEnumerable<string> dataActions)
        {
            var granted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var a in Assignments(hsm))
            {
                if (!string.Equals(JsonUtil.Str(a, "principalId"), principalId, StringComparison.OrdinalIgnoreCase)) continue;
                if (!Covers(JsonUtil.Str(a, "scope") ?? "/", "/keys/" + keyName)) continue;
                foreach (var action in RoleOf(a).DataActions) granted.Add(Prefix + action);
            }
            return dataActions.All(granted.Contains);
        }
    }
}
