using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace CmkPowerShell.Benchmarks
{
    /// <summary>
    /// The request counts of one run per scenario, without BenchmarkDotNet: seconds instead of minutes, for notes and
    /// for checking that a change did not add reads. The wall time shown is of that single (second) run.
    /// </summary>
    public static class CountsReport
    {
        public static async Task WriteAsync(TextWriter output)
        {
            await using var scenario = await FleetScenario.StartAsync().ConfigureAwait(false);
            output.WriteLine($"Emulator latency {FleetScenario.Latency.TotalMilliseconds + FleetScenario.Jitter.TotalMilliseconds / 2:0} ms "
                + $"± {FleetScenario.Jitter.TotalMilliseconds / 2:0} ms per request, ARM-like throttling on; one engine run = one Test-AzCmkKeyVault call.");
            output.WriteLine();
            foreach (var vault in FleetScenario.Vaults)
            {
                foreach (var resources in new[] { 1, FleetScenario.MaxFleet })
                {
                    await scenario.RunAsync(vault, resources).ConfigureAwait(false); // warm: JIT, connections, token
                    var m = await scenario.RunAsync(vault, resources).ConfigureAwait(false);
                    output.WriteLine($"{m.Resources} Kusto cluster(s) on {m.Vault}: {m.Session.Total} requests in {m.Elapsed.TotalMilliseconds:0} ms "
                        + $"({m.Session}; {m.Throttled} throttled)");
                    foreach (var kind in m.ByKind)
                    {
                        output.WriteLine($"  {kind.Value,4}  {kind.Key}");
                    }
                    if (m.Logged != m.Session.Total)
                    {
                        output.WriteLine($"  ! the emulator logged {m.Logged} requests, the session counted {m.Session.Total}");
                    }
                    output.WriteLine();
                }
            }
        }
    }
}
