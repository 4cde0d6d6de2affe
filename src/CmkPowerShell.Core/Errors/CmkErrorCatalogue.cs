using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace CmkPowerShell.Core.Errors
{
    /// <summary>
    /// The error catalogue: every documented failure with its id, family, category, meaning, fix and source
    /// (the table is in CmkErrorCatalogue.Data.cs), and the indexes that find an entry by code, message, check or status.
    /// </summary>
    public static partial class CmkErrorCatalogue
    {
        private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(200);

        private static readonly IReadOnlyList<CmkErrorEntry> AllEntries = Build();
        private static readonly Dictionary<string, CmkErrorEntry> ById = Index(AllEntries, e => new[] { e.ErrorId }, "error id");
        private static readonly Dictionary<string, CmkErrorEntry> ByCode = Index(AllEntries, e => e.ServiceCodes, "service code");
        private static readonly Dictionary<string, CmkErrorEntry> ByCheck = Index(AllEntries, e => e.CheckIds, "check id");
        private static readonly Dictionary<int, CmkErrorEntry> ByStatus = AllEntries
            .SelectMany(e => e.FallbackForStatus.Select(s => (Status: s, Entry: e)))
            .ToDictionary(x => x.Status, x => x.Entry);
        private static readonly (Regex Pattern, CmkErrorEntry Entry)[] ByMessage = AllEntries
            .SelectMany(e => e.MessagePatterns.Select(p => (new Regex(p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, PatternTimeout), e)))
            .ToArray();

        /// <summary>Every entry, in the order of the table.</summary>
        public static IReadOnlyList<CmkErrorEntry> Entries => AllEntries;

        /// <summary>The entry with this error id; throws for an id the catalogue does not have (a programming error).</summary>
        public static CmkErrorEntry Get(string errorId)
            => TryGet(errorId) ?? throw new ArgumentException($"The error catalogue has no entry '{errorId}'.", nameof(errorId));

        public static CmkErrorEntry? TryGet(string? errorId)
            => errorId != null && ById.TryGetValue(errorId, out var e) ? e : null;

        /// <summary>The entry for a service's error code (case-insensitive).</summary>
        public static CmkErrorEntry? FindByCode(string? code)
            => code != null && ByCode.TryGetValue(code, out var e) ? e : null;

        /// <summary>The entry whose documented message pattern matches the service's message (NetApp Files and others that document messages).</summary>
        public static CmkErrorEntry? FindByMessage(string? message)
        {
            if (string.IsNullOrEmpty(message)) return null;
            foreach (var (pattern, entry) in ByMessage)
            {
                try
                {
                    if (pattern.IsMatch(message)) return entry;
                }
                catch (RegexMatchTimeoutException)
                {
                    // A pathological message must not hang error reporting; it simply does not match.
                }
            }
            return null;
        }

        /// <summary>The entry for a requirement check id.</summary>
        public static CmkErrorEntry? FindByCheck(string? checkId)
            => checkId != null && ByCheck.TryGetValue(checkId, out var e) ? e : null;

        /// <summary>The entry that answers an HTTP status when nothing more specific matched.</summary>
        public static CmkErrorEntry? FindByStatus(int status)
            => ByStatus.TryGetValue(status, out var e) ? e : null;

        private static Dictionary<string, CmkErrorEntry> Index(IEnumerable<CmkErrorEntry> entries, Func<CmkErrorEntry, IEnumerable<string>> keys, string what)
        {
            var index = new Dictionary<string, CmkErrorEntry>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in entries)
            {
                foreach (var key in keys(entry))
                {
                    // Two entries claiming one key would make the mapping depend on table order: refuse it at load.
                    if (index.TryGetValue(key, out var other))
                        throw new InvalidOperationException($"The error catalogue maps {what} '{key}' to both {other.ErrorId} and {entry.ErrorId}.");
                    index.Add(key, entry);
                }
            }
            return index;
        }
    }
}
