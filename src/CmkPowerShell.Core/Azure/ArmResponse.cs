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
        };

        private readonly Dictionary<string, string> _headers;

        private ArmResponse(int status, JsonNode? body, Dictionary<string, string> headers)
        {
            Status = status;
            Body = body;
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
            return new ArmResponse(response.Status, ParseBody(response), headers);
        }

        private static JsonNode? ParseBody(Response response)
        {
            if (response.ContentStream is null) return null;
            BinaryData content;
            try { content = response.Content; }
            catch (InvalidOperationException) { return null; }
            var bytes = content.ToMemory();
            if (bytes.Length == 0) return null;
            try { return JsonNode.Parse(content.ToStream()); }
            catch (JsonException)
            {
                // A proxy's HTML error page is not JSON; keep the status and say so rather than failing on the parse.
                return new JsonObject { ["error"] = new JsonObject { ["code"] = "NonJsonResponse", ["message"] = Truncate(content.ToString(), 300) } };
            }
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

        /// <summary>The ARM error of a failed answer: {"error":{code,message,details}} or a bare {code,message}.</summary>
        public ServiceError ToServiceError(ServiceErrorOrigin origin, string target)
            => ServiceErrorFrom(Status, Body as JsonObject, origin, target, RetryAfter(DateTimeOffset.UtcNow));

        public static ServiceError ServiceErrorFrom(int status, JsonObject? body, ServiceErrorOrigin origin, string target, TimeSpan? retryAfter)
        {
            var error = body?["error"] as JsonObject ?? body;
            var code = Text(error, "code");
            var message = Text(error, "message");
            List<ServiceError>? details = null;
            if (error?["details"] is JsonArray array)
            {
                details = new List<ServiceError>();
                foreach (var item in array)
                {
                    if (item is JsonObject d) details.Add(ServiceErrorFrom(status, d, origin, target, null));
                }
            }
            return new ServiceError(status, code, message ?? DefaultMessage(status), origin, target, retryAfter, details);
        }

        internal static string? Text(JsonObject? obj, string name)
            => obj?[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

        private static string DefaultMessage(int status)
            => status == 0 ? "The service could not be reached." : $"The service answered HTTP {status} without an error message.";

        private static string Truncate(string s, int max) => s.Length <= max ? s : s.Substring(0, max) + "...";
    }
}
