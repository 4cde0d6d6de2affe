namespace CmkPowerShell.Core.Errors
{
    /// <summary>Turns what a service said into the typed exception the catalogue prescribes.</summary>
    public static class CmkErrors
    {
        // PLACEHOLDER until the error catalogue lands (issue 3): everything becomes a generic service error.
        public static CmkException FromServiceError(ServiceError error, string? target)
            => new CmkException(error.Code ?? "ServiceError", CmkErrorCategory.NotSpecified,
                error.Message ?? $"The service answered HTTP {error.HttpStatus}.", target,
                serviceCode: error.Code, serviceMessage: error.Message, userCanFix: false);
    }
}
