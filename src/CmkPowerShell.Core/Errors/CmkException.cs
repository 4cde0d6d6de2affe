using System;
using System.Collections.Generic;

namespace CmkPowerShell.Core.Errors
{
    /// <summary>
    /// Every failure the engine reports. The cmdlet layer turns it into one ErrorRecord shape:
    /// FullyQualifiedErrorId "ErrorId,CommandType", Category, TargetObject = Target, RecommendedAction.
    /// Scripts catch a family by type (<see cref="KeyVaultConfigurationException"/>, <see cref="KeyStateException"/>,
    /// <see cref="CmkAccessException"/>, <see cref="CmkNetworkException"/>, <see cref="CmkUnsupportedOperationException"/>,
    /// <see cref="CmkThrottledException"/>, <see cref="CmkServiceException"/>, <see cref="CmkInputException"/>);
    /// <see cref="CmkErrors"/> picks the family from the error catalogue.
    /// </summary>
    public class CmkException : Exception
    {
        private static readonly IReadOnlyList<CmkFailedCheck> NoChecks = Array.Empty<CmkFailedCheck>();

        public CmkException(string errorId, CmkErrorCategory category, string message, string? target = null,
            string? recommendedAction = null, string? serviceCode = null, string? serviceMessage = null,
            bool userCanFix = true, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Category = category;
            Target = target;
            RecommendedAction = recommendedAction;
            ServiceCode = serviceCode;
            ServiceMessage = serviceMessage;
            UserCanFix = userCanFix;
        }

        /// <summary>Stable id, e.g. "KeyVaultNotPurgeProtected"; the first half of FullyQualifiedErrorId.</summary>
        public string ErrorId { get; }
        public CmkErrorCategory Category { get; }
        /// <summary>The resource id or key URI the error is about (never the cmdlet).</summary>
        public string? Target { get; set; }
        /// <summary>What the user should do about it.</summary>
        public string? RecommendedAction { get; }
        /// <summary>The service's own error code, kept even when the catalogue knows it.</summary>
        public string? ServiceCode { get; }
        public string? ServiceMessage { get; }
        /// <summary>True when the user can fix the cause (configuration), false for service-side faults.</summary>
        public bool UserCanFix { get; }

        /// <summary>The whole error as the service reported it (status, origin, nested details), when one did.</summary>
        public ServiceError? ServiceError { get; internal set; }

        /// <summary>The failed requirement checks this error stands for (empty unless it came from the requirement engine).</summary>
        public IReadOnlyList<CmkFailedCheck> FailedChecks { get; internal set; } = NoChecks;

        /// <summary>For a change of several writes that failed part-way: the steps that completed before the failure.</summary>
        public IReadOnlyList<string> CompletedSteps { get; internal set; } = NoSteps;

        /// <summary>For a change of several writes that failed part-way: the steps that did not complete (the failed one first).</summary>
        public IReadOnlyList<string> PendingSteps { get; internal set; } = NoSteps;

        private static readonly IReadOnlyList<string> NoSteps = Array.Empty<string>();

        /// <summary>The message, and for a change that failed part-way how far it got: what is half-done is never left unsaid.</summary>
        public override string Message
        {
            get
            {
                if (CompletedSteps.Count == 0 && PendingSteps.Count == 0) return base.Message;
                var completed = CompletedSteps.Count == 0 ? "none" : string.Join("; ", CompletedSteps);
                var pending = PendingSteps.Count == 0 ? "none" : string.Join("; ", PendingSteps);
                return base.Message + Environment.NewLine + $"Steps completed: {completed}. Steps not completed: {pending}."
                    + (CompletedSteps.Count > 0 ? " Run the same command again to finish: it skips the steps already done." : string.Empty);
            }
        }
    }

    /// <summary>One failed requirement check as the requirement engine reported it.</summary>
    public sealed record CmkFailedCheck(string CheckId, string Message, string? RecommendedAction, string? Target);
}
