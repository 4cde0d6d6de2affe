using System;
using System.Management.Automation;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// Puts each resource under a customer-managed key: checks every documented requirement first (no write when one
    /// fails), enables or attaches the identity, optionally grants it least-privilege access, then sets the key and
    /// follows the operation. A second identical call writes nothing.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "AzCmkEncryption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CmkEncryptionStatus))]
    public sealed class SetAzCmkEncryptionCommand : CmkServiceCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource id of the NetApp account, Data Box job, Kusto cluster, Cassandra cluster, Batch account, storage account, disk encryption set or SQL server.")]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string ResourceId { get; set; } = "";

        [Parameter(Mandatory = true, Position = 1, HelpMessage = "The key identifier, versioned or versionless: https://{vault}.vault.azure.net/keys/{name}[/{version}].")]
        [ValidateNotNullOrEmpty]
        public string KeyUri { get; set; } = "";

        [Parameter(HelpMessage = "The identity the service uses to reach the key: SystemAssigned (default) or UserAssigned.")]
        [ValidateSet("SystemAssigned", "UserAssigned")]
        public string? IdentityType { get; set; }

        [Parameter(HelpMessage = "The resource id of the user-assigned identity to attach and use for the key.")]
        [ValidateNotNullOrEmpty]
        public string? UserAssignedIdentityId { get; set; }

        [Parameter(HelpMessage = "NetApp Files, Storage, disk encryption sets, Cosmos DB: the application (client) id of the multi-tenant app for a key in another tenant.")]
        public Guid? FederatedClientId { get; set; }

        [Parameter(HelpMessage = "Managed Cassandra: only these data centers (default: all of the cluster's).")]
        [ValidateNotNullOrEmpty]
        public string[]? DataCenterName { get; set; }

        [Parameter(HelpMessage = "Managed Cassandra: another key for backups (default: the same key).")]
        [ValidateNotNullOrEmpty]
        public string? BackupKeyUri { get; set; }

        [Parameter(HelpMessage = "Disk encryption sets and SQL servers: turn the service's rotation to the latest key version on (-AutoRotate) or off (-AutoRotate:$false); left as it is when not given.")]
        public SwitchParameter AutoRotate { get; set; }

        [Parameter(HelpMessage = "Grant the identity least-privilege access to the key before setting it.")]
        public SwitchParameter GrantAccess { get; set; }

        [Parameter(HelpMessage = "Skip the requirement checks (inputs are still parsed); the service then reports any problem itself.")]
        public SwitchParameter SkipValidation { get; set; }

        [Parameter(HelpMessage = "Output the resulting CmkEncryptionStatus.")]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var options = new CmkSetOptions(ResourceId, KeyUri)
            {
                IdentityType = IdentityType == null ? (CmkIdentityType?)null : (CmkIdentityType)Enum.Parse(typeof(CmkIdentityType), IdentityType, true),
                UserAssignedIdentityId = UserAssignedIdentityId,
                FederatedClientId = FederatedClientId?.ToString(),
                AutoRotate = MyInvocation.BoundParameters.ContainsKey(nameof(AutoRotate)) ? AutoRotate.IsPresent : (bool?)null,
                DataCenterNames = DataCenterName,
                BackupKeyUri = BackupKeyUri,
                GrantAccess = GrantAccess,
                SkipValidation = SkipValidation,
            };
            ForItem(ResourceId, async (manager, ct) =>
            {
                var status = await manager.SetAsync(options, ct).ConfigureAwait(false);
                foreach (var note in status?.Notes ?? Array.Empty<string>()) OnPipelineThread(() => WriteVerbose(note));
                return status;
            }, PassThru);
        }
    }
}
