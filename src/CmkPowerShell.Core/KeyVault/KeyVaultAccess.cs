using System;
using System.Collections.Generic;
using System.Linq;

namespace CmkPowerShell.Core.KeyVault
{
    /// <summary>What an identity must be allowed to do with a key, in both permission models.</summary>
    public sealed record KeyAccessRequirement(IReadOnlyList<string> KeyPermissions, IReadOnlyList<string> DataActions)
    {
        public const string ReadKey = "Microsoft.KeyVault/vaults/keys/read";
        public const string WrapKey = "Microsoft.KeyVault/vaults/keys/wrap/action";
        public const string UnwrapKey = "Microsoft.KeyVault/vaults/keys/unwrap/action";
        public const string Encrypt = "Microsoft.KeyVault/vaults/keys/encrypt/action";
        public const string Decrypt = "Microsoft.KeyVault/vaults/keys/decrypt/action";

        private const string VaultKeyActions = "Microsoft.KeyVault/vaults/keys/";
        private const string ManagedHsmKeyActions = "Microsoft.KeyVault/managedHsm/keys/";

        /// <summary>
        /// The same requirement in a Managed HSM's local RBAC, whose key data actions are prefixed
        /// Microsoft.KeyVault/managedHsm/keys/ and where reading a key is "read/action"
        /// (https://learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles; rbac.json 7.5 DataAction).
        /// </summary>
        public KeyAccessRequirement ForManagedHsm()
            => new KeyAccessRequirement(KeyPermissions, DataActions.Select(ManagedHsmAction).ToList());

        /// <summary>
        /// What a grant consists of under a vault's permission model: key permissions for access policies, data actions for
        /// Azure RBAC, Managed HSM data actions for an HSM's local RBAC.
        /// </summary>
        public IReadOnlyList<string> PermissionsFor(KeyVaultPermissionModel model) => model switch
        {
            KeyVaultPermissionModel.Rbac => DataActions,
            KeyVaultPermissionModel.ManagedHsmLocalRbac => ForManagedHsm().DataActions,
            _ => KeyPermissions,
        };

        private static string ManagedHsmAction(string vaultAction)
        {
            if (!vaultAction.StartsWith(VaultKeyActions, StringComparison.OrdinalIgnoreCase)) return vaultAction;
            var rest = vaultAction.Substring(VaultKeyActions.Length);
            return ManagedHsmKeyActions + (rest.EndsWith("/action", StringComparison.OrdinalIgnoreCase) ? rest : rest + "/action");
        }

        /// <summary>Get + WrapKey + UnwrapKey: Data Box, Data Explorer, Managed Cassandra, Batch.</summary>
        public static KeyAccessRequirement WrapUnwrap { get; } =
            new KeyAccessRequirement(new[] { "get", "wrapKey", "unwrapKey" }, new[] { ReadKey, WrapKey, UnwrapKey });

        /// <summary>Get + Encrypt + Decrypt: NetApp Files.</summary>
        public static KeyAccessRequirement EncryptDecrypt { get; } =
            new KeyAccessRequirement(new[] { "get", "encrypt", "decrypt" }, new[] { ReadKey, Encrypt, Decrypt });
    }

    /// <summary>The verdict on one identity's access to one key, with what is missing and what granted the rest.</summary>
    public sealed record KeyAccessEvaluation(KeyVaultPermissionModel Model, bool Granted, IReadOnlyList<string> Missing, IReadOnlyList<string> GrantedBy);

    /// <summary>
    /// Access evaluation for the two permission models of a key vault. Only the model the vault uses is
    /// evaluated: an RBAC vault ignores its access policies and an access-policy vault ignores role
    /// assignments' data actions. Deny assignments and ABAC conditions are not evaluated.
    /// </summary>
    public static class KeyVaultAccessEvaluator
    {
        /// <summary>The legacy access-policy permission that stands for every key permission.</summary>
        public const string AllKeyPermissions = "all";

        public static KeyAccessEvaluation EvaluateAccessPolicies(KeyVaultResource vault, string principalId, KeyAccessRequirement requirement)
        {
            // A policy with an applicationId is a compound identity (an app acting for a user): it does not
            // apply to the identity on its own.
            var policies = vault.AccessPolicies.Where(p =>
                string.Equals(p.ObjectId, principalId, StringComparison.OrdinalIgnoreCase)
                && p.ApplicationId is null
                && (p.TenantId is null || vault.TenantId is null || string.Equals(p.TenantId, vault.TenantId, StringComparison.OrdinalIgnoreCase)))
                .ToList();
            var held = new HashSet<string>(policies.SelectMany(p => p.KeyPermissions), StringComparer.OrdinalIgnoreCase);
            var missing = held.Contains(AllKeyPermissions)
                ? new List<string>()
                : requirement.KeyPermissions.Where(k => !held.Contains(k)).ToList();
            var grantedBy = policies.Count == 0 ? Array.Empty<string>() : new[] { $"access policy for {principalId}" };
            return new KeyAccessEvaluation(KeyVaultPermissionModel.AccessPolicy, missing.Count == 0, missing, grantedBy);
        }

        /// <summary>
        /// RBAC: the role assignments of the principal whose scope applies to the key (key, vault, resource
        /// group, subscription, management group) and whose role definition grants each data action.
        /// </summary>
        public static KeyAccessEvaluation EvaluateRbac(string keyScope, string principalId, IEnumerable<RoleAssignment> assignments,
            Func<string, RoleDefinition?> roleDefinition, KeyAccessRequirement requirement)
        {
            var applicable = assignments
                .Where(a => string.Equals(a.PrincipalId, principalId, StringComparison.OrdinalIgnoreCase)
                            && a.RoleDefinitionId != null && ArmScopes.AppliesTo(a.Scope, keyScope))
                .Select(a => (Assignment: a, Definition: roleDefinition(a.RoleDefinitionId!)))
                .Where(x => x.Definition != null)
                .ToList();
            var missing = new List<string>();
            var grantedBy = new List<string>();
            foreach (var action in requirement.DataActions)
            {
                var granting = applicable.FirstOrDefault(x => Grants(x.Definition!, action));
                if (granting.Definition == null) { missing.Add(action); continue; }
                var by = $"{granting.Definition.RoleName ?? granting.Definition.Id} at {granting.Assignment.Scope}";
                if (!grantedBy.Contains(by)) grantedBy.Add(by);
            }
            return new KeyAccessEvaluation(KeyVaultPermissionModel.Rbac, missing.Count == 0, missing, grantedBy);
        }

        /// <summary>
        /// Whether a role definition grants a data action: some permission block lists it in dataActions
        /// and the same block does not take it away in notDataActions (blocks do not subtract from each other).
        /// </summary>
        public static bool Grants(RoleDefinition definition, string dataAction)
            => definition.Permissions.Any(p => p.DataActions.Any(d => Matches(d, dataAction))
                                              && !p.NotDataActions.Any(n => Matches(n, dataAction)));

        /// <summary>
        /// Azure action pattern matching: case-insensitive, and "*" matches any run of characters,
        /// slashes included, anywhere in the pattern ("Microsoft.KeyVault/vaults/*/read", "*/read", "*").
        /// </summary>
        public static bool Matches(string pattern, string action)
        {
            if (pattern is null || action is null) return false;
            int p = 0, a = 0, star = -1, resume = 0;
            while (a < action.Length)
            {
                if (p < pattern.Length && pattern[p] == '*') { star = p++; resume = a; }
                else if (p < pattern.Length && char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(action[a])) { p++; a++; }
                else if (star >= 0) { p = star + 1; a = ++resume; }
                else return false;
            }
            while (p < pattern.Length && pattern[p] == '*') p++;
            return p == pattern.Length;
        }
    }
}
