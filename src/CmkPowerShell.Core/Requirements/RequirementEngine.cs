using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Requirements
{
    /// <summary>
    /// Runs the requirement catalogue for a key and an optional target. Failures are results; only
    /// unparseable input throws (typed, when the request is built). One engine is one run: its reader
    /// caches every management-plane read, so many requests sharing a vault read it and its keys once.
    /// </summary>
    public sealed class RequirementEngine
    {
        private readonly ICmkHost? _host;

        public RequirementEngine(IAzureResources azure, ICmkHost? host = null)
            : this(new KeyVaultReader(azure), host)
        {
        }

        /// <summary>An engine over a reader that lives longer than one run (a whole pipeline of Set-AzCmkEncryption).</summary>
        public RequirementEngine(KeyVaultReader reader, ICmkHost? host = null)
        {
            Reader = reader ?? throw new ArgumentNullException(nameof(reader));
            _host = host;
        }

        /// <summary>The run's cached reader (Set-AzCmkEncryption reuses it after validation).</summary>
        public KeyVaultReader Reader { get; }

        public static Task<IReadOnlyList<CmkRequirementResult>> RunAsync(RequirementRequest request, IAzureResources azure,
            ICmkHost? host, CancellationToken cancellationToken)
            => new RequirementEngine(azure, host).RunAsync(request, cancellationToken);

        /// <summary>Many targets in one run (Set/Update on many resources): shared cache, bounded concurrency.</summary>
        public static Task<IReadOnlyList<RequirementRunResult>> RunAsync(IReadOnlyList<RequirementRequest> requests, IAzureResources azure,
            ICmkHost? host, CancellationToken cancellationToken, int maxConcurrency = 8)
            => new RequirementEngine(azure, host).RunManyAsync(requests, maxConcurrency, cancellationToken);

        public async Task<IReadOnlyList<CmkRequirementResult>> RunAsync(RequirementRequest request, CancellationToken cancellationToken)
        {
            if (request is null) throw new ArgumentNullException(nameof(request));
            var run = new RequirementRun(this, request, cancellationToken);
            await run.ExecuteAsync().ConfigureAwait(false);
            return run.Results;
        }

        /// <summary>Results in request order; an input error of one request is reported in its entry, the rest go on.</summary>
        public async Task<IReadOnlyList<RequirementRunResult>> RunManyAsync(IReadOnlyList<RequirementRequest> requests, int maxConcurrency,
            CancellationToken cancellationToken)
        {
            if (requests is null) throw new ArgumentNullException(nameof(requests));
            return await CmkParallel.ForEachAsync(requests, maxConcurrency, async (request, ct) =>
            {
                try
                {
                    return new RequirementRunResult(request, await RunAsync(request, ct).ConfigureAwait(false), null);
                }
                catch (CmkException ex)
                {
                    return new RequirementRunResult(request, Array.Empty<CmkRequirementResult>(), ex);
                }
            }, cancellationToken).ConfigureAwait(false);
        }

        internal void Verbose(string message) => _host?.WriteVerbose(message);
    }
}
