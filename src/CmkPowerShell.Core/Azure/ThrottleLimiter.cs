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
        public void Drain()
        {
            lock (_gate)
            {
                Refill();
                if (_tokens > 0) _tokens = 0;
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
            return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, cancellationToken);
        }

        public void Wait(string subscriptionKey, bool isRead, CancellationToken cancellationToken)
            => WaitAsync(subscriptionKey, isRead, cancellationToken).GetAwaiter().GetResult();

        /// <summary>Called when ARM reports x-ms-ratelimit-remaining-subscription-(reads|writes): 0.</summary>
        public void Exhausted(string subscriptionKey, bool isRead) => Bucket(subscriptionKey, isRead)?.Drain();

        private TokenBucket? Bucket(string subscriptionKey, bool isRead)
        {
            var rate = isRead ? _reads : _writes;
            if (rate is null) return null;
            return _buckets.GetOrAdd((isRead ? "r:" : "w:") + subscriptionKey, _ => new TokenBucket(rate, _clock));
        }
    }
}
