using System;
using System.Linq;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Emulator;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>
    /// What the user is told when the module cannot be sure: a write Azure accepted whose status cannot be read (faults on the
    /// poll, Ctrl+C during it), and a change of several writes that fails part-way (and what a second run then does).
    /// </summary>
    public class WriteOutcomeTests : ServiceEmulatorTest
    {
        /// <summary>A session that gives up on a failing poll quickly: the transport's own retries are not under test here.</summary>
        private async Task<CmkEncryptionManager> QuickManagerAsync()
        {
            var session = await EmulatorSessions.ConnectAsync(Emulator.Server, Host,
                transport: new CmkTransportOptions { MaxRetries = 1, RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(20) });
            return new CmkEncryptionManager(session, Host);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task An_accepted_write_whose_status_cannot_be_read_is_an_unknown_outcome_naming_the_operation(bool dropConnection)
        {
            var manager = await QuickManagerAsync();
            Emulator.Server.Faults.Add(new FaultRule("GET", "/operationResults/", 100, Status: 503, DropConnection: dropConnection));

            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good"))));

            Assert.Equal("OperationOutcomeUnknown", ex.ErrorId);
            Assert.IsType<CmkServiceException>(ex);
            Assert.Equal(Kusto, ex.Target, StringComparer.OrdinalIgnoreCase);
            Assert.Contains("The PATCH was answered HTTP 202; then its status could not be read", ex.Message);
            Assert.Matches("/providers/Microsoft.Kusto/locations/[^/]+/operationResults/", ex.Message);
            Assert.Contains("Get-AzCmkEncryption", ex.RecommendedAction);
            Assert.Contains("run the same command again", ex.RecommendedAction, StringComparison.OrdinalIgnoreCase);

            // And indeed the change went through: the second run writes nothing.
            Emulator.Server.Faults.Clear();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((await Manager.GetAsync(Kusto)).KeyUri == null && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.Equal(Key("kv-good"), (await Manager.GetAsync(Kusto)).KeyUri);
            Emulator.Server.Log.Clear();
            Assert.False((await Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good"))))!.Changed);
            Assert.Empty(Writes());
        }

        [Fact]
        public async Task Stopping_the_poll_of_an_accepted_write_says_the_operation_goes_on_in_Azure()
        {
            Emulator.Server.SetLroDelay(TimeSpan.FromSeconds(30));
            using var stop = new CancellationTokenSource();
            // Ctrl+C once the module follows the accepted write. Not as soon as the emulator has logged its answer to the
            // PATCH: the client may still be reading that answer then, and a stop there is a stop of the write request.
            var watcher = Task.Run(async () =>
            {
                while (!Log.Any(e => e.Method == "GET" && e.Path.Contains("/operationResults/"))) await Task.Delay(10);
                stop.Cancel();
            });

            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Kusto, Key("kv-good")), stop.Token));
            await watcher;

            Assert.Equal("OperationOutcomeUnknown", ex.ErrorId);
            Assert.IsAssignableFrom<OperationCanceledException>(ex.InnerException);
            Assert.Contains("stopped before it finished", ex.Message);
            Assert.Contains("goes on in Azure", ex.Message);
            Assert.Contains("/operationResults/", ex.Message);
        }

        [Fact]
        public async Task Cassandra_failing_on_its_second_data_center_says_which_steps_completed_and_a_second_run_finishes_the_rest()
        {
            Emulator.Server.Faults.Add(new FaultRule("PATCH", "/dataCenters/dc2$", 1, ErrorCode: "KeyVaultNotPurgeProtected",
                ErrorMessage: "Injected: dc2 refused the key.", FailLongRunningOperation: true));

            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Cassandra, Key("kv-good")) { GrantAccess = true }));

            // The error is still the service's (typed by the catalogue), and says how far the change got.
            Assert.Equal("KeyVaultNotPurgeProtected", ex.ErrorId);
            Assert.Equal(3, ex.CompletedSteps.Count);
            Assert.Contains("enable the system-assigned identity", ex.CompletedSteps[0]);
            Assert.StartsWith("granted ", ex.CompletedSteps[1]);
            Assert.Contains("data center dc1", ex.CompletedSteps[2]);
            Assert.Contains("data center dc2", Assert.Single(ex.PendingSteps));
            Assert.Contains("Steps completed:", ex.Message);
            Assert.Contains("Steps not completed: data center dc2", ex.Message);
            Assert.Contains("Run the same command again", ex.Message);
            Assert.Contains(Host.Verbose, v => v.Contains("step 3 of 4 done: data center dc1"));
            var dc1 = (await Manager.GetAsync(Cassandra)).Details["dc1.managedDiskCustomerKeyUri"];
            Assert.Equal(Key("kv-good"), dc1);

            // The second run writes only what is missing: dc2.
            Emulator.Server.Log.Clear();
            var status = await Manager.SetAsync(new CmkSetOptions(Cassandra, Key("kv-good")) { GrantAccess = true });
            Assert.True(status!.Changed);
            var write = Assert.Single(Writes());
            Assert.EndsWith("/dataCenters/dc2", write.Path, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(Key("kv-good"), status.Details["dc2.managedDiskCustomerKeyUri"]);
            Assert.Contains(status.Actions, a => a.Contains("data center dc2"));
        }

        [Fact]
        public async Task A_key_write_failing_after_the_identity_write_says_the_identity_is_in_place()
        {
            Emulator.Server.Faults.Add(new FaultRule("PATCH", "/dataCenters/dc1$", 1, Status: 409, ErrorCode: "Conflict", ErrorMessage: "Injected: busy."));

            var ex = await Assert.ThrowsAnyAsync<CmkException>(() => Manager.SetAsync(new CmkSetOptions(Cassandra, Key("kv-good")) { GrantAccess = true }));

            Assert.Equal(2, ex.CompletedSteps.Count);
            Assert.Contains("enable the system-assigned identity", ex.CompletedSteps[0]);
            Assert.Equal(2, ex.PendingSteps.Count);
            Assert.Contains("data center dc1", ex.PendingSteps[0]);
        }
    }
}
