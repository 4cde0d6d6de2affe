using System.Threading;

namespace CmkPowerShell.Core.Hosting
{
    /// <summary>
    /// What the engine needs from whoever runs it (a cmdlet, a test). The engine never sees PowerShell:
    /// implementations may be called from any thread and must marshal to their own pipeline thread.
    /// </summary>
    public interface ICmkHost
    {
        void WriteVerbose(string message);
        void WriteWarning(string message);
        void WriteProgress(CmkProgress progress);
        /// <summary>Asks whether a change may go ahead (-WhatIf / -Confirm). False means skip it.</summary>
        bool ShouldProcess(string target, string action);
        /// <summary>Cancelled when the user presses Ctrl+C (StopProcessing).</summary>
        CancellationToken CancellationToken { get; }
    }

    /// <summary>One progress record; ActivityId groups the records of one long-running operation.</summary>
    public sealed record CmkProgress(int ActivityId, string Activity, string Status, int PercentComplete = -1, bool Completed = false);
}
