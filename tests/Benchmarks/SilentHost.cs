using System.Threading;
using CmkPowerShell.Core.Hosting;

namespace CmkPowerShell.Benchmarks
{
    /// <summary>A host that shows nothing; it answers ShouldProcess as told.</summary>
    internal sealed class SilentHost : ICmkHost
    {
        public static readonly SilentHost Declining = new SilentHost(false);
        public static readonly SilentHost Confirming = new SilentHost(true);
        private readonly bool _confirm;

        private SilentHost(bool confirm) { _confirm = confirm; }

        public CancellationToken CancellationToken => CancellationToken.None;
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) { }
        public void WriteProgress(CmkProgress progress) { }
        public bool ShouldProcess(string target, string action) => _confirm;
    }
}
