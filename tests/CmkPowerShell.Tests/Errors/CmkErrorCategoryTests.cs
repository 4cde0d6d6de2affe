using System;
using System.Linq;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Tests.Errors
{
    public class CmkErrorCategoryTests
    {
        // System.Management.Automation.ErrorCategory, 0..31, written out: Core cannot reference PowerShell, and the
        // cmdlet layer maps by name, so a drifted name or value would give the wrong category in every ErrorRecord.
        private static readonly string[] PowerShellErrorCategory =
        {
            "NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument", "InvalidData",
            "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented", "NotInstalled",
            "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied",
            "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr", "SecurityError",
            "ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded", "QuotaExceeded", "NotEnabled",
        };

        [Fact]
        public void Names_and_values_equal_PowerShells_ErrorCategory()
        {
            var ours = Enum.GetValues(typeof(CmkErrorCategory)).Cast<CmkErrorCategory>().OrderBy(c => (int)c)
                .Select(c => ((int)c, c.ToString())).ToArray();
            var theirs = PowerShellErrorCategory.Select((name, value) => (value, name)).ToArray();
            Assert.Equal(theirs, ours);
        }
    }
}
