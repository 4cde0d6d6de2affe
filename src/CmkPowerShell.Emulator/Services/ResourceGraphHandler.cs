using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Azure Resource Graph's Resources operation (POST /providers/Microsoft.ResourceGraph/resources, 2024-04-01) for a
    /// documented subset of KQL (README: "Resource Graph"): <c>resources</c>, then <c>| where</c> clauses made of
    /// <c>type in~ (...)</c>, <c>resourceGroup in~ (...)</c>, <c>subscriptionId in~ (...)</c> and
    /// <c>tostring(properties) contains '...'</c> joined by and/or/parentheses, then one <c>| project</c> of known columns.
    /// Anything else is a 400 naming the part it does not support. Scopes: subscriptions, or management groups (with the
    /// subscriptions below them, nested groups included). Paging: <c>$top</c> (max 1,000; 100 by default) and an opaque
    /// <c>$skipToken</c>. Quota: x-ms-user-quota-remaining / x-ms-user-quota-resets-after on every answer, and when
    /// throttling is on a 429 past <see cref="EmulatorWorld.GraphQuota"/> requests per window per principal.
    /// Sources: https://learn.microsoft.com/azure/governance/resource-graph/concepts/guidance-for-throttled-requests,
    /// https://learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data.
    /// </summary>
    internal sealed class ResourceGraphHandler
    {
        public const string Namespace = "Microsoft.ResourceGraph";
        public const string ManagementGroupPrefix = "/providers/Microsoft.Management/managementGroups/";
        private static readonly string[] Columns = { "id", "name", "type", "location", "subscriptionId", "resourceGroup", "identity", "properties", "tags", "kind", "sku" };

        private readonly EmulatorWorld _world;
        private readonly Dictionary<string, (DateTimeOffset Start, int Used)> _windows = new(StringComparer.OrdinalIgnoreCase);

        public ResourceGraphHandler(EmulatorWorld world) => _world = world;

        public ArmResult Handle(ArmRequest r, bool throttling)
        {
            if (!r.IsPost || !r.Path.Equals("/providers/Microsoft.ResourceGraph/resources", StringComparison.OrdinalIgnoreCase))
                throw new ArmException(404, "NotFound", $"The emulator serves only POST /providers/{Namespace}/resources.");
            var (remaining, resetsAfter) = TakeQuota(r.Caller.ObjectId, throttling);
            var headers = new Dictionary<string, string>
            {
                ["x-ms-user-quota-remaining"] = Math.Max(0, remaining).ToString(),
                ["x-ms-user-quota-resets-after"] = resetsAfter.ToString(@"hh\:mm\:ss"),
            };
            if (remaining < 0)
            {
                var retry = new ArmResult(429, Error("RateLimiting", $"Please provide below info when asking for support: the quota of {_world.GraphQuota} requests per {_world.GraphWindow.TotalSeconds:0} seconds is used up."));
                foreach (var h in headers) retry.Headers[h.Key] = h.Value;
                retry.Headers["Retry-After"] = Math.Max(1, (int)Math.Ceiling(resetsAfter.TotalSeconds)).ToString();
                return retry;
            }
            var result = Query(r);
            foreach (var h in headers) result.Headers[h.Key] = h.Value;
            return result;
        }

        private (int Remaining, TimeSpan ResetsAfter) TakeQuota(string principal, bool throttling)
        {
            lock (_windows)
            {
                var now = DateTimeOffset.UtcNow;
                if (!_windows.TryGetValue(principal, out var w) || now - w.Start >= _world.GraphWindow) w = (now, 0);
                w.Used++;
                _windows[principal] = w;
                var left = _world.GraphQuota - w.Used;
                if (!throttling && left < 0) left = 0;
                // Whole seconds, rounded up: a client waiting that long finds the window renewed.
                return (left, TimeSpan.FromSeconds(Math.Ceiling((w.Start + _world.GraphWindow - now).TotalSeconds)));
            }
        }

        public void ResetQuota()
        {
            lock (_windows) _windows.Clear();
        }

        private ArmResult Query(ArmRequest r)
        {
            var body = r.BodyObject;
            var text = body["query"]?.GetValue<string>() ?? throw BadRequest("The 'query' property is required.");
            var options = body["options"] as JsonObject;
            var format = options?["resultFormat"]?.GetValue<string>() ?? "objectArray";
            if (!format.Equals("objectArray", StringComparison.OrdinalIgnoreCase))
                throw BadRequest($"The emulator answers resultFormat 'objectArray' only, not '{format}'.");
            var top = options?["$top"]?.GetValue<int>() ?? 100;
            if (top < 1 || top > 1000) throw BadRequest("$top must be between 1 and 1000.");
            var skip = options?["$skip"]?.GetValue<int>() ?? 0;

            var subscriptions = Scopes(body);
            var (filters, projection) = Parse(text);
            var fingerprint = Fingerprint(text, subscriptions);
            if (options?["$skipToken"]?.GetValue<string>() is { } token) skip = ReadToken(token, fingerprint);

            var matching = _world.Store.Where((id, o) =>
            {
                var parsed = ArmId.Parse(id);
                if (parsed.Namespace == null || parsed.ExtensionScope != null || parsed.EndsWithType || parsed.SubscriptionId == null) return false;
                if (!subscriptions.Contains(parsed.SubscriptionId)) return false;
                var row = Row(parsed, o);
                return filters.All(f => f(row));
            });
            var page = matching.Skip(skip).Take(top).Select(o => Project(Row(ArmId.Parse(o["id"]!.GetValue<string>()), o), projection)).ToList();
            var response = new JsonObject
            {
                ["totalRecords"] = matching.Count,
                ["count"] = page.Count,
                ["resultTruncated"] = "false",
                ["data"] = new JsonArray(page.Select(p => (JsonNode)p).ToArray()),
            };
            if (skip + page.Count < matching.Count) response["$skipToken"] = WriteToken(skip + page.Count, fingerprint);
            return ArmResult.Ok(response);
        }

        /// <summary>The subscriptions of the request: listed ones, or those under the management groups; all of the caller's otherwise.</summary>
        private HashSet<string> Scopes(JsonObject body)
        {
            var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var subs = (body["subscriptions"] as JsonArray)?.Select(s => s!.GetValue<string>()).ToList() ?? new List<string>();
            var groups = (body["managementGroups"] as JsonArray)?.Select(s => s!.GetValue<string>()).ToList() ?? new List<string>();
            foreach (var s in subs)
            {
                if (!_world.Store.Exists($"/subscriptions/{s}"))
                    throw new ArmException(400, "BadRequest", $"Subscription '{s}' is not found or the caller has no access to it.");
                result.Add(s);
            }
            foreach (var g in groups)
            {
                if (!_world.Store.Exists(ManagementGroupPrefix + g))
                    throw new ArmException(400, "BadRequest", $"Management group '{g}' is not found or the caller has no access to it.");
                AddGroup(g, result, 0);
            }
            if (subs.Count == 0 && groups.Count == 0)
                foreach (var s in _world.Store.Where((id, _) => ArmId.Parse(id) is { SubscriptionId: not null, ResourceGroup: null, Namespace: null } && id.Count(c => c == '/') == 2))
                    result.Add(s["subscriptionId"]!.GetValue<string>());
            return result;
        }

        private void AddGroup(string name, HashSet<string> into, int depth)
        {
            if (depth > 6) return; // Azure allows six levels below the root group
            var group = _world.Store.Get(ManagementGroupPrefix + name);
            foreach (var child in group?["properties"]?["children"]?.AsArray().OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>())
            {
                var id = child["id"]?.GetValue<string>() ?? "";
                if (id.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase)) into.Add(id.Substring("/subscriptions/".Length));
                else if (id.StartsWith(ManagementGroupPrefix, StringComparison.OrdinalIgnoreCase)) AddGroup(id.Substring(ManagementGroupPrefix.Length), into, depth + 1);
            }
        }

        /// <summary>A resource as Resource Graph lists it: type and resource group in lower case, the subscription as a column.</summary>
        private static JsonObject Row(ArmId id, JsonObject stored)
        {
            var row = ResourceStore.Present(stored);
            row["type"] = id.ResourceType.ToLowerInvariant();
            row["subscriptionId"] = id.SubscriptionId;
            row["resourceGroup"] = id.ResourceGroup?.ToLowerInvariant();
            return row;
        }

        private static JsonObject Project(JsonObject row, IReadOnlyList<string>? columns)
        {
            var result = new JsonObject();
            foreach (var c in columns ?? Columns)
                result[c] = row[c]?.DeepClone();
            return result;
        }

        // ---- the KQL subset -----------------------------------------------------------------------------------------

        private static readonly Regex TokenPattern = new(@"\s*('(?:[^'\\]|\\.)*'|in~|[A-Za-z_][A-Za-z0-9_]*|\(|\)|,|\|)", RegexOptions.Compiled);

        private static (List<Func<JsonObject, bool>> Filters, IReadOnlyList<string>? Projection) Parse(string query)
        {
            var stages = query.Split('|').Select(s => s.Trim()).ToList();
            if (!stages[0].Equals("resources", StringComparison.OrdinalIgnoreCase))
                throw Unsupported($"the table '{stages[0]}' (only 'resources')");
            var filters = new List<Func<JsonObject, bool>>();
            IReadOnlyList<string>? projection = null;
            foreach (var stage in stages.Skip(1))
            {
                var tokens = Tokenize(stage);
                var op = tokens.Count > 0 ? tokens[0] : "";
                if (op.Equals("where", StringComparison.OrdinalIgnoreCase))
                {
                    if (projection != null) throw Unsupported("'where' after 'project'");
                    var pos = 1;
                    filters.Add(Or(tokens, ref pos));
                    if (pos != tokens.Count) throw Unsupported($"'{string.Join(" ", tokens.Skip(pos))}'");
                }
                else if (op.Equals("project", StringComparison.OrdinalIgnoreCase))
                {
                    var cols = tokens.Skip(1).Where(t => t != ",").ToList();
                    foreach (var c in cols)
                        if (!Columns.Contains(c)) throw Unsupported($"the column '{c}' in 'project'");
                    projection = cols;
                }
                else throw Unsupported($"the operator '{op}' (only 'where' and 'project')");
            }
            return (filters, projection);
        }

        private static List<string> Tokenize(string text)
        {
            var tokens = new List<string>();
            var at = 0;
            while (at < text.Length)
            {
                if (char.IsWhiteSpace(text[at])) { at++; continue; }
                var m = TokenPattern.Match(text, at);
                if (!m.Success || m.Index != at) throw Unsupported($"'{text.Substring(at)}'");
                tokens.Add(m.Groups[1].Value);
                at = m.Index + m.Length;
            }
            return tokens;
        }

        private static Func<JsonObject, bool> Or(List<string> t, ref int pos)
        {
            var left = And(t, ref pos);
            while (pos < t.Count && t[pos].Equals("or", StringComparison.OrdinalIgnoreCase))
            {
                pos++;
                var l = left;
                var right = And(t, ref pos);
                left = row => l(row) || right(row);
            }
            return left;
        }

        private static Func<JsonObject, bool> And(List<string> t, ref int pos)
        {
            var left = Term(t, ref pos);
            while (pos < t.Count && t[pos].Equals("and", StringComparison.OrdinalIgnoreCase))
            {
                pos++;
                var l = left;
                var right = Term(t, ref pos);
                left = row => l(row) && right(row);
            }
            return left;
        }

        private static Func<JsonObject, bool> Term(List<string> t, ref int pos)
        {
            string Next(ref int p) => p < t.Count ? t[p++] : throw Unsupported("an incomplete condition");
            var first = Next(ref pos);
            if (first == "(")
            {
                var inner = Or(t, ref pos);
                if (Next(ref pos) != ")") throw Unsupported("unbalanced parentheses");
                return inner;
            }
            if (first.Equals("tostring", StringComparison.OrdinalIgnoreCase))
            {
                if (Next(ref pos) != "(" || !Next(ref pos).Equals("properties", StringComparison.Ordinal) || Next(ref pos) != ")")
                    throw Unsupported("tostring() of anything but 'properties'");
                if (!Next(ref pos).Equals("contains", StringComparison.Ordinal)) throw Unsupported("an operator on tostring(properties) other than 'contains'");
                var needle = Literal(Next(ref pos));
                return row => (row["properties"]?.ToJsonString() ?? "").IndexOf(needle, StringComparison.OrdinalIgnoreCase) >= 0;
            }
            var column = first;
            if (column != "type" && column != "resourceGroup" && column != "subscriptionId") throw Unsupported($"a condition on '{column}'");
            if (Next(ref pos) != "in~") throw Unsupported($"an operator on '{column}' other than 'in~'");
            if (Next(ref pos) != "(") throw Unsupported("'in~' without a list");
            var values = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            while (true)
            {
                values.Add(Literal(Next(ref pos)));
                var sep = Next(ref pos);
                if (sep == ")") break;
                if (sep != ",") throw Unsupported($"'{sep}' in a list");
            }
            return row => row[column]?.GetValue<string>() is { } v && values.Contains(v);
        }

        private static string Literal(string token)
        {
            if (token.Length < 2 || token[0] != '\'' || token[token.Length - 1] != '\'') throw Unsupported($"'{token}' where a string literal was expected");
            return Regex.Unescape(token.Substring(1, token.Length - 2).Replace("\\'", "'"));
        }

        private static ArmException Unsupported(string what)
            => new(400, "BadRequest", $"Query is invalid for the emulator's Resource Graph subset: {what} is not supported (see the emulator README, Resource Graph).",
                new[] { ("UnsupportedQuery", $"{what} is not supported.", (string?)"query") });

        private static ArmException BadRequest(string message) => new(400, "BadRequest", message);

        private static JsonObject Error(string code, string message) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

        // ---- skip tokens: the offset, tied to the query and scopes they were made for ------------------------------

        private static string Fingerprint(string query, IEnumerable<string> subscriptions)
            => ((uint)(query + "|" + string.Join(",", subscriptions.OrderBy(s => s, StringComparer.OrdinalIgnoreCase))).Aggregate(17, (h, c) => h * 31 + c)).ToString("x8");

        private static string WriteToken(int offset, string fingerprint) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{offset}:{fingerprint}"));

        private static int ReadToken(string token, string fingerprint)
        {
            try
            {
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split(':');
                if (parts.Length == 2 && parts[1] == fingerprint && int.TryParse(parts[0], out var offset) && offset >= 0) return offset;
            }
            catch (FormatException) { }
            throw BadRequest("The $skipToken is not valid for this query and these scopes.");
        }
    }
}
