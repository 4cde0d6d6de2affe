using System;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Long-running operations: each stays InProgress for the configured delay, then ends Succeeded (its change is
    /// applied only then) or Failed with an error (the resource is left as it was, as Azure does for a rejected key).
    /// </summary>
    internal sealed class OperationTracker
    {
        private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.OrdinalIgnoreCase);

        public Func<TimeSpan> Delay { get; set; } = () => TimeSpan.Zero;

        public Operation Start(string subscriptionId, string ns, string location, string resourceId, string apiVersion,
            (string Code, string Message)? failure, Func<JsonNode?> onSuccess)
        {
            var op = new Operation(Guid.NewGuid().ToString(), subscriptionId, ns, location.Replace(" ", "").ToLowerInvariant(), resourceId, apiVersion, failure, onSuccess);
            _operations[op.Id] = op;
            var delay = Delay();
            if (delay <= TimeSpan.Zero) op.Finish();
            else _ = Task.Delay(delay).ContinueWith(_ => op.Finish(), TaskScheduler.Default);
            return op;
        }

        public Operation? Get(string id) => _operations.TryGetValue(id, out var op) ? op : null;
    }

    internal sealed class Operation
    {
        private readonly (string Code, string Message)? _failure;
        private readonly Func<JsonNode?> _onSuccess;
        private readonly object _gate = new();

        public Operation(string id, string subscriptionId, string ns, string location, string resourceId, string apiVersion,
            (string Code, string Message)? failure, Func<JsonNode?> onSuccess)
        {
            Id = id;
            SubscriptionId = subscriptionId;
            Namespace = ns;
            Location = location;
            ResourceId = resourceId;
            ApiVersion = apiVersion;
            _failure = failure;
            _onSuccess = onSuccess;
        }

        public string Id { get; }
        public string SubscriptionId { get; }
        public string Namespace { get; }
        public string Location { get; }
        public string ResourceId { get; }
        public string ApiVersion { get; }
        public DateTimeOffset StartTime { get; } = DateTimeOffset.UtcNow;
        public DateTimeOffset? EndTime { get; private set; }
        public string Status { get; private set; } = "InProgress";
        public (string Code, string Message)? Error { get; private set; }
        /// <summary>The final answer of the operation (resource or action result); null means 204 No Content.</summary>
        public JsonNode? Result { get; private set; }

        public string StatusPath => $"/subscriptions/{SubscriptionId}/providers/{Namespace}/locations/{Location}/operationResults/{Id}";

        public void Finish()
        {
            lock (_gate)
            {
                if (Status != "InProgress") return;
                if (_failure is { } f)
                {
                    Error = f;
                    Status = "Failed";
                }
                else
                {
                    try
                    {
                        Result = _onSuccess();
                        Status = "Succeeded";
                    }
                    catch (ArmException e)
                    {
                        Error = (e.Code, e.Message);
                        Status = "Failed";
                    }
                }
                EndTime = DateTimeOffset.UtcNow;
            }
        }

        public JsonObject StatusBody()
        {
            var body = new JsonObject
            {
                ["id"] = StatusPath,
                ["name"] = Id,
                ["status"] = Status,
                ["startTime"] = StartTime.UtcDateTime.ToString("o"),
                ["percentComplete"] = Status == "InProgress" ? 0.0 : 100.0,
            };
            if (EndTime is { } end) body["endTime"] = end.UtcDateTime.ToString("o");
            if (Namespace.Equals("Microsoft.NetApp", StringComparison.OrdinalIgnoreCase))
                body["properties"] = new JsonObject { ["resourceName"] = ResourceId };
            if (Error is { } e) body["error"] = new JsonObject { ["code"] = e.Code, ["message"] = e.Message };
            return body;
        }
    }
}
