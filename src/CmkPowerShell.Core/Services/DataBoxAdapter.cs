using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure Data Box jobs, api-version 2025-07-01: identity + properties.details.keyEncryptionKey {kekType, kekUrl,
    /// kekVaultResourceID, identityProperties}, read with $expand=details. The writes belong to branch services-more.
    /// </summary>
    public sealed class DataBoxAdapter : CmkServiceAdapter
    {
        public override CmkService Service => CmkService.DataBox;
        public override string ResourceType => "Microsoft.DataBox/jobs";
        public override string? ReadQuery => "$expand=details";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.DataBox,
            DisplayName = "Azure Data Box",
            Firewall = FirewallRule.FailWithUserAssignedIdentity,
            Sources = new[] { RequirementSources.DataBox },
            Notes = new[]
            {
                "RSA key of 2048 or larger; soft delete and purge protection; Get, UnwrapKey, WrapKey (seed 001, Requirements).",
                "SsemUserErrorKeyVaultBadRequestException: with the vault firewall enabled, switch to a system-assigned identity (seed 001).",
            },
        };

        public const string CustomerKeySource = "CustomerManaged";
        public const string ServiceKeySource = "MicrosoftManaged";

        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var kekIdentity = resource.At("properties", "details", "keyEncryptionKey", "identityProperties");
            var chosen = string.Equals(kekIdentity.Str("type"), "UserAssigned", StringComparison.OrdinalIgnoreCase)
                ? kekIdentity.Str("userAssigned", "resourceId")
                : null;
            return FromManagedIdentity(resource, chosen);
        }

        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var kek = resource.Json.At("properties", "details", "keyEncryptionKey");
            var kekType = kek.Str("kekType") ?? ServiceKeySource;
            var status = resource.Json.Str("properties", "status");
            var url = kek.Str("kekUrl");
            if (!string.Equals(kekType, CustomerKeySource, StringComparison.OrdinalIgnoreCase) || url == null)
                return CmkEncryptionState.MicrosoftManaged(kekType) with { ServiceStatus = status };
            KeyIdentifier.TryParse(url, out var key);
            var state = new CmkEncryptionState
            {
                CustomerManaged = true,
                KeySource = kekType,
                KeyUri = url,
                KeyVaultUri = key?.VaultUri,
                KeyName = key?.Name,
                KeyVersion = key?.Version,
                ServiceStatus = status,
                Details = new Dictionary<string, string?> { ["kekVaultResourceID"] = kek.Str("kekVaultResourceID") },
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
            => throw new NotSupportedException("Data Box enable writes are added with the Data Box adapter (branch services-more).");
    }
}
