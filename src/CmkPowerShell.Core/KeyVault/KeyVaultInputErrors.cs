using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.KeyVault
{
    /// <summary>
    /// The typed errors for input that cannot be parsed (a key URI, a resource id, a vault or key name), each
    /// naming the cmdlet parameter it came through, with the catalogue's fix for that kind of input.
    /// </summary>
    public static class KeyVaultInputErrors
    {
        public const string InvalidKeyUriId = "InvalidKeyUri";
        public const string InvalidResourceIdId = "InvalidResourceId";
        public const string InvalidKeyVaultNameId = "InvalidKeyVaultName";
        public const string InvalidKeyNameId = "InvalidKeyName";

        public static CmkException InvalidKeyUri(string? input, string reason, string parameterName = "KeyUri")
            => CmkErrors.InvalidInput(InvalidKeyUriId, parameterName, input, reason);

        public static CmkException InvalidResourceId(string? input, string reason, string parameterName = "ResourceId")
            => CmkErrors.InvalidInput(InvalidResourceIdId, parameterName, input, reason);

        public static CmkException InvalidKeyVaultName(string? input, string reason, string parameterName = "KeyVaultName")
            => CmkErrors.InvalidInput(InvalidKeyVaultNameId, parameterName, input, reason);

        public static CmkException InvalidKeyName(string? input, string reason, string parameterName = "KeyName")
            => CmkErrors.InvalidInput(InvalidKeyNameId, parameterName, input, reason);
    }
}
