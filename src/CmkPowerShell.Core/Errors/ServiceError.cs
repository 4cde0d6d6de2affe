using System;
using System.Collections.Generic;

namespace CmkPowerShell.Core.Errors
{
    /// <summary>Where a service error was seen; all three must read the same to the user.</summary>
    public enum ServiceErrorOrigin { Synchronous, LongRunningOperation, RequirementCheck }

    /// <summary>A failure as a service reported it, before the catalogue turns it into a CmkException.</summary>
    public sealed record ServiceError(
        int HttpStatus,
        string? Code,
        string? Message,
        ServiceErrorOrigin Origin,
        string? Target = null,
        TimeSpan? RetryAfter = null,
        IReadOnlyList<ServiceError>? Details = null);
}
