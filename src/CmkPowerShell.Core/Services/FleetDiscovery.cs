using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// The questions asked of a fleet: which resources use this vault or key (the blast radius before a key is disabled or
    /// a vault deleted), which are still on Microsoft-managed keys, which are pinned to a version other than the key's
    /// current one, which use a key version that expires within N days. Empty means every supported resource.
    /// </summary>
    public sealed record CmkFleetFilter
    {
        public string? KeyVaultName { get; init; }
        /// <summary>Versionless: every version of the key; versioned: exactly that version.</summary>
        public KeyIdentifier? Key { get; init; }
        public bool MicrosoftManaged { get; init; }
        public bool NotLatestVersion { get; init; }
        public int? KeyExpiresWithinDays { get; init; }

        /// <summary>Filters that need the key from the management plane (read once per key through the run's reader).</summary>
        public bool NeedsKeyReads => NotLatestVersion || KeyExpiresWithinDays != null;

        /// <summary>True when the status passes every filter; reads keys through <paramref name="reader"/> only when needed.</summary>
        public async Task<bool> MatchesAsync(CmkEncryptionStatus status, KeyVaultReader reader, Func<DateTimeOffset> clock,
            CancellationToken cancellationToken)
        {
            if (MicrosoftManaged) return !status.CustomerManaged;
            KeyIdentifier.TryParse(status.KeyUri, out var key);
            var version = status.KeyVersion == CmkEncryptionStatus.Versionless ? null : status.KeyVersion;
            if ((KeyVaultName != null || Key != null || NeedsKeyReads) && (!status.CustomerManaged || key == null)) return false;
            if (KeyVaultName != null && !string.Equals(key!.VaultName, KeyVaultName, StringComparison.OrdinalIgnoreCase)) return false;
            if (Key != null)
            {
                if (!key!.WithVersion(null).Equals(Key.WithVersion(null))) return false;
                if (Key.Version != null && !string.Equals(version, Key.Version, StringComparison.OrdinalIgnoreCase)) return false;
            }
            if (!NeedsKeyReads) return true;

            var vault = await reader.FindVaultAsync(key!, cancellationToken).ConfigureAwait(false);
            if (vault == null) return false;
            var current = await reader.GetKeyAsync(vault, key!.Name, null, cancellationToken).ConfigureAwait(false);
            if (current == null) return false;
            if (NotLatestVersion)
            {
                // Versionless configurations follow the current version: never "behind".
                if (version == null || string.Equals(version, current.Version, StringComparison.OrdinalIgnoreCase)) return false;
            }
            if (KeyExpiresWithinDays is { } days)
            {
                var used = version == null ? current : await reader.GetKeyAsync(vault, key.Name, version, cancellationToken).ConfigureAwait(false);
                var expires = used?.Attributes.Expires;
                if (expires == null || expires.Value > clock().AddDays(days)) return false;
            }
            return true;
        }

        /// <summary>
        /// Conditions Resource Graph can apply to every resource whose state comes from its row: the vault host and the
        /// key name appear somewhere in the resource's properties. Coarse on purpose (each service stores the key
        /// differently); <see cref="MatchesAsync"/> decides exactly.
        /// </summary>
        internal IReadOnlyList<string> PropertyPrefilters()
        {
            var terms = new List<string>();
            var vault = Key?.VaultName ?? KeyVaultName;
            if (vault != null) terms.Add("//" + vault + ".");
            if (Key != null) terms.Add(Key.Name);
            return terms;
        }
    }

    /// <summary>
    /// Finds every resource of every service this module supports in a set of scopes through Azure Resource Graph: one
    /// query per scope, paged (1,000 rows a page), projecting the columns each adapter's state reader needs, so that the
    /// state comes from Resource Graph itself with no GET per resource. Adapters are found by reflection
    /// (<see cref="CmkServiceAdapter.All"/>): a new service is discovered without a change here. A service whose state a
    /// row cannot hold (<see cref="CmkServiceAdapter.StateFromResourceGraph"/> false) is found by the same query and read
    /// with one GET, concurrently.
    /// </summary>
    public sealed class FleetDiscovery
    {
        public const string Projection = "id, name, type, location, subscriptionId, resourceGroup, identity, properties";

        private readonly CmkSession _session;
        private readonly KeyVaultReader _reader;
        private readonly ICmkHost _host;
        private readonly Func<DateTimeOffset> _clock;
        private readonly ResourceGraphClient _graph;

        public FleetDiscovery(CmkSession session, KeyVaultReader reader, ICmkHost host, Func<DateTimeOffset>? clock = null)
        {
            _session = session ?? throw new ArgumentNullException(nameof(session));
            _reader = reader ?? throw new ArgumentNullException(nameof(reader));
            _host = host ?? throw new ArgumentNullException(nameof(host));
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
            _graph = ResourceGraphClient.For(session);
        }

        /// <summary>Resource Graph requests sent by this discovery (one per page).</summary>
        public int GraphRequests => _graph.Requests;

        /// <summary>
        /// Discovers the fleet in <paramref name="scopes"/> (subscription ids or ARM scope ids; none: the connected
        /// subscription) and calls <paramref name="found"/> for each resource passing <paramref name="filter"/>, page by
        /// page; a resource whose GET fails is reported to <paramref name="failed"/> and the others go on.
        /// </summary>
        public async Task DiscoverAsync(IReadOnlyList<string>? scopes, CmkFleetFilter filter, Action<CmkEncryptionStatus> found,
            Action<string, Exception> failed, int readConcurrency, CancellationToken cancellationToken)
        {
            if (filter is null) throw new ArgumentNullException(nameof(filter));
            var parsed = ParseScopes(scopes, _session.SubscriptionId);
            foreach (var (scope, groups) in parsed)
            {
                var query = BuildQuery(CmkServiceAdapter.All, filter, groups);
                _host.WriteVerbose($"Resource Graph over {scope.Display}: {query}");
                await _graph.QueryAsync(scope, query, rows => OnPageAsync(rows, filter, found, failed, readConcurrency, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task OnPageAsync(IReadOnlyList<JsonObject> rows, CmkFleetFilter filter, Action<CmkEncryptionStatus> found,
            Action<string, Exception> failed, int readConcurrency, CancellationToken ct)
        {
            await CmkParallel.ForEachAsync(rows, Math.Max(1, readConcurrency), async (row, token) =>
            {
                var id = row.Str("id");
                var adapter = CmkServiceAdapter.ForResourceType(row.Str("type"));
                if (id == null || adapter == null) return false;
                try
                {
                    var resource = adapter.StateFromResourceGraph
                        ? new CmkResource(id, row)
                        : await adapter.ReadAsync(_session, id, token).ConfigureAwait(false);
                    if (resource == null) return false; // deleted since Resource Graph indexed it
                    var state = adapter.ReadState(resource);
                    var status = new CmkEncryptionStatus(adapter.Service, adapter.DisplayName, resource.Id, state, false, Array.Empty<string>());
                    if (await filter.MatchesAsync(status, _reader, _clock, token).ConfigureAwait(false)) found(status);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException) || !token.IsCancellationRequested)
                {
                    failed(id, ex);
                }
                return true;
            }, ct).ConfigureAwait(false);
        }

        /// <summary>
        /// The one query of a scope: every supported type, the coarse filters on the types whose state comes from the row,
        /// the resource groups of a resource-group scope, and the projected columns. Kept to the shapes the emulator serves
        /// (src/CmkPowerShell.Emulator/README.md, Resource Graph).
        /// </summary>
        public static string BuildQuery(IEnumerable<CmkServiceAdapter> adapters, CmkFleetFilter filter, IReadOnlyList<string>? resourceGroups)
        {
            var all = adapters.ToList();
            var prefilters = filter.MicrosoftManaged ? new List<string>() : filter.PropertyPrefilters().ToList();
            string TypeList(IEnumerable<CmkServiceAdapter> list) => "type in~ (" + string.Join(", ", list.Select(a => Quote(a.ResourceType.ToLowerInvariant()))) + ")";

            string where;
            if (prefilters.Count == 0) where = TypeList(all);
            else
            {
                var fromRow = all.Where(a => a.StateFromResourceGraph).ToList();
                var byGet = all.Where(a => !a.StateFromResourceGraph).ToList();
                var narrowed = "(" + TypeList(fromRow) + string.Concat(prefilters.Select(p => " and tostring(properties) contains " + Quote(p))) + ")";
                where = byGet.Count == 0 || fromRow.Count == 0 ? (fromRow.Count == 0 ? TypeList(byGet) : narrowed) : narrowed + " or " + TypeList(byGet);
            }
            var query = "resources\n| where " + where;
            if (resourceGroups != null && resourceGroups.Count > 0)
                query += "\n| where resourceGroup in~ (" + string.Join(", ", resourceGroups.Select(g => Quote(g.ToLowerInvariant()))) + ")";
            return query + "\n| project " + Projection;
        }

        private static string Quote(string value) => "'" + value.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

        private static readonly Regex SubscriptionScope = new Regex(@"^/?subscriptions/(?<sub>[0-9a-fA-F-]{36})(/resourceGroups/(?<rg>[-\w._()]+))?/?$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private static readonly Regex ManagementGroupScope = new Regex(@"^/?providers/Microsoft\.Management/managementGroups/(?<mg>[-\w._()]+)/?$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private static readonly Regex BareSubscription = new Regex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

        /// <summary>
        /// One Resource Graph scope per input: a subscription, a management group, or the resource groups given of one
        /// subscription together (Resource Graph has no resource-group scope: the query narrows the subscription).
        /// </summary>
        public static IReadOnlyList<(ResourceGraphScope Scope, IReadOnlyList<string>? ResourceGroups)> ParseScopes(IReadOnlyList<string>? scopes,
            string connectedSubscription)
        {
            var inputs = scopes == null || scopes.Count == 0 ? new[] { "/subscriptions/" + connectedSubscription } : scopes;
            var subscriptions = new List<string>();
            var groups = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            var result = new List<(ResourceGraphScope, IReadOnlyList<string>?)>();
            foreach (var raw in inputs)
            {
                var text = (raw ?? "").Trim();
                if (BareSubscription.IsMatch(text)) text = "/subscriptions/" + text;
                var sub = SubscriptionScope.Match(text);
                var mg = ManagementGroupScope.Match(text);
                if (mg.Success)
                {
                    var name = mg.Groups["mg"].Value;
                    result.Add((new ResourceGraphScope(Array.Empty<string>(), name, $"management group {name}"), null));
                }
                else if (sub.Success && sub.Groups["rg"].Success)
                {
                    var id = sub.Groups["sub"].Value.ToLowerInvariant();
                    if (!groups.TryGetValue(id, out var list)) groups[id] = list = new List<string>();
                    list.Add(sub.Groups["rg"].Value);
                }
                else if (sub.Success)
                {
                    var id = sub.Groups["sub"].Value.ToLowerInvariant();
                    if (!subscriptions.Contains(id)) subscriptions.Add(id);
                }
                else
                {
                    throw CmkErrors.InvalidInput("InvalidScope", "Scope", raw,
                        "a scope is a subscription id, /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<name> or /providers/Microsoft.Management/managementGroups/<name>.");
                }
            }
            // A whole subscription already covers any of its resource groups.
            foreach (var id in subscriptions)
                result.Add((new ResourceGraphScope(new[] { id }, null, $"subscription {id}"), null));
            foreach (var pair in groups.Where(g => !subscriptions.Contains(g.Key)))
                result.Add((new ResourceGraphScope(new[] { pair.Key }, null, $"resource groups {string.Join(", ", pair.Value)} of subscription {pair.Key}"), pair.Value));
            return result;
        }
    }
}
