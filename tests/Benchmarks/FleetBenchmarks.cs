using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace CmkPowerShell.Benchmarks
{
    /// <summary>
    /// Wall time of one Test-AzCmkKeyVault call (one engine batch, a fresh cache each time) over 1 or 20 Kusto clusters
    /// sharing one vault, per permission model. Request counts are added as columns by <see cref="RequestCountColumn"/>.
    /// </summary>
    [Config(typeof(FleetConfig))]
    public class FleetBenchmarks
    {
        private FleetScenario _scenario = null!;

        [ParamsSource(nameof(VaultNames))]
        public string Vault { get; set; } = "kv-good";

        [Params(1, FleetScenario.MaxFleet)]
        public int Resources { get; set; }

        public static System.Collections.Generic.IEnumerable<string> VaultNames => FleetScenario.Vaults;

        [GlobalSetup]
        public void Setup()
        {
            _scenario = FleetScenario.StartAsync().GetAwaiter().GetResult();
            // Counted once outside the timed loop (counts do not vary between runs); the columns read them.
            RequestCountColumn.Record(this, _scenario.RunAsync(Vault, Resources).GetAwaiter().GetResult());
        }

        [IterationSetup]
        public void RefillBudgets() => _scenario.RefillBudgetsAsync().GetAwaiter().GetResult();

        [GlobalCleanup]
        public void Cleanup() => _scenario.DisposeAsync().AsTask().GetAwaiter().GetResult();

        [Benchmark]
        public Task<FleetMeasurement> TestKeyForFleet() => _scenario.RunAsync(Vault, Resources);
    }
}
