using System.Management.Automation;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// Moves resources to the newest valid version of their key (or to a given version, or another key). Every resource
    /// piped in is one item: its failure is one non-terminating error and the rest go on. The run's vault, key and version
    /// reads are cached across the whole pipeline. ConfirmImpact Medium: a key change is reversible (run it again with the
    /// previous version) but it changes what encrypts the data.
    /// </summary>
    [Cmdlet(VerbsData.Update, "AzCmkKeyVersion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = SameVaultSet)]
    [OutputType(typeof(CmkKeyRotationResult))]
    [OutputType(typeof(CmkEncryptionStatus))]
    public sealed class UpdateAzCmkKeyVersionCommand : CmkCmdlet
    {
        private const string SameVaultSet = "SameVault";
        private const string KeyUriSet = "KeyUri";

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

        protected override void ProcessRecord()
        {
            var request = new CmkKeyRotationRequest(ResourceId)
            {
                KeyVersion = KeyVersion,
                KeyName = KeyName,
                KeyUri = KeyUri,
                DataCenterNames = DataCenterName,
            };
            if (!TryRunItem(async host =>
                {
                    // One rotation (and so one read cache) for the whole pipeline, made on first use.
                    _rotation ??= new KeyRotation(await GetSessionAsync(host).ConfigureAwait(false));
                    return await _rotation.RotateAsync(request, host, host.CancellationToken).ConfigureAwait(false);
                }, out var result))
            {
                return;
            }
            if (!PassThru) WriteObject(result);
            else if (result.Encryption != null) WriteObject(result.Encryption);
        }
    }
}
