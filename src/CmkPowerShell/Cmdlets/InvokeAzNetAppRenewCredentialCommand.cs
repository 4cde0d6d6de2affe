using System.Management.Automation;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// POST renewCredentials on a NetApp account: renews the managed-identity certificate NetApp Files uses to reach the
    /// key (90 days, renewable from day 46) and fixes a stale encryption.identity.principalId. Not yet eligible gives the
    /// typed NetAppCredentialRenewalNotEligible error with the date; one failed account of many does not stop the rest.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "AzNetAppRenewCredential", DefaultParameterSetName = ByIdSet, SupportsShouldProcess = true,
        ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(NetAppCredentialStatus))]
    public sealed class InvokeAzNetAppRenewCredentialCommand : NetAppAccountCmdlet
    {
        [Parameter(HelpMessage = "Output the account's credential state after the renewal.")]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (TryRunItem(async host =>
                {
                    var session = await GetSessionAsync(host).ConfigureAwait(false);
                    return await new NetAppLifecycle(session).RenewCredentialsAsync(AccountIdIn(session), host).ConfigureAwait(false);
                }, out var status) && status != null && PassThru)
            {
                WriteObject(status);
            }
        }
    }
}
