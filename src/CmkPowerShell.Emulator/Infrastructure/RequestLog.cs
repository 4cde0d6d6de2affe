using System;
using System.Collections.Generic;
using System.Linq;

namespace CmkPowerShell.Emulator
{
    /// <summary>One request as the emulator saw it. PrincipalId is the caller's oid (null when unauthenticated).</summary>
    public sealed record LoggedRequest(
        string Method, string Path, string Query, int Status, TimeSpan Latency, string? PrincipalId, string? RequestBody)
    {
        public DateTimeOffset Time { get; init; } = DateTimeOffset.UtcNow;
    }

    /// <summary>Every ARM and token request the emulator answered, in order (admin requests are not logged).</summary>
    public sealed class RequestLog
    {
        private readonly List<LoggedRequest> _entries = new();

        public IReadOnlyList<LoggedRequest> Entries
        {
            get { lock (_entries) return _entries.ToList(); }
        }

        public void Clear()
        {
            lock (_entries) _entries.Clear();
        }

        public int Count(Func<LoggedRequest, bool> predicate)
        {
            lock (_entries) return _entries.Count(predicate);
        }

        internal void Add(LoggedRequest entry)
        {
            lock (_entries) _entries.Add(entry);
        }
    }
}
