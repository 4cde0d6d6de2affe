using System.Management.Automation;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// Takes each resource back to Microsoft-managed keys where the service allows it (Data Explorer, Batch, Data Box);
    /// elsewhere a typed CmkDisableNotSupported error with the reason, before any write. ConfirmImpact High: the data is
    /// re-encrypted under a key the customer no longer controls.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Disable, "AzCmkEncryption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(CmkEncryptionStatus))]
    public sealed class DisableAzCmkEncryptionCommand : CmkServiceCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource id of the resource to take back to Microsoft-managed keys.")]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string ResourceId { get; set; } = "";

        [Parameter(HelpMessage = "Output the resulting CmkEncryptionStatus.")]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            // Captured now: the work runs after the input ends, when the parameter holds the last resource piped in.
            var resourceId = ResourceId;
            ForItem(resourceId, (manager, ct) => manager.DisableAsync(resourceId, ct), PassThru);
        }
    }
}
