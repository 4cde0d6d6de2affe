using System;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Requirements.Targets
{
    /// <summary>
    /// Batch accounts: the account identity. A UserAssigned-only account is reported as such so that
    /// Identity.Type can say Batch needs SystemAssigned for keySource Microsoft.KeyVault.
    /// </summary>
    public sealed class BatchTarget : CmkServiceTarget
    {
        public override CmkService Service => CmkService.Batch;
        public override string ResourceType => "Microsoft.Batch/batchAccounts";

        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var type = resource.Str("identity", "type");
            if (!string.Equals(type, "UserAssigned", StringComparison.OrdinalIgnoreCase)) return FromManagedIdentity(resource, null);
            var sole = SoleUserAssignedIdentity(resource);
            return sole != null ? FromManagedIdentity(resource, sole) : new TargetIdentity(CmkIdentityType.UserAssigned, null, null, null);
        }
    }
}
