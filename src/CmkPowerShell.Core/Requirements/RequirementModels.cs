using System;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Core.Requirements
{
    public enum RequirementStatus { Passed, Failed, Warning, Skipped }

    /// <summary>One check's outcome: what Test-AzCmkKeyVault writes, one per check.</summary>
    public sealed record CmkRequirementResult(
        string Check,
        RequirementStatus Status,
        string Message,
        string? RecommendedAction,
        string? Target,
        string Source);

    /// <summary>
    /// Which key to test: a key URI, or a vault (by name or resource id) and a key name with an optional
    /// version. Building one validates the input and throws the typed input errors.
    /// </summary>
    public sealed class KeyReference
    {
        private KeyReference(KeyIdentifier? uri, string? vaultName, string? vaultResourceId, string keyName, string? version)
        {
            Identifier = uri; VaultName = vaultName; VaultResourceId = vaultResourceId; KeyName = keyName; Version = version;
        }

        /// <summary>Set when the key came as a URI (the host then decides vault or Managed HSM and the cloud).</summary>
        public KeyIdentifier? Identifier { get; }
        public string? VaultName { get; }
        public string? VaultResourceId { get; }
        public string KeyName { get; }
        public string? Version { get; }

        public static KeyReference FromUri(string keyUri, AzureCloud? cloud = null)
        {
            // Any well-formed host: one that is no vault of the cloud is the failed KeyUri.CloudHost check among the results.
            var id = KeyIdentifier.ParseAnyHost(keyUri, cloud);
            return new KeyReference(id, id.VaultName, null, id.Name, id.Version);
        }

        public static KeyReference FromIdentifier(KeyIdentifier identifier)
            => new KeyReference(identifier ?? throw new ArgumentNullException(nameof(identifier)), identifier.VaultName, null, identifier.Name, identifier.Version);

        public static KeyReference FromVaultName(string vaultName, string keyName, string? version = null)
        {
            var nameError = KeyIdentifier.VaultNameError(vaultName);
            if (nameError != null) throw KeyVaultInputErrors.InvalidKeyVaultName(vaultName, nameError);
            Validate(keyName, version);
            return new KeyReference(null, vaultName.ToLowerInvariant(), null, keyName, version?.ToLowerInvariant());
        }

        public static KeyReference FromVaultResourceId(string vaultResourceId, string keyName, string? version = null)
        {
            var id = ArmScopes.ParseResourceId(vaultResourceId, ArmScopes.KeyVaultType, "KeyVaultResourceId");
            Validate(keyName, version);
            return new KeyReference(null, id.Name, id.ToString(), keyName, version?.ToLowerInvariant());
        }

        private static void Validate(string keyName, string? version)
        {
            var keyError = KeyIdentifier.KeyNameError(keyName);
            if (keyError != null) throw KeyVaultInputErrors.InvalidKeyName(keyName, keyError);
            if (version != null && !KeyIdentifier.IsVersion(version))
                throw KeyVaultInputErrors.InvalidKeyUri(version, "a key version is 32 hexadecimal characters.", "KeyVersion");
        }

        public override string ToString() => Identifier?.Uri ?? $"{VaultResourceId ?? VaultName}/keys/{KeyName}{(Version == null ? "" : "/" + Version)}";
    }

    /// <summary>
    /// The resource (or identity) the key is meant for: a resource id the engine reads, a resource body
    /// already read, or an explicit service + location + identity.
    /// </summary>
    public sealed class RequirementTarget
    {
        private RequirementTarget(CmkService service, string? resourceId, JsonObject? resource, string? location,
            string? principalId, string? userAssignedIdentityId, string? sku = null)
        {
            Service = service; ResourceId = resourceId; Resource = resource; Location = location;
            PrincipalId = principalId; UserAssignedIdentityId = userAssignedIdentityId; Sku = sku;
        }

        public CmkService Service { get; }
        public string? ResourceId { get; }
        /// <summary>The resource body when the caller already read it.</summary>
        public JsonObject? Resource { get; }
        public string? Location { get; }
        public string? PrincipalId { get; }
        public string? UserAssignedIdentityId { get; }
        /// <summary>The SKU (tier) of a resource still to be created; for an existing resource the engine reads its own.</summary>
        public string? Sku { get; }
        /// <summary>
        /// The identity the resource is about to use (Set-AzCmkEncryption before its identity write); null = the one the
        /// resource body shows. A user-assigned identity without a principal id is read.
        /// </summary>
        public TargetIdentity? IntendedIdentity { get; private set; }

        /// <summary>A resource the engine will read; its type must be one of the five services.</summary>
        public static RequirementTarget FromResourceId(string resourceId)
        {
            var id = ArmScopes.ParseResourceId(resourceId);
            var target = CmkServiceAdapter.ForResourceId(resourceId);
            return new RequirementTarget(target.Service, id.ToString(), null, null, null, null);
        }

        /// <summary>A resource body already read (its id and type decide the service).</summary>
        public static RequirementTarget FromResource(JsonObject resource) => FromResource(resource, null);

        /// <summary>A resource body already read, checked for the identity it is about to use.</summary>
        public static RequirementTarget FromResource(JsonObject resource, TargetIdentity? intendedIdentity)
        {
            if (resource is null) throw new ArgumentNullException(nameof(resource));
            var rid = resource.Str("id");
            var id = ArmScopes.ParseResourceId(rid);
            var target = CmkServiceAdapter.ForResourceType(resource.Str("type") ?? ArmScopes.TypeOf(id))
                ?? throw KeyVaultInputErrors.InvalidResourceId(rid, "its type is not one this module manages.");
            return new RequirementTarget(target.Service, id.ToString(), resource, resource.Str("location"), null, null)
            {
                IntendedIdentity = intendedIdentity,
            };
        }

        /// <summary>
        /// An explicit target, for a resource that does not exist yet: a principal id, or a user-assigned identity id (its
        /// principal is read), and the SKU it will have.
        /// </summary>
        public static RequirementTarget ForService(CmkService service, string? location, string? principalId = null, string? userAssignedIdentityId = null,
            string? sku = null)
        {
            if (principalId != null && !Guid.TryParse(principalId, out _))
                throw KeyVaultInputErrors.InvalidResourceId(principalId, "a principal id is a GUID (the identity's object id).", "IdentityPrincipalId");
            var uai = userAssignedIdentityId == null ? null
                : ArmScopes.ParseResourceId(userAssignedIdentityId, ArmScopes.UserAssignedIdentityType, "UserAssignedIdentityId").ToString();
            return new RequirementTarget(service, null, null, location, principalId, uai, string.IsNullOrWhiteSpace(sku) ? null : sku!.Trim());
        }
    }

    /// <summary>One Test-AzCmkKeyVault question: a key, an optional target, and the run's settings.</summary>
    public sealed class RequirementRequest
    {
        public RequirementRequest(KeyReference key, RequirementTarget? target = null)
        {
            Key = key ?? throw new ArgumentNullException(nameof(key));
            Target = target;
        }

        public KeyReference Key { get; }
        public RequirementTarget? Target { get; }
        /// <summary>Key.ExpiryWindow warns when the key expires within this many days.</summary>
        public int ExpiryWarningDays { get; init; } = 30;
        /// <summary>The connected cloud; defaults to the IAzureResources' cloud.</summary>
        public AzureCloud? Cloud { get; init; }
        /// <summary>The clock for expiry and activation checks (tests fix it).</summary>
        public Func<DateTimeOffset>? Clock { get; init; }
    }

    /// <summary>The outcome of one request of a batch: its results, or the input error that stopped it.</summary>
    public sealed record RequirementRunResult(RequirementRequest Request, System.Collections.Generic.IReadOnlyList<CmkRequirementResult> Results,
        Errors.CmkException? Error);
}
