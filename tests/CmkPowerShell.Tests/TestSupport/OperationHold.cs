using System;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.TestSupport
{
    /// <summary>
    /// Keeps the emulator's operations in progress until disposed. A test that looks at an operation's in-between state
    /// (pending poll, resource not yet created) must not race the LRO delay: on a busy machine a few hundred ms pass
    /// between two requests. Disposing puts the delay back; operations then end as if it had never changed.
    /// </summary>
    public sealed class OperationHold : IDisposable
    {
        private readonly EmulatorServer _server;
        private readonly TimeSpan _delay;

        public OperationHold(EmulatorServer server)
        {
            _server = server;
            _delay = server.LroDelay;
            server.SetLroDelay(TimeSpan.FromHours(1));
        }

        public void Dispose() => _server.SetLroDelay(_delay);
    }
}
