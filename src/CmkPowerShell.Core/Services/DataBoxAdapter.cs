using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure Data Box jobs, api-version 2025-07-01: identity + properties.details.keyEncryptionKey {kekType, kekUrl,
    /// kekVaultResourceID, identityProperties {type, userAssigned.resourceId}}, read with $expand=details (without it the
    /// service leaves details out). Disable is kekType MicrosoftManaged (seed 001, "Use Microsoft managed key").
    /// </summary>
    /// <remarks>
    /// Order stage rule: seed 001 says the key is used "during order creation and at the beginning of the Data Copy
    /// phase" and that its permissions must stay "for the lifetime of the order". From DataCopy on, the passkey has been
    /// unwrapped for the last time and an order that has ended (completed, cancelled, aborted, failed) takes no updates,
    /// so the module refuses to set, change or remove the key of an order at or past DataCopy
    /// (<see cref="StageDoesNotAllowKeyChangeId"/>) before any write. Earlier stages, including an order waiting for the
    /// customer to fix its key (stage status WaitingForCustomerActionForKek), may change it. Seed 001 also advises
    /// choosing the key when the order is created; a key set later is still accepted and the write says so.
    /// </remarks>
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
                "The key is used at order creation and at the start of Data Copy; it cannot be changed from DataCopy on (seed 001; see DataBoxAdapter).",
            },
        };

        public const string CustomerKeySource = "CustomerManaged";
        public const string ServiceKeySource = "MicrosoftManaged";
        public const string StageDoesNotAllowKeyChangeId = "DataBoxOrderStageDoesNotAllowKeyChange";

        /// <summary>Job statuses (spec StageName) from which the order's key can no longer be changed.</summary>
        private static readonly HashSet<string> KeyFrozenStatuses = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "DataCopy", "Completed", "CompletedWithErrors", "CompletedWithWarnings", "Cancelled", "Aborted",
            "Failed_IssueReportedAtCustomer", "Failed_IssueDetectedAtAzureDC",
        };

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
                Notes = WaitingForKeyFix(resource.Json)
                    ? new[] { "The order is waiting for a customer action on its key (WaitingForCustomerActionForKek): fix access or point it at a usable key." }
                    : new string[0],
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            base.ValidateEnable(resource, request);
            // Checked here, before the identity write, so that a refused order gets no call at all.
            if (!IsConfigured(resource, request)) EnsureKeyCanChange(resource);
        }

        /// <summary>The form the Data Box examples write (JobsPatchSystemAssignedToUserAssigned): no space.</summary>
        protected override string? CombinedIdentityType => "SystemAssigned,UserAssigned";

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            EnsureKeyCanChange(resource);
            var key = request.Key;
            var user = request.Identity.Type == CmkIdentityType.UserAssigned;
            var identityProperties = new JsonObject { ["type"] = user ? "UserAssigned" : "SystemAssigned" };
            if (user) identityProperties["userAssigned"] = new JsonObject { ["resourceId"] = request.Identity.UserAssignedIdentityId };
            var kek = new JsonObject
            {
                ["kekType"] = CustomerKeySource,
                ["kekUrl"] = key.Uri,
                // Required with CustomerManaged (spec KeyEncryptionKey).
                ["kekVaultResourceID"] = VaultResourceId(resource, request),
                ["identityProperties"] = identityProperties,
            };
            var what = $"kekType CustomerManaged with key {key.Uri}"
                + (user ? $" through user-assigned identity {request.Identity.UserAssignedIdentityId}" : " through the system-assigned identity")
                + (IsPastOrdering(resource.Json) ? " (the order was created with Microsoft-managed keys; Data Box advises choosing the key at order creation)" : "");
            return new[] { ResourceWrite.Patch(resource.Id, KekBody(kek), what) };
        }

        protected override string? DisableUnsupportedReason => null;

        protected override IReadOnlyList<ResourceWrite> BuildDisableWrites(CmkResource resource)
        {
            EnsureKeyCanChange(resource);
            var kek = new JsonObject { ["kekType"] = ServiceKeySource };
            return new[] { ResourceWrite.Patch(resource.Id, KekBody(kek), "kekType MicrosoftManaged: back to Microsoft-managed keys") };
        }

        private static JsonObject KekBody(JsonObject kek)
            => new JsonObject { ["properties"] = new JsonObject { ["details"] = new JsonObject { ["keyEncryptionKey"] = kek } } };

        /// <summary>
        /// The orchestrator names the vault it found; a key change within the configured vault (a new version) may come
        /// without it, and then the vault the job already names is the right one.
        /// </summary>
        private static string VaultResourceId(CmkResource resource, CmkEnableRequest request)
        {
            if (request.KeyVaultResourceId != null) return request.KeyVaultResourceId;
            var kek = resource.Json.At("properties", "details", "keyEncryptionKey");
            var current = kek.Str("kekVaultResourceID");
            if (current != null && KeyIdentifier.TryParse(kek.Str("kekUrl"), out var configured)
                && string.Equals(configured!.VaultUri, request.Key.VaultUri, StringComparison.OrdinalIgnoreCase))
                return current;
            throw new InvalidOperationException($"The key vault resource id of {request.Key.VaultUri} is needed for kekVaultResourceID and was not given.");
        }

        private void EnsureKeyCanChange(CmkResource resource)
        {
            var status = resource.Json.Str("properties", "status");
            if (status == null || !KeyFrozenStatuses.Contains(status)) return;
            throw CmkErrors.Create(StageDoesNotAllowKeyChangeId, resource.Id,
                $"Data Box order {resource.Name} is at stage {status}.");
        }

        private static bool IsPastOrdering(JsonObject job)
        {
            var status = job.Str("properties", "status");
            return status != null && !string.Equals(status, "DeviceOrdered", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(status, "Created", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(job.Str("properties", "details", "keyEncryptionKey", "kekType"), CustomerKeySource, StringComparison.OrdinalIgnoreCase);
        }

        private static bool WaitingForKeyFix(JsonObject job)
            => job.Objects("properties", "details", "jobStages")
                .Any(s => string.Equals(s.Str("stageStatus"), "WaitingForCustomerActionForKek", StringComparison.OrdinalIgnoreCase));
    }
}
