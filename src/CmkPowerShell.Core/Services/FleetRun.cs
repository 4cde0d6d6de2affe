using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Hosting;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Runs one piece of work per resource of a pipeline with bounded concurrency: the requests of every worker share the
    /// session's per-subscription throttle gate (<see cref="ThrottleLimiter"/>), each resource settles on its own (one
    /// failure never stops the others), and the fleet reports through one progress bar instead of one per resource.
    /// <para>
    /// Each resource gets its own <see cref="ICmkHost"/>: its ShouldProcess goes to the run's host (the cmdlet asks on the
    /// pipeline thread) and, once answered yes, the resource's token no longer listens to <c>stopNew</c>. So Ctrl+C cancels
    /// every resource still reading or planning, starts nothing new, and lets the writes already confirmed finish (with
    /// their long-running operations), as ARM would otherwise be left with changes nobody reports.
    /// </para>
    /// </summary>
    public sealed class FleetRun
    {
        /// <summary>
        /// Enough workers to keep ARM's sustained write rate (10/s) busy while each resource waits seconds on its
        /// long-running operation; the throttle gate, not this number, keeps the fleet within ARM's budgets.
        /// </summary>
        public const int DefaultThrottleLimit = 50;

        public const int ProgressActivityId = 0x0F1EE7;

        private readonly ICmkHost _host;
        private readonly ThrottleLimiter? _limiter;
        private readonly string _activity;
        private readonly bool _showProgress;
        private readonly Stopwatch _clock = new Stopwatch();
        private int _total;
        private int _done;
        private int _failed;

        /// <param name="host">The run's host: progress and ShouldProcess go through it; its token aborts everything.</param>
        /// <param name="limiter">The session's throttle gate, whose waits the progress bar reports (null: none shown).</param>
        /// <param name="activity">The progress bar's title (the cmdlet name).</param>
        /// <param name="showProgress">False in non-interactive hosts (runbooks, CI): no progress records at all.</param>
        public FleetRun(ICmkHost host, ThrottleLimiter? limiter, string activity, bool showProgress)
        {
            _host = host ?? throw new ArgumentNullException(nameof(host));
            _limiter = limiter;
            _activity = activity;
            _showProgress = showProgress;
        }

        /// <summary>
        /// Runs <paramref name="work"/> for each resource, at most <paramref name="throttleLimit"/> at once, and calls
        /// <paramref name="settled"/> as each finishes (result, or the exception; null result when ShouldProcess declined).
        /// </summary>
        public async Task RunAsync<TItem, TResult>(IReadOnlyList<TItem> resourceIds, int throttleLimit,
            Func<TItem, ICmkHost, Task<TResult>> work, Action<TItem, TResult, Exception?> settled, CancellationToken stopNew)
        {
            if (resourceIds is null) throw new ArgumentNullException(nameof(resourceIds));
            if (work is null) throw new ArgumentNullException(nameof(work));
            if (settled is null) throw new ArgumentNullException(nameof(settled));
            _total = resourceIds.Count;
            _clock.Start();
            var waitsBefore = _limiter?.Waits ?? 0;
            var waitedBefore = _limiter?.Waited ?? TimeSpan.Zero;
            Report(waitsBefore, waitedBefore);
            try
            {
                await CmkParallel.ForEachSettledAsync(resourceIds, Math.Max(1, throttleLimit), async id =>
                    {
                        using var itemHost = new ItemHost(_host, stopNew);
                        return await work(id, itemHost).ConfigureAwait(false);
                    },
                    (id, result, error) =>
                    {
                        if (error != null) Interlocked.Increment(ref _failed);
                        Interlocked.Increment(ref _done);
                        settled(id, result, error);
                        Report(waitsBefore, waitedBefore);
                    }, stopNew, _host.CancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (_showProgress) _host.WriteProgress(new CmkProgress(ProgressActivityId, _activity, "done", 100, Completed: true));
            }
        }

        private void Report(int waitsBefore, TimeSpan waitedBefore)
        {
            if (!_showProgress) return;
            var done = Volatile.Read(ref _done);
            var seconds = Math.Max(0.001, _clock.Elapsed.TotalSeconds);
            var status = $"{done} of {_total} done, {done / seconds:0.0}/s";
            var failed = Volatile.Read(ref _failed);
            if (failed > 0) status += $", {failed} failed";
            if (_limiter != null && _limiter.Waits > waitsBefore)
                status += $"; throttling: {_limiter.Waits - waitsBefore} waits, {(_limiter.Waited - waitedBefore).TotalSeconds:0.0} s";
            _host.WriteProgress(new CmkProgress(ProgressActivityId, _activity, status, _total == 0 ? 100 : done * 100 / _total));
        }

        /// <summary>One resource's view of the run: its own token, the run's questions and messages, no progress of its own.</summary>
        private sealed class ItemHost : ICmkHost, IDisposable
        {
            private readonly ICmkHost _run;
            private readonly CancellationToken _stopNew;
            private readonly CancellationTokenSource _token;
            private readonly CancellationToken _cancellation;
            private readonly CancellationTokenRegistration _onStop;
            private readonly object _gate = new object();
            private bool _writing;

            public ItemHost(ICmkHost run, CancellationToken stopNew)
            {
                _run = run;
                _stopNew = stopNew;
                _token = CancellationTokenSource.CreateLinkedTokenSource(run.CancellationToken);
                // Kept apart from the source: a cached read started by this resource may outlive it and still ask.
                _cancellation = _token.Token;
                _onStop = stopNew.Register(() =>
                {
                    lock (_gate)
                    {
                        if (_writing) return;
                    }
                    _token.Cancel();
                });
            }

            public CancellationToken CancellationToken => _cancellation;

            public void WriteVerbose(string message) => _run.WriteVerbose(message);

            public void WriteWarning(string message) => _run.WriteWarning(message);

            // One bar for the fleet: a resource's own steps and operation polls would make 50 bars flicker.
            public void WriteProgress(CmkProgress progress) { }

            public bool ShouldProcess(string target, string action)
            {
                if (_stopNew.IsCancellationRequested) return false;
                var yes = _run.ShouldProcess(target, action);
                lock (_gate)
                {
                    // Asked and answered while the user pressed Ctrl+C: nothing was written yet, so do not start.
                    if (!yes || _stopNew.IsCancellationRequested) return false;
                    _writing = true;
                }
                return true;
            }

            public void Dispose()
            {
                _onStop.Dispose();
                _token.Dispose();
            }
        }
    }
}
