using System;
using System.Collections.Generic;
using System.Linq;

namespace CmkPowerShell.Emulator.Validation
{
    /// <summary>A parameter of an operation, as the spec declares it (path, query, header or body).</summary>
    public sealed record SpecParameter(string Name, string In, bool Required, bool SkipUrlEncoding, SpecSchema? Schema);

    /// <summary>One operation of a swagger file: what it accepts and what it may answer.</summary>
    public sealed class SpecOperation
    {
        internal SpecOperation(
            string operationId, string method, PathTemplate path, string apiVersion, string specFile,
            IReadOnlyList<SpecParameter> parameters, IReadOnlyDictionary<string, SpecSchema?> responses,
            bool isLongRunning, string? finalStateVia, IReadOnlyDictionary<string, string> examples)
        {
            OperationId = operationId;
            Method = method;
            Template = path;
            ApiVersion = apiVersion;
            SpecFile = specFile;
            Parameters = parameters;
            Responses = responses;
            IsLongRunning = isLongRunning;
            FinalStateVia = finalStateVia;
            Examples = examples;
        }

        public string OperationId { get; }

        /// <summary>Upper case: GET, PUT, PATCH, POST, DELETE.</summary>
        public string Method { get; }

        /// <summary>The path as the spec writes it, e.g. "/subscriptions/{subscriptionId}/.../netAppAccounts/{accountName}".</summary>
        public string PathTemplate => Template.Text;

        internal PathTemplate Template { get; }

        /// <summary>How specific the template is (its literal segments); of two matching templates the higher wins.</summary>
        public int LiteralSegments => Template.LiteralCount;
        public string ApiVersion { get; }

        /// <summary>The swagger file, relative to the specs root.</summary>
        public string SpecFile { get; }

        public IReadOnlyList<SpecParameter> Parameters { get; }

        /// <summary>The body parameter, if the operation takes one.</summary>
        public SpecParameter? Body => Parameters.FirstOrDefault(p => p.In == "body");

        /// <summary>Response schema by status code ("200", "201", "default"); null where the answer has no body.</summary>
        public IReadOnlyDictionary<string, SpecSchema?> Responses { get; }

        public bool IsLongRunning { get; }

        /// <summary>x-ms-long-running-operation-options.final-state-via ("azure-async-operation", "location", "original-uri"), if given.</summary>
        public string? FinalStateVia { get; }

        /// <summary>x-ms-examples: title -> absolute path of the example file (only files present in the specs tree).</summary>
        public IReadOnlyDictionary<string, string> Examples { get; }

        /// <summary>Whether a concrete path (query string optional) fits this operation's template.</summary>
        public bool Matches(string path)
        {
            var (segments, query) = Validation.PathTemplate.SplitPathAndQuery(path);
            return Template.Matches(segments, query);
        }

        public override string ToString() => $"{OperationId} ({Method} {PathTemplate}, {ApiVersion})";
    }

    /// <summary>
    /// A spec path template matched against concrete request paths: literal segments compare
    /// case-insensitively (ARM does), "{name}" takes one segment, and a parameter marked
    /// x-ms-skip-url-encoding (such as {scope}) may take several.
    /// </summary>
    internal sealed class PathTemplate
    {
        private readonly Segment[] segments;
        private readonly (string Key, string? Value)? queryCondition;

        private sealed record Segment(string? Literal, string? Parameter, bool MultiSegment);

        public PathTemplate(string text, ISet<string> multiSegmentParameters)
        {
            Text = text;
            var path = text;
            // x-ms-paths keys carry a query part that tells apart operations on the same path.
            var q = text.IndexOf('?');
            if (q >= 0)
            {
                path = text.Substring(0, q);
                var pair = text.Substring(q + 1).Split('=', 2);
                queryCondition = (pair[0], pair.Length > 1 ? pair[1] : null);
            }
            segments = Split(path).Select(s =>
                s.StartsWith('{') && s.EndsWith('}')
                    ? new Segment(null, s[1..^1], multiSegmentParameters.Contains(s[1..^1]))
                    : new Segment(s, null, false)).ToArray();
            LiteralCount = segments.Count(s => s.Literal is not null);
        }

        public string Text { get; }

        /// <summary>More literal segments = more specific: "/keys/{k}/versions" beats "/keys/{k}/{version}".</summary>
        public int LiteralCount { get; }

        /// <summary>An x-ms-paths template whose query condition held is more specific than the plain path.</summary>
        public bool HasQueryCondition => queryCondition is not null;

        public bool Matches(string[] pathSegments, IReadOnlyDictionary<string, string> query)
        {
            // A template made only of parameters ("/{roleAssignmentId}") would claim every path.
            if (LiteralCount == 0) return false;
            if (queryCondition is { } condition)
            {
                if (!query.TryGetValue(condition.Key, out var actual)) return false;
                if (condition.Value is not null && !string.Equals(actual, condition.Value, StringComparison.OrdinalIgnoreCase)) return false;
            }
            return Match(0, pathSegments, 0);
        }

        private bool Match(int t, string[] path, int p)
        {
            if (t == segments.Length) return p == path.Length;
            var segment = segments[t];
            if (segment.Literal is not null)
                return p < path.Length && string.Equals(segment.Literal, path[p], StringComparison.OrdinalIgnoreCase) && Match(t + 1, path, p + 1);

            var isLast = t == segments.Length - 1;
            if (!segment.MultiSegment)
            {
                if (p >= path.Length) return false;
                // An empty last segment is a parameter left empty on purpose (Key Vault's "keys/{name}/" = latest version).
                if (path[p].Length == 0 && !isLast) return false;
                return Match(t + 1, path, p + 1);
            }
            for (var end = p + 1; end <= path.Length; end++)
                if (Match(t + 1, path, end)) return true;
            return false;
        }

        /// <summary>Splits "path?query" into path segments and query parameters.</summary>
        public static (string[] Segments, IReadOnlyDictionary<string, string> Query) SplitPathAndQuery(string path)
        {
            var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var q = path.IndexOf('?');
            if (q >= 0)
            {
                foreach (var pair in path.Substring(q + 1).Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    var kv = pair.Split('=', 2);
                    query[Uri.UnescapeDataString(kv[0])] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
                }
                path = path.Substring(0, q);
            }
            return (Split(path), query);
        }

        /// <summary>Splits a path (no query) into segments; a trailing "/" yields a last empty segment.</summary>
        public static string[] Split(string path)
        {
            var trimmed = path.StartsWith('/') ? path.Substring(1) : path;
            return trimmed.Split('/').Select(Uri.UnescapeDataString).ToArray();
        }
    }
}
