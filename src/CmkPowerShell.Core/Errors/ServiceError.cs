using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Core.Errors
{
    /// <summary>Where a service error was seen; all three must read the same to the user.</summary>
    public enum ServiceErrorOrigin { Synchronous, LongRunningOperation, RequirementCheck }

    /// <summary>A failure as a service reported it, before the catalogue turns it into a CmkException.</summary>
    /// <param name="HttpStatus">The HTTP status; 0 when no answer came back.</param>
    /// <param name="Target">The resource id or key URI the request was about (not the body's "target" property name).</param>
    /// <param name="Details">Nested errors: the body's "details" and Key Vault's "innererror", in that order.</param>
    public sealed record ServiceError(
        int HttpStatus,
        string? Code,
        string? Message,
        ServiceErrorOrigin Origin,
        string? Target = null,
        TimeSpan? RetryAfter = null,
        IReadOnlyList<ServiceError>? Details = null)
    {
        private const int MaxNonJsonExcerpt = 300;

        /// <summary>
        /// Reads an error response body as the pinned specs define them: ARM's {"error":{code,message,target,details}}
        /// (common-types ErrorResponse, Key Vault / Batch / NetApp / Cosmos CloudError, Data Box ApiError, Kusto),
        /// a bare {code,message,details} (Data Box CloudError, Cosmos ErrorResponse, Cassandra), Key Vault's
        /// data-plane {"error":{code,message,innererror}}, OData's {"odata.error":{code,message:{value}}}, and a
        /// long-running operation's status body ({"status":"Failed","error":{...}}, or without an error object).
        /// A body that is empty or not JSON still gives an error with the status and a readable message.
        /// </summary>
        public static ServiceError Parse(int status, string? body, ServiceErrorOrigin origin, string? target = null, TimeSpan? retryAfter = null)
        {
            if (string.IsNullOrWhiteSpace(body)) return new ServiceError(status, null, DefaultMessage(status), origin, target, retryAfter);
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(body!);
            }
            catch (JsonException)
            {
                // A proxy or gateway answers with HTML or plain text: keep what it said rather than fail on the parse.
                var excerpt = body!.Trim();
                if (excerpt.Length > MaxNonJsonExcerpt) excerpt = excerpt.Substring(0, MaxNonJsonExcerpt) + "...";
                return new ServiceError(status, null, $"The service answered HTTP {status} with a body that is not JSON: {excerpt}", origin, target, retryAfter);
            }
            return FromJson(status, node, origin, target, retryAfter);
        }

        /// <summary>As <see cref="Parse"/>, for a body that is already parsed.</summary>
        public static ServiceError FromJson(int status, JsonNode? body, ServiceErrorOrigin origin, string? target = null, TimeSpan? retryAfter = null)
        {
            if (body is not JsonObject obj) return new ServiceError(status, null, DefaultMessage(status), origin, target, retryAfter);
            var error = obj["error"] as JsonObject ?? obj["odata.error"] as JsonObject;
            if (error == null && Text(obj, "code") == null && Text(obj, "message") == null && Text(obj, "status") is { } operationStatus)
            {
                // An operation status resource that failed without saying why: its status is all there is to report.
                var canceled = string.Equals(operationStatus, "Canceled", StringComparison.OrdinalIgnoreCase)
                               || string.Equals(operationStatus, "Cancelled", StringComparison.OrdinalIgnoreCase);
                return new ServiceError(status, canceled ? "OperationCanceled" : "OperationFailed",
                    $"The operation ended with status {operationStatus} without an error description.", origin, target, retryAfter);
            }
            var parsed = FromErrorObject(status, error ?? obj, origin, target, depth: 0);
            return parsed with { Message = parsed.Message ?? DefaultMessage(status), RetryAfter = retryAfter };
        }

        /// <summary>Every error in this one and its details, depth first, outermost first.</summary>
        public IEnumerable<ServiceError> SelfAndDetails()
        {
            yield return this;
            if (Details == null) yield break;
            foreach (var detail in Details)
            {
                foreach (var nested in detail.SelfAndDetails()) yield return nested;
            }
        }

        private const int MaxDepth = 8;

        private static ServiceError FromErrorObject(int status, JsonObject error, ServiceErrorOrigin origin, string? target, int depth)
        {
            List<ServiceError>? details = null;
            if (depth < MaxDepth)
            {
                if (error["details"] is JsonArray array)
                {
                    foreach (var item in array)
                    {
                        if (item is JsonObject d) (details ??= new List<ServiceError>()).Add(FromErrorObject(status, d, origin, target, depth + 1));
                    }
                }
                if ((error["innererror"] ?? error["innerError"]) is JsonObject inner)
                {
                    (details ??= new List<ServiceError>()).Add(FromErrorObject(status, inner, origin, target, depth + 1));
                }
            }
            return new ServiceError(status, Text(error, "code"), MessageOf(error), origin, target, null, details);
        }

        private static string? MessageOf(JsonObject error)
            => error["message"] switch
            {
                JsonObject localized => Text(localized, "value"),
                _ => Text(error, "message"),
            };

        private static string? Text(JsonObject obj, string name)
            => obj[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Trim().Length > 0 ? s : null;

        private static string DefaultMessage(int status)
            => status == 0 ? "The service could not be reached." : $"The service answered HTTP {status} without an error message.";
    }
}
