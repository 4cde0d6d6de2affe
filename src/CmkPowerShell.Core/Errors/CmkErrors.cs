using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace CmkPowerShell.Core.Errors
{
    /// <summary>
    /// Builds the typed exception the catalogue prescribes, from whichever of the three origins a failure comes:
    /// a synchronous ARM error body, the error of a failed long-running operation (both as <see cref="ServiceError"/>),
    /// or the requirement engine's failed checks. The same code reads the same (id, category, fix) from all three.
    /// </summary>
    public static class CmkErrors
    {
        /// <summary>The id of a service error the catalogue does not know (its code and message are kept).</summary>
        public const string UnknownServiceErrorId = "ServiceError";
        /// <summary>The id of an error that stands for several failed requirement checks at once.</summary>
        public const string RequirementFailedId = "CmkRequirementFailed";
        /// <summary>The id of a failure nobody classified (a defect of the module); the cmdlet layer's last resort.</summary>
        public const string UnexpectedErrorId = "UnexpectedError";
        /// <summary>The id of a write Azure accepted whose outcome could not be read (or whose polling was stopped).</summary>
        public const string OperationOutcomeUnknownId = "OperationOutcomeUnknown";

        /// <summary>
        /// Looks the service's error up (most specific first: a code nested in details or innererror, then the
        /// outer code, then a documented message, then the HTTP status) and builds the typed exception. HTTP 429 is
        /// always a <see cref="CmkThrottledException"/> carrying RetryAfter. An unknown code gives id "ServiceError"
        /// (CmkServiceException, NotSpecified) with the service's code and message kept.
        /// </summary>
        public static CmkException FromServiceError(ServiceError error, string? target)
        {
            if (error == null) throw new ArgumentNullException(nameof(error));
            target ??= error.Target;
            var (entry, node) = Resolve(error);
            var serviceCode = node.Code ?? error.Code;
            var serviceMessage = node.Message ?? error.Message;
            var exception = Instantiate(entry, Compose(entry.Meaning, target, serviceCode, serviceMessage), target,
                serviceCode, serviceMessage, error.RetryAfter, innerException: null);
            exception.ServiceError = error;
            return exception;
        }

        /// <summary>The catalogue entry a service error maps to, and the (possibly nested) error that decided it.</summary>
        public static (CmkErrorEntry Entry, ServiceError Matched) Resolve(ServiceError error)
        {
            if (error == null) throw new ArgumentNullException(nameof(error));
            var (entry, matched) = ResolveByContent(error);
            // Whatever the body says, a 429 is a signal to wait: scripts catch it by type to back off.
            if (error.HttpStatus == 429 && entry.Family != CmkErrorFamily.Throttled && CmkErrorCatalogue.FindByStatus(429) is { } throttled)
                return (throttled, matched);
            return (entry, matched);
        }

        private static (CmkErrorEntry, ServiceError) ResolveByContent(ServiceError error)
        {
            // Wrappers (a failed operation, a deployment, Key Vault's Forbidden) put the telling code inside.
            foreach (var nested in error.SelfAndDetails().Skip(1))
            {
                if (CmkErrorCatalogue.FindByCode(nested.Code) is { } e) return (e, nested);
            }
            if (CmkErrorCatalogue.FindByCode(error.Code) is { } outer) return (outer, error);
            foreach (var candidate in error.SelfAndDetails())
            {
                if (CmkErrorCatalogue.FindByMessage(candidate.Message) is { } e) return (e, candidate);
            }
            return (CmkErrorCatalogue.FindByStatus(error.HttpStatus) ?? CmkErrorCatalogue.Get(UnknownServiceErrorId), error);
        }

        /// <summary>
        /// One exception for the failed checks of a requirement run. One failed check gives that check's catalogue
        /// entry (e.g. KeyVault.PurgeProtection gives KeyVaultNotPurgeProtected, the same id, category and fix as the
        /// service's own code); several give "CmkRequirementFailed" typed by the first (most fundamental) check's
        /// family. Every check is listed in the message and kept in <see cref="CmkException.FailedChecks"/>.
        /// </summary>
        public static CmkException FromFailedChecks(IEnumerable<(string CheckId, string Message, string? RecommendedAction, string? Target)> failedChecks)
        {
            if (failedChecks == null) throw new ArgumentNullException(nameof(failedChecks));
            return FromFailedChecks(failedChecks.Select(c => new CmkFailedCheck(c.CheckId, c.Message, c.RecommendedAction, c.Target)));
        }

        public static CmkException FromFailedChecks(IEnumerable<CmkFailedCheck> failedChecks)
        {
            if (failedChecks == null) throw new ArgumentNullException(nameof(failedChecks));
            var checks = failedChecks.ToList();
            if (checks.Count == 0) throw new ArgumentException("There must be at least one failed check.", nameof(failedChecks));

            var generic = CmkErrorCatalogue.Get(RequirementFailedId);
            CmkErrorEntry EntryOf(CmkFailedCheck c) => CmkErrorCatalogue.FindByCheck(c.CheckId) ?? generic;
            var first = EntryOf(checks[0]);
            var target = checks.Select(c => c.Target).FirstOrDefault(t => !string.IsNullOrEmpty(t));

            CmkException exception;
            if (checks.Count == 1)
            {
                var check = checks[0];
                // The catalogue's fix keeps this origin identical to the service's code; the engine's concrete
                // advice (with the vault's name filled in) goes into the message so nothing is lost.
                var fix = ReferenceEquals(first, generic) ? check.RecommendedAction ?? first.RecommendedAction : first.RecommendedAction;
                exception = Instantiate(first, CheckLine(check, fix), target, null, null, null, null, recommendedAction: fix);
            }
            else
            {
                var message = new StringBuilder($"{checks.Count} requirements are not met");
                if (target != null) message.Append(" for ").Append(target);
                message.Append(':');
                foreach (var check in checks) message.AppendLine().Append("- ").Append(CheckLine(check, EntryOf(check).RecommendedAction));
                var fixes = checks
                    .Select(c => (c.CheckId, Fix: ReferenceEquals(EntryOf(c), generic) ? c.RecommendedAction ?? generic.RecommendedAction : EntryOf(c).RecommendedAction))
                    .Select(x => $"- [{x.CheckId}] {x.Fix}");
                var errorEntry = generic with { Family = first.Family, Category = first.Category, UserCanFix = first.UserCanFix };
                exception = Instantiate(errorEntry, message.ToString(), target, null, null, null, null,
                    recommendedAction: string.Join(Environment.NewLine, fixes));
            }
            exception.FailedChecks = checks;
            return exception;
        }

        /// <summary>
        /// An error the engine raises itself by catalogue id (a documented state such as NetAppCredentialRenewalNotEligible,
        /// or a transport failure such as ServiceUnreachable); <paramref name="detail"/> adds what is known about this case.
        /// </summary>
        /// <param name="parameterName">For an input error whose parameter depends on the case (e.g. MissingConnectionParameter): the parameter to correct; the entry's own otherwise.</param>
        public static CmkException Create(string errorId, string? target, string? detail = null, Exception? innerException = null, string? parameterName = null)
        {
            var entry = CmkErrorCatalogue.Get(errorId);
            if (parameterName != null) entry = entry with { Parameter = parameterName };
            var message = detail == null ? entry.Meaning : entry.Meaning + " " + detail;
            return Instantiate(entry, Compose(message, target, null, null), target, null, null, null, innerException);
        }

        /// <summary>
        /// Bad user input (an unparseable -KeyUri or -ResourceId): a <see cref="CmkInputException"/> naming the
        /// parameter, with the catalogue entry's id and fix (e.g. InvalidKeyUri, InvalidResourceId).
        /// </summary>
        public static CmkInputException InvalidInput(string errorId, string parameterName, string? value, string reason, Exception? innerException = null)
        {
            var entry = CmkErrorCatalogue.Get(errorId);
            if (entry.Family != CmkErrorFamily.Input)
                throw new ArgumentException($"'{errorId}' is not an input error in the catalogue.", nameof(errorId));
            return new CmkInputException(entry.ErrorId, parameterName, $"'{value}' is not valid for -{parameterName}: {reason}", value,
                entry.RecommendedAction, entry.Category, innerException: innerException);
        }

        private static string CheckLine(CmkFailedCheck check, string? catalogueFix)
        {
            var line = $"{check.Message} [{check.CheckId}]";
            var own = check.RecommendedAction;
            return string.IsNullOrWhiteSpace(own) || string.Equals(own, catalogueFix, StringComparison.Ordinal) ? line : $"{line} {own}";
        }

        private static string Compose(string meaning, string? target, string? serviceCode, string? serviceMessage)
        {
            var sb = new StringBuilder(meaning);
            if (!string.IsNullOrEmpty(target)) sb.Append(" Target: ").Append(target).Append('.');
            if (serviceCode != null || serviceMessage != null)
            {
                sb.Append(" The service said: ");
                if (serviceCode != null) sb.Append(serviceCode).Append(serviceMessage != null ? ": " : string.Empty);
                if (serviceMessage != null) sb.Append(serviceMessage);
            }
            return sb.ToString();
        }

        // The one place that turns a family into its exception type.
        private static CmkException Instantiate(CmkErrorEntry entry, string message, string? target, string? serviceCode,
            string? serviceMessage, TimeSpan? retryAfter, Exception? innerException, string? recommendedAction = null)
        {
            var fix = recommendedAction ?? entry.RecommendedAction;
            var id = entry.ErrorId;
            var c = entry.Category;
            var canFix = entry.UserCanFix;
            return entry.Family switch
            {
                CmkErrorFamily.KeyVaultConfiguration => new KeyVaultConfigurationException(id, c, message, target, fix, serviceCode, serviceMessage, canFix, innerException),
                CmkErrorFamily.KeyState => new KeyStateException(id, c, message, target, fix, serviceCode, serviceMessage, canFix, innerException),
                CmkErrorFamily.Access => new CmkAccessException(id, c, message, target, fix, serviceCode, serviceMessage, canFix, innerException),
                CmkErrorFamily.Network => new CmkNetworkException(id, c, message, target, fix, serviceCode, serviceMessage, canFix, innerException),
                CmkErrorFamily.UnsupportedOperation => new CmkUnsupportedOperationException(id, c, message, target, fix, serviceCode, serviceMessage, canFix, innerException),
                CmkErrorFamily.Throttled => new CmkThrottledException(id, c, message, target, fix, serviceCode, serviceMessage, canFix, innerException, retryAfter),
                CmkErrorFamily.Input => new CmkInputException(id, entry.Parameter, message, target, fix, c, serviceCode, serviceMessage, innerException),
                _ => new CmkServiceException(id, c, message, target, fix, serviceCode, serviceMessage, canFix, innerException),
            };
        }
    }
}
