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
    

        /// <summary>
        /// Fleet work: runs <paramref name="func"/> for every item, at most <paramref name="maxConcurrency"/> at a time,
        /// and reports each item as it settles through <paramref name="settled"/> (its result, or the exception it threw):
        /// one failure never stops the others. Once <paramref name="stopNew"/> fires no further item starts, while
        /// items already started run on (each decides what its own token covers); <paramref name="abort"/> cancels
        /// everything. Returns when every started item has settled.
        /// </summary>
        public static async Task ForEachSettledAsync<T, TResult>(IEnumerable<T> items, int maxConcurrency,
            Func<T, Task<TResult>> func, Action<T, TResult, Exception?> settled, CancellationToken stopNew, CancellationToken abort)
        {
            if (items is null) throw new ArgumentNullException(nameof(items));
            if (func is null) throw new ArgumentNullException(nameof(func));
            if (settled is null) throw new ArgumentNullException(nameof(settled));
            if (maxConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(maxConcurrency), "At least one item must be able to run.");

            var list = items as IReadOnlyList<T> ?? items.ToList();
            var next = -1;
            async Task Worker()
            {
                int index;
                while (!stopNew.IsCancellationRequested && !abort.IsCancellationRequested
                       && (index = Interlocked.Increment(ref next)) < list.Count)
                {
                    var item = list[index];
                    TResult result = default!;
                    Exception? error = null;
                    try
                    {
                        result = await func(item).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        error = ex;
                    }
                    settled(item, result, error);
                }
            }

            var workers = Enumerable.Range(0, Math.Min(maxConcurrency, list.Count)).Select(_ => Task.Run(Worker)).ToArray();
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
    }
}
