using System;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Requirements.Targets
{
    /// <summary>Data Box jobs: identity + properties.details.keyEncryptionKey.identityProperties (read with $expand=details).</summary>
    public sealed class DataBoxTarget : CmkServiceTarget
    {
        public override CmkService Service => CmkService.DataBox;
        public override string ResourceType => "Microsoft.DataBox/jobs";
        public override string? ReadQuery => "$expand=details";

        public override TargetIdentity ReadIdentity(JsonObject resource)
        {
            var kekIdentity = resource.At("properties", "details", "keyEncryptionKey", "identityProperties");
            var chosen = string.Equals(kekIdentity.Str("type"), "UserAssigned", StringComparison.OrdinalIgnoreCase)
                ? kekIdentity.Str("userAssigned", "resourceId")
                : null;
            return FromManagedIdentity(resource, chosen);
        }
    }
}
