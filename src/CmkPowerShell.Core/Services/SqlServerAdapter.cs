using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure SQL logical servers, api-version 2021-11-01: transparent data encryption's protector. A customer key is two
    /// writes: the server key {vault}_{key}_{version} (ServerKeys_CreateOrUpdate, properties {serverKeyType AzureKeyVault,
    /// uri}), then the protector encryptionProtector/current {serverKeyType AzureKeyVault, serverKeyName,
    /// autoRotationEnabled} (both long-running). Service-managed TDE is the protector with serverKeyType ServiceManaged.
    /// The server's identity reaches the key: its primary user-assigned identity when it has one, else the system-assigned.
    /// </summary>
    public sealed class SqlServerAdapter : CmkServiceAdapter
    {
        public const string OverviewDocs = "https://learn.microsoft.com/azure/azure-sql/database/transparent-data-encryption-byok-overview";
        public const string IdentityDocs = "https://learn.microsoft.com/azure/azure-sql/database/transparent-data-encryption-byok-identity";
        public const string Spec = "azure-specs/sql/resource-manager/Microsoft.Sql/stable/2021-11-01 (ServerKeys.json, EncryptionProtectors.json, Servers.json)";

        public override CmkService Service => CmkService.SqlServer;
        public override string ResourceType => "Microsoft.Sql/servers";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.SqlServer,
            DisplayName = "Azure SQL server",
            AllowedKeySizes = new[] { 2048, 3072 },
            RequiresVersionedKey = true,
            Sources = new[] { OverviewDocs, IdentityDocs, Spec },
            Notes = new[]
            {
                "RSA or RSA-HSM keys of 2048 or 3072 bits, enabled, active and unexpired; soft delete and purge protection, checked by SQL when the protector is set (byok-overview).",
                "Any vault region (byok-overview); get, wrapKey, unwrapKey or Key Vault Crypto Service Encryption User.",
                "The primary user-assigned identity is used when the server has one, else the system-assigned identity (byok-identity).",
                "A server key is named {vault}_{key}_{version} and its uri is create-only: the key is always versioned (spec 2021-11-01); a versionless -KeyUri is resolved to the key's current version.",
                "autoRotationEnabled on the protector (-AutoRotate): SQL moves to a new key version within 60 minutes (byok-overview).",
                "Back to service-managed TDE is the protector with serverKeyType ServiceManaged; keep the old keys for older backups (byok-overview).",
                "With a vault firewall, 'Allow trusted Microsoft services' must be on, mandatory with a user-assigned identity (byok-overview, byok-identity).",
            },
        };

        public const string ProtectorPath = "/encryptionProtector/current";
        public const string CustomerKeyType = "AzureKeyVault";
        public const string ServiceKeyType = "ServiceManaged";

        public static class DetailKeys
        {
            public const string ServerKeyName = "serverKeyName";
            public const string AutoRotationEnabled = "autoRotationEnabled";
            public const string PrimaryUserAssignedIdentityId = "primaryUserAssignedIdentityId";
        }

        /// <summary>The server and its protector (the TDE settings live on the child encryptionProtector/current).</summary>
        public override async Task<CmkResource?> ReadAsync(IAzureResources azure, string resourceId, CancellationToken cancellationToken)
        {
            var server = await azure.GetAsync(resourceId, cancellationToken).ConfigureAwait(false);
            if (server == null) return null;
            var protector = await azure.GetAsync(resourceId + ProtectorPath, cancellationToken).ConfigureAwait(false);
            return new CmkResource(resourceId, server, protector == null ? Array.Empty<JsonObject>() : new[] { protector });
        }

        /// <summary>The TDE settings are on a child resource, which a Resource Graph row of the server does not carry.</summary>
        public override bool StateFromResourceGraph => false;

        private static JsonNode? Protector(CmkResource resource) => resource.Children.FirstOrDefault()?.At("properties");

        public override TargetIdentity ReadIdentity(JsonObject resource)
            => FromManagedIdentity(resource, resource.Str("properties", "primaryUserAssignedIdentityId"));

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var protector = Protector(resource);
            var keyType = protector.Str("serverKeyType") ?? ServiceKeyType;
            var status = resource.Json.Str("properties", "state");
            var uri = protector.Str("uri");
            if (!string.Equals(keyType, CustomerKeyType, StringComparison.OrdinalIgnoreCase) || uri == null)
                return CmkEncryptionState.MicrosoftManaged(keyType) with { ServiceStatus = status };
            KeyIdentifier.TryParse(uri, out var key);
            var rotates = protector.Bool("autoRotationEnabled") == true;
            var state = new CmkEncryptionState
            {
                CustomerManaged = true,
                KeySource = keyType,
                KeyUri = uri,
                KeyVaultUri = key?.VaultUri,
                KeyName = key?.Name,
                KeyVersion = key?.Version,
                ServiceStatus = status,
                ServiceRotatesKey = rotates,
                Notes = rotates ? new[] { "autoRotationEnabled: SQL moves the protector to a new key version within 60 minutes." } : new string[0],
                Details = new Dictionary<string, string?>
                {
                    [DetailKeys.ServerKeyName] = protector.Str("serverKeyName"),
                    [DetailKeys.AutoRotationEnabled] = rotates ? "true" : "false",
                    [DetailKeys.PrimaryUserAssignedIdentityId] = resource.Json.Str("properties", "primaryUserAssignedIdentityId"),
                },
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        protected override bool AcceptsAutoRotate => true;

        /// <summary>SQL's ResourceIdentity spells "both" without a space.</summary>
        protected override string? CombinedIdentityType => "SystemAssigned,UserAssigned";

        public override bool IsConfigured(CmkResource resource, CmkEnableRequest request)
            => base.IsConfigured(resource, request) && (request.AutoRotate == null || request.AutoRotate == ReadState(resource).ServiceRotatesKey);

        /// <summary>The server key's name as SQL requires it: {vault}_{key}_{version}.</summary>
        public static string ServerKeyName(KeyIdentifier key) => $"{key.VaultName}_{key.Name}_{key.Version}";

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var writes = new List<ResourceWrite>();
            var uai = request.Identity.Type == CmkIdentityType.UserAssigned ? request.Identity.UserAssignedIdentityId : null;
            if (uai != null && !string.Equals(resource.Json.Str("properties", "primaryUserAssignedIdentityId"), uai, StringComparison.OrdinalIgnoreCase))
            {
                var primary = new JsonObject { ["properties"] = new JsonObject { ["primaryUserAssignedIdentityId"] = uai } };
                writes.Add(ResourceWrite.Patch(resource.Id, primary, $"make {uai} the server's primary identity"));
            }
            var name = ServerKeyName(request.Key);
            var serverKey = new JsonObject { ["properties"] = new JsonObject { ["serverKeyType"] = CustomerKeyType, ["uri"] = request.Key.Uri } };
            writes.Add(ResourceWrite.Put(resource.Id + "/keys/" + name, serverKey, $"add server key {name} ({request.Key.Uri})"));
            var protector = new JsonObject { ["serverKeyType"] = CustomerKeyType, ["serverKeyName"] = name };
            // PUT replaces the protector: keep its auto-rotation unless -AutoRotate says otherwise.
            var rotate = request.AutoRotate ?? (Protector(resource).Bool("autoRotationEnabled") == true ? true : (bool?)null);
            if (rotate != null) protector["autoRotationEnabled"] = rotate.Value;
            writes.Add(ResourceWrite.Put(resource.Id + ProtectorPath, new JsonObject { ["properties"] = protector },
                $"make {name} the TDE protector" + (request.AutoRotate == true ? " with auto-rotation" : request.AutoRotate == false ? " without auto-rotation" : "")));
            return writes;
        }

        protected override string? DisableUnsupportedReason => null;

        protected override IReadOnlyList<ResourceWrite> BuildDisableWrites(CmkResource resource)
        {
            var body = new JsonObject
            {
                ["properties"] = new JsonObject { ["serverKeyType"] = ServiceKeyType, ["serverKeyName"] = ServiceKeyType },
            };
            return new[] { ResourceWrite.Put(resource.Id + ProtectorPath, body, "TDE protector ServiceManaged: back to service-managed keys (the Key Vault keys stay for older backups)") };
        }
    }
}
