using System.Management.Automation;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>The encryption of each resource piped in, in one shape for every service. Reads only.</summary>
    [Cmdlet(VerbsCommon.Get, "AzCmkEncryption")]
    [OutputType(typeof(CmkEncryptionStatus))]
    public sealed class GetAzCmkEncryptionCommand : CmkServiceCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource id of the NetApp account, Data Box job, Kusto cluster, Cassandra cluster or Batch account.")]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string ResourceId { get; set; } = "";

        protected override void ProcessRecord()
            => ForItem<CmkEncryptionStatus>(async (manager, ct) => await manager.GetAsync(ResourceId, ct).ConfigureAwait(false), emit: true);
    }
}
