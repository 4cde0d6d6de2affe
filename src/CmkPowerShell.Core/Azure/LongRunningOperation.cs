using System;
using System.Diagnostics;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>How the poller reaches ARM; the session implements it, tests can fake it.</summary>
    internal interface IArmSender
    {
        Task<ArmResponse> SendAsync(HttpMethod method, Uri uri, JsonNode? body, bool isPoll, CancellationToken cancellationToken);

        /// <summary>Resolves a URL the service told us to follow; refuses one on another host (it would get our token).</summary>
        Uri Follow(string link, string target);
    }

    /// <summary>
    /// Follows an ARM long-running operation from its first answer to its end, the way the Azure REST
    /// guidelines describe it: the Azure-AsyncOperation / Operation-Location status resource first, else
    /// Location (202 while running), else the resource's own provisioningState. Retry-After is honoured,
    /// every poll is reported, the token cancels between and during polls, and a failed or canceled
    /// operation surfaces the service's own error.
    /// </summary>
    internal sealed class LongRunningOperation
    {
        private readonly IArmSender _sender;
        private readonly HttpMethod _method;
        private readonly Uri _resourceUri;
        private readonly string _target;
        private readonly TimeSpan _defaultInterval;
        private readonly TimeSpan _maxInterval;
        private readonly IProgress<OperationProgress>? _progress;
        private readonly Stopwatch _elapsed = Stopwatch.StartNew();

        public LongRunningOperation(IArmSender sender, HttpMethod method, Uri resourceUri, string target,
            TimeSpan defaultInterval, TimeSpan maxInterval, IProgress<OperationProgress>? progress)
        {
            _sender = sender;
            _method = method;
            _resourceUri = resourceUri;
            _target = target;
            _defaultInterval = defaultInterval;
            _maxInterval = maxInterval;
            _progress = progress;
        }

        private bool IsPutOrPatch => _method == HttpMethod.Put || _method.Method == "PATCH";

        /// <summary>Whether the first answer started an operation that has not finished yet.</summary>
        public bool IsRunning(ArmResponse first)
        {
            if (first.Status == 202) return true;
            if (first.Status != 200 && first.Status != 201) return false;
            var state = ProvisioningState(first.BodyObject);
            if (state != null) return !IsTerminal(state);
            // A 201 without a state or a status link means "created, finishing in the background" only for PUT.
            return StatusLink(first) != null || (first.Status == 201 && IsPutOrPatch && first.Header("Location") != null);
        }

        /// <summary>The final body: polls when the first answer started an operation, else returns it as is.</summary>
        public async Task<JsonObject?> CompleteAsync(ArmResponse first, CancellationToken cancellationToken)
        {
            if (!IsRunning(first)) return first.Status == 204 ? null : first.BodyObject;

            var statusLink = StatusLink(first);
            var location = first.Header("Location");
            _accepted = first.Status;
            _operationUrl = statusLink != null ? _sender.Follow(statusLink, _target) : location != null ? _sender.Follow(location, _target) : _resourceUri;
            try
            {
                if (statusLink != null) return await PollStatusResourceAsync(first, _operationUrl, location, cancellationToken).ConfigureAwait(false);
                if (location != null) return await PollLocationAsync(first, _operationUrl, cancellationToken).ConfigureAwait(false);
                if (IsPutOrPatch) return await PollResourceAsync(first, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException stopped) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C stops our polling, not Azure's operation: say so, as a typed error rather than a silent stop.
                throw OutcomeUnknown("following it was stopped before it finished", stopped);
            }
            // An accepted POST or DELETE with nothing to follow: ARM took it, there is no result to wait for.
            Report("Accepted");
            return null;
        }

        private int _accepted;
        private Uri _operationUrl = null!;

        private const string OutcomeUnknownId = CmkErrors.OperationOutcomeUnknownId;

        /// <summary>
        /// The write was accepted, so the change may well be applied, but its status could not be read: not a failure, and not
        /// a success either. Names the operation URL (query redacted) so the user can look it up.
        /// </summary>
        private CmkException OutcomeUnknown(string why, Exception inner)
            => CmkErrors.Create(OutcomeUnknownId, _target,
                $"The {_method.Method} was answered HTTP {_accepted}; then {why}. "
                + $"Operation: {_operationUrl.GetLeftPart(UriPartial.Authority)}{Redaction.PathAndQuery(_operationUrl)}."
                + (inner is CmkException cmk ? $" Last answer: {cmk.Message}" : string.Empty),
                inner);

        /// <summary>
        /// One poll: a status that cannot be read (no answer, or an error answer, after the transport's retries) is an unknown
        /// outcome. At a Location URL a client error (4xx but 408/429) is the operation's own final answer: it failed.
        /// </summary>
        private async Task<ArmResponse> PollAsync(Uri uri, CancellationToken ct, bool clientErrorIsOutcome = false)
        {
            ArmResponse answer;
            try
            {
                answer = await _sender.SendAsync(HttpMethod.Get, uri, null, isPoll: true, ct).ConfigureAwait(false);
            }
            catch (CmkException unreachable)
            {
                throw OutcomeUnknown("its status could not be read", unreachable);
            }
            if (!answer.IsSuccess && clientErrorIsOutcome && answer.Status >= 400 && answer.Status < 500 && answer.Status != 408 && answer.Status != 429)
                throw Failed(answer.ToServiceError(ServiceErrorOrigin.LongRunningOperation, _target));
            if (!answer.IsSuccess) throw OutcomeUnknown("its status could not be read", Failed(answer.ToServiceError(ServiceErrorOrigin.LongRunningOperation, _target)));
            return answer;
        }

        private async Task<JsonObject?> PollStatusResourceAsync(ArmResponse first, Uri statusUri, string? location, CancellationToken ct)
        {
            var last = first;
            while (true)
            {
                await WaitAsync(last, ct).ConfigureAwait(false);
                last = await PollAsync(statusUri, ct).ConfigureAwait(false);
                var body = last.BodyObject;
                var status = ArmResponse.Text(body, "status") ?? "InProgress";
                Report(status);
                if (IsSucceeded(status)) break;
                if (IsTerminal(status)) throw Failed(OperationError(last.Status, body, status));
            }

            if (IsPutOrPatch) return await FinalGetAsync(_resourceUri, ct).ConfigureAwait(false);
            if (_method == HttpMethod.Delete) return null;
            // A POST action's result lives at its Location, or inline in the status resource.
            if (location != null) return await FinalGetAsync(_sender.Follow(location, _target), ct).ConfigureAwait(false);
            return last.BodyObject?["properties"] as JsonObject;
        }

        private async Task<JsonObject?> PollLocationAsync(ArmResponse first, Uri locationUri, CancellationToken ct)
        {
            var last = first;
            while (true)
            {
                await WaitAsync(last, ct).ConfigureAwait(false);
                last = await PollAsync(locationUri, ct, clientErrorIsOutcome: true).ConfigureAwait(false);
                if (last.Status != 202) break;
                Report("InProgress");
            }
            Report("Succeeded");

            if (_method == HttpMethod.Delete) return null;
            // PUT's final state is the resource itself; PATCH and POST finish at the Location unless it has no body.
            if (_method == HttpMethod.Put || (IsPutOrPatch && last.BodyObject is null)) return await FinalGetAsync(_resourceUri, ct).ConfigureAwait(false);
            return last.Status == 204 ? null : last.BodyObject;
        }

        private async Task<JsonObject?> PollResourceAsync(ArmResponse first, CancellationToken ct)
        {
            var last = first;
            while (true)
            {
                await WaitAsync(last, ct).ConfigureAwait(false);
                last = await PollAsync(_resourceUri, ct).ConfigureAwait(false);
                var state = ProvisioningState(last.BodyObject) ?? "Succeeded";
                Report(state);
                if (IsSucceeded(state)) return last.BodyObject;
                if (IsTerminal(state))
                {
                    var properties = last.BodyObject?["properties"] as JsonObject;
                    throw Failed(OperationError(last.Status, properties, state));
                }
            }
        }

        private async Task<JsonObject?> FinalGetAsync(Uri uri, CancellationToken ct)
        {
            var final = await _sender.SendAsync(HttpMethod.Get, uri, null, isPoll: true, ct).ConfigureAwait(false);
            if (final.Status == 404 && _method != HttpMethod.Put) return null;
            if (!final.IsSuccess) throw Failed(final.ToServiceError(ServiceErrorOrigin.LongRunningOperation, _target));
            return final.BodyObject;
        }

        private Task WaitAsync(ArmResponse last, CancellationToken ct)
        {
            var wait = last.RetryAfter(DateTimeOffset.UtcNow) ?? _defaultInterval;
            if (wait > _maxInterval) wait = _maxInterval;
            ct.ThrowIfCancellationRequested();
            return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, ct);
        }

        private void Report(string status) => _progress?.Report(new OperationProgress(_target, status, _elapsed.Elapsed));

        private ServiceError OperationError(int httpStatus, JsonObject? body, string status)
        {
            var error = ServiceError.FromJson(httpStatus, body, ServiceErrorOrigin.LongRunningOperation, _target);
            // A resource whose provisioningState says "Failed" carries no error object; keep the outcome as the code then.
            return error.Code is null && body?["error"] is null
                ? error with { Code = IsCanceled(status) ? "OperationCanceled" : "OperationFailed", Message = $"The operation on {_target} ended with status {status}." }
                : error;
        }

        private CmkException Failed(ServiceError error) => CmkErrors.FromServiceError(error, _target);

        internal static string? StatusLink(ArmResponse response)
            => response.Header("Azure-AsyncOperation") ?? response.Header("Operation-Location");

        internal static string? ProvisioningState(JsonObject? body)
            => ArmResponse.Text(body?["properties"] as JsonObject, "provisioningState") ?? ArmResponse.Text(body, "provisioningState");

        internal static bool IsSucceeded(string status) => string.Equals(status, "Succeeded", StringComparison.OrdinalIgnoreCase);

        private static bool IsCanceled(string status)
            => string.Equals(status, "Canceled", StringComparison.OrdinalIgnoreCase) || string.Equals(status, "Cancelled", StringComparison.OrdinalIgnoreCase);

        internal static bool IsTerminal(string status)
            => IsSucceeded(status) || IsCanceled(status) || string.Equals(status, "Failed", StringComparison.OrdinalIgnoreCase);
    }
}
