using System.Management.Automation;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// What the NetApp account cmdlets share: the account named by -ResourceId (bound by property name from Az objects
    /// and our own output) or by -ResourceGroupName and -AccountName in the connected subscription.
    /// </summary>
    public abstract class NetAppAccountCmdlet : CmkCmdlet
    {
        protected const string ByIdSet = "ResourceId";
        protected const string ByNameSet = "AccountName";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource id of the NetApp account (Microsoft.NetApp/netAppAccounts).")]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string? ResourceId { get; set; }

        [Parameter(ParameterSetName = ByNameSet, Mandatory = true, HelpMessage = "The resource group of the NetApp account, in the connected subscription.")]
        [ValidateNotNullOrEmpty]
        public string? ResourceGroupName { get; set; }

        [Parameter(ParameterSetName = ByNameSet, Mandatory = true, Position = 0, HelpMessage = "The name of the NetApp account.")]
        [ValidateNotNullOrEmpty]
        public string? AccountName { get; set; }

        /// <summary>The account's id: as given, or built from the names in the session's subscription.</summary>
        protected string AccountIdIn(CmkSession session)
            => ParameterSetName == ByNameSet ? NetAppLifecycle.AccountId(session.SubscriptionId, ResourceGroupName!, AccountName!) : ResourceId!.Trim();
    }
}
