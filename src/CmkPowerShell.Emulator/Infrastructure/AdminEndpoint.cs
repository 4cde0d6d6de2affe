using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// /_emulator/: control of a running emulator from outside the process (not part of the ARM surface, not logged).
    /// GET|DELETE requests, GET|POST|DELETE faults, POST latency {fixedMs,jitterMs}, POST throttling {enabled},
    /// POST lro {delayMs}, GET profile, GET certificate (PEM).
    /// </summary>
    internal sealed class AdminEndpoint
    {
        private readonly EmulatorServer _server;

        public AdminEndpoint(EmulatorServer server) => _server = server;

        public async Task HandleAsync(HttpContext ctx)
        {
            var route = (ctx.Request.Path.Value ?? "").Substring("/_emulator".Length).Trim('/').ToLowerInvariant();
            var method = ctx.Request.Method.ToUpperInvariant();
            JsonObject? body = null;
            if (method == "POST")
            {
                using var reader = new StreamReader(ctx.Request.Body);
                var text = await reader.ReadToEndAsync();
                try
                {
                    body = string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text) as JsonObject;
                }
                catch (System.Text.Json.JsonException)
                {
                    body = null;
                }
                if (body == null)
                {
                    await EmulatorServer.WriteJsonAsync(ctx, 400, ArmException.ErrorBody("InvalidRequestContent", "A JSON object body is required."));
                    return;
                }
            }

            try
            {
                switch ((method, route))
                {
                    case ("GET", "requests"):
                        var entries = new JsonArray(_server.Log.Entries.Select(e => (JsonNode?)new JsonObject
                        {
                            ["time"] = e.Time.UtcDateTime.ToString("o"),
                            ["method"] = e.Method,
                            ["path"] = e.Path,
                            ["query"] = e.Query,
                            ["status"] = e.Status,
                            ["latencyMs"] = Math.Round(e.Latency.TotalMilliseconds, 3),
                            ["principalId"] = e.PrincipalId,
                            ["requestBody"] = e.RequestBody,
                        }).ToArray());
                        await EmulatorServer.WriteJsonAsync(ctx, 200, new JsonObject { ["value"] = entries });
                        return;
                    case ("DELETE", "requests"):
                        _server.Log.Clear();
                        break;
                    case ("GET", "faults"):
                        var faults = new JsonArray(_server.Faults.Active.Select(f => (JsonNode?)new JsonObject
                        {
                            ["method"] = f.Rule.Method,
                            ["pathPattern"] = f.Rule.PathPattern,
                            ["remaining"] = f.Remaining,
                            ["status"] = f.Rule.Status,
                            ["errorCode"] = f.Rule.ErrorCode,
                            ["errorMessage"] = f.Rule.ErrorMessage,
                            ["dropConnection"] = f.Rule.DropConnection,
                            ["failLongRunningOperation"] = f.Rule.FailLongRunningOperation,
                        }).ToArray());
                        await EmulatorServer.WriteJsonAsync(ctx, 200, new JsonObject { ["value"] = faults });
                        return;
                    case ("POST", "faults"):
                        _server.Faults.Add(new FaultRule(
                            Str(body!, "method") ?? "*",
                            Str(body!, "pathPattern") ?? throw new ArgumentException("pathPattern is required."),
                            Int(body!, "count") ?? 1,
                            Int(body!, "status") ?? 500,
                            Str(body!, "errorCode"),
                            Str(body!, "errorMessage"),
                            Bool(body!, "dropConnection") ?? false,
                            Bool(body!, "failLongRunningOperation") ?? false));
                        break;
                    case ("DELETE", "faults"):
                        _server.Faults.Clear();
                        break;
                    case ("POST", "latency"):
                        _server.SetLatency(TimeSpan.FromMilliseconds(Int(body!, "fixedMs") ?? 0), TimeSpan.FromMilliseconds(Int(body!, "jitterMs") ?? 0));
                        break;
                    case ("POST", "throttling"):
                        _server.SetThrottling(Bool(body!, "enabled") ?? true);
                        break;
                    case ("POST", "lro"):
                        _server.SetLroDelay(TimeSpan.FromMilliseconds(Int(body!, "delayMs") ?? 0));
                        break;
                    case ("GET", "profile"):
                        await EmulatorServer.WriteJsonAsync(ctx, 200, _server.Profile());
                        return;
                    case ("GET", "certificate"):
                        ctx.Response.StatusCode = 200;
                        ctx.Response.ContentType = "application/x-pem-file";
                        await ctx.Response.WriteAsync(_server.CertificatePem);
                        return;
                    default:
                        await EmulatorServer.WriteJsonAsync(ctx, 404, ArmException.ErrorBody("NotFound", $"No admin route {method} /_emulator/{route}."));
                        return;
                }
                await EmulatorServer.WriteJsonAsync(ctx, 204, null);
            }
            catch (ArgumentException e)
            {
                await EmulatorServer.WriteJsonAsync(ctx, 400, ArmException.ErrorBody("InvalidRequestContent", e.Message));
            }
        }

        private static string? Str(JsonObject o, string n) => o[n] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        private static int? Int(JsonObject o, string n) => o[n] is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;
        private static bool? Bool(JsonObject o, string n) => o[n] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;
    }
}
