using System;
using System.Management.Automation;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// What the resource cmdlets share: one connection for the whole pipeline (a failure to connect terminates, once), and
    /// fleet runs: every resource piped in is queued and, when the input ends, run concurrently (-ThrottleLimit) behind the
    /// session's throttle gate; one resource's failure is a non-terminating error while the rest go on.
    /// </summary>
    public abstract class CmkServiceCmdlet : CmkCmdlet
    {
        private CmkSession? _session;
        // One cache for the whole pipeline: resources sharing a vault read it and its keys once.
        private KeyVaultReader? _reader;

        [Parameter(HelpMessage = "How many resources are worked on at once (default 50); ARM's request budgets are kept by the module's throttle gate whatever the number.")]
        [ValidateRange(1, 1000)]
        public int ThrottleLimit { get; set; } = FleetRun.DefaultThrottleLimit;

        /// <summary>The pipeline's connection, once BeginProcessing has run (null after a failed connect).</summary>
        internal CmkSession? Session => _session;
        internal KeyVaultReader? Reader => _reader;

        protected override void BeginProcessing()
        {
            _session = Run(host => GetSessionAsync(host));
            if (_session != null) _reader = new KeyVaultReader(_session);
        }

        /// <summary>Queues the manager's work for one pipeline item; its result is written (when <paramref name="emit"/> and not null) as it finishes.</summary>
        protected void ForItem<T>(string resourceId, Func<CmkEncryptionManager, System.Threading.CancellationToken, System.Threading.Tasks.Task<T?>> work, bool emit)
            where T : class
        {
            if (_session is null) return;
            var session = _session;
            var reader = _reader;
            QueueFleetItem(resourceId, async host => await work(new CmkEncryptionManager(session, host, reader: reader), host.CancellationToken).ConfigureAwait(false),
                result => { if (emit) WriteObject(result); });
        }

        protected override void EndProcessing()
        {
            if (_session != null) RunQueuedFleet(ThrottleLimit, _session.Limiter);
        }
    }
}
