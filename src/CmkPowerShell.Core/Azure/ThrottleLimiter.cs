using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// A token bucket that hands out reservations: a caller takes a token even when the bucket is empty and
    /// is told how long to wait for it, so waiting callers are served in arrival order without spinning.
    /// </summary>
    public sealed class TokenBucket
    {
        private readonly object _gate = new object();
        private readonly Func<TimeSpan> _clock;
        private readonly double _burst;
        private readonly double _perSecond;
        private double _tokens;
        private TimeSpan _last;

        public TokenBucket(TokenBucketRate rate, Func<TimeSpan>? clock = null)
        {
            if (rate is null) throw new ArgumentNullException(nameof(rate));
            if (rate.Burst < 1 || rate.PerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(rate), "A bucket needs a burst of at least 1 and a positive refill rate.");
            _burst = rate.Burst;
            _perSecond = rate.PerSecond;
            _clock = clock ?? StopwatchClock();
            _tokens = _burst;
            _last = _clock();
        }

        /// <summary>Takes one token; returns how long the caller must wait before using it (zero when available now).</summary>
        public TimeSpan Reserve()
        {
            lock (_gate)
            {
                Refill();
                _tokens -= 1;
                return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _perSecond);
            }
        }

        /// <summary>The server says the budget is spent: stop bursting until the bucket refills.</summary>
        public void Drain() => CapAt(0);

        /// <summary>
        /// The server reports how many requests are left: never believe in more than that (another client of the same
        /// principal, or a clock drift, may have spent part of the budget).
        /// </summary>
        public void CapAt(double remaining)
        {
            lock (_gate)
            {
                Refill();
                if (_tokens > remaining) _tokens = remaining;
            }
        }

        /// <summary>
        /// The server answered 429: nobody may go for <paramref name="pause"/>. Taking the minimum (not the sum) of the
        /// debts makes many 429s received at once one pause, not one per worker.
        /// </summary>
        public void PauseFor(TimeSpan pause)
        {
            lock (_gate)
            {
                Refill();
                var debt = -pause.TotalSeconds * _perSecond;
                if (_tokens > debt) _tokens = debt;
            }
        }

        public double Available
        {
            get { lock (_gate) { Refill(); return _tokens; } }
        }

        private void Refill()
        {
            var now = _clock();
            var elapsed = (now - _last).TotalSeconds;
            _last = now;
            if (elapsed > 0) _tokens = Math.Min(_burst, _tokens + elapsed * _perSecond);
        }

        private static Func<TimeSpan> StopwatchClock()
        {
            var sw = Stopwatch.StartNew();
            return () => sw.Elapsed;
        }
    }

    /// <summary>ARM's per-subscription read and write budgets, shared by everything one session sends.</summary>
    public sealed class ThrottleLimiter
    {
        private readonly TokenBucketRate? _reads;
        private readonly TokenBucketRate? _writes;
        private readonly Func<TimeSpan>? _clock;
        private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new ConcurrentDictionary<string, TokenBucket>(StringComparer.OrdinalIgnoreCase);

        public ThrottleLimiter(TokenBucketRate? reads, TokenBucketRate? writes, Func<TimeSpan>? clock = null)
        {
            _reads = reads;
            _writes = writes;
            _clock = clock;
        }

        /// <summary>Waits for a token of the subscription's read or write bucket (no-op when that budget is off).</summary>
        public Task WaitAsync(string subscriptionKey, bool isRead, CancellationToken cancellationToken)
        {
            var bucket = Bucket(subscriptionKey, isRead);
            if (bucket is null) return Task.CompletedTask;
            var wait = bucket.Reserve();
            if (wait <= TimeSpan.Zero) return Task.CompletedTask;
            Interlocked.Increment(ref _waits);
            Interlocked.Add(ref _waitedTicks, wait.Ticks);
            return Task.Delay(wait, cancellationToken);
        }

        public void Wait(string subscriptionKey, bool isRead, CancellationToken cancellationToken)
            => WaitAsync(subscriptionKey, isRead, cancellationToken).GetAwaiter().GetResult();

        /// <summary>Called when ARM reports x-ms-ratelimit-remaining-subscription-(reads|writes): 0.</summary>
        public void Exhausted(string subscriptionKey, bool isRead) => Bucket(subscriptionKey, isRead)?.Drain();

        /// <summary>ARM's x-ms-ratelimit-remaining-subscription-(reads|writes): the client bucket follows the server's count.</summary>
        public void Remaining(string subscriptionKey, bool isRead, int remaining) => Bucket(subscriptionKey, isRead)?.CapAt(Math.Max(0, remaining));

        /// <summary>A 429 with its Retry-After: the subscription's bucket pauses every worker, once.</summary>
        public void Throttled(string subscriptionKey, bool isRead, TimeSpan retryAfter)
        {
            Interlocked.Increment(ref _throttled);
            Bucket(subscriptionKey, isRead)?.PauseFor(retryAfter);
        }

        /// <summary>How often a request waited for its bucket, and for how long in all (the fleet progress bar shows it).</summary>
        public int Waits => Volatile.Read(ref _waits);
        public TimeSpan Waited => TimeSpan.FromTicks(Interlocked.Read(ref _waitedTicks));
        /// <summary>429 answers seen (each was retried by the transport).</summary>
        public int ThrottledResponses => Volatile.Read(ref _throttled);

        private int _waits;
        private long _waitedTicks;
        private int _throttled;

        private TokenBucket? Bucket(string subscriptionKey, bool isRead)
        {
            var rate = isRead ? _reads : _writes;
            if (rate is null) return null;
            return _buckets.GetOrAdd((isRead ? "r:" : "w:") + subscriptionKey, _ => new TokenBucket(rate, _clock));
        }
    }
}
