using System;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// How hard the transport tries and how fast it may go. The defaults suit Azure; tests and benchmarks
    /// shrink the delays so that a retried or polled request does not cost seconds.
    /// </summary>
    public sealed class CmkTransportOptions
    {
        /// <summary>Retries after the first attempt for 408/429/500/502/503/504 and transport failures.</summary>
        public int MaxRetries { get; set; } = 4;
        /// <summary>First back-off; doubles per retry (a server's Retry-After wins when it is longer).</summary>
        public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.8);
        public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Time allowed for one attempt before it counts as a transport failure.</summary>
        public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

        /// <summary>Wait between polls of a long-running operation when the service sends no Retry-After.</summary>
        public TimeSpan DefaultPollInterval { get; set; } = TimeSpan.FromSeconds(2);
        /// <summary>Upper bound for a service's Retry-After while polling, so a bad header cannot stall a run.</summary>
        public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Client-side per-subscription token buckets; null switches the limiter off.</summary>
        public TokenBucketRate? ReadRate { get; set; } = TokenBucketRate.ArmReads;
        public TokenBucketRate? WriteRate { get; set; } = TokenBucketRate.ArmWrites;
    }

    /// <summary>A token bucket's shape: how many requests may go at once and how fast the bucket refills.</summary>
    public sealed record TokenBucketRate(int Burst, double PerSecond)
    {
        /// <summary>ARM's documented per-subscription read budget.</summary>
        public static TokenBucketRate ArmReads { get; } = new TokenBucketRate(250, 25);
        /// <summary>ARM's documented per-subscription write (PUT/PATCH/POST/DELETE) budget.</summary>
        public static TokenBucketRate ArmWrites { get; } = new TokenBucketRate(200, 10);
    }
}
