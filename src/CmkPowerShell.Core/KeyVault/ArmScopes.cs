using System;
using Azure.Core;

namespace CmkPowerShell.Core.KeyVault
{
    /// <summary>
    /// Resource id parsing (over Azure.Core's ResourceIdentifier) and the scope arithmetic that role
    /// assignments need.
    /// </summary>
    public static class ArmScopes
    {
        public const string KeyVaultType = "Microsoft.KeyVault/vaults";
        public const string ManagedHsmType = "Microsoft.KeyVault/managedHSMs";
        public const string UserAssignedIdentityType = "Microsoft.ManagedIdentity/userAssignedIdentities";

        /// <summary>
        /// Parses a resource id inside a resource group. With <paramref name="expectedType"/> (e.g.
        /// "Microsoft.KeyVault/vaults") the id must be of that type. Throws the typed InvalidResourceId error.
        /// </summary>
        public static ResourceIdentifier ParseResourceId(string? input, string? expectedType = null, string parameterName = "ResourceId")
        {
            if (string.IsNullOrWhiteSpace(input)) throw KeyVaultInputErrors.InvalidResourceId(input, "it is empty.", parameterName);
            // Refused before ResourceIdentifier or the request URL can rewrite it ("/resourceGroups/../providers" names another resource).
            var text = input!;
            if (CanonicalInput.Problem(text) is { } problem) throw KeyVaultInputErrors.InvalidResourceId(input, problem, parameterName);
            if (!text.StartsWith("/", StringComparison.Ordinal) || text.IndexOfAny(new[] { '?', '#', ' ' }) >= 0
                || text.Contains("//"))
                throw KeyVaultInputErrors.InvalidResourceId(input, "it must be an ARM path starting with /subscriptions/.", parameterName);
            if (!ResourceIdentifier.TryParse(text, out var id) || id is null)
                throw KeyVaultInputErrors.InvalidResourceId(input, "it cannot be parsed.", parameterName);
            if (string.IsNullOrEmpty(id.SubscriptionId) || !Guid.TryParse(id.SubscriptionId, out _))
                throw KeyVaultInputErrors.InvalidResourceId(input, "it has no valid subscription id.", parameterName);
            if (string.IsNullOrEmpty(id.ResourceGroupName))
                throw KeyVaultInputErrors.InvalidResourceId(input, "it has no resource group.", parameterName);
            var type = id.ResourceType.ToString();
            if (type.StartsWith("Microsoft.Resources/", StringComparison.OrdinalIgnoreCase))
                throw KeyVaultInputErrors.InvalidResourceId(input, "it names a resource group, not a resource.", parameterName);
            if (expectedType != null && !string.Equals(type, expectedType, StringComparison.OrdinalIgnoreCase))
                throw KeyVaultInputErrors.InvalidResourceId(input, $"it is a {type}, not a {expectedType}.", parameterName);
            return id;
        }

        /// <summary>The full resource type, e.g. "Microsoft.NetApp/netAppAccounts".</summary>
        public static string TypeOf(ResourceIdentifier id) => id.ResourceType.ToString();

        /// <summary>
        /// Whether a role assignment made at <paramref name="assignmentScope"/> applies to
        /// <paramref name="resourceScope"/>: the root scope and management-group scopes (ARM only returns
        /// those when they are ancestors), or a segment-wise, case-insensitive prefix of the resource path.
        /// </summary>
        public static bool AppliesTo(string? assignmentScope, string resourceScope)
        {
            if (assignmentScope is null) return false;
            var scope = Segments(assignmentScope);
            if (scope.Length == 0) return true;
            if (scope.Length >= 2 && Eq(scope[0], "providers") && Eq(scope[1], "Microsoft.Management")) return true;
            var target = Segments(resourceScope);
            if (scope.Length > target.Length) return false;
            for (int i = 0; i < scope.Length; i++)
                if (!Eq(scope[i], target[i])) return false;
            return true;
        }

        private static string[] Segments(string path) => path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);

        private static bool Eq(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }
}
