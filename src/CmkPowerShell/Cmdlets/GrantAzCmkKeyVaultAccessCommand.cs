using System;
using System.Management.Automation;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// Least-privilege access to a key for a resource's identity (or a principal): an access policy with exactly the
    /// service's key permissions, or a role assignment scoped to the key, in the model the vault uses. Idempotent.
    /// </summary>
    [Cmdlet(VerbsSecurity.Grant, "AzCmkKeyVaultAccess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = ResourceSet)]
    [OutputType(typeof(CmkAccessGrant))]
    public sealed class GrantAzCmkKeyVaultAccessCommand : CmkServiceCmdlet
    {
        private const string ResourceSet = "ResourceId";
        private const string PrincipalSet = "PrincipalId";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ResourceSet, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource whose key identity is granted access (its service decides the permissions).")]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string? ResourceId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PrincipalSet, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The object (principal) id of the managed identity to grant access.")]
        public Guid PrincipalId { get; set; }

        [Parameter(Mandatory = true, Position = 1, HelpMessage = "The key to grant access to: https://{vault}.vault.azure.net/keys/{name}.")]
        [ValidateNotNullOrEmpty]
        public string KeyUri { get; set; } = "";

        [Parameter(ParameterSetName = PrincipalSet, HelpMessage = "The service the principal uses the key for (NetAppFiles needs encrypt/decrypt; the others wrap/unwrap).")]
        [ValidateSet("NetAppFiles", "DataBox", "DataExplorer", "ManagedCassandra", "Batch", "EventHubs", "ServiceBus", "ContainerRegistry", "PostgreSqlFlexibleServer", "RecoveryServicesVault", "StorageAccount", "DiskEncryptionSet", "SqlServer", "LogAnalyticsCluster", "CosmosDbAccount")]
        public string? Service { get; set; }

        [Parameter(HelpMessage = "Auto (the vault's own permission model), AccessPolicy or Rbac (refused when the vault uses the other model).")]
        [ValidateSet("Auto", "AccessPolicy", "Rbac")]
        public string Mode { get; set; } = "Auto";

        [Parameter(HelpMessage = "Output the CmkAccessGrant, also when nothing had to change.")]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            // Enums from Core are parsed inside the work: a captured enum local would become a closure field whose
            // type PowerShell loads before the dependency resolver is installed (ModuleLoadContractTests).
            var mode = Mode;
            if (ParameterSetName == ResourceSet)
            {
                var resourceId = ResourceId!;
                ForItem<CmkAccessGrant>(resourceId, (manager, ct) => manager.GrantForResourceAsync(resourceId, KeyUri, ParseMode(mode), ct)!, PassThru);
                return;
            }
            var service = Service;
            var principal = PrincipalId.ToString();
            ForItem<CmkAccessGrant>(principal, (manager, ct) => manager.GrantForPrincipalAsync(principal, ParseService(service), KeyUri, ParseMode(mode), ct)!, PassThru);
        }

        private static CmkGrantMode ParseMode(string mode) => (CmkGrantMode)Enum.Parse(typeof(CmkGrantMode), mode, true);

        private static CmkService? ParseService(string? service)
            => service == null ? (CmkService?)null : (CmkService)Enum.Parse(typeof(CmkService), service, true);
    }
}
