using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CmkPowerShell.Core.Hosting;

namespace CmkPowerShell.Tests.TestSupport
{
    /// <summary>
    /// An ICmkHost for tests: records everything the engine says (thread-safe, in order), answers
    /// ShouldProcess as configured and records the questions, and cancels on demand.
    /// </summary>
    public sealed class RecordingHost : ICmkHost, IDisposable
    {
        private readonly ConcurrentQueue<HostRecord> _records = new ConcurrentQueue<HostRecord>();
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();

        /// <summary>What ShouldProcess answers; by default everything may go ahead.</summary>
        public Func<string, string, bool> ShouldProcessAnswer { get; set; } = (_, _) => true;

        public CancellationToken CancellationToken => _cancellation.Token;

        public IReadOnlyList<HostRecord> Records => _records.ToArray();
        public IReadOnlyList<string> Verbose => Of(HostRecordKind.Verbose);
        public IReadOnlyList<string> Warnings => Of(HostRecordKind.Warning);
        public IReadOnlyList<CmkProgress> Progress => _records.Where(r => r.Kind == HostRecordKind.Progress).Select(r => r.Progress!).ToArray();
        public IReadOnlyList<(string Target, string Action, bool Answer)> ShouldProcessCalls
            => _records.Where(r => r.Kind == HostRecordKind.ShouldProcess).Select(r => (r.Target!, r.Text, r.Answer)).ToArray();

        /// <summary>Every text the host received, for "this must never appear" assertions.</summary>
        public string AllText => string.Join("\n", _records.Select(r => r.Progress is null ? $"{r.Target} {r.Text}" : $"{r.Progress.Activity} {r.Progress.Status}"));

        public void WriteVerbose(string message) => _records.Enqueue(new HostRecord(HostRecordKind.Verbose, message));
        public void WriteWarning(string message) => _records.Enqueue(new HostRecord(HostRecordKind.Warning, message));
        public void WriteProgress(CmkProgress progress) => _records.Enqueue(new HostRecord(HostRecordKind.Progress, progress.Status) { Progress = progress });

        public bool ShouldProcess(string target, string action)
        {
            var answer = ShouldProcessAnswer(target, action);
            _records.Enqueue(new HostRecord(HostRecordKind.ShouldProcess, action) { Target = target, Answer = answer });
            return answer;
        }

        /// <summary>As Ctrl+C would: StopProcessing cancels the token.</summary>
        public void Cancel() => _cancellation.Cancel();
        public void CancelAfter(TimeSpan delay) => _cancellation.CancelAfter(delay);

        public void Clear()
        {
            while (_records.TryDequeue(out _)) { }
        }

        public void Dispose() => _cancellation.Dispose();

        private IReadOnlyList<string> Of(HostRecordKind kind) => _records.Where(r => r.Kind == kind).Select(r => r.Text).ToArray();
    }

    public enum HostRecordKind { Verbose, Warning, Progress, ShouldProcess }

    public sealed record HostRecord(HostRecordKind Kind, string Text)
    {
        public CmkProgress? Progress { get; init; }
        public string? Target { get; init; }
        public bool Answer { get; init; }
    }
}
