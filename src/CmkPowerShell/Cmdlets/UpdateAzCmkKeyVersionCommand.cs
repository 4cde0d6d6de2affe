using System.Management.Automation;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// Moves resources to the newest valid version of their key (or to a given version, or another key). Every resource
    /// piped in is one item: its failure is one non-terminating error and the rest go on. Items run concurrently
    /// (-ThrottleLimit) once the input ends; the run's vault, key and version reads are cached across the whole pipeline.
    /// ConfirmImpact Medium: a key change is reversible (run it again with the previous version) but it changes what
    /// encrypts the data.
    /// </summary>
    [Cmdlet(VerbsData.Update, "AzCmkKeyVersion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = SameVaultSet)]
    [OutputType(typeof(CmkKeyRotationResult))]
    [OutputType(typeof(CmkEncryptionStatus))]
    public sealed class UpdateAzCmkKeyVersionCommand : CmkCmdlet
    {
        private const string SameVaultSet = "SameVault";
        private const string KeyUriSet = "KeyUri";

        private CmkSession? _session;
        private KeyRotation? _rotation;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource id of a NetApp account, Data Box job, Kusto cluster, Cassandra cluster or Batch account.")]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string ResourceId { get; set; } = "";

        [Parameter(ParameterSetName = SameVaultSet, HelpMessage = "Use exactly this key version (32 hexadecimal characters) instead of the newest valid one.")]
        [ValidateNotNullOrEmpty]
        public string? KeyVersion { get; set; }

        [Parameter(ParameterSetName = SameVaultSet, HelpMessage = "Use another key of the same key vault (NetApp Files: rekey).")]
        [ValidateNotNullOrEmpty]
        public string? KeyName { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = KeyUriSet,
            HelpMessage = "Use a key of another key vault, with or without a version (NetApp Files: changeKeyVault).")]
        [ValidateNotNullOrEmpty]
        public string? KeyUri { get; set; }

        [Parameter(HelpMessage = "Managed Cassandra only: change only these data centers (default: all of them).")]
        [ValidateNotNullOrEmpty]
        public string[]? DataCenterName { get; set; }

        [Parameter(HelpMessage = "Output the resource's resulting encryption (CmkEncryptionStatus) instead of the rotation result.")]
        public SwitchParameter PassThru { get; set; }

        [Parameter(HelpMessage = "How many resources are rotated at once (default 50); ARM's request budgets are kept by the module's throttle gate whatever the number.")]
        [ValidateRange(1, 1000)]
        public int ThrottleLimit { get; set; } = FleetRun.DefaultThrottleLimit;

        protected override void BeginProcessing()
        {
            _session = Run(host => GetSessionAsync(host));
            // One rotation (and so one read cache) for the whole pipeline.
            if (_session != null) _rotation = new KeyRotation(_session);
        }

        protected override void ProcessRecord()
        {
            var rotation = _rotation;
            if (rotation == null) return;
            var request = new CmkKeyRotationRequest(ResourceId)
            {
                KeyVersion = KeyVersion,
                KeyName = KeyName,
                KeyUri = KeyUri,
                DataCenterNames = DataCenterName,
            };
            var passThru = PassThru.IsPresent;
            QueueFleetItem(ResourceId, async host => await rotation.RotateAsync(request, host, host.CancellationToken).ConfigureAwait(false),
                written =>
                {
                    var result = (CmkKeyRotationResult)written!;
                    if (!passThru) WriteObject(result);
                    else if (result.Encryption != null) WriteObject(result.Encryption);
                });
        }

        protected override void EndProcessing()
        {
            if (_session != null) RunQueuedFleet(ThrottleLimit, _session.Limiter);
        }
    }
}
