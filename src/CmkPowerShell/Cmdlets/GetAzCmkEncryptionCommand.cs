using System;
using System.Management.Automation;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// The encryption of resources, in one shape for every service. Reads only. Either the resources piped in (read
    /// concurrently), or every supported resource of a scope found through Azure Resource Graph (subscriptions, resource
    /// groups, a management group; with neither, the connected subscription), with the fleet filters applied.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "AzCmkEncryption", DefaultParameterSetName = ScopeSet)]
    [OutputType(typeof(CmkEncryptionStatus))]
    public sealed class GetAzCmkEncryptionCommand : CmkServiceCmdlet
    {
        private const string ResourceSet = "ResourceId";
        private const string ScopeSet = "Scope";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ResourceSet, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource id of the NetApp account, Data Box job, Kusto cluster, Cassandra cluster or Batch account.")]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string ResourceId { get; set; } = "";

        // Named only: a resource id given by position keeps meaning -ResourceId, as it always did.
        [Parameter(ParameterSetName = ScopeSet,
            HelpMessage = "Subscriptions (id or /subscriptions/<id>), resource groups (/subscriptions/<id>/resourceGroups/<name>) or management groups (/providers/Microsoft.Management/managementGroups/<name>) to search through Azure Resource Graph; default: the connected subscription.")]
        [ValidateNotNullOrEmpty]
        public string[]? Scope { get; set; }

        [Parameter(HelpMessage = "Only resources whose customer-managed key lives in this key vault.")]
        [ValidateNotNullOrEmpty]
        public string? KeyVaultName { get; set; }

        [Parameter(HelpMessage = "Only resources using this key (versionless: any version of it; versioned: exactly that version).")]
        [ValidateNotNullOrEmpty]
        public string? KeyUri { get; set; }

        [Parameter(HelpMessage = "Only resources still on Microsoft-managed keys.")]
        public SwitchParameter MicrosoftManaged { get; set; }

        [Parameter(HelpMessage = "Only resources pinned to a key version other than the key's current (newest) version.")]
        public SwitchParameter NotLatestVersion { get; set; }

        [Parameter(HelpMessage = "Only resources whose key version expires within this many days (read from the key vault's management plane, each key once).")]
        [ValidateRange(0, 36500)]
        public int? KeyExpiresWithinDays { get; set; }

        private CmkFleetFilter? _filter;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Session == null) return;
            var session = Session;
            _filter = Precondition(() => new CmkFleetFilter
            {
                KeyVaultName = KeyVaultName,
                Key = KeyUri == null ? null : KeyIdentifier.Parse(KeyUri, session.Cloud),
                MicrosoftManaged = MicrosoftManaged,
                NotLatestVersion = NotLatestVersion,
                KeyExpiresWithinDays = KeyExpiresWithinDays,
            });
        }

        protected override void ProcessRecord()
        {
            if (Session == null || _filter == null) return;
            if (ParameterSetName == ScopeSet)
            {
                Discover();
                return;
            }
            var resourceId = ResourceId;
            var filter = _filter;
            var reader = Reader!;
            ForItem<CmkEncryptionStatus>(resourceId, async (manager, ct) =>
            {
                var status = await manager.GetAsync(resourceId, ct).ConfigureAwait(false);
                return await filter.MatchesAsync(status, reader, () => DateTimeOffset.UtcNow, ct).ConfigureAwait(false) ? status : null;
            }, emit: true);
        }

        private void Discover()
        {
            var session = Session!;
            var reader = Reader!;
            var filter = _filter!;
            var scopes = Scope;
            var throttle = ThrottleLimit;
            Run(async host =>
            {
                var discovery = new FleetDiscovery(session, reader, host);
                await discovery.DiscoverAsync(scopes, filter, status => Emit(status),
                    (id, error) => OnPipelineThread(() => WriteError(error is Core.Errors.CmkException cmk
                        ? Hosting.CmkErrorRecords.From(cmk) : Hosting.CmkErrorRecords.FromUnexpected(error))),
                    throttle, host.CancellationToken).ConfigureAwait(false);
                host.WriteVerbose($"Resource Graph: {discovery.GraphRequests} request(s).");
            });
        }
    }
}
