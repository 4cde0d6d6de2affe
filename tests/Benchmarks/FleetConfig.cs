using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace CmkPowerShell.Benchmarks
{
    /// <summary>
    /// In process (the emulator is in process too, and the request counts recorded in GlobalSetup must be visible to
    /// the columns), few iterations: each one costs tens of emulated round trips.
    /// </summary>
    public sealed class FleetConfig : ManualConfig
    {
        public FleetConfig()
        {
            AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(2)
                .WithIterationCount(10)
                .WithInvocationCount(1)
                .WithUnrollFactor(1));
            AddColumn(RequestCountColumn.All.ToArray());
        }
    }

    /// <summary>A column per request figure of one run: total on the wire, emulator-logged, throttled, vault/key reads.</summary>
    public sealed class RequestCountColumn : IColumn
    {
        private static readonly ConcurrentDictionary<string, FleetMeasurement> Measured = new ConcurrentDictionary<string, FleetMeasurement>();

        private readonly System.Func<FleetMeasurement, string> _value;

        private RequestCountColumn(string name, string legend, System.Func<FleetMeasurement, string> value)
        {
            ColumnName = name;
            Id = "CmkRequests." + name;
            Legend = legend;
            _value = value;
        }

        public static IEnumerable<RequestCountColumn> All { get; } = new[]
        {
            new RequestCountColumn("Requests", "ARM requests one run sends (session counter)", m => m.Session.Total.ToString()),
            new RequestCountColumn("Retries", "of which retries", m => m.Session.Retries.ToString()),
            new RequestCountColumn("Throttled", "429 answers the emulator gave", m => m.Throttled.ToString()),
            new RequestCountColumn("VaultReads", "GET Microsoft.KeyVault/vaults", m => Count(m, "GET Microsoft.KeyVault/vaults")),
            new RequestCountColumn("KeyReads", "GET Microsoft.KeyVault/vaults/keys", m => Count(m, "GET Microsoft.KeyVault/vaults/keys")),
            new RequestCountColumn("RoleReads", "GET role assignment lists + role definitions",
                m => (m.ByKind.Where(k => k.Key.Contains("Microsoft.Authorization/")).Sum(k => k.Value)).ToString()),
        };

        public static void Record(FleetBenchmarks benchmark, FleetMeasurement measurement)
            => Measured[Key(benchmark.Vault, benchmark.Resources)] = measurement;

        public string Id { get; }
        public string ColumnName { get; }
        public string Legend { get; }
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var vault = (string)benchmarkCase.Parameters["Vault"];
            var resources = (int)benchmarkCase.Parameters["Resources"];
            return Measured.TryGetValue(Key(vault, resources), out var m) ? _value(m) : "?";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public override string ToString() => ColumnName;

        private static string Key(string vault, int resources) => vault + "/" + resources;

        private static string Count(FleetMeasurement m, string kind) => (m.ByKind.TryGetValue(kind, out var n) ? n : 0).ToString();
    }
}
