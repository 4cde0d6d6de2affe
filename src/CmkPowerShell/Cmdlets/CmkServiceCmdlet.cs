using System;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// What the resource cmdlets share: one connection for the whole pipeline (a failure to connect terminates, once),
    /// and the per-item run that turns one resource's failure into a non-terminating error while the rest go on.
    /// </summary>
    public abstract class CmkServiceCmdlet : CmkCmdlet
    {
        private CmkSession? _session;
        // One cache for the whole pipeline: resources sharing a vault read it and its keys once.
        private KeyVaultReader? _reader;

        protected override void BeginProcessing()
        {
            _session = Run(host => GetSessionAsync(host));
            if (_session != null) _reader = new KeyVaultReader(_session);
        }

        /// <summary>Runs the manager for one pipeline item and writes its result (when <paramref name="emit"/> and not null).</summary>
        protected void ForItem<T>(Func<CmkEncryptionManager, System.Threading.CancellationToken, System.Threading.Tasks.Task<T?>> work, bool emit)
            where T : class
        {
            if (_session is null) return;
            var session = _session;
            var reader = _reader;
            if (TryRunItem(host => work(new CmkEncryptionManager(session, host, reader: reader), host.CancellationToken), out var result) && emit && result != null)
            {
                WriteObject(result);
            }
        }
    }
}
