using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Azure Managed Instance for Apache Cassandra, api-version 2025-10-15: the cluster's identity (SystemAssigned or None)
    /// and each data center's managedDiskCustomerKeyUri + backupStorageCustomerKeyUri.
    /// </summary>
    /// <remarks>
    /// Every data center write carries both URIs, read from the data center first, so that setting or rotating one never
    /// drops the other. The cluster identity can only be SystemAssigned (spec ManagedCassandraManagedServiceIdentity,
    /// seed 003): a user-assigned request is refused before any call. Neither seed 003 nor the spec documents a way back to
    /// Microsoft-managed keys (the only documented updates set a new key), so Disable is refused with that reason.
    /// </remarks>
    public sealed class ManagedCassandraAdapter : CmkServiceAdapter
    {
        public override CmkService Service => CmkService.ManagedCassandra;
        public override string ResourceType => "Microsoft.DocumentDB/cassandraClusters";

        public override ServiceRequirements Requirements { get; } = new ServiceRequirements
        {
            Service = CmkService.ManagedCassandra,
            DisplayName = "Azure Managed Instance for Apache Cassandra",
            SupportedIdentityTypes = new[] { CmkIdentityType.SystemAssigned },
            Sources = new[] { RequirementSources.ManagedCassandra, RequirementSources.CassandraSpec },
            Notes = new[]
            {
                "Cluster identity is SystemAssigned or None (spec 2025-10-15 ManagedCassandraManagedServiceIdentity).",
                "Key permissions get, wrap, unwrap; purge protection required or data center deployments fail (seed 003). No key size rule is documented: the common 2048+ applies.",
                "Data centers take a disk key and a backup key; the backup key is validated too when it differs (seed 003).",
            },
        };

        public const string DiskKeyProperty = "managedDiskCustomerKeyUri";
        public const string BackupKeyProperty = "backupStorageCustomerKeyUri";
        public const string UserAssignedNotSupportedId = "ManagedCassandraUserAssignedIdentityNotSupported";
        public const string DataCenterNotFoundId = "ManagedCassandraDataCenterNotFound";
        public const string NoDataCentersId = "ManagedCassandraNoDataCenters";

        /// <summary>The state needs the children <see cref="ReadAsync"/> lists, which a Resource Graph row does not carry.</summary>
        public override bool StateFromResourceGraph => false;

        /// <summary>The cluster and its data centers: the key settings live on the data centers.</summary>
        public override async Task<CmkResource?> ReadAsync(IAzureResources azure, string resourceId, CancellationToken cancellationToken)
        {
            var cluster = await azure.GetAsync(resourceId, cancellationToken).ConfigureAwait(false);
            if (cluster == null) return null;
            var dataCenters = await azure.ListAsync(DataCentersPath(resourceId), cancellationToken).ConfigureAwait(false);
            return new CmkResource(resourceId, cluster, dataCenters);
        }

        public override TargetIdentity ReadIdentity(JsonObject resource) => FromManagedIdentity(resource, null);

        /// <summary>The cluster has no key-source field: a data center's disk key decides, so KeySource stays null.</summary>
        public override CmkEncryptionState ReadState(CmkResource resource)
        {
            var details = new Dictionary<string, string?>();
            var diskKeys = new List<string?>();
            var notes = new List<string>();
            foreach (var dc in resource.Children)
            {
                var name = NameOf(dc);
                var disk = DiskKey(dc);
                var backup = BackupKey(dc);
                details[name + "." + DiskKeyProperty] = disk;
                details[name + "." + BackupKeyProperty] = backup;
                diskKeys.Add(disk);
                if (disk != null && !string.Equals(disk, backup, StringComparison.OrdinalIgnoreCase))
                    notes.Add(backup == null
                        ? $"Data center {name} has no backup key: its backups use Microsoft-managed keys."
                        : $"Data center {name} encrypts backups with a different key ({backup}).");
            }
            var status = resource.Json.Str("properties", "provisioningState");
            var configured = diskKeys.Where(k => k != null).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (configured.Count == 0)
                return CmkEncryptionState.MicrosoftManaged(null) with { ServiceStatus = status, Details = details };
            if (configured.Count > 1 || diskKeys.Contains(null))
                notes.Insert(0, "The data centers do not all use the same disk key: see Details.");
            KeyIdentifier.TryParse(configured[0], out var key);
            var state = new CmkEncryptionState
            {
                CustomerManaged = true,
                KeyUri = configured[0],
                KeyVaultUri = key?.VaultUri,
                KeyName = key?.Name,
                KeyVersion = key?.Version,
                ServiceStatus = status,
                Details = details,
                Notes = notes,
            };
            return WithIdentity(state, ReadIdentity(resource.Json));
        }

        protected override bool AcceptsDataCenters => true;
        protected override bool AcceptsBackupKey => true;

        /// <summary>Cassandra's identity type is SystemAssigned or None: there is no combined value.</summary>
        protected override string? CombinedIdentityType => null;

        /// <summary>A documented limit of the service, refused before any call (not the generic identity-type check).</summary>
        public override void ValidateRequest(string resourceId, CmkIdentityType? requestedIdentityType)
        {
            if (requestedIdentityType != CmkIdentityType.UserAssigned) return;
            throw CmkErrors.Create(UserAssignedNotSupportedId, resourceId,
                "A cluster can only use its system-assigned identity for its key; leave out -IdentityType UserAssigned and -UserAssignedIdentityId.");
        }

        public override void ValidateEnable(CmkResource resource, CmkEnableRequest request)
        {
            ValidateRequest(resource.Id, request.Identity.Type);
            base.ValidateEnable(resource, request);
            SelectDataCenters(resource, request.DataCenterNames, onlyConfigured: false);
        }

        /// <summary>A SystemAssigned cluster whose chosen data centers all use exactly this disk key and backup key.</summary>
        public override bool IsConfigured(CmkResource resource, CmkEnableRequest request)
        {
            if (ReadIdentity(resource.Json).Type != CmkIdentityType.SystemAssigned) return false;
            var backup = request.BackupKey ?? request.Key;
            var dataCenters = SelectDataCenters(resource, request.DataCenterNames, onlyConfigured: false);
            return dataCenters.All(dc => SameKey(DiskKey(dc), request.Key) && SameKey(BackupKey(dc), backup));
        }

        protected override IReadOnlyList<ResourceWrite> BuildEnableWrites(CmkResource resource, CmkEnableRequest request)
        {
            var backup = request.BackupKey ?? request.Key;
            return DataCenterWrites(resource, SelectDataCenters(resource, request.DataCenterNames, onlyConfigured: false),
                _ => (request.Key.Uri, backup.Uri));
        }

        /// <summary>
        /// Both URIs move to the new key together (the default), or with IncludeBackupKey false the disk key moves and the
        /// backup key stays as it is. Without -DataCenterName only the data centers already under a key move: a key change
        /// does not put new data centers under one.
        /// </summary>
        public override IReadOnlyList<ResourceWrite> PlanKeyChange(CmkResource resource, KeyIdentifier newKey, CmkKeyChangeOptions options)
        {
            var state = ReadState(resource);
            if (!state.CustomerManaged)
                throw CmkErrors.Create(NotCustomerManagedId, resource.Id, $"{DisplayName} cluster {resource.Name} has no data center under a customer-managed key; enable one first (Set-AzCmkEncryption).");
            var dataCenters = SelectDataCenters(resource, options.DataCenterNames, onlyConfigured: options.DataCenterNames == null);
            return DataCenterWrites(resource, dataCenters,
                dc => (newKey.Uri, options.IncludeBackupKey ? newKey.Uri : BackupKey(dc) ?? newKey.Uri));
        }

        protected override string? DisableUnsupportedReason =>
            "neither its customer-managed key documentation nor api-version 2025-10-15 documents a way back to Microsoft-managed keys for a data center's disks or backups; the only documented update sets another key.";

        /// <summary>One PATCH per data center whose keys change, each carrying both URIs so neither is ever dropped.</summary>
        private static IReadOnlyList<ResourceWrite> DataCenterWrites(CmkResource resource, IEnumerable<JsonObject> dataCenters,
            Func<JsonObject, (string Disk, string Backup)> keysFor)
        {
            var writes = new List<ResourceWrite>();
            foreach (var dc in dataCenters)
            {
                var (disk, backup) = keysFor(dc);
                if (SameUri(DiskKey(dc), disk) && SameUri(BackupKey(dc), backup)) continue;
                var body = new JsonObject
                {
                    ["properties"] = new JsonObject { [DiskKeyProperty] = disk, [BackupKeyProperty] = backup },
                };
                var name = NameOf(dc);
                var what = string.Equals(disk, backup, StringComparison.OrdinalIgnoreCase)
                    ? $"data center {name}: disks and backups with key {disk}"
                    : $"data center {name}: disks with key {disk}, backups with key {backup}";
                writes.Add(ResourceWrite.Patch(DataCentersPath(resource.Id) + "/" + name, body, what));
            }
            return writes;
        }

        /// <summary>
        /// The data centers a call applies to: the named ones (each must exist), or all of them (only those under a key
        /// when <paramref name="onlyConfigured"/>). A cluster without data centers has nothing to put under a key.
        /// </summary>
        private IReadOnlyList<JsonObject> SelectDataCenters(CmkResource resource, IReadOnlyList<string>? names, bool onlyConfigured)
        {
            if (resource.Children.Count == 0)
            {
                throw CmkErrors.Create(NoDataCentersId, resource.Id, $"Cluster {resource.Name} has no data centers.");
            }
            if (names == null)
                return resource.Children.Where(dc => !onlyConfigured || DiskKey(dc) != null).ToList();
            var selected = new List<JsonObject>();
            foreach (var name in names)
            {
                var dc = resource.Children.FirstOrDefault(c => string.Equals(NameOf(c), name, StringComparison.OrdinalIgnoreCase))
                    ?? throw CmkErrors.InvalidInput(DataCenterNotFoundId, "DataCenterName", name,
                        $"cluster {resource.Name} has no such data center (it has {string.Join(", ", resource.Children.Select(NameOf))}).");
                if (!selected.Contains(dc)) selected.Add(dc);
            }
            return selected;
        }

        private static string DataCentersPath(string clusterId) => clusterId.TrimEnd('/') + "/dataCenters";
        private static string NameOf(JsonObject dc) => dc.Str("name") ?? "";
        private static string? DiskKey(JsonObject dc) => NonEmpty(dc.Str("properties", DiskKeyProperty));
        private static string? BackupKey(JsonObject dc) => NonEmpty(dc.Str("properties", BackupKeyProperty));
        private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

        private static bool SameUri(string? configured, string wanted)
            => KeyIdentifier.TryParse(wanted, out var id) ? SameKey(configured, id!) : string.Equals(configured, wanted, StringComparison.OrdinalIgnoreCase);
    }
}
