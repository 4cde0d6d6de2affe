using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Azure
{
    /// <summary>The poller over the real pipeline against scripted ARM answers, one per LRO pattern.</summary>
    public class LongRunningOperationTests
    {
        private const string Sub = "/subscriptions/" + FakeArm.SubscriptionId;
        private const string Cluster = Sub + "/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c1";
        private const string Status = FakeArm.Endpoint + "subscriptions/" + FakeArm.SubscriptionId + "/providers/Microsoft.Kusto/locations/westeurope/operationResults/op1?api-version=2023-08-15";

        private static JsonObject Resource(string state) => new() { ["name"] = "c1", ["properties"] = new JsonObject { ["provisioningState"] = state } };
        private static JsonObject OpStatus(string status) => new() { ["status"] = status };

        private sealed class ListProgress : IProgress<OperationProgress>
        {
            public List<OperationProgress> Items { get; } = new();
            public void Report(OperationProgress value) { lock (Items) Items.Add(value); }
        }

        [Fact]
        public async Task Put_follows_azure_async_operation_then_reads_the_resource()
        {
            var arm = new FakeArm()
                .On("PUT", "/clusters/c1$", (_, _) => FakeArm.Json(201, Resource("Updating"), ("Azure-AsyncOperation", Status)))
                .On("GET", "/operationResults/op1$", (_, hit) => FakeArm.Json(200, OpStatus(hit < 2 ? "InProgress" : "Succeeded"), ("Retry-After", "0")))
                .On("GET", "/clusters/c1$", (_, _) => FakeArm.Json(200, Resource("Succeeded")));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            session.Requests.Reset();
            var progress = new ListProgress();

            var final = await session.SendAsync(HttpMethod.Put, Cluster, new JsonObject { ["location"] = "westeurope" }, CancellationToken.None, progress);

            Assert.Equal("Succeeded", (string?)final!["properties"]!["provisioningState"]);
            Assert.Equal(3, arm.To("GET", "/operationResults/op1$").Count);
            Assert.Single(arm.To("GET", "/clusters/c1$"));
            Assert.Equal(new[] { "InProgress", "InProgress", "Succeeded" }, progress.Items.Select(p => p.Status));
            Assert.All(progress.Items, p => Assert.Equal(Cluster, p.Path));
            var counts = session.Requests.Snapshot();
            Assert.Equal(1, counts.Write);
            Assert.Equal(4, counts.Polls); // three status polls + the final GET of the resource
            Assert.Equal(1, counts.FirstAttempts);
        }

        [Fact]
        public async Task Post_follows_location_to_its_result()
        {
            var location = FakeArm.Endpoint + "subscriptions/" + FakeArm.SubscriptionId + "/providers/Microsoft.NetApp/locations/westeurope/operationResults/op2?api-version=2026-01-01&operationResultResponseType=Location";
            var arm = new FakeArm()
                .On("POST", "/renewCredentials$", (_, _) => FakeArm.Json(202, null, ("Location", location), ("Retry-After", "0")))
                .On("GET", "/operationResults/op2$", (_, hit) => hit == 0 ? FakeArm.Json(202, null) : FakeArm.Json(200, new JsonObject { ["result"] = "renewed" }));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);

            var result = await session.SendAsync(HttpMethod.Post, Sub + "/resourceGroups/rg/providers/Microsoft.NetApp/netAppAccounts/a1/renewCredentials", null, CancellationToken.None);
            Assert.Equal("renewed", (string?)result!["result"]);
            Assert.Equal(2, arm.To("GET", "/operationResults/op2$").Count);
            // The service's own status URL is followed as given: no second api-version is added.
            Assert.All(arm.To("GET", "/operationResults/op2$"), r => Assert.Equal(1, r.Uri.Query.Split("api-version=").Length - 1));
        }

        [Fact]
        public async Task Patch_with_location_and_no_final_body_reads_the_resource()
        {
            var location = FakeArm.Endpoint + "subscriptions/" + FakeArm.SubscriptionId + "/providers/Microsoft.Kusto/locations/westeurope/operationResults/op3?api-version=2023-08-15";
            var arm = new FakeArm()
                .On("PATCH", "/clusters/c1$", (_, _) => FakeArm.Json(202, null, ("Location", location)))
                .On("GET", "/operationResults/op3$", (_, _) => FakeArm.Json(204, null))
                .On("GET", "/clusters/c1$", (_, _) => FakeArm.Json(200, Resource("Succeeded")));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            var final = await session.SendAsync(new HttpMethod("PATCH"), Cluster, new JsonObject(), CancellationToken.None);
            Assert.Equal("c1", (string?)final!["name"]);
        }

        [Fact]
        public async Task Put_without_headers_polls_the_resource_until_its_state_is_terminal()
        {
            var arm = new FakeArm()
                .On("PUT", "/clusters/c1$", (_, _) => FakeArm.Json(201, Resource("Creating")))
                .On("GET", "/clusters/c1$", (_, hit) => FakeArm.Json(200, Resource(hit == 0 ? "Updating" : "Succeeded")));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            var final = await session.SendAsync(HttpMethod.Put, Cluster, new JsonObject(), CancellationToken.None);
            Assert.Equal("Succeeded", (string?)final!["properties"]!["provisioningState"]);
            Assert.Equal(2, arm.To("GET", "/clusters/c1$").Count);
        }

        [Fact]
        public async Task A_failed_operation_surfaces_the_services_error()
        {
            var arm = new FakeArm()
                .On("PUT", "/clusters/c1$", (_, _) => FakeArm.Json(201, Resource("Updating"), ("Azure-AsyncOperation", Status)))
                .On("GET", "/operationResults/op1$", (_, _) => FakeArm.Json(200, new JsonObject
                {
                    ["status"] = "Failed",
                    ["error"] = new JsonObject { ["code"] = "KeyVaultAccessDenied", ["message"] = "The cluster identity cannot unwrap the key." },
                }));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.SendAsync(HttpMethod.Put, Cluster, new JsonObject(), CancellationToken.None));
            Assert.Equal("KeyVaultAccessDenied", ex.ServiceCode);
            Assert.Equal("The cluster identity cannot unwrap the key.", ex.ServiceMessage);
            Assert.Equal(Cluster, ex.Target);
            Assert.Empty(arm.To("GET", "/clusters/c1$")); // no final GET after a failure
        }

        [Fact]
        public async Task A_canceled_operation_without_an_error_body_still_says_so()
        {
            var arm = new FakeArm()
                .On("DELETE", "/clusters/c1$", (_, _) => FakeArm.Json(202, null, ("Azure-AsyncOperation", Status)))
                .On("GET", "/operationResults/op1$", (_, _) => FakeArm.Json(200, OpStatus("Canceled")));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.SendAsync(HttpMethod.Delete, Cluster, null, CancellationToken.None));
            Assert.Equal("OperationCanceled", ex.ServiceCode);
        }

        [Fact]
        public async Task A_failing_location_poll_is_the_operations_failure()
        {
            var location = FakeArm.Endpoint + "subscriptions/" + FakeArm.SubscriptionId + "/providers/Microsoft.NetApp/locations/westeurope/operationResults/op4?api-version=2026-01-01";
            var arm = new FakeArm()
                .On("POST", "/changeKeyVault$", (_, _) => FakeArm.Json(202, null, ("Location", location)))
                .On("GET", "/operationResults/op4$", (_, _) => FakeArm.Error(400, "KeyVaultKeyNotFound", "The key does not exist."));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.SendAsync(HttpMethod.Post, Sub + "/resourceGroups/rg/providers/Microsoft.NetApp/netAppAccounts/a1/changeKeyVault", new JsonObject(), CancellationToken.None));
            Assert.Equal("KeyVaultKeyNotFound", ex.ServiceCode);
        }

        [Fact]
        public async Task Cancellation_stops_polling_promptly()
        {
            using var host = new RecordingHost();
            var arm = new FakeArm()
                .On("PUT", "/clusters/c1$", (_, _) => FakeArm.Json(201, Resource("Updating"), ("Azure-AsyncOperation", Status)))
                // Ctrl+C while the first poll is answered: the stop falls in the poll, however long the PUT took.
                .On("GET", "/operationResults/op1$", (_, _) => { host.Cancel(); return FakeArm.Json(200, OpStatus("InProgress"), ("Retry-After", "30")); });
            var session = await arm.ConnectAsync(host);

            var sw = Stopwatch.StartNew();
            // Stopping the poll of an accepted write is not a silent cancellation: the operation goes on in Azure.
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.SendAsync(HttpMethod.Put, Cluster, new JsonObject(), host.CancellationToken));
            Assert.Equal("OperationOutcomeUnknown", ex.ErrorId);
            Assert.IsAssignableFrom<OperationCanceledException>(ex.InnerException);
            Assert.Contains("/operationResults/op1", ex.Message);
            Assert.Contains("goes on in Azure", ex.Message);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"Polling went on for {sw.Elapsed} after cancellation.");
            Assert.Single(arm.To("GET", "/operationResults/op1$"));
        }

        [Fact]
        public async Task A_status_url_on_another_host_is_never_called()
        {
            var arm = new FakeArm()
                .On("PUT", "/clusters/c1$", (_, _) => FakeArm.Json(201, Resource("Updating"), ("Azure-AsyncOperation", "https://evil.test/status")));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => session.SendAsync(HttpMethod.Put, Cluster, new JsonObject(), CancellationToken.None));
            Assert.Equal("UntrustedOperationUrl", ex.ErrorId);
            Assert.DoesNotContain(arm.Requests, r => r.Uri.Host == "evil.test");
        }

        [Fact]
        public async Task Progress_reporter_writes_one_activity_and_completes_it()
        {
            var arm = new FakeArm()
                .On("PUT", "/clusters/c1$", (_, _) => FakeArm.Json(201, Resource("Updating"), ("Azure-AsyncOperation", Status)))
                .On("GET", "/operationResults/op1$", (_, hit) => FakeArm.Json(200, OpStatus(hit == 0 ? "InProgress" : "Succeeded")))
                .On("GET", "/clusters/c1$", (_, _) => FakeArm.Json(200, Resource("Succeeded")));
            using var host = new RecordingHost();
            var session = await arm.ConnectAsync(host);
            using (var reporter = new OperationProgressReporter(host, "Enabling CMK"))
            {
                await session.SendAsync(HttpMethod.Put, Cluster, new JsonObject(), CancellationToken.None, reporter);
            }
            var records = host.Progress;
            Assert.Equal(3, records.Count);
            Assert.Single(records.Select(r => r.ActivityId).Distinct());
            Assert.True(records[^1].Completed);
            Assert.Contains("InProgress", records[0].Status);
        }
    }
}
