using System;
using System.Collections.Concurrent;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// ARM's per subscription + principal token buckets: reads 250 burst refilled at 25/s, writes 200 burst at 10/s.
    /// </summary>
    internal sealed class Throttler
    {
        public const int ReadBurst = 250, WriteBurst = 200;
        public const double ReadRate = 25, WriteRate = 10;

        private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.OrdinalIgnoreCase);

        public volatile bool Enabled;

        /// <summary>Takes a token. Returns (allowed, remaining, retryAfterSeconds).</summary>
        public (bool Allowed, int Remaining, int RetryAfter) Take(string subscription, string principal, bool write)
        {
            int burst = write ? WriteBurst : ReadBurst;
            if (!Enabled) return (true, burst - 1, 0);
            double rate = write ? WriteRate : ReadRate;
            var bucket = _buckets.GetOrAdd($"{subscription}|{principal}|{(write ? "w" : "r")}", _ => new Bucket(burst));
            lock (bucket)
            {
                var now = DateTimeOffset.UtcNow;
                bucket.Tokens = Math.Min(burst, bucket.Tokens + (now - bucket.Last).TotalSeconds * rate);
                bucket.Last = now;
                if (bucket.Tokens < 1)
                {
                    var wait = (int)Math.Ceiling((1 - bucket.Tokens) / rate);
                    return (false, 0, Math.Max(1, wait));
                }
                bucket.Tokens -= 1;
                return (true, (int)Math.Floor(bucket.Tokens), 0);
            }
        }

        public void Reset() => _buckets.Clear();

        private sealed class Bucket
        {
            public Bucket(int tokens)
            {
                Tokens = tokens;
                Last = DateTimeOffset.UtcNow;
            }

            public double Tokens;
            public DateTimeOffset Last;
        }
    }
}
