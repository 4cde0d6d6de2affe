using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>Where one Resource Graph query runs: subscriptions, or a management group (and all subscriptions below it).</summary>
    public sealed record ResourceGraphScope(IReadOnlyList<string> Subscriptions, string? ManagementGroup, string Display);

    /// <summary>
    /// Azure Resource Graph's Resources operation (POST /providers/Microsoft.ResourceGraph/resources, api-version 2024-04-01):
    /// one query, read page by page with $skipToken (1,000 rows a page, the most $top allows), and Resource Graph's own
    /// per-user quota respected: when x-ms-user-quota-remaining reaches 0, the next request waits
    /// x-ms-user-quota-resets-after. A 429 is retried by the pipeline after its Retry-After like any other.
    /// Sources: https://learn.microsoft.com/azure/governance/resource-graph/concepts/guidance-for-throttled-requests and
    /// https://learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data (paging).
    /// </summary>
    internal sealed class ResourceGraphClient
    {
        public const string Path = "/providers/Microsoft.ResourceGraph/resources";
        public const int PageSize = 1000;
        public const string QuotaRemainingHeader = "x-ms-user-quota-remaining";
        public const string QuotaResetsAfterHeader = "x-ms-user-quota-resets-after";

        private readonly Func<JsonObject, CancellationToken, Task<ArmResponse>> _post;
        private readonly Func<TimeSpan, CancellationToken, Task> _delay;
        private readonly Func<DateTimeOffset> _clock;
        private readonly object _gate = new object();
        private DateTimeOffset _notBefore = DateTimeOffset.MinValue;

        public ResourceGraphClient(Func<JsonObject, CancellationToken, Task<ArmResponse>> post,
            Func<TimeSpan, CancellationToken, Task>? delay = null, Func<DateTimeOffset>? clock = null)
        {
            _post = post ?? throw new ArgumentNullException(nameof(post));
            _delay = delay ?? ((wait, ct) => Task.Delay(wait, ct));
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        public static ResourceGraphClient For(CmkSession session)
            => new ResourceGraphClient((body, ct) => session.PostForResponseAsync(Path, body, ct));

        /// <summary>Requests sent so far (each page is one).</summary>
        public int Requests => Volatile.Read(ref _requests);
        /// <summary>How often a request waited for the user quota to reset.</summary>
        public int QuotaWaits => Volatile.Read(ref _quotaWaits);

        private int _requests;
        private int _quotaWaits;

        /// <summary>Runs <paramref name="query"/> over <paramref name="scope"/>, handing each page's rows to <paramref name="page"/>.</summary>
        public async Task QueryAsync(ResourceGraphScope scope, string query, Func<IReadOnlyList<JsonObject>, Task> page, CancellationToken cancellationToken)
        {
            string? skipToken = null;
            do
            {
                await WaitForQuotaAsync(cancellationToken).ConfigureAwait(false);
                var options = new JsonObject { ["$top"] = PageSize, ["resultFormat"] = "objectArray" };
                if (skipToken != null) options["$skipToken"] = skipToken;
                var body = new JsonObject { ["query"] = query, ["options"] = options };
                if (scope.ManagementGroup != null) body["managementGroups"] = new JsonArray(scope.ManagementGroup);
                else body["subscriptions"] = new JsonArray(scope.Subscriptions.Select(s => (JsonNode)s).ToArray());

                Interlocked.Increment(ref _requests);
                var response = await _post(body, cancellationToken).ConfigureAwait(false);
                NoteQuota(response);
                if (!response.IsSuccess)
                    throw CmkErrors.FromServiceError(response.ToServiceError(ServiceErrorOrigin.Synchronous, scope.Display), scope.Display);

                var rows = (response.BodyObject?["data"] as JsonArray)?.OfType<JsonObject>().Select(r => (JsonObject)r.DeepClone()).ToList()
                           ?? new List<JsonObject>();
                await page(rows).ConfigureAwait(false);
                var next = ArmResponse.Text(response.BodyObject, "$skipToken");
                // A service that hands back the same token would otherwise loop for ever.
                skipToken = next != null && next != skipToken ? next : null;
            }
            while (skipToken != null);
        }

        private async Task WaitForQuotaAsync(CancellationToken cancellationToken)
        {
            TimeSpan wait;
            lock (_gate) wait = _notBefore - _clock();
            if (wait <= TimeSpan.Zero) return;
            Interlocked.Increment(ref _quotaWaits);
            await _delay(wait, cancellationToken).ConfigureAwait(false);
        }

        private void NoteQuota(ArmResponse response)
        {
            var remaining = response.Header(QuotaRemainingHeader);
            var resets = response.Header(QuotaResetsAfterHeader);
            if (remaining == null || resets == null) return;
            if (!int.TryParse(remaining, NumberStyles.Integer, CultureInfo.InvariantCulture, out var left) || left > 0) return;
            if (!TimeSpan.TryParse(resets, CultureInfo.InvariantCulture, out var after)) return;
            lock (_gate)
            {
                var until = _clock() + after;
                if (until > _notBefore) _notBefore = until;
            }
        }
    }
}
