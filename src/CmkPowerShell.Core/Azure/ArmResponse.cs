using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// What the engine keeps of one ARM answer: status, the headers that drive polling and diagnostics, and
    /// the parsed JSON body. Copied out of the Azure.Core response so the message can be disposed at once.
    /// </summary>
    internal sealed class ArmResponse
    {
        private static readonly string[] KeptHeaders =
        {
            "Azure-AsyncOperation", "Location", "Operation-Location", "Retry-After", "retry-after-ms", "x-ms-retry-after-ms",
            "x-ms-request-id", "x-ms-correlation-request-id",
            // Resource Graph's per-user quota (ResourceGraphClient).
            "x-ms-user-quota-remaining", "x-ms-user-quota-resets-after",
        };

        private readonly Dictionary<string, string> _headers;

        // A body that is not JSON (a proxy's HTML page) is kept as text so the error parser can quote it.
        private readonly string? _nonJsonBody;

        private ArmResponse(int status, JsonNode? body, string? nonJsonBody, Dictionary<string, string> headers)
        {
            Status = status;
            Body = body;
            _nonJsonBody = nonJsonBody;
            _headers = headers;
        }

        public int Status { get; }
        public JsonNode? Body { get; }
        public JsonObject? BodyObject => Body as JsonObject;
        public bool IsSuccess => Status >= 200 && Status < 300;

        public string? Header(string name) => _headers.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

        public static ArmResponse From(Response response)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in KeptHeaders)
            {
                if (response.Headers.TryGetValue(name, out var value) && value != null) headers[name] = value;
            }
            var (body, nonJson) = ParseBody(response);
            return new ArmResponse(response.Status, body, nonJson, headers);
        }

        private static (JsonNode? Body, string? NonJson) ParseBody(Response response)
        {
            if (response.ContentStream is null) return (null, null);
            BinaryData content;
            try { content = response.Content; }
            catch (InvalidOperationException) { return (null, null); }
            if (content.ToMemory().Length == 0) return (null, null);
            try { return (JsonNode.Parse(content.ToStream()), null); }
            catch (JsonException) { return (null, content.ToString()); }
        }

        /// <summary>The server's requested wait, from Retry-After (seconds or HTTP date) or its millisecond variants.</summary>
        public TimeSpan? RetryAfter(DateTimeOffset now)
        {
            foreach (var msHeader in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
            {
                if (Header(msHeader) is { } ms && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var msValue) && msValue >= 0)
                {
                    return TimeSpan.FromMilliseconds(msValue);
                }
            }
            if (Header("Retry-After") is not { } retryAfter) return null;
            if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }
            if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var wait = at - now;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
            return null;
        }

        /// <summary>
        /// The service's error in a failed answer, read by the one parser for every body shape (ARM, Key Vault,
        /// OData, operation status, not JSON at all): <see cref="ServiceError.Parse"/> / <see cref="ServiceError.FromJson"/>.
        /// </summary>
        public ServiceError ToServiceError(ServiceErrorOrigin origin, string target)
        {
            var retryAfter = RetryAfter(DateTimeOffset.UtcNow);
            return _nonJsonBody != null
                ? ServiceError.Parse(Status, _nonJsonBody, origin, target, retryAfter)
                : ServiceError.FromJson(Status, Body, origin, target, retryAfter);
        }

        internal static string? Text(JsonObject? obj, string name)
            => obj?[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
    }
}
