using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.KeyVault
{
    /// <summary>
    /// The typed errors for input that cannot be parsed (a key URI, a resource id, a vault or key name), each
    /// naming the cmdlet parameter it came through. They all come from <see cref="Input"/>, so that moving to
    /// the error catalogue's input family (CmkErrors.InvalidInput) is a change of that one method.
    /// </summary>
    public static class KeyVaultInputErrors
    {
        public const string InvalidKeyUriId = "InvalidKeyUri";
        public const string InvalidResourceIdId = "InvalidResourceId";
        public const string InvalidKeyVaultNameId = "InvalidKeyVaultName";
        public const string InvalidKeyNameId = "InvalidKeyName";

        public static CmkException InvalidKeyUri(string? input, string reason, string parameterName = "KeyUri")
            => Input(InvalidKeyUriId, parameterName, $"'{input}' is not a valid key URI: {reason}", input,
                "Give the key identifier as https://{vault-name}.vault.azure.net/keys/{key-name}[/{version}] "
                + "(or the Managed HSM / sovereign cloud equivalent), as shown by Get-AzKeyVaultKey.");

        public static CmkException InvalidResourceId(string? input, string reason, string parameterName = "ResourceId")
            => Input(InvalidResourceIdId, parameterName, $"'{input}' is not a valid Azure resource id: {reason}", input,
                "Give the full resource id: /subscriptions/{id}/resourceGroups/{group}/providers/{namespace}/{type}/{name}.");

        public static CmkException InvalidKeyVaultName(string? input, string reason, string parameterName = "KeyVaultName")
            => Input(InvalidKeyVaultNameId, parameterName, $"'{input}' is not a valid key vault name: {reason}", input,
                "Key vault names have 3-24 characters: letters, digits and hyphens, starting with a letter.");

        public static CmkException InvalidKeyName(string? input, string reason, string parameterName = "KeyName")
            => Input(InvalidKeyNameId, parameterName, $"'{input}' is not a valid key name: {reason}", input,
                "Key names have 1-127 characters: letters, digits and hyphens.");

        private static CmkException Input(string errorId, string parameterName, string message, string? target, string recommendedAction)
            => new CmkException(errorId, CmkErrorCategory.InvalidArgument, $"{message} (-{parameterName})", target, recommendedAction);
    }
}
