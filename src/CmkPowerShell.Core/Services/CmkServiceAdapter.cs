using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// What is special about one service, and nothing else: its resource type, how to read it, its requirement profile,
    /// the identity it uses, its encryption state, and the writes that enable, disable or change its key. Writes are
    /// returned as data (<see cref="ResourceWrite"/>); <see cref="CmkEncryptionManager"/> validates, asks, sends, follows
    /// the operation and reads back. Adding a service is one subclass in this folder: the registry finds it by reflection.
    /// </summary>
    public abstract class CmkServiceAdapter
    {
        public abstract CmkService Service { get; }
        /// <summary>The ARM resource type, e.g. "Microsoft.Kusto/clusters".</summary>
        public abstract string ResourceType { get; }
        /// <summary>A query the GET needs to return the key settings (Data Box: $expand=details).</summary>
        public virtual string? ReadQuery => null;
        /// <summary>What the service requires of its key, vault and identity (read by the requirement engine).</summary>
        public abstract ServiceRequirements Requirements { get; }
        public string DisplayName => Requirements.DisplayName;

        /// <summary>
        /// The name of the custom role granted on an RBAC vault when no built-in role grants exactly this service's data
        /// actions (NetApp Files needs encrypt/decrypt, which Key Vault Crypto Service Encryption User lacks).
        /// </summary>
        public virtual string? CustomRoleName => null;

        // ---- reading ----------------------------------------------------------------------------------------------

        /// <summary>Reads the resource (and any children whose settings it needs); null when it does not exist.</summary>
        public virtual async Task<CmkResource?> ReadAsync(IAzureResources azure, string resourceId, CancellationToken cancellationToken)
        {
            var json = await azure.GetAsync(resourceId, cancellationToken, ReadQuery).ConfigureAwait(false);
            return json == null ? null : new CmkResource(resourceId, json);
        }

        /// <summary>
        /// Whether <see cref="ReadState"/> can work on the resource's Azure Resource Graph row alone (id, name, type,
        /// location, identity, properties: the columns fleet discovery projects), so a fleet is read in pages instead of
        /// one GET per resource. True for a service read by one plain GET; a service whose state needs a GET option
        /// (Data Box: $expand=details) or child resources (NetApp volumes, Cassandra data centers) overrides
        /// <see cref="ReadAsync"/> and says false: discovery still finds it through Resource Graph and reads it with one GET.
        /// </summary>
        public virtual bool StateFromResourceGraph => ReadQuery == null;

        /// <summary>The identity the resource uses for its key; <see cref="TargetIdentity.None"/> when it has none yet.</summary>
        public abstract TargetIdentity ReadIdentity(JsonObject resource);

        /// <summary>The resource's SKU (tier) name, compared with <see cref="ServiceRequirements.SupportedSkus"/>; null when it has none.</summary>
        public virtual string? ReadSku(JsonObject resource) => resource.Str("sku", "name");

        /// <summary>The encryption as configured on the resource.</summary>
        public abstract CmkEncryptionState ReadState(CmkResource resource);

        /// <summary>
        /// Get-AzCmkEncryption's view of the encryption: by default <see cref="ReadState"/>; a service whose status needs
        /// further read-only calls (NetApp Files: POST getKeyVaultStatus) overrides it and reports concerns as host warnings.
        /// </summary>
        public virtual Task<CmkEncryptionState> ReadDetailedStateAsync(IAzureResources azure, CmkResource resource, ICmkHost host,
            CancellationToken cancellationToken)
            => Task.FromResult(ReadState(resource));

        /// <summary>Subnets the service's data path lives in (NetApp volumes' delegated subnets); empty elsewhere.</summary>
        public virtual Task<IReadOnlyList<string>> ReadDelegatedSubnetIdsAsync(KeyVaultReader reader, string resourceId, CancellationToken cancellationToken)
            => Task.FromResult<IReadOnlyList<string>>(Array.Empty<string>());

        // ---- enabling ---------------------------------------------------------------------------------------------

        /// <summary>
        /// Rules the request alone decides, checked before the resource is even read, so that a refused request sends
        /// nothing: the identity type asked for explicitly (null when the resource's own is kept). None by default; a
        /// service with a documented limit (Managed Cassandra: system-assigned only) throws its typed error here.
        /// </summary>
        public virtual void ValidateRequest(string resourceId, CmkIdentityType? requestedIdentityType) { }

        /// <summary>
        /// The service's documented rules on this resource and request, checked before any write (the identity type the
        /// service supports, parameters it does not take). Throws the typed error; subclasses add their own rules.
        /// </summary>
        public virtual void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            if (!Requirements.SupportedIdentityTypes.Contains(request.Identity.Type))
            {
                throw CmkErrors.Create("IdentityTypeNotSupported", resource.Id,
                    $"{DisplayName} supports {string.Join(" or ", Requirements.SupportedIdentityTypes)} only; {request.Identity.Type} was asked for.");
            }
            RejectUnless(AcceptsDataCenters, request.DataCenterNames != null, "DataCenterName", resource.Id);
            RejectUnless(AcceptsBackupKey, request.BackupKey != null, "BackupKeyUri", resource.Id);
            RejectUnless(AcceptsFederatedClientId, request.FederatedClientId != null, "FederatedClientId", resource.Id);
            RejectUnless(AcceptsAutoRotate, request.AutoRotate != null, "AutoRotate", resource.Id);
        }

        /// <summary>
        /// The rules for a key change on a resource already under a customer-managed key (Update-AzCmkKeyVersion), with
        /// the resource's own identity: Set-AzCmkEncryption's rules unless the service changes keys by another operation
        /// than the one Set writes (NetApp Files moves vaults through changeKeyVault, which Set refuses to imitate).
        /// </summary>
        public virtual void ValidateKeyChange(CmkResource resource, CmkEnableRequest request) => ValidateEnable(resource, request);

        protected virtual bool AcceptsDataCenters => false;
        protected virtual bool AcceptsBackupKey => false;
        protected virtual bool AcceptsFederatedClientId => false;
        /// <summary>Whether the service has an automatic-rotation switch of its own (a versionless key is the others' way).</summary>
        protected virtual bool AcceptsAutoRotate => false;

        /// <summary>
        /// A cross-tenant key is reached through a user-assigned identity federated with the multi-tenant application
        /// (-FederatedClientId); a system-assigned identity cannot be federated (Storage, Cosmos DB).
        /// </summary>
        protected static void RequireUserAssignedForFederation(CmkResource resource, CmkEnableRequest request)
        {
            if (request.FederatedClientId == null || request.Identity.Type == CmkIdentityType.UserAssigned) return;
            throw CmkErrors.Create("IdentityTypeNotSupported", resource.Id,
                "A cross-tenant key (-FederatedClientId) needs a user-assigned identity (-UserAssignedIdentityId); the system-assigned identity cannot be federated.");
        }

        private void RejectUnless(bool accepted, bool given, string parameter, string resourceId)
        {
            if (accepted || !given) return;
            throw CmkErrors.Create(ParameterNotSupportedId, resourceId, $"-{parameter} does not apply to {DisplayName}.");
        }

        public const string ParameterNotSupportedId = "ParameterNotSupportedByService";

        /// <summary>
        /// The write that gives the resource the chosen identity: none when it already has it. The default handles the
        /// common ManagedServiceIdentity shape: enabling SystemAssigned keeps the user-assigned identities, attaching a
        /// user-assigned identity keeps the system-assigned one and the other user-assigned identities.
        /// </summary>
        public virtual IReadOnlyList<ResourceWrite> PlanIdentity(CmkResource resource, CmkIdentitySelection identity)
        {
            var current = resource.Json.At("identity");
            var type = (current.Str("type") ?? "None").Replace(" ", "");
            var hasSystem = type.IndexOf("SystemAssigned", StringComparison.OrdinalIgnoreCase) >= 0;
            var attached = current.At("userAssignedIdentities") is JsonObject map ? map.Select(p => p.Key).ToList() : new List<string>();
            var wantsUser = identity.Type == CmkIdentityType.UserAssigned;
            if (!wantsUser && hasSystem) return Array.Empty<ResourceWrite>();
            if (wantsUser && attached.Contains(identity.UserAssignedIdentityId!, StringComparer.OrdinalIgnoreCase)) return Array.Empty<ResourceWrite>();

            var users = wantsUser ? attached.Concat(new[] { identity.UserAssignedIdentityId! }).ToList() : attached;
            var system = hasSystem || !wantsUser;
            string newType;
            if (system && users.Count > 0)
            {
                newType = CombinedIdentityType ?? throw CmkErrors.Create("IdentityTypeNotSupported", resource.Id,
                    $"{DisplayName} cannot hold a system-assigned and user-assigned identities at once, and this change would drop one.");
            }
            else newType = system ? "SystemAssigned" : "UserAssigned";

            var body = new JsonObject { ["type"] = newType };
            if (users.Count > 0)
            {
                var uais = new JsonObject();
                foreach (var id in users) uais[id] = new JsonObject();
                body["userAssignedIdentities"] = uais;
            }
            var what = wantsUser
                ? $"attach user-assigned identity {identity.UserAssignedIdentityId}"
                : "enable the system-assigned identity" + (users.Count > 0 ? " (keeping the user-assigned identities)" : "");
            return new[] { ResourceWrite.Patch(resource.Id, IdentityWriteBody(body), what) };
        }

        /// <summary>
        /// The chosen identity as the resource has it now: its principal when the resource carries it, else a principal-less
        /// identity (a user-assigned one is then looked up by id) or <see cref="TargetIdentity.None"/> for a system-assigned
        /// identity still to be enabled.
        /// </summary>
        public virtual TargetIdentity IdentityFor(CmkResource resource, CmkIdentitySelection selection)
        {
            if (selection.Type == CmkIdentityType.UserAssigned)
            {
                var chosen = FromManagedIdentity(resource.Json, selection.UserAssignedIdentityId);
                return chosen;
            }
            var system = FromManagedIdentity(resource.Json, null);
            return system.Type == CmkIdentityType.SystemAssigned ? system : TargetIdentity.None;
        }

        /// <summary>The identity type value that means "both"; null when the service has none.</summary>
        protected virtual string? CombinedIdentityType => "SystemAssigned, UserAssigned";

        /// <summary>Where the identity object goes in the update body (top-level "identity" for most services).</summary>
        protected virtual JsonObject IdentityWriteBody(JsonObject identity) => new JsonObject { ["identity"] = identity };

        /// <summary>The writes that put the resource under the key; none when it already has exactly this configuration.</summary>
        public IReadOnlyList<ResourceWrite> PlanEnable(CmkResource resource, CmkEnableRequest request)
            => IsConfigured(resource, request) ? Array.Empty<ResourceWrite>() : BuildEnableWrites(resource, request);

        /// <summary>Whether the resource already uses this key with this identity (a second identical Set writes nothing).</summary>
        public virtual bool IsConfigured(CmkResource resource, CmkEnableRequest request)
        {
            var state = ReadState(resource);
            return state.CustomerManaged
                && SameKey(state.KeyUri, request.Key)
                && state.IdentityType == request.Identity.Type
                && (request.Identity.Type != CmkIdentityType.UserAssigned
                    || string.Equals(state.UserAssignedIdentityId, request.Identity.UserAssignedIdentityId, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>The service-specific enable write(s): minimal PATCH bodies shaped like the pinned spec.</summary>
        protected abstract IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request);

        // ---- disabling --------------------------------------------------------------------------------------------

        /// <summary>The writes back to Microsoft-managed keys: none when the resource has no customer key.</summary>
        public IReadOnlyList<ResourceWrite> PlanDisable(CmkResource resource)
            => ReadState(resource).CustomerManaged ? BuildDisableWrites(resource) : Array.Empty<ResourceWrite>();

        /// <summary>Why the service cannot go back to Microsoft-managed keys; null when it can.</summary>
        protected virtual string? DisableUnsupportedReason => "the service does not document a way back to Microsoft-managed keys.";

        /// <summary>The service-specific disable write(s); by default the typed "not supported" error with the reason.</summary>
        protected virtual IReadOnlyList<ResourceWrite> BuildDisableWrites(CmkResource resource)
            => throw CmkErrors.Create(DisableNotSupportedId, resource.Id, $"{DisplayName}: {DisableUnsupportedReason}");

        public const string DisableNotSupportedId = "CmkDisableNotSupported";

        // ---- changing the key ---------------------------------------------------------------------------------------

        /// <summary>
        /// The writes that move a resource already under a customer key to <paramref name="newKey"/> (another version, or
        /// another key): by default the enable writes with the resource's current identity, which changes nothing else.
        /// Services with a dedicated operation (NetApp rekey, changeKeyVault) override it.
        /// </summary>
        public virtual IReadOnlyList<ResourceWrite> PlanKeyChange(CmkResource resource, KeyIdentifier newKey, CmkKeyChangeOptions options)
        {
            var state = ReadState(resource);
            if (!state.CustomerManaged)
                throw CmkErrors.Create(NotCustomerManagedId, resource.Id, $"{DisplayName} resource {resource.Name} uses Microsoft-managed keys; enable a customer-managed key first (Set-AzCmkEncryption).");
            var identity = new CmkIdentitySelection(state.IdentityType ?? CmkIdentityType.SystemAssigned, state.UserAssignedIdentityId);
            return PlanEnable(resource, new CmkEnableRequest(newKey, identity)
            {
                DataCenterNames = options.DataCenterNames,
                KeyVaultResourceId = options.KeyVaultResourceId,
                KeyVaultTenantId = options.KeyVaultTenantId,
                PrincipalId = state.PrincipalId,
            });
        }

        /// <summary>
        /// <see cref="PlanKeyChange"/> for callers that can wait for reads: a service whose key change needs more than the
        /// resource (NetApp changeKeyVault: the new vault's private endpoint in each virtual network) overrides this one.
        /// </summary>
        public virtual Task<IReadOnlyList<ResourceWrite>> PlanKeyChangeAsync(IAzureResources azure, CmkResource resource, KeyIdentifier newKey,
            CmkKeyChangeOptions options, CancellationToken cancellationToken)
            => Task.FromResult(PlanKeyChange(resource, newKey, options));

        public const string NotCustomerManagedId = "CmkNotConfigured";

        // ---- shared helpers for subclasses ------------------------------------------------------------------------

        /// <summary>Key URIs compare by vault host, name and version, whatever the case, port or trailing slash.</summary>
        protected static bool SameKey(string? configured, KeyIdentifier wanted)
            => KeyIdentifier.TryParse(configured, out var id) && id!.Equals(wanted);

        /// <summary>
        /// The shared reading of a ManagedServiceIdentity-shaped "identity": the chosen user-assigned identity when one
        /// is named, else the system-assigned one when enabled.
        /// </summary>
        protected static TargetIdentity FromManagedIdentity(JsonObject resource, string? chosenUserAssignedId)
        {
            var identity = resource.At("identity");
            if (chosenUserAssignedId != null)
            {
                var entry = identity.At("userAssignedIdentities") is JsonObject map
                    ? map.FirstOrDefault(p => string.Equals(p.Key, chosenUserAssignedId, StringComparison.OrdinalIgnoreCase)).Value
                    : null;
                return new TargetIdentity(CmkIdentityType.UserAssigned, entry.Str("principalId"), null, chosenUserAssignedId);
            }
            var type = identity.Str("type") ?? "";
            if (type.IndexOf("SystemAssigned", StringComparison.OrdinalIgnoreCase) >= 0)
                return new TargetIdentity(CmkIdentityType.SystemAssigned, identity.Str("principalId"), identity.Str("tenantId"), null);
            return TargetIdentity.None;
        }

        /// <summary>
        /// The customer-managed state of a service that stores one key identifier (versioned or versionless): the key's
        /// parts as parsed from it (a version only when it names one) and the service's status; identity and notes are added by the caller.
        /// </summary>
        protected static CmkEncryptionState CustomerKeyState(string keyUri, string? keySource, string? serviceStatus)
        {
            KeyIdentifier.TryParse(keyUri, out var key);
            return new CmkEncryptionState
            {
                CustomerManaged = true,
                KeySource = keySource,
                KeyUri = keyUri,
                KeyVaultUri = key?.VaultUri,
                KeyName = key?.Name,
                KeyVersion = key?.Version,
                ServiceStatus = serviceStatus,
            };
        }

        /// <summary>
        /// The identity a resource carries, whether or not its service can use it for a key: the system-assigned one when
        /// enabled, else its first user-assigned one; <see cref="TargetIdentity.None"/> without any.
        /// </summary>
        public static TargetIdentity CarriedIdentity(JsonObject resource)
        {
            var system = FromManagedIdentity(resource, null);
            if (system.Type != null) return system;
            return resource.At("identity", "userAssignedIdentities") is JsonObject map && map.Count > 0
                ? FromManagedIdentity(resource, map.First().Key)
                : TargetIdentity.None;
        }

        /// <summary>The only user-assigned identity of a resource, when it has exactly one.</summary>
        protected static string? SoleUserAssignedIdentity(JsonObject resource)
            => resource.At("identity", "userAssignedIdentities") is JsonObject map && map.Count == 1 ? map.First().Key : null;

        /// <summary>Copies the identity part of a <see cref="TargetIdentity"/> into a state.</summary>
        protected static CmkEncryptionState WithIdentity(CmkEncryptionState state, TargetIdentity identity)
            => state with { IdentityType = identity.Type, PrincipalId = identity.PrincipalId, UserAssignedIdentityId = identity.UserAssignedIdentityId };

        // ---- registry ---------------------------------------------------------------------------------------------

        private static readonly Lazy<IReadOnlyList<CmkServiceAdapter>> Registry = new Lazy<IReadOnlyList<CmkServiceAdapter>>(() =>
            typeof(CmkServiceAdapter).GetTypeInfo().Assembly.GetTypes()
                .Where(t => !t.GetTypeInfo().IsAbstract && typeof(CmkServiceAdapter).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) != null)
                .Select(t => (CmkServiceAdapter)Activator.CreateInstance(t)!)
                .OrderBy(a => a.Service)
                .ToList());

        /// <summary>Every adapter in this assembly, in service order.</summary>
        public static IReadOnlyList<CmkServiceAdapter> All => Registry.Value;

        public static CmkServiceAdapter For(CmkService service)
            => All.FirstOrDefault(a => a.Service == service) ?? throw new ArgumentOutOfRangeException(nameof(service), service, "No adapter handles this service.");

        /// <summary>The adapter of a resource type, or null when the module does not handle it.</summary>
        public static CmkServiceAdapter? ForResourceType(string? resourceType)
            => All.FirstOrDefault(a => string.Equals(a.ResourceType, resourceType, StringComparison.OrdinalIgnoreCase));

        /// <summary>The adapter of a resource id; the typed InvalidResourceId error when no adapter handles its type.</summary>
        public static CmkServiceAdapter ForResourceId(string? resourceId)
        {
            var id = ArmScopes.ParseResourceId(resourceId);
            return ForResourceType(ArmScopes.TypeOf(id))
                ?? throw KeyVaultInputErrors.InvalidResourceId(resourceId,
                    $"{ArmScopes.TypeOf(id)} is not a resource type this module manages ({string.Join(", ", All.Select(a => a.ResourceType))}).");
        }
    }
}
