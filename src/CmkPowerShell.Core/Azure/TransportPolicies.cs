using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Core.Pipeline;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>Markers the engine puts on its own messages so that the per-attempt policies can tell them apart.</summary>
    internal static class MessageMarks
    {
        private const string PollProperty = "CmkPowerShell.Poll";

        public static void MarkPoll(HttpMessage message) => message.SetProperty(PollProperty, true);

        public static bool IsPoll(HttpMessage message) => message.TryGetProperty(PollProperty, out var v) && v is true;

        public static bool IsRetry(HttpMessage message) => message.ProcessingContext.RetryNumber > 0;

        /// <summary>The subscription a request is charged to: ARM budgets per subscription.</summary>
        public static string SubscriptionOf(HttpMessage message)
        {
            var path = message.Request.Uri.Path;
            const string marker = "/subscriptions/";
            var at = path.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
            if (at < 0) return string.Empty;
            var start = at + marker.Length;
            var end = path.IndexOf('/', start);
            return end < 0 ? path.Substring(start) : path.Substring(start, end - start);
        }
    }

    /// <summary>Counts every attempt that goes on the wire (placed after the retry policy).</summary>
    internal sealed class RequestCountingPolicy : HttpPipelineSynchronousPolicy
    {
        private readonly RequestCounter _counter;

        public RequestCountingPolicy(RequestCounter counter) { _counter = counter; }

        public override void OnSendingRequest(HttpMessage message)
            => _counter.Record(RequestCounter.KindOf(message.Request.Method.Method), MessageMarks.IsRetry(message), MessageMarks.IsPoll(message));
    }

    /// <summary>
    /// Waits for the subscription's token bucket before each attempt, and empties the bucket when ARM says
    /// the remaining budget is zero, so that a fan-out slows down before ARM starts answering 429.
    /// </summary>
    internal sealed class ThrottlePolicy : HttpPipelinePolicy
    {
        private readonly ThrottleLimiter _limiter;

        public ThrottlePolicy(ThrottleLimiter limiter) { _limiter = limiter; }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var (subscription, isRead) = Classify(message);
            _limiter.Wait(subscription, isRead, message.CancellationToken);
            ProcessNext(message, pipeline);
            Observe(message, subscription);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var (subscription, isRead) = Classify(message);
            await _limiter.WaitAsync(subscription, isRead, message.CancellationToken).ConfigureAwait(false);
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            Observe(message, subscription);
        }

        private static (string Subscription, bool IsRead) Classify(HttpMessage message)
            => (MessageMarks.SubscriptionOf(message), RequestCounter.KindOf(message.Request.Method.Method) == RequestKind.Get);

        private void Observe(HttpMessage message, string subscription)
        {
            if (!message.HasResponse) return;
            var response = message.Response;
            var headers = response.Headers;
            if (Count(headers, "x-ms-ratelimit-remaining-subscription-reads") is { } reads) _limiter.Remaining(subscription, isRead: true, reads);
            if (Count(headers, "x-ms-ratelimit-remaining-subscription-writes") is { } writes) _limiter.Remaining(subscription, isRead: false, writes);
            if (response.Status == 429)
            {
                // The retry policy waits Retry-After for this request; the pause makes every other worker wait with it.
                var retryAfter = Count(headers, "Retry-After") is { } seconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromSeconds(1);
                _limiter.Throttled(subscription, RequestCounter.KindOf(message.Request.Method.Method) == RequestKind.Get, retryAfter);
            }
        }

        private static int? Count(ResponseHeaders headers, string name)
            => headers.TryGetValue(name, out var value) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (int?)null;
    }

    /// <summary>
    /// One verbose line per attempt: method, redacted path, status, elapsed time and ARM's request id.
    /// Headers and bodies are never written, so neither is the Authorization header.
    /// </summary>
    internal sealed class RequestLoggingPolicy : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                ProcessNext(message, pipeline);
                Log(message, sw.Elapsed, null);
            }
            catch (Exception ex)
            {
                Log(message, sw.Elapsed, ex);
                throw;
            }
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                Log(message, sw.Elapsed, null);
            }
            catch (Exception ex)
            {
                Log(message, sw.Elapsed, ex);
                throw;
            }
        }

        private static void Log(HttpMessage message, TimeSpan elapsed, Exception? error)
        {
            var host = CmkHostScope.Current;
            if (host is null) return;
            var what = $"{message.Request.Method.Method} {Redaction.PathAndQuery(message.Request.Uri.ToUri())}";
            var attempt = MessageMarks.IsRetry(message) ? $" (retry {message.ProcessingContext.RetryNumber})" : MessageMarks.IsPoll(message) ? " (poll)" : string.Empty;
            var ms = ((long)elapsed.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            string line;
            if (error != null)
            {
                line = $"HTTP {what}{attempt} failed after {ms} ms: {error.GetType().Name}";
            }
            else
            {
                var response = message.Response;
                response.Headers.TryGetValue("x-ms-request-id", out var requestId);
                line = $"HTTP {what}{attempt} -> {response.Status} in {ms} ms" + (requestId is null ? string.Empty : $" (x-ms-request-id {requestId})");
            }
            try { host.WriteVerbose(line); } catch (InvalidOperationException) { /* a host that has finished its pipeline no longer listens */ }
        }
    }
}
