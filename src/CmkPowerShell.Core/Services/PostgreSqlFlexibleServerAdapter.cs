using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure Database for PostgreSQL flexible servers, api-version 2022-12-01: properties.dataEncryption {type SystemManaged |
    /// AzureKeyVault, primaryKeyURI, primaryUserAssignedIdentityId}; identity {type None | UserAssigned, userAssignedIdentities}.
    /// </summary>
    /// <remarks>
    /// From concepts-data-encryption (<see cref="RequirementSources.PostgreSqlFlexibleServer"/>): the encryption mode is
    /// chosen at creation and fixed for the server's life, so Set on a server created with system-managed keys is refused
    /// (CmkOnlyAtCreation; the fix is a point-in-time restore to a new server with the key), and so is Disable; a server
    /// created with a key may move to another key or version (Servers_Update with createMode Update, as the spec's example
    /// does). Only a user-assigned identity; the vault in the server's region and tenant; RSA or RSA-HSM of 2048, 3072 or
    /// 4096 bits; access-policy permissions get, list, wrapKey, unwrapKey (RBAC: Key Vault Crypto Service Encryption User).
    /// A versionless key is not documented (the page's section on it is commented out): the server is told a version and
    /// must be updated to each new one by hand (Update-AzCmkKeyVersion), else it turns Inaccessible when the old one expires.
    /// Geo-backup keys need a preview api-version and are not handled.
    /// </remarks>
    public sealed class PostgreSqlFlexibleServerAdapter : CmkServiceAdapter
    {
        public const string AzureKeyVault = "AzureKeyVault";
        public const string SystemManaged = "SystemManaged";
        public const string KeyVersionRequiredId = "CmkKeyVersionRequired";

        public override CmkService Service => CmkService.PostgreSqlFlexibleServer;
        public override string ResourceType => "Microsoft.DBforPostgreSQL/flexibleServers";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.PostgreSqlFlexibleServer,
            DisplayName = "Azure Database for PostgreSQL flexible server",
            Access = new KeyAccessRequirement(new[] { "get", "list", "wrapKey", "unwrapKey" }, KeyAccessRequirement.WrapUnwrap.DataActions),
            AllowedKeySizes = new[] { 2048, 3072, 4096 },
            SameRegionRequired = true,
            SameTenantRequired = true,
            SupportedIdentityTypes = new[] { CmkIdentityType.UserAssigned },
            WhenKeyCanBeSet = "only when the server is created; a server created with a key can move to another key or version, never back",
            Sources = new[] { RequirementSources.PostgreSqlFlexibleServer, RequirementSources.PostgreSqlSpec },
            Notes = new[]
            {
                "Encryption mode chosen at creation, fixed for the server's life; to change it, restore to a new server (concepts-data-encryption).",
                "RSA or RSA-HSM, 2048, 3072 or 4096 bits; soft delete and purge protection; vault in the server's region and tenant.",
                "User-assigned identity only (spec: identity type None or UserAssigned); get, list, wrapKey, unwrapKey, or Key Vault Crypto Service Encryption User.",
                "Versionless keys are not documented: a key version is required, and the server is moved to each new version by hand (Update-AzCmkKeyVersion).",
            },
        };

        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var uai = resource.Str("properties", "dataEncryption", "primaryUserAssignedIdentityId")
                      ?? SoleUserAssignedIdentity(resource);
            return uai == null ? TargetIdentity.None : FromManagedIdentity(resource, uai);
        }

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var encryption = resource.Json.At("properties", "dataEncryption");
            var type = encryption.Str("type") ?? SystemManaged;
            var keyUri = encryption.Str("primaryKeyURI");
            var status = resource.Json.Str("properties", "state");
            if (!string.Equals(type, AzureKeyVault, StringComparison.OrdinalIgnoreCase) || keyUri == null)
                return CmkEncryptionState.MicrosoftManaged(type) with { ServiceStatus = status };
            var state = CustomerKeyState(keyUri, type, status) with
            {
                Notes = new[] { "PostgreSQL uses the version it was given: after a key rotation, move the server to the new version (Update-AzCmkKeyVersion) before the old one expires or is disabled." },
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        /// <summary>No "SystemAssigned, UserAssigned" and no system-assigned identity at all.</summary>
        protected override string? CombinedIdentityType => null;

        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            base.ValidateEnable(resource, request);
            if (!ReadState(resource).CustomerManaged)
            {
                throw CmkErrors.Create(ContainerRegistryAdapter.OnlyAtCreationId, resource.Id,
                    $"PostgreSQL flexible server {resource.Name} was created with system-managed keys; its encryption mode is fixed for its life.");
            }
            if (!request.Key.IsVersioned)
            {
                throw CmkErrors.Create(KeyVersionRequiredId, request.Key.Uri,
                    $"{DisplayName} is given a key version; {request.Key.Uri} has none.");
            }
        }

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var body = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["dataEncryption"] = new JsonObject
                    {
                        ["type"] = AzureKeyVault,
                        ["primaryKeyURI"] = request.Key.Uri,
                        ["primaryUserAssignedIdentityId"] = request.Identity.UserAssignedIdentityId,
                    },
                    // The spec example's mode for a key or identity change on an existing server.
                    ["createMode"] = "Update",
                },
            };
            return new[] { ResourceWrite.Patch(resource.Id, body, $"data encryption with key {request.Key.Uri} through {request.Identity.UserAssignedIdentityId}") };
        }

        protected override string? DisableUnsupportedReason =>
            "the encryption mode is fixed at server creation (concepts-data-encryption); restore the server to a new one that uses system-managed keys.";
    }
}
