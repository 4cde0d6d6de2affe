using System.Management.Automation;
using CmkPowerShell.Core.Azure;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// Forgets the session's connection and its credential. Like Disconnect-AzAccount it honours -WhatIf and
    /// -Confirm (a script may ask what it would sign out of); ConfirmImpact is Low because reconnecting undoes it.
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "AzCmk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(CmkConnectionInfo))]
    public sealed class DisconnectAzCmkCommand : CmkCmdlet
    {
        [Parameter(HelpMessage = "Output the connection that was closed.")]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var current = CmkContext.Current?.Info;
            if (current is null)
            {
                WriteVerbose("Not connected; nothing to disconnect.");
                return;
            }
            if (!ShouldProcess($"{current.Account} on {current.ResourceManager} (subscription {current.SubscriptionId})", "Disconnect"))
            {
                return;
            }
            CmkContext.Disconnect();
            if (PassThru)
            {
                WriteObject(current);
            }
        }
    }
}
