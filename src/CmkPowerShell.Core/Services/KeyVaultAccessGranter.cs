using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Services
{
    /// <summary>Which permission model a grant uses: the vault's own (Auto), or an explicit one that must match it.</summary>
    public enum CmkGrantMode { Auto, AccessPolicy, Rbac }

    /// <summary>What a resource's identity needs on a key: the permissions, and the custom role to use where no built-in role fits.</summary>
    public sealed record KeyGrantRequirement(KeyAccessRequirement Access, string? CustomRoleName)
    {
        public static KeyGrantRequirement For(CmkServiceAdapter adapter)
            => new KeyGrantRequirement(adapter.Requirements.Access, adapter.CustomRoleName);
    }

    /// <summary>The output of Grant-AzCmkKeyVaultAccess: who can now use which key, through what, and whether this call changed it.</summary>
    public sealed class CmkAccessGrant
    {
        public CmkAccessGrant(string principalId, KeyIdentifier key, KeyVaultResource vault, bool changed, string grantedBy, IReadOnlyList<string> permissions)
        {
            PrincipalId = principalId;
            KeyUri = key.Uri;
            KeyVault = vault.Name;
            KeyVaultId = vault.Id;
            PermissionModel = vault.PermissionModel.ToString();
            Changed = changed;
            GrantedBy = grantedBy;
            Permissions = permissions.ToArray();
        }

        public string PrincipalId { get; }
        public string KeyUri { get; }
        public string KeyVault { get; }
        public string KeyVaultId { get; }
        /// <summary>AccessPolicy, Rbac or ManagedHsmLocalRbac: the model the vault uses, and so the one the grant was made in.</summary>
        public string PermissionModel { get; }
        /// <summary>False when the identity already had the access (nothing was written) or under -WhatIf.</summary>
        public bool Changed { get; }
        /// <summary>The access policy or role assignment(s) that give the access.</summary>
        public string GrantedBy { get; }
        /// <summary>Key permissions (access policy) or data actions (RBAC, Managed HSM local RBAC) the service needs.</summary>
        public string[] Permissions { get; }
    }

    /// <summary>Tuning of the wait for a new grant to become visible (tests shorten it).</summary>
    public sealed record CmkGrantOptions
    {
        public int VisibilityAttempts { get; init; } = 12;
        public TimeSpan VisibilityInterval { get; init; } = TimeSpan.FromSeconds(5);
    }

    /// <summary>
    /// Least-privilege key access for a managed identity, idempotent: on an access-policy vault a policy with exactly the
    /// service's key permissions, added through accessPolicies/add (which merges into an existing policy and never removes a
    /// permission); on an RBAC vault a role assignment scoped to the key, with a deterministic name. Nothing is written when
    /// the identity already has the access, and after a write it waits (bounded) until the access evaluates as granted.
    /// </summary>
    public sealed class KeyVaultAccessGranter
    {
        /// <summary>Key Vault Crypto Service Encryption User: keys/read + wrap + unwrap (azure-specs/builtin-roles.json).</summary>
        public const string CryptoServiceEncryptionUserRoleId = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

        private readonly IAzureResources _azure;
        private readonly ICmkHost _host;
        private readonly CmkGrantOptions _options;

        public KeyVaultAccessGranter(IAzureResources azure, ICmkHost host, CmkGrantOptions? options = null)
        {
            _azure = azure ?? throw new ArgumentNullException(nameof(azure));
            _host = host ?? throw new ArgumentNullException(nameof(host));
            _options = options ?? new CmkGrantOptions();
        }

        /// <summary>
        /// Grants <paramref name="principalId"/> what <paramref name="requirement"/> asks on <paramref name="key"/>.
        /// With <paramref name="confirm"/> it asks ShouldProcess first (Grant-AzCmkKeyVaultAccess); Set-AzCmkEncryption has
        /// already asked for the whole change and passes false.
        /// </summary>
        public async Task<CmkAccessGrant> GrantAsync(KeyIdentifier key, string principalId, KeyGrantRequirement requirement, CmkGrantMode mode,
            bool confirm, CancellationToken cancellationToken)
        {
            if (key is null) throw new ArgumentNullException(nameof(key));
            if (!Guid.TryParse(principalId, out _))
                throw KeyVaultInputErrors.InvalidResourceId(principalId, "a principal id is a GUID (the identity's object id).");
            var reader = new KeyVaultReader(_azure);
            var vault = await reader.FindVaultAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw CmkErrors.Create("KeyVaultNotFound", key.Uri, $"Key vault '{key.VaultName}' is not visible in subscription {_azure.SubscriptionId}.");
            var model = vault.PermissionModel;
            var hsm = model == KeyVaultPermissionModel.ManagedHsmLocalRbac;
            if (hsm && !(_azure is IManagedHsmDataPlane))
                throw CmkErrors.Create("ManagedHsmGrantNotSupported", key.Uri);
            // A Managed HSM's local RBAC is role-based: -Mode Rbac fits it, access policies do not exist there.
            if ((mode == CmkGrantMode.AccessPolicy && model != KeyVaultPermissionModel.AccessPolicy)
                || (mode == CmkGrantMode.Rbac && model == KeyVaultPermissionModel.AccessPolicy))
            {
                throw CmkErrors.Create("KeyVaultPermissionModelMismatch", vault.Id,
                    $"-Mode {mode} was asked for, but vault '{vault.Name}' uses {(model == KeyVaultPermissionModel.Rbac ? "Azure RBAC" : "access policies")}.");
            }

            var access = requirement.Access;
            var permissions = access.PermissionsFor(model);
            var before = await EvaluateAsync(reader, vault, key.Name, principalId, access, cancellationToken).ConfigureAwait(false);
            if (before.Granted)
            {
                _host.WriteVerbose($"Identity {principalId} already has {string.Join(", ", permissions)} on {key.VersionlessUri} through {string.Join("; ", before.GrantedBy)}.");
                return new CmkAccessGrant(principalId, key, vault, false, string.Join("; ", before.GrantedBy), permissions);
            }

            var what = model == KeyVaultPermissionModel.AccessPolicy
                ? $"Add key permissions {string.Join(", ", access.KeyPermissions)} for identity {principalId} to the access policies"
                : $"Grant identity {principalId} a {(hsm ? "Managed HSM local role" : "role")} with {string.Join(", ", permissions)} on key '{key.Name}'";
            if (confirm && !_host.ShouldProcess(vault.Id + "/keys/" + key.Name, what))
                return new CmkAccessGrant(principalId, key, vault, false, "(not granted: -WhatIf or declined)", permissions);

            var grantedBy = model switch
            {
                KeyVaultPermissionModel.Rbac => await AssignRoleAsync(reader, vault, key, principalId, requirement, cancellationToken).ConfigureAwait(false),
                KeyVaultPermissionModel.ManagedHsmLocalRbac => await AssignManagedHsmRoleAsync(reader, vault, key, principalId, access, cancellationToken).ConfigureAwait(false),
                _ => await AddAccessPolicyAsync(vault, principalId, access, cancellationToken).ConfigureAwait(false),
            };
            await WaitUntilVisibleAsync(vault, key, principalId, access, cancellationToken).ConfigureAwait(false);
            return new CmkAccessGrant(principalId, key, vault, true, grantedBy, permissions);
        }

        /// <summary>
        /// The principal's access to a key in the model the vault uses, read through <paramref name="reader"/> (a fresh reader
        /// sees changes; the requirement engine's run reader shares its cache).
        /// </summary>
        public static async Task<KeyAccessEvaluation> EvaluateAsync(KeyVaultReader reader, KeyVaultResource vault, string keyName, string principalId,
            KeyAccessRequirement requirement, CancellationToken cancellationToken)
        {
            if (vault.PermissionModel == KeyVaultPermissionModel.AccessPolicy)
                return KeyVaultAccessEvaluator.EvaluateAccessPolicies(vault, principalId, requirement);
            if (vault.PermissionModel == KeyVaultPermissionModel.ManagedHsmLocalRbac)
                return await EvaluateManagedHsmAsync(reader, vault, keyName, principalId, requirement, cancellationToken).ConfigureAwait(false)
                       ?? throw new InvalidOperationException("This connection has no Managed HSM data plane to read local role assignments from.");
            var assignments = await reader.GetRoleAssignmentsAsync(vault.Id, principalId, cancellationToken).ConfigureAwait(false);
            var keyScope = vault.Id + "/keys/" + keyName;
            var definitions = new Dictionary<string, RoleDefinition?>(StringComparer.OrdinalIgnoreCase);
            foreach (var definitionId in assignments.Where(a => a.RoleDefinitionId != null && ArmScopes.AppliesTo(a.Scope, keyScope))
                         .Select(a => a.RoleDefinitionId!).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                definitions[definitionId] = await reader.GetRoleDefinitionAsync(definitionId, cancellationToken).ConfigureAwait(false);
            }
            return KeyVaultAccessEvaluator.EvaluateRbac(keyScope, principalId, assignments,
                d => definitions.TryGetValue(d, out var def) ? def : null, requirement);
        }

        /// <summary>
        /// A Managed HSM key: the principal's local role assignments at "/", "/keys" or "/keys/{name}" and their role
        /// definitions, read from the HSM's data plane, against the requirement's Managed HSM data actions. Null when the
        /// connection cannot reach a data plane.
        /// </summary>
        private static async Task<KeyAccessEvaluation?> EvaluateManagedHsmAsync(KeyVaultReader reader, KeyVaultResource hsm, string keyName, string principalId,
            KeyAccessRequirement requirement, CancellationToken cancellationToken)
        {
            var host = ManagedHsmHost(hsm, reader.Azure.Cloud);
            var assignments = await reader.GetManagedHsmRoleAssignmentsAsync(host, principalId, cancellationToken).ConfigureAwait(false);
            if (assignments == null) return null;
            var definitions = await reader.GetManagedHsmRoleDefinitionsAsync(host, cancellationToken).ConfigureAwait(false) ?? Array.Empty<RoleDefinition>();
            // Assignments name their role by id ("Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
            // which the list returns as each definition's id; the trailing name is compared too, as ids differ in their prefix.
            RoleDefinition? Find(string id) => definitions.FirstOrDefault(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase))
                                               ?? definitions.FirstOrDefault(d => string.Equals(LastSegment(d.Id), LastSegment(id), StringComparison.OrdinalIgnoreCase));
            var evaluation = KeyVaultAccessEvaluator.EvaluateRbac(KeyVaultReader.ManagedHsmKeysScope + "/" + keyName, principalId, assignments,
                Find, requirement.ForManagedHsm());
            return evaluation with { Model = KeyVaultPermissionModel.ManagedHsmLocalRbac };
        }

        private static string ManagedHsmHost(KeyVaultResource hsm, AzureCloud cloud)
            => Uri.TryCreate(hsm.VaultUri, UriKind.Absolute, out var hsmUri) ? hsmUri.Host : hsm.Name + "." + cloud.ManagedHsmSuffix;

        /// <summary>Managed HSM Crypto Service Encryption User: keys read + wrap + unwrap (Managed HSM local RBAC built-in roles).</summary>
        public const string ManagedHsmCryptoServiceEncryptionUserRoleId = "33413926-3206-4cdd-b39a-83574fe37a17";
        /// <summary>Managed HSM Crypto User: every key-use action, encrypt and decrypt included.</summary>
        public const string ManagedHsmCryptoUserRoleId = "21dbd100-6940-42c2-9190-5d6cb909625b";

        /// <summary>
        /// A local role assignment at "/keys/{name}" (RoleAssignments_Create, rbac.json 7.5) under a deterministic name:
        /// Managed HSM Crypto Service Encryption User when its data actions suffice (wrap/unwrap services), else Managed HSM
        /// Crypto User (encrypt/decrypt, NetApp Files), the narrowest built-in roles that fit
        /// (https://learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles).
        /// </summary>
        private async Task<string> AssignManagedHsmRoleAsync(KeyVaultReader reader, KeyVaultResource hsm, KeyIdentifier key, string principalId,
            KeyAccessRequirement access, CancellationToken ct)
        {
            var host = ManagedHsmHost(hsm, _azure.Cloud);
            var need = access.ForManagedHsm().DataActions;
            var definitions = await reader.GetManagedHsmRoleDefinitionsAsync(host, ct).ConfigureAwait(false) ?? Array.Empty<RoleDefinition>();
            var role = new[] { ManagedHsmCryptoServiceEncryptionUserRoleId, ManagedHsmCryptoUserRoleId }
                .Select(id => definitions.FirstOrDefault(d => string.Equals(LastSegment(d.Id), id, StringComparison.OrdinalIgnoreCase)))
                .FirstOrDefault(d => d != null && need.All(a => KeyVaultAccessEvaluator.Grants(d, a)))
                ?? throw CmkErrors.Create("ManagedHsmGrantNotSupported", key.Uri,
                    $"Managed HSM '{hsm.Name}' lists no built-in role granting {string.Join(", ", need)}.");
            var scope = KeyVaultReader.ManagedHsmKeysScope + "/" + key.Name;
            var name = DeterministicGuid(host.ToLowerInvariant() + scope.ToLowerInvariant() + "|" + principalId.ToLowerInvariant() + "|" + LastSegment(role.Id).ToLowerInvariant());
            var body = new JsonObject { ["properties"] = new JsonObject { ["roleDefinitionId"] = role.Id, ["principalId"] = principalId } };
            _host.WriteVerbose($"Assigning Managed HSM local role '{role.RoleName}' to {principalId} at {scope} on {host}.");
            await ((IManagedHsmDataPlane)_azure).PutManagedHsmAsync(host, $"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", body, ct).ConfigureAwait(false);
            return $"{role.RoleName ?? role.Id} at {scope}";
        }

        private static string LastSegment(string? id) => id == null ? string.Empty : id.Substring(id.TrimEnd('/').LastIndexOf('/') + 1);

        private async Task<string> AddAccessPolicyAsync(KeyVaultResource vault, string principalId, KeyAccessRequirement access, CancellationToken ct)
        {
            var keys = new JsonArray();
            foreach (var permission in access.KeyPermissions) keys.Add(permission);
            var body = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["accessPolicies"] = new JsonArray
                    {
                        new JsonObject
                        {
                            ["tenantId"] = vault.TenantId ?? _azure.TenantId,
                            ["objectId"] = principalId,
                            ["permissions"] = new JsonObject { ["keys"] = keys },
                        },
                    },
                },
            };
            _host.WriteVerbose($"Adding key permissions {string.Join(", ", access.KeyPermissions)} for {principalId} on vault '{vault.Name}'.");
            // "add" merges into the principal's existing policy: other permissions it holds stay.
            await _azure.SendAsync(System.Net.Http.HttpMethod.Put, vault.Id + "/accessPolicies/add", body, ct).ConfigureAwait(false);
            return $"access policy for {principalId} (+{string.Join(", ", access.KeyPermissions)})";
        }

        private async Task<string> AssignRoleAsync(KeyVaultReader reader, KeyVaultResource vault, KeyIdentifier key, string principalId,
            KeyGrantRequirement requirement, CancellationToken ct)
        {
            var roleDefinitionId = await ChooseRoleAsync(reader, vault, requirement, ct).ConfigureAwait(false);
            var scope = vault.Id + "/keys/" + key.Name;
            var name = DeterministicGuid(scope.ToLowerInvariant() + "|" + principalId.ToLowerInvariant() + "|" + roleDefinitionId.ToLowerInvariant());
            var body = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["roleDefinitionId"] = roleDefinitionId,
                    ["principalId"] = principalId,
                    // Managed identities are service principals; saying so spares ARM a directory lookup that can lag behind a new identity.
                    ["principalType"] = "ServicePrincipal",
                },
            };
            _host.WriteVerbose($"Assigning role {roleDefinitionId} to {principalId} at {scope}.");
            try
            {
                await _azure.SendAsync(System.Net.Http.HttpMethod.Put, $"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", body, ct).ConfigureAwait(false);
            }
            catch (CmkException ex) when (string.Equals(ex.ServiceCode, "RoleAssignmentExists", StringComparison.OrdinalIgnoreCase))
            {
                // The same role at the same scope under another name: the access is there, which is all that matters.
            }
            return $"role {roleDefinitionId.Substring(roleDefinitionId.LastIndexOf('/') + 1)} at {scope}";
        }

        /// <summary>
        /// Key Vault Crypto Service Encryption User when it grants every data action needed (wrap/unwrap services); else a
        /// custom role with exactly the needed data actions at the vault's resource group (NetApp's encrypt/decrypt), created
        /// once under a deterministic name. Key Vault Crypto User would also cover NetApp but adds sign, verify, update and more.
        /// </summary>
        private async Task<string> ChooseRoleAsync(KeyVaultReader reader, KeyVaultResource vault, KeyGrantRequirement requirement, CancellationToken ct)
        {
            var builtInId = $"/subscriptions/{_azure.SubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{CryptoServiceEncryptionUserRoleId}";
            var builtIn = await reader.GetRoleDefinitionAsync(builtInId, ct).ConfigureAwait(false);
            if (builtIn != null && requirement.Access.DataActions.All(a => KeyVaultAccessEvaluator.Grants(builtIn, a))) return builtInId;

            var roleName = requirement.CustomRoleName ?? "CmkPowerShell Key Encryption";
            var rgScope = vault.Id.Substring(0, vault.Id.IndexOf("/providers/", StringComparison.OrdinalIgnoreCase));
            var roleGuid = DeterministicGuid(rgScope.ToLowerInvariant() + "|" + roleName);
            var definitionPath = $"{rgScope}/providers/Microsoft.Authorization/roleDefinitions/{roleGuid}";
            var roleDefinitionId = $"/subscriptions/{_azure.SubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{roleGuid}";
            var existing = await _azure.GetAsync(definitionPath, ct).ConfigureAwait(false);
            if (existing != null && requirement.Access.DataActions.All(a => KeyVaultAccessEvaluator.Grants(RoleDefinition.FromJson(existing), a)))
                return roleDefinitionId;

            var dataActions = new JsonArray();
            foreach (var action in requirement.Access.DataActions) dataActions.Add(action);
            var body = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["roleName"] = roleName,
                    ["description"] = "Created by CmkPowerShell: read a key and use it to encrypt and decrypt, nothing else.",
                    ["type"] = "CustomRole",
                    ["permissions"] = new JsonArray
                    {
                        new JsonObject
                        {
                            ["actions"] = new JsonArray(),
                            ["notActions"] = new JsonArray(),
                            ["dataActions"] = dataActions,
                            ["notDataActions"] = new JsonArray(),
                        },
                    },
                    ["assignableScopes"] = new JsonArray { rgScope },
                },
            };
            _host.WriteVerbose($"Creating custom role '{roleName}' ({string.Join(", ", requirement.Access.DataActions)}) at {rgScope}.");
            await _azure.SendAsync(System.Net.Http.HttpMethod.Put, definitionPath, body, ct).ConfigureAwait(false);
            return roleDefinitionId;
        }

        private async Task WaitUntilVisibleAsync(KeyVaultResource vault, KeyIdentifier key, string principalId, KeyAccessRequirement access, CancellationToken ct)
        {
            for (var attempt = 1; attempt <= _options.VisibilityAttempts; attempt++)
            {
                // A fresh reader each time: the run cache would keep answering with the state before the grant.
                var reader = new KeyVaultReader(_azure);
                var current = vault.PermissionModel == KeyVaultPermissionModel.AccessPolicy
                    ? await reader.GetVaultAsync(vault.Id, ct).ConfigureAwait(false) ?? vault
                    : vault;
                var evaluation = await EvaluateAsync(reader, current, key.Name, principalId, access, ct).ConfigureAwait(false);
                if (evaluation.Granted) return;
                _host.WriteVerbose($"The grant for {principalId} is not visible yet (attempt {attempt} of {_options.VisibilityAttempts}).");
                if (attempt < _options.VisibilityAttempts) await Task.Delay(_options.VisibilityInterval, ct).ConfigureAwait(false);
            }
            throw CmkErrors.Create("KeyVaultGrantNotVisible", key.Uri,
                $"Identity {principalId} still lacks access after {_options.VisibilityAttempts} checks.");
        }

        /// <summary>A name-based GUID (RFC 4122 version 5 layout over SHA-1): the same inputs always give the same name.</summary>
        internal static string DeterministicGuid(string name)
        {
            byte[] hash;
            using (var sha1 = SHA1.Create()) hash = sha1.ComputeHash(Encoding.UTF8.GetBytes("CmkPowerShell|" + name));
            var bytes = new byte[16];
            Array.Copy(hash, bytes, 16);
            bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            var hex = BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant();
            return $"{hex.Substring(0, 8)}-{hex.Substring(8, 4)}-{hex.Substring(12, 4)}-{hex.Substring(16, 4)}-{hex.Substring(20, 12)}";
        }
    }
}
