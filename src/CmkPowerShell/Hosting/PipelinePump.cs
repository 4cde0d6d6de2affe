using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace CmkPowerShell.Hosting
{
    /// <summary>
    /// Runs asynchronous work while executing, on the thread that called <see cref="Run"/>, every action the
    /// work posts. PowerShell only accepts Write*/ShouldProcess calls on its pipeline thread, while the engine
    /// reports from whatever thread its awaits resume on; this is the bridge. Knows nothing of PowerShell so
    /// it can be unit-tested without a runspace.
    /// </summary>
    internal sealed class PipelinePump
    {
        private readonly BlockingCollection<Action> _queue = new BlockingCollection<Action>();
        private readonly int _ownerThreadId = Environment.CurrentManagedThreadId;
        private readonly CancellationToken _cancellation;
        private int _running;

        /// <param name="cancellation">Stops the pump (StopProcessing); pending questions are abandoned.</param>
        public PipelinePump(CancellationToken cancellation)
        {
            _cancellation = cancellation;
        }

        public bool IsOwnerThread => Environment.CurrentManagedThreadId == _ownerThreadId;

        /// <summary>Runs <paramref name="action"/> on the owner thread: now if called there, else when pumped.</summary>
        public void Post(Action action)
        {
            if (IsOwnerThread)
            {
                action();
                return;
            }
            if (!TryEnqueue(action) && !_cancellation.IsCancellationRequested)
            {
                throw new InvalidOperationException(
                    "The command already finished; work that outlives it cannot write to the pipeline.");
            }
            // Once the user pressed Ctrl+C, late messages from work that is still unwinding are dropped.
        }

        /// <summary>
        /// Asks the owner thread for an answer and waits for it (ShouldProcess from a worker thread).
        /// Exceptions thrown on the owner thread are rethrown here, in the asking worker.
        /// </summary>
        public T Invoke<T>(Func<T> question)
        {
            if (IsOwnerThread)
            {
                return question();
            }
            var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            void Ask()
            {
                try { answer.TrySetResult(question()); }
                catch (Exception ex) { answer.TrySetException(ex); }
            }
            if (!TryEnqueue(Ask))
            {
                _cancellation.ThrowIfCancellationRequested();
                throw new InvalidOperationException("The command already finished; it cannot answer questions.");
            }
            try
            {
                answer.Task.Wait(_cancellation);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            }
            return answer.Task.Result;
        }

        /// <summary>
        /// Starts <paramref name="work"/> on the thread pool and executes posted actions on this thread until it
        /// completes; then returns its result or rethrows its exception. Must be called on the owner thread.
        /// Throws <see cref="OperationCanceledException"/> as soon as the cancellation token fires, without
        /// waiting for the work to notice.
        /// </summary>
        private static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(250);

        public T Run<T>(Func<Task<T>> work)
        {
            if (!IsOwnerThread)
            {
                throw new InvalidOperationException("The pump must run on the thread that created it.");
            }
            if (Interlocked.Exchange(ref _running, 1) != 0)
            {
                throw new InvalidOperationException("A pump runs once; create one per call.");
            }

            // Task.Run keeps the work off this thread even when it completes synchronously up to its first await,
            // so a blocking engine call can never deadlock the pump.
            var task = Task.Run(work);
            task.ContinueWith(_ => _queue.CompleteAdding(), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

            try
            {
                foreach (var action in _queue.GetConsumingEnumerable(_cancellation))
                {
                    action();
                }
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                // The work stops promptly on the same token; give it a moment to say what stopping left behind (an accepted
                // write whose outcome is now unknown), so the cmdlet can tell the user instead of going silent.
                try { task.Wait(StopGrace); } catch (AggregateException) { }
                if (task.IsFaulted && task.Exception!.InnerException is Core.Errors.CmkException reported)
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(reported).Throw();
                throw;
            }
            finally
            {
                // Whatever ended the loop (done, Ctrl+C, a Write* that threw), later posts must not pile up.
                _queue.CompleteAdding();
            }
            return task.GetAwaiter().GetResult();
        }

        private bool TryEnqueue(Action action)
        {
            try
            {
                if (_queue.IsAddingCompleted)
                {
                    return false;
                }
                _queue.Add(action);
                return true;
            }
            catch (InvalidOperationException)
            {
                // CompleteAdding raced with the IsAddingCompleted check.
                return false;
            }
        }
    }
}
