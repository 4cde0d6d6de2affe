using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Hosting;

namespace CmkPowerShell
{
    /// <summary>
    /// Base of every CmkPowerShell cmdlet. Runs the engine's async work while pumping its messages on the
    /// pipeline thread, cancels it on Ctrl+C, and turns every <see cref="CmkException"/> into the module's
    /// one ErrorRecord shape.
    /// <para>
    /// How a cmdlet uses it, in ProcessRecord:
    /// <code>
    /// // the whole call depends on it: a CmkException terminates the command
    /// var session = Run(host =&gt; GetSessionAsync(host));
    /// // one item of many: a CmkException is written as a non-terminating error and false returned
    /// if (TryRunItem(host =&gt; engine.DoAsync(session, ResourceId, host), out var result)) WriteObject(result);
    /// </code>
    /// Inside the work, report through the <see cref="ICmkHost"/> handed in (any thread), honour
    /// host.CancellationToken, and use <see cref="Emit"/>/<see cref="WriteCmkError"/> to stream results.
    /// </para>
    /// </summary>
    /// <remarks>
    /// The ICmkHost implementation is a separate object rather than this class: a public type whose
    /// interface list names a Core type would force CmkPowerShell.Core to load while PowerShell scans the
    /// module's types, before the dependency resolver is in place.
    /// </remarks>
    public abstract class CmkCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private PipelinePump? _pump;

        /// <summary>Cancelled by StopProcessing (Ctrl+C or a downstream Select-Object -First).</summary>
        protected CancellationToken StoppingToken => _stopping.Token;

        /// <summary>
        /// Runs work the whole call depends on. Returns its result; a CmkException (or anything unexpected)
        /// becomes a terminating error; after Ctrl+C it returns default quietly.
        /// </summary>
        protected T Run<T>(Func<ICmkHost, Task<T>> work)
        {
            Execute(work, terminating: true, out var result);
            return result;
        }

        /// <inheritdoc cref="Run{T}(Func{ICmkHost, Task{T}})"/>
        protected void Run(Func<ICmkHost, Task> work) => Execute(AsValued(work), terminating: true, out _);

        /// <summary>
        /// Runs the work for one pipeline item. On failure writes one non-terminating error and returns false,
        /// so ProcessRecord goes on with the next item.
        /// </summary>
        protected bool TryRunItem<T>(Func<ICmkHost, Task<T>> work, out T result)
            => Execute(work, terminating: false, out result);

        /// <inheritdoc cref="TryRunItem{T}(Func{ICmkHost, Task{T}}, out T)"/>
        protected bool TryRunItem(Func<ICmkHost, Task> work) => Execute(AsValued(work), terminating: false, out _);

        /// <summary>
        /// Queues one resource of the pipeline for <see cref="RunQueuedFleet"/> (called from ProcessRecord): nothing is
        /// sent until the input ends, then every queued resource runs concurrently.
        /// </summary>
        protected void QueueFleetItem(string resourceId, Func<ICmkHost, Task<object?>> work, Action<object?>? written = null)
            => _fleet.Add(new FleetItem(resourceId, work, written ?? (result => WriteObject(result))));

        /// <summary>
        /// Runs the queued resources (EndProcessing) through the engine's <see cref="FleetRun"/>: at most
        /// <paramref name="throttleLimit"/> at once behind the session's throttle gate, each resource's result or
        /// non-terminating error written as it finishes, ShouldProcess asked on this thread per resource, one progress
        /// bar (interactive hosts only). Ctrl+C starts nothing new and waits for the writes already confirmed.
        /// </summary>
        protected void RunQueuedFleet(int throttleLimit, ThrottleLimiter? limiter)
        {
            if (_fleet.Count == 0) return;
            var items = _fleet.ToArray();
            _fleet.Clear();
            var showProgress = IsInteractive();
            Execute(async host =>
                {
                    await new FleetRun(host, limiter, MyInvocation.MyCommand.Name, showProgress).RunAsync(items, throttleLimit,
                        (item, itemHost) => item.Work(itemHost),
                        (item, result, error) =>
                        {
                            if (error != null) WriteItemError(error);
                            else if (result != null) OnPipelineThread(() => item.Written(result));
                        }, StoppingToken).ConfigureAwait(false);
                    return true;
                }, terminating: true, out _, fleet: true);
        }

        private readonly List<FleetItem> _fleet = new List<FleetItem>();

        private sealed class FleetItem
        {
            public FleetItem(string resourceId, Func<ICmkHost, Task<object?>> work, Action<object?> written)
            {
                ResourceId = resourceId;
                Work = work;
                Written = written;
            }

            public string ResourceId { get; }
            public Func<ICmkHost, Task<object?>> Work { get; }
            public Action<object?> Written { get; }
        }

        /// <summary>One resource's failure: a non-terminating error in the module's shape; nothing once the user stopped.</summary>
        private void WriteItemError(Exception error)
        {
            if (_stopping.IsCancellationRequested) return;
            var record = error is CmkException cmk ? CmkErrorRecords.From(cmk)
                // PowerShell's own signals keep their record: e.g. a confirmation that no host can ask (HostException)
                // is not a defect of this module.
                : error is RuntimeException runtime ? new ErrorRecord(runtime.ErrorRecord, runtime)
                : CmkErrorRecords.FromUnexpected(error);
            OnPipelineThread(() => WriteError(record));
        }

        /// <summary>
        /// Whether a person watches: no progress records for runbooks, CI and hosts without a UI (pwsh -NonInteractive,
        /// redirected output, a runspace made by code).
        /// </summary>
        private bool IsInteractive()
        {
            try
            {
                if (Host?.UI?.RawUI == null || string.Equals(Host.Name, "Default Host", StringComparison.OrdinalIgnoreCase)) return false;
                if (!Environment.UserInteractive || Console.IsOutputRedirected) return false;
                return !Environment.GetCommandLineArgs().Any(a => a.StartsWith("-noni", StringComparison.OrdinalIgnoreCase));
            }
            catch (Exception)
            {
                return false;
            }
        }

        /// <summary>
        /// Runs synchronous work on the pipeline thread (parameter checks, reading files): a CmkException it
        /// throws terminates the call in the module's error shape.
        /// </summary>
        protected T Precondition<T>(Func<T> check)
        {
            try
            {
                return check();
            }
            catch (CmkException ex)
            {
                ThrowCmkError(ex);
                throw; // not reached: ThrowTerminatingError always throws
            }
        }

        /// <summary>The current connection, or a DefaultAzureCredential one made on first use.</summary>
        protected static Task<CmkSession> GetSessionAsync(ICmkHost host) => CmkContext.GetOrConnectDefaultAsync(host);

        /// <summary>WriteObject from any thread: immediate on the pipeline thread, else queued to it.</summary>
        protected void Emit(object? value, bool enumerateCollection = false)
            => OnPipelineThread(() => WriteObject(value, enumerateCollection));

        /// <summary>A non-terminating error in the module's shape, from any thread (one failed item of many).</summary>
        protected void WriteCmkError(CmkException exception)
            => OnPipelineThread(() => WriteError(CmkErrorRecords.From(exception)));

        /// <summary>A terminating error in the module's shape (a failed precondition of the whole call).</summary>
        protected void ThrowCmkError(CmkException exception) => ThrowTerminatingError(CmkErrorRecords.From(exception));

        protected override void StopProcessing()
        {
            _stopping.Cancel();
            base.StopProcessing();
        }

        internal void OnPipelineThread(Action action)
        {
            var pump = _pump;
            if (pump is null)
            {
                // Outside Run/TryRunItem only the pipeline thread calls in, so write directly (PowerShell
                // itself rejects other threads).
                action();
                return;
            }
            // After Ctrl+C PowerShell refuses every Write*; a fleet still finishing its writes must not trip over that.
            pump.Post(() =>
            {
                if (!_stopping.IsCancellationRequested) action();
            });
        }

        internal T AskOnPipelineThread<T>(Func<T> question)
        {
            var pump = _pump;
            return pump is null ? question() : pump.Invoke(question);
        }

        private bool Execute<T>(Func<ICmkHost, Task<T>> work, bool terminating, out T result, bool fleet = false)
        {
            result = default!;
            if (_pump != null)
            {
                throw new InvalidOperationException("Run/TryRunItem cannot be nested; await inside the work instead.");
            }

            // A fleet keeps pumping after Ctrl+C until the writes in flight have finished: its run token is not the
            // stopping token (the fleet watches that one to start nothing new); it fires only when the pump is abandoned.
            var run = fleet ? new CancellationTokenSource() : CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            var pump = new PipelinePump(run.Token);
            var host = new CmdletHost(this, run.Token);
            var finished = false;
            _pump = pump;
            try
            {
                result = pump.Run(() => work(host));
                finished = true;
                return true;
            }
            catch (RuntimeException)
            {
                // PowerShell's own signals (PipelineStoppedException, ActionPreferenceStopException from a
                // Write* under -ErrorAction Stop, a declined confirmation that halts) must reach it unchanged.
                throw;
            }
            catch (Exception ex) when (_stopping.IsCancellationRequested)
            {
                // The user asked to stop: whatever the aborted HTTP calls or polls threw is noise, except a write Azure had
                // already accepted. The pipeline is stopping, so the streams are closed; the host's own warning line is not.
                if (ex is CmkException { ErrorId: CmkErrors.OperationOutcomeUnknownId } unknown)
                {
                    try { Host.UI.WriteWarningLine(unknown.Message + " " + unknown.RecommendedAction); }
                    catch (Exception) { /* a host without a UI: nothing more to say */ }
                }
                return false;
            }
            catch (Exception ex)
            {
                var record = ex is CmkException cmk ? CmkErrorRecords.From(cmk) : CmkErrorRecords.FromUnexpected(ex);
                _pump = null;
                if (terminating)
                {
                    ThrowTerminatingError(record);
                }
                WriteError(record);
                return false;
            }
            finally
            {
                _pump = null;
                if (finished)
                {
                    run.Dispose();
                }
                else
                {
                    // The work may still be running (the pump left early): tell it to stop. The source is left
                    // for the GC because the abandoned work may still observe its token.
                    run.Cancel();
                }
            }
        }

        private static Func<ICmkHost, Task<bool>> AsValued(Func<ICmkHost, Task> work)
            => async host =>
            {
                await work(host).ConfigureAwait(false);
                return true;
            };

        /// <summary>The engine's view of this cmdlet; every call may come from a worker thread.</summary>
        private sealed class CmdletHost : ICmkHost
        {
            private readonly CmkCmdlet _cmdlet;

            public CmdletHost(CmkCmdlet cmdlet, CancellationToken cancellationToken)
            {
                _cmdlet = cmdlet;
                CancellationToken = cancellationToken;
            }

            public CancellationToken CancellationToken { get; }

            public void WriteVerbose(string message) => _cmdlet.OnPipelineThread(() => _cmdlet.WriteVerbose(message));

            public void WriteWarning(string message) => _cmdlet.OnPipelineThread(() => _cmdlet.WriteWarning(message));

            public void WriteProgress(CmkProgress progress)
                => _cmdlet.OnPipelineThread(() => _cmdlet.WriteProgress(ToRecord(progress)));

            public bool ShouldProcess(string target, string action)
                => _cmdlet.AskOnPipelineThread(() => _cmdlet.ShouldProcess(target, action));

            private static ProgressRecord ToRecord(CmkProgress progress)
            {
                // ProgressRecord rejects empty activity/status text; a blank keeps the bar instead of failing the work.
                var record = new ProgressRecord(progress.ActivityId, NonEmpty(progress.Activity), NonEmpty(progress.Status))
                {
                    PercentComplete = Math.Max(-1, Math.Min(100, progress.PercentComplete)),
                    RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                };
                return record;
            }

            private static string NonEmpty(string? text) => string.IsNullOrEmpty(text) ? " " : text!;
        }
    }
}
