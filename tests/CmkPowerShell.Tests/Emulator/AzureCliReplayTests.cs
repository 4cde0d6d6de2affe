using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.Specs;
using Xunit.Abstractions;

namespace CmkPowerShell.Tests.Emulator
{
    /// <summary>
    /// Every request shape Debian's azure-cli 2.45 sent to the standalone emulator (method, path, query, headers,
    /// body; recorded by tests/AzCli/record.py), sent again in order to a fresh demo emulator. Each answer must be one
    /// the operation's spec declares, with a body that validates against it (through the api-version table's spec for
    /// versions without their own); status polls are sent to the operation the replayed write started.
    /// </summary>
    public class AzureCliReplayTests : IAsyncLifetime
    {
        private readonly EmulatorFixture emulator = new RetryAfterFixture();

        /// <summary>The standalone emulator's Retry-After (1 s), which azure-cli met; nothing here waits for it.</summary>
        private sealed class RetryAfterFixture : EmulatorFixture
        {
            protected override EmulatorOptions CreateOptions() => new() { Scenario = "demo", LroDelay = TimeSpan.FromMilliseconds(300), RetryAfter = TimeSpan.FromSeconds(1) };
        }
        private readonly ITestOutputHelper output;

        public AzureCliReplayTests(ITestOutputHelper output) => this.output = output;

        public Task InitializeAsync() => emulator.InitializeAsync();

        public Task DisposeAsync() => emulator.DisposeAsync();

        public static JsonArray Records() =>
            (JsonArray)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "AzCli", "azure-cli-2.45.json")))!["records"]!;

        [Fact]
        public async Task Every_recorded_azure_cli_request_gets_a_spec_conformant_answer()
        {
            var records = Records();
            Assert.True(records.Count >= 30, $"the recording holds {records.Count} requests");
            string? lastAsync = null, lastLocation = null;
            var failures = new List<string>();
            foreach (var record in records.Cast<JsonObject>())
            {
                var command = (string)record["command"]!;
                var method = new HttpMethod((string)record["method"]!);
                var path = ((string)record["path"]!).Replace("{subscriptionId}", emulator.Server.SubscriptionId);
                var query = (string?)record["query"] ?? "";
                if (path.Contains("/operationResults/", StringComparison.OrdinalIgnoreCase))
                {
                    // A poll of an operation id from the recording: poll the operation this replay started, in the same style.
                    bool locationStyle = query.Contains("operationResultResponseType=Location", StringComparison.OrdinalIgnoreCase);
                    var status = new Uri((locationStyle ? lastLocation ?? lastAsync : lastAsync ?? lastLocation)
                        ?? throw new InvalidOperationException($"{command}: a poll without a started operation"));
                    path = status.AbsolutePath;
                    query = status.Query.TrimStart('?');
                }
                using var request = new HttpRequestMessage(method, path.TrimStart('/') + (query.Length > 0 ? "?" + query : ""));
                foreach (var (name, value) in record["headers"]!.AsObject())
                    if (!name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) request.Headers.TryAddWithoutValidation(name, (string)value!);
                if (record["form"] is JsonObject form)
                {
                    request.Content = new FormUrlEncodedContent(form.Select(kv => new KeyValuePair<string, string>(kv.Key, (string)kv.Value!)));
                    request.Headers.Authorization = null;
                }
                else if (record["body"] is JsonNode body)
                    request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");

                var client = record["form"] != null ? emulator.CreateClient(null) : emulator.Client;
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var answer = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
                var code = (int)response.StatusCode;
                var what = $"{command}: {method} {path}?{query} -> {code}";
                output.WriteLine(what);
                if (method != HttpMethod.Get)
                {
                    lastAsync = response.Headers.TryGetValues("Azure-AsyncOperation", out var a) ? a.First() : null;
                    lastLocation = response.Headers.Location?.ToString();
                }

                var problems = Check(record, method.Method, path, query, code, answer, response);
                failures.AddRange(problems.Select(p => $"{what}: {p}"));
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }

        private static IEnumerable<string> Check(JsonObject record, string method, string path, string query, int code, JsonNode? answer, HttpResponseMessage response)
        {
            var expectedError = (int?)record["recordedStatus"] >= 400;
            if (expectedError)
            {
                if (code < 400) yield return "the recorded error path now succeeds";
                if (answer?["error"]?["code"] == null || answer["error"]!["message"] == null) yield return "an ARM error body {error:{code,message}} is expected";
                yield break;
            }
            if (code >= 400)
            {
                yield return $"failed: {answer?.ToJsonString()}";
                yield break;
            }
            if (path.EndsWith("/msi/token", StringComparison.Ordinal))
            {
                if (answer?["access_token"] == null || answer["expires_in"] == null) yield return "a managed-identity token answer is expected";
                yield break;
            }
            var apiVersion = System.Web.HttpUtility.ParseQueryString(query)["api-version"];
            var id = ArmId.Parse(path);
            var ns = id.Namespace == null || (id.Segments.Count == 0 && id.ResourceGroup == null) ? ApiVersionCatalog.ResourcesNamespace : id.Namespace;
            var served = ApiVersionCatalog.Find(ns, apiVersion ?? "");
            if (served == null)
            {
                yield return $"api-version {apiVersion} of {ns} is not in the served table";
                yield break;
            }
            if (response.StatusCode == HttpStatusCode.Accepted || (string?)answer?["status"] == "InProgress")
                if (!response.Headers.Contains("Retry-After")) yield return "a pending operation answer must carry Retry-After";
            if (path.Contains("/operationResults/", StringComparison.OrdinalIgnoreCase))
            {
                // Status resources are not in these specs' paths; ARM's async contract fixes their shape.
                if (answer is JsonObject o && o["status"] is JsonNode s && (string?)s is not ("InProgress" or "Succeeded" or "Failed" or "Canceled"))
                    yield return $"unknown operation status {s}";
                yield break;
            }
            if (served.SpecVersion == null)
            {
                foreach (var p in CheckWithoutSpec(path, answer)) yield return p;
                yield break;
            }
            var operation = ShippedSpecs.Catalog.FindOperation(method, path + "?" + query, served.SpecVersion);
            if (operation == null)
            {
                yield return $"no operation of the {served.SpecVersion} spec matches";
                yield break;
            }
            foreach (var v in ShippedSpecs.Catalog.ValidateResponse(operation, code, answer)) yield return $"{operation.OperationId}: {v.Path}: {v.Message}";
            if (operation.IsLongRunning && method is "PUT" or "PATCH" or "POST" && code is 200 or 201
                && !response.Headers.Contains("Azure-AsyncOperation") && (string?)answer?["properties"]?["provisioningState"] is not "Succeeded")
                yield return "a running 200/201 must say where to follow it (Azure-AsyncOperation)";
        }

        /// <summary>Microsoft.Resources has no copied spec (the api-version table says why): its shapes are checked here.</summary>
        private static IEnumerable<string> CheckWithoutSpec(string path, JsonNode? answer)
        {
            if (path.EndsWith("/resources", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var item in answer?["value"]?.AsArray() ?? new JsonArray())
                {
                    var type = (string?)item?["type"] ?? "";
                    if (type.StartsWith("Microsoft.Authorization/", StringComparison.OrdinalIgnoreCase)) yield return $"ARM does not list {type} among resources";
                    if (item?["id"] == null || item["location"] == null) yield return "each listed resource has an id and a location";
                }
            }
            else if (ArmId.Parse(path) is { Namespace: not null } provider)
            {
                if ((string?)answer?["namespace"] != provider.Namespace || answer?["resourceTypes"] is not JsonArray { Count: > 0 })
                    yield return "a provider answer has its namespace and resource types";
            }
            else if (answer is not JsonObject) yield return "a JSON object is expected";
        }
    }
}
