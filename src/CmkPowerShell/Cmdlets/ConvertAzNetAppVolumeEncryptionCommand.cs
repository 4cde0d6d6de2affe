using System.Management.Automation;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// POST transitiontocmk: moves a NetApp account's existing Microsoft-managed-key volumes to the account's customer-managed
    /// key, one virtual network at a time with a private endpoint to the key vault in it. ConfirmImpact High: it cannot be
    /// undone (a volume's key source does not go back).
    /// </summary>
    [Cmdlet(VerbsData.Convert, "AzNetAppVolumeEncryption", DefaultParameterSetName = ByIdSet, SupportsShouldProcess = true,
        ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(NetAppEncryptionTransition))]
    public sealed class ConvertAzNetAppVolumeEncryptionCommand : NetAppAccountCmdlet
    {
        [Parameter(HelpMessage = "Only the volumes in this virtual network (resource id). By default every virtual network of the account's volumes.")]
        [ValidateNotNullOrEmpty]
        public string? VirtualNetworkId { get; set; }

        [Parameter(HelpMessage = "The private endpoint to the account's key vault in -VirtualNetworkId. By default it is found from the vault's approved private endpoints.")]
        [ValidateNotNullOrEmpty]
        public string? PrivateEndpointId { get; set; }

        [Parameter(HelpMessage = "Output one result per virtual network whose volumes were moved.")]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (TryRunItem(async host =>
                {
                    var session = await GetSessionAsync(host).ConfigureAwait(false);
                    return await new NetAppLifecycle(session).TransitionToCmkAsync(AccountIdIn(session), VirtualNetworkId, PrivateEndpointId, host)
                        .ConfigureAwait(false);
                }, out var results) && PassThru)
            {
                WriteObject(results, enumerateCollection: true);
            }
        }
    }
}
