using System;

namespace CmkPowerShell.Emulator
{
    /// <summary>Start-up settings of an emulator instance. Most can be changed later through <see cref="EmulatorServer"/>.</summary>
    public sealed class EmulatorOptions
    {
        /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
        public int Port { get; set; } = 0;

        /// <summary>Name of a built-in scenario ("demo"), or null for an empty tenant.</summary>
        public string? Scenario { get; set; } = "demo";

        /// <summary>A JSON scenario file; when set it wins over <see cref="Scenario"/>.</summary>
        public string? ScenarioFile { get; set; }

        /// <summary>Where to write the profile JSON; null writes nothing.</summary>
        public string? ProfilePath { get; set; }

        /// <summary>How long a long-running operation stays InProgress.</summary>
        public TimeSpan LroDelay { get; set; } = TimeSpan.FromMilliseconds(300);

        /// <summary>Retry-After sent with 201/202 answers; null sends none.</summary>
        public TimeSpan? RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>ARM-like token-bucket throttling (off by default).</summary>
        public bool Throttling { get; set; }

        public TimeSpan Latency { get; set; }

        public TimeSpan LatencyJitter { get; set; }

        /// <summary>Checks request bodies; null means the official specs shipped with the emulator (unless ValidateRequests is false).</summary>
        public IRequestBodyValidator? Validator { get; set; }

        /// <summary>Reject request bodies that break the operation's swagger (on by default, as Azure does).</summary>
        public bool ValidateRequests { get; set; } = true;
    }
}
