using System;
using System.Linq;
using System.Threading.Tasks;
using BenchmarkDotNet.Running;

namespace CmkPowerShell.Benchmarks
{
    public static class Program
    {
        public static async Task<int> Main(string[] args)
        {
            if (args.Contains("--counts", StringComparer.OrdinalIgnoreCase))
            {
                await CountsReport.WriteAsync(Console.Out).ConfigureAwait(false);
                return 0;
            }
            if (args.Contains("--fleet", StringComparer.OrdinalIgnoreCase))
            {
                await FleetScaleReport.WriteAsync(Console.Out, FleetScaleReport.Parse(args)).ConfigureAwait(false);
                return 0;
            }
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }
    }
}
