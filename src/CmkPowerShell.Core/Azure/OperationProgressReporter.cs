using System;
using System.Threading;
using CmkPowerShell.Core.Hosting;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// Turns a long-running operation's polls into host progress records (one activity per operation),
    /// and closes the activity when disposed. Pass it as the progress argument of IAzureResources.SendAsync.
    /// </summary>
    public sealed class OperationProgressReporter : IProgress<OperationProgress>, IDisposable
    {
        private static int _nextActivityId;
        private readonly ICmkHost _host;
        private readonly string _activity;
        private string _lastStatus = "Started";

        public OperationProgressReporter(ICmkHost host, string activity)
        {
            _host = host ?? throw new ArgumentNullException(nameof(host));
            _activity = activity;
            ActivityId = Interlocked.Increment(ref _nextActivityId);
        }

        public int ActivityId { get; }

        public void Report(OperationProgress value)
        {
            _lastStatus = value.Status;
            _host.WriteProgress(new CmkProgress(ActivityId, _activity,
                $"{value.Status} ({(int)value.Elapsed.TotalSeconds} s): {value.Path}"));
        }

        public void Dispose() => _host.WriteProgress(new CmkProgress(ActivityId, _activity, _lastStatus, 100, Completed: true));
    }
}
