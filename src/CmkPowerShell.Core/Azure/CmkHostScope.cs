using System;
using System.Threading;
using CmkPowerShell.Core.Hosting;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// The host that receives the transport's verbose lines for the current async flow. A session outlives
    /// the cmdlet that created it, so it cannot keep a host; each cmdlet (or test) enters a scope instead.
    /// </summary>
    public static class CmkHostScope
    {
        private static readonly AsyncLocal<ICmkHost?> CurrentHost = new AsyncLocal<ICmkHost?>();

        public static ICmkHost? Current => CurrentHost.Value;

        public static IDisposable Enter(ICmkHost host)
        {
            var previous = CurrentHost.Value;
            CurrentHost.Value = host ?? throw new ArgumentNullException(nameof(host));
            return new Scope(previous);
        }

        private sealed class Scope : IDisposable
        {
            private readonly ICmkHost? _previous;
            private bool _disposed;
            public Scope(ICmkHost? previous) { _previous = previous; }
            public void Dispose()
            {
                if (_disposed) return;
                _disposed = true;
                CurrentHost.Value = _previous;
            }
        }
    }
}
