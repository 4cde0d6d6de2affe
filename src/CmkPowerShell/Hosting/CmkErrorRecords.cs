using System;
using System.Management.Automation;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Hosting
{
    /// <summary>
    /// The one ErrorRecord shape of the module. PowerShell appends ",&lt;command type full name&gt;" to the id
    /// when the record is written by a cmdlet, so the id passed here is the bare ErrorId and the final
    /// FullyQualifiedErrorId reads "ErrorId,CmkPowerShell.Cmdlets.XxxCommand".
    /// </summary>
    internal static class CmkErrorRecords
    {
        /// <summary>Id for failures nobody classified: a defect of ours, never a user's configuration.</summary>
        public const string UnexpectedErrorId = CmkErrors.UnexpectedErrorId;

        public static ErrorRecord From(CmkException exception)
        {
            var record = new ErrorRecord(exception, exception.ErrorId, MapCategory(exception.Category), exception.Target);
            record.ErrorDetails = new ErrorDetails(exception.Message)
            {
                RecommendedAction = exception.RecommendedAction ?? string.Empty,
            };
            return record;
        }

        /// <summary>Anything that escaped the engine's own classification keeps its exception and type name.</summary>
        public static ErrorRecord FromUnexpected(Exception exception)
            => From(CmkErrors.Create(UnexpectedErrorId, target: null, $"{exception.GetType().FullName}: {exception.Message}", exception));

        /// <summary>
        /// CmkErrorCategory mirrors ErrorCategory name for name (Core cannot reference PowerShell); a name the
        /// running PowerShell does not know degrades to NotSpecified instead of failing the error path itself.
        /// </summary>
        public static ErrorCategory MapCategory(CmkErrorCategory category)
            => Enum.TryParse(category.ToString(), ignoreCase: false, out ErrorCategory mapped) && Enum.IsDefined(typeof(ErrorCategory), mapped)
                ? mapped
                : ErrorCategory.NotSpecified;
    }
}
