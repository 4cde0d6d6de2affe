using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// The next <paramref name="Count"/> requests whose method and path match get this fault: a status with an ARM error
    /// body, a dropped connection, or (FailLongRunningOperation) an accepted write whose operation then ends Failed.
    /// Method "*" matches any method; PathPattern is a case-insensitive regex searched in the path.
    /// </summary>
    public sealed record FaultRule(string Method, string PathPattern, int Count,
        int Status = 500, string? ErrorCode = null, string? ErrorMessage = null, bool DropConnection = false,
        bool FailLongRunningOperation = false)
    {
        public string Code => ErrorCode ?? (Status switch
        {
            400 => "BadRequest",
            401 => "InvalidAuthenticationToken",
            404 => "NotFound",
            409 => "Conflict",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            _ => "InternalServerError",
        });

        public string Message => ErrorMessage ?? "Injected fault.";
    }

    public sealed class FaultInjector
    {
        private readonly List<(FaultRule Rule, Regex Pattern, int Remaining)> _rules = new();

        public void Add(FaultRule rule)
        {
            if (rule.Count <= 0) throw new ArgumentOutOfRangeException(nameof(rule), "Count must be positive.");
            var regex = new Regex(rule.PathPattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            lock (_rules) _rules.Add((rule, regex, rule.Count));
        }

        public void Clear()
        {
            lock (_rules) _rules.Clear();
        }

        public IReadOnlyList<(FaultRule Rule, int Remaining)> Active
        {
            get { lock (_rules) return _rules.Select(r => (r.Rule, r.Remaining)).ToList(); }
        }

        /// <summary>Consumes one use of the first matching rule.</summary>
        internal FaultRule? Take(string method, string path)
        {
            lock (_rules)
            {
                for (int i = 0; i < _rules.Count; i++)
                {
                    var (rule, pattern, remaining) = _rules[i];
                    if ((rule.Method == "*" || rule.Method.Equals(method, StringComparison.OrdinalIgnoreCase)) && pattern.IsMatch(path))
                    {
                        if (remaining <= 1) _rules.RemoveAt(i);
                        else _rules[i] = (rule, pattern, remaining - 1);
                        return rule;
                    }
                }
                return null;
            }
        }
    }
}
