using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.KeyVault
{
    /// <summary>
    /// Reads vaults, keys, identities, role assignments and private endpoints from the management plane,
    /// once per run: every read is cached as a Task under its path, so concurrent checks of 20 resources
    /// sharing one vault await the same request instead of issuing 20. Create one per run (per cmdlet
    /// invocation): the cache never expires.
    /// </summary>
    public sealed class KeyVaultReader
    {
        private readonly ConcurrentDictionary<string, Lazy<Task<JsonObject?>>> _gets = new(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<JsonObject>>>> _lists = new(StringComparer.OrdinalIgnoreCase);

        public KeyVaultReader(IAzureResources azure) { Azure = azure ?? throw new ArgumentNullException(nameof(azure)); }

        public IAzureResources Azure { get; }

        /// <summary>GET through the run cache; null when the resource does not exist.</summary>
        public Task<JsonObject?> GetAsync(string path, CancellationToken cancellationToken, string? extraQuery = null)
            => _gets.GetOrAdd(CacheKey(path, extraQuery),
                _ => new Lazy<Task<JsonObject?>>(() => Azure.GetAsync(path, cancellationToken, extraQuery))).Value;

        /// <summary>A list operation through the run cache.</summary>
        public Task<IReadOnlyList<JsonObject>> ListAsync(string path, CancellationToken cancellationToken, string? extraQuery = null)
            => _lists.GetOrAdd(CacheKey(path, extraQuery),
                _ => new Lazy<Task<IReadOnlyList<JsonObject>>>(() => Azure.ListAsync(path, cancellationToken, extraQuery))).Value;

        /// <summary>
        /// The vault (or Managed HSM) of a key identifier, found by name in the connected subscription
        /// through the generic resource list, then read by id. Null when no such vault is visible.
        /// </summary>
        public async Task<KeyVaultResource?> FindVaultAsync(KeyIdentifier key, CancellationToken cancellationToken)
        {
            // A vault of another cloud (or a host that is no vault) is not the same-named vault of this one.
            if (!key.IsInCloud(Azure.Cloud)) return null;
            var type = key.Kind == KeyVaultKind.ManagedHsm ? ArmScopes.ManagedHsmType : ArmScopes.KeyVaultType;
            var matches = await ListAsync($"/subscriptions/{Azure.SubscriptionId}/resources", cancellationToken,
                $"$filter=resourceType eq '{type}' and name eq '{key.VaultName}'").ConfigureAwait(false);
            var id = matches.Select(m => m.Str("id"))
                .FirstOrDefault(i => i != null && i.EndsWith("/" + key.VaultName, StringComparison.OrdinalIgnoreCase));
            return id == null ? null : await GetVaultAsync(id, cancellationToken).ConfigureAwait(false);
        }

        public async Task<KeyVaultResource?> GetVaultAsync(string vaultId, CancellationToken cancellationToken)
        {
            var json = await GetAsync(vaultId, cancellationToken).ConfigureAwait(false);
            return json == null ? null : KeyVaultResource.FromJson(json);
        }

        /// <summary>
        /// The key's current version (versionless), or the given version. A version body lacking the key type or
        /// operations (the list-versions example carries attributes only) is completed from the key.
        /// </summary>
        public async Task<KeyVaultKey?> GetKeyAsync(KeyVaultResource vault, string keyName, string? version, CancellationToken cancellationToken)
        {
            var keyPath = vault.Id + "/keys/" + keyName;
            if (version != null)
            {
                var versionJson = await GetAsync(keyPath + "/versions/" + version, cancellationToken).ConfigureAwait(false);
                if (versionJson == null) return null;
                var versionModel = KeyVaultKey.FromJson(versionJson);
                if (versionModel.Kty != null && versionModel.KeyOps.Count > 0) return versionModel;
                var key = await GetAsync(keyPath, cancellationToken).ConfigureAwait(false);
                return key == null ? versionModel : versionModel.WithFallback(KeyVaultKey.FromJson(key));
            }
            var keyJson = await GetAsync(keyPath, cancellationToken).ConfigureAwait(false);
            return keyJson == null ? null : KeyVaultKey.FromJson(keyJson);
        }

        /// <summary>
        /// The principal's role assignments at, above and below the vault (ListForScope with a principalId
        /// filter): one request per vault and principal serves every key of the vault.
        /// </summary>
        public async Task<IReadOnlyList<RoleAssignment>> GetRoleAssignmentsAsync(string vaultId, string principalId, CancellationToken cancellationToken)
        {
            var items = await ListAsync(vaultId + "/providers/Microsoft.Authorization/roleAssignments", cancellationToken,
                $"$filter=principalId eq '{principalId}'").ConfigureAwait(false);
            return items.Select(RoleAssignment.FromJson).ToList();
        }

        /// <summary>Reads each distinct role definition once (ids are full paths, read where they are).</summary>
        public async Task<RoleDefinition?> GetRoleDefinitionAsync(string roleDefinitionId, CancellationToken cancellationToken)
        {
            var json = await GetAsync(roleDefinitionId, cancellationToken).ConfigureAwait(false);
            return json == null ? null : RoleDefinition.FromJson(json);
        }

        /// <summary>
        /// The principal's local role assignments on a Managed HSM that apply to its keys: RoleAssignments_ListForScope at
        /// scope "/keys" with a principalId filter answers those at "/", "/keys" and below ("/keys/{name}") in one request
        /// per HSM and principal. Null when the connection has no Managed HSM data plane.
        /// </summary>
        public async Task<IReadOnlyList<RoleAssignment>?> GetManagedHsmRoleAssignmentsAsync(string hsmHost, string principalId, CancellationToken cancellationToken)
        {
            var items = await ListManagedHsmAsync(hsmHost, ManagedHsmKeysScope + "/providers/Microsoft.Authorization/roleAssignments",
                $"$filter=principalId eq '{principalId}'", cancellationToken).ConfigureAwait(false);
            return items?.Select(RoleAssignment.FromJson).ToList();
        }

        /// <summary>The role definitions applicable to a Managed HSM's keys (RoleDefinitions_List at "/keys"), read once per HSM.</summary>
        public async Task<IReadOnlyList<RoleDefinition>?> GetManagedHsmRoleDefinitionsAsync(string hsmHost, CancellationToken cancellationToken)
        {
            var items = await ListManagedHsmAsync(hsmHost, ManagedHsmKeysScope + "/providers/Microsoft.Authorization/roleDefinitions", null, cancellationToken).ConfigureAwait(false);
            return items?.Select(RoleDefinition.FromJson).ToList();
        }

        /// <summary>The Managed HSM scope of all keys ("/keys"); "/" is above it and "/keys/{name}" below.</summary>
        public const string ManagedHsmKeysScope = "/keys";

        private async Task<IReadOnlyList<JsonObject>?> ListManagedHsmAsync(string hsmHost, string path, string? query, CancellationToken cancellationToken)
        {
            if (!(Azure is IManagedHsmDataPlane dataPlane)) return null;
            return await _lists.GetOrAdd(CacheKey("https://" + hsmHost + path, query),
                _ => new Lazy<Task<IReadOnlyList<JsonObject>>>(() => dataPlane.ListManagedHsmAsync(hsmHost, path, query, cancellationToken))).Value.ConfigureAwait(false);
        }

        public async Task<UserAssignedIdentityResource?> GetUserAssignedIdentityAsync(string id, CancellationToken cancellationToken)
        {
            var json = await GetAsync(id, cancellationToken).ConfigureAwait(false);
            return json == null ? null : UserAssignedIdentityResource.FromJson(json);
        }

        public async Task<PrivateEndpointResource?> GetPrivateEndpointAsync(string id, CancellationToken cancellationToken)
        {
            var json = await GetAsync(id, cancellationToken).ConfigureAwait(false);
            return json == null ? null : PrivateEndpointResource.FromJson(json);
        }

        /// <summary>Whether a failure means "you may not read this" (403 AuthorizationFailed) rather than a fault.</summary>
        public static bool IsAuthorizationFailure(Exception exception)
            => exception is CmkException cmk
               && (cmk.Category == CmkErrorCategory.PermissionDenied
                   || string.Equals(cmk.ServiceCode, "AuthorizationFailed", StringComparison.OrdinalIgnoreCase)
                   || string.Equals(cmk.ErrorId, "AuthorizationFailed", StringComparison.OrdinalIgnoreCase));

        private static string CacheKey(string path, string? extraQuery)
            => extraQuery == null ? path.TrimEnd('/') : path.TrimEnd('/') + "?" + extraQuery;
    }
}
