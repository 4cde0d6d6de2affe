using System;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Hosting;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>The process-wide connection that every cmdlet shares (one per runspace host process).</summary>
    public static class CmkContext
    {
        // Serialises connecting so that two cmdlets starting at once without Connect-AzCmk sign in only once.
        private static readonly SemaphoreSlim ConnectGate = new SemaphoreSlim(1, 1);
        private static CmkSession? _current;

        public static CmkSession? Current => Volatile.Read(ref _current);

        /// <summary>Connects as asked and makes the result the current session (replacing any previous one).</summary>
        public static async Task<CmkSession> ConnectAsync(CmkConnectionOptions options, ICmkHost host)
        {
            if (host is null) throw new ArgumentNullException(nameof(host));
            await ConnectGate.WaitAsync(host.CancellationToken).ConfigureAwait(false);
            try
            {
                var session = await CmkSession.ConnectAsync(options, host).ConfigureAwait(false);
                Volatile.Write(ref _current, session);
                return session;
            }
            finally
            {
                ConnectGate.Release();
            }
        }

        /// <summary>The current session, or a new DefaultAzureCredential one on AzureCloud when nobody connected.</summary>
        public static async Task<CmkSession> GetOrConnectDefaultAsync(ICmkHost host)
        {
            if (host is null) throw new ArgumentNullException(nameof(host));
            var existing = Current;
            if (existing != null) return existing;
            await ConnectGate.WaitAsync(host.CancellationToken).ConfigureAwait(false);
            try
            {
                existing = Current;
                if (existing != null) return existing;
                host.WriteVerbose("Not connected: signing in with DefaultAzureCredential on AzureCloud. Run Connect-AzCmk to choose otherwise.");
                var session = await CmkSession.ConnectAsync(new CmkConnectionOptions(), host).ConfigureAwait(false);
                Volatile.Write(ref _current, session);
                return session;
            }
            finally
            {
                ConnectGate.Release();
            }
        }

        /// <summary>Forgets the current session; work already running on it finishes with it.</summary>
        public static bool Disconnect() => Interlocked.Exchange(ref _current, null) != null;
    }
}
