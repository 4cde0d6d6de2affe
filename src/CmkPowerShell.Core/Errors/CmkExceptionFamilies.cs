using System;

namespace CmkPowerShell.Core.Errors
{
    // One type per family so that a script can write `catch [CmkPowerShell.Core.Errors.KeyStateException]`.
    // The constructors mirror CmkException's so every family can carry the same information.

    /// <summary>The key vault is set up in a way the service cannot use (soft delete, purge protection, region, firewall...).</summary>
    public class KeyVaultConfigurationException : CmkException
    {
        public KeyVaultConfigurationException(string errorId, CmkErrorCategory category, string message, string? target = null,
            string? recommendedAction = null, string? serviceCode = null, string? serviceMessage = null,
            bool userCanFix = true, Exception? innerException = null)
            : base(errorId, category, message, target, recommendedAction, serviceCode, serviceMessage, userCanFix, innerException) { }
    }

    /// <summary>The key itself is unusable: missing, disabled, expired, not yet active, wrong type or size.</summary>
    public class KeyStateException : CmkException
    {
        public KeyStateException(string errorId, CmkErrorCategory category, string message, string? target = null,
            string? recommendedAction = null, string? serviceCode = null, string? serviceMessage = null,
            bool userCanFix = true, Exception? innerException = null)
            : base(errorId, category, message, target, recommendedAction, serviceCode, serviceMessage, userCanFix, innerException) { }
    }

    /// <summary>Access or identity: the caller or the resource's managed identity is not allowed, absent or not authenticated.</summary>
    public class CmkAccessException : CmkException
    {
        public CmkAccessException(string errorId, CmkErrorCategory category, string message, string? target = null,
            string? recommendedAction = null, string? serviceCode = null, string? serviceMessage = null,
            bool userCanFix = true, Exception? innerException = null)
            : base(errorId, category, message, target, recommendedAction, serviceCode, serviceMessage, userCanFix, innerException) { }
    }

    /// <summary>The service could not be reached or did not answer in time.</summary>
    public class CmkNetworkException : CmkException
    {
        public CmkNetworkException(string errorId, CmkErrorCategory category, string message, string? target = null,
            string? recommendedAction = null, string? serviceCode = null, string? serviceMessage = null,
            bool userCanFix = false, Exception? innerException = null)
            : base(errorId, category, message, target, recommendedAction, serviceCode, serviceMessage, userCanFix, innerException) { }
    }

    /// <summary>The service does not support the requested change in the resource's current state.</summary>
    public class CmkUnsupportedOperationException : CmkException
    {
        public CmkUnsupportedOperationException(string errorId, CmkErrorCategory category, string message, string? target = null,
            string? recommendedAction = null, string? serviceCode = null, string? serviceMessage = null,
            bool userCanFix = true, Exception? innerException = null)
            : base(errorId, category, message, target, recommendedAction, serviceCode, serviceMessage, userCanFix, innerException) { }
    }

    /// <summary>The service throttled the request (HTTP 429); <see cref="RetryAfter"/> is the wait it asked for, if any.</summary>
    public class CmkThrottledException : CmkException
    {
        public CmkThrottledException(string errorId, CmkErrorCategory category, string message, string? target = null,
            string? recommendedAction = null, string? serviceCode = null, string? serviceMessage = null,
            bool userCanFix = false, Exception? innerException = null, TimeSpan? retryAfter = null)
            : base(errorId, category, message, target, recommendedAction, serviceCode, serviceMessage, userCanFix, innerException)
        {
            RetryAfter = retryAfter;
        }

        public TimeSpan? RetryAfter { get; }
    }

    /// <summary>Any other failure the service reported, including codes the catalogue does not know.</summary>
    public class CmkServiceException : CmkException
    {
        public CmkServiceException(string errorId, CmkErrorCategory category, string message, string? target = null,
            string? recommendedAction = null, string? serviceCode = null, string? serviceMessage = null,
            bool userCanFix = false, Exception? innerException = null)
            : base(errorId, category, message, target, recommendedAction, serviceCode, serviceMessage, userCanFix, innerException) { }
    }

    /// <summary>
    /// Input the user gave cannot be used as it is (an unparseable -KeyUri or -ResourceId, a key vault URL the
    /// service rejects); <see cref="ParameterName"/> names the parameter to correct.
    /// </summary>
    public class CmkInputException : CmkException
    {
        public CmkInputException(string errorId, string? parameterName, string message, string? target = null,
            string? recommendedAction = null, CmkErrorCategory category = CmkErrorCategory.InvalidArgument,
            string? serviceCode = null, string? serviceMessage = null, Exception? innerException = null)
            : base(errorId, category, message, target, recommendedAction, serviceCode, serviceMessage, userCanFix: true, innerException)
        {
            ParameterName = parameterName;
        }

        public string? ParameterName { get; }
    }
}
