using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>Fan-out over many resources with bounded concurrency (the throttle limiter paces the requests).</summary>
    public static class CmkParallel
    {
        /// <summary>
        /// Runs <paramref name="func"/> for every item, at most <paramref name="maxConcurrency"/> at a time, and
        /// returns the results in the order of the items. The first failure cancels the items not yet started
        /// and is rethrown; per-item error handling belongs inside <paramref name="func"/> (return a result that
        /// carries the error) when the rest must go on.
        /// </summary>
        public static async Task<IReadOnlyList<TResult>> ForEachAsync<T, TResult>(IEnumerable<T> items, int maxConcurrency,
            Func<T, CancellationToken, Task<TResult>> func, CancellationToken cancellationToken)
        {
            if (items is null) throw new ArgumentNullException(nameof(items));
            if (func is null) throw new ArgumentNullException(nameof(func));
            if (maxConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(maxConcurrency), "At least one item must be able to run.");

            var list = items as IReadOnlyList<T> ?? items.ToList();
            var results = new TResult[list.Count];
            if (list.Count == 0) return results;

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var next = -1;
            async Task Worker()
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < list.Count)
                {
                    linked.Token.ThrowIfCancellationRequested();
                    try
                    {
                        results[index] = await func(list[index], linked.Token).ConfigureAwait(false);
                    }
                    catch
                    {
                        linked.Cancel();
                        throw;
                    }
                }
            }

            var workers = Enumerable.Range(0, Math.Min(maxConcurrency, list.Count)).Select(_ => Task.Run(Worker)).ToArray();
            try
            {
                await Task.WhenAll(workers).ConfigureAwait(false);
            }
            catch
            {
                // Surface the real failure rather than the cancellations it caused in the other workers.
                var real = workers.Where(w => w.IsFaulted).SelectMany(w => w.Exception!.InnerExceptions)
                    .FirstOrDefault(e => !(e is OperationCanceledException));
                if (real != null && !cancellationToken.IsCancellationRequested) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(real).Throw();
                throw;
            }
            return results;
        }
    }
}
