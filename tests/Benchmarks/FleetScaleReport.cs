using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Services;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Benchmarks
{
    /// <summary>
    /// Fleet scale against the in-process emulator with ARM-like conditions: a rotation of N resources (Data Explorer
    /// clusters and Batch accounts, half each, over 5 vaults, all pinned to an older key version, one subscription) with
    /// the module's fleet run, concurrently and with a throttle limit of 1, next to the throttle-limited floor computed
    /// from the run's own request counts; and a discovery of M resources over 3 subscriptions through Resource Graph.
    /// The engine path is the cmdlets' own (KeyRotation inside FleetRun, FleetDiscovery); PowerShell itself adds ~12 ms a
    /// resource on top (the measurement), not counted here.
    /// </summary>
    public static class FleetScaleReport
    {
        public sealed record Options(int Rotate = 500, int Sequential = 500, int Discover = 5000, int ThrottleLimit = FleetRun.DefaultThrottleLimit,
            int LatencyMs = 50, int JitterMs = 10, int LroDelayMs = 3000);

        public static Options Parse(string[] args)
        {
            int Arg(string name, int fallback)
            {
                var at = Array.FindIndex(args, a => a.Equals(name, StringComparison.OrdinalIgnoreCase));
                return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
            }
            var d = new Options();
            return new Options(Arg("--rotate", d.Rotate), Arg("--sequential", d.Sequential), Arg("--discover", d.Discover),
                Arg("--throttle-limit", d.ThrottleLimit), Arg("--latency", d.LatencyMs), Arg("--jitter", d.JitterMs), Arg("--lro-delay", d.LroDelayMs));
        }

        public static async Task WriteAsync(TextWriter output, Options options)
        {
            output.WriteLine($"# fleet scale, {DateTime.UtcNow:u}, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            output.WriteLine($"# emulator: latency {options.LatencyMs} ms + up to {options.JitterMs} ms, long-running operations {options.LroDelayMs} ms, Retry-After 1 s, ARM throttling on");
            output.WriteLine();
            output.WriteLine("| run | resources | wall | GET | writes | 429s | floor | wall / floor | errors |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            var concurrent = await RotateAsync(options, options.Rotate, options.ThrottleLimit).ConfigureAwait(false);
            output.WriteLine(concurrent.Row($"rotation, -ThrottleLimit {options.ThrottleLimit}"));
            output.Flush();
            if (options.Sequential > 0)
            {
                var sequential = await RotateAsync(options, options.Sequential, 1).ConfigureAwait(false);
                output.WriteLine(sequential.Row("rotation, -ThrottleLimit 1 (sequential baseline)"));
                var perResource = sequential.Wall.TotalSeconds / sequential.Resources * concurrent.Resources;
                output.WriteLine();
                output.WriteLine($"speed-up over the sequential run (per resource, scaled to {concurrent.Resources}): {perResource / concurrent.Wall.TotalSeconds:0.0}x");
            }
            output.WriteLine();
            if (options.Discover > 0) await DiscoverAsync(output, options).ConfigureAwait(false);
            output.WriteLine($"# load average after: {LoadAverage()}");
        }

        private sealed record Rotation(int Resources, TimeSpan Wall, int Gets, int Writes, int Throttled, int Errors, int Updated)
        {
            /// <summary>ARM's budgets: 250 reads then 25/s, 200 writes then 10/s; the slower of the two bounds the run.</summary>
            public TimeSpan Floor => TimeSpan.FromSeconds(Math.Max(Math.Max(0, Gets - 250) / 25.0, Math.Max(0, Writes - 200) / 10.0));

            public string Row(string name)
                => $"| {name} | {Resources} | {Wall.TotalSeconds:0.0} s | {Gets} | {Writes} | {Throttled} | {Floor.TotalSeconds:0.0} s | "
                   + (Floor > TimeSpan.Zero ? $"{Wall.TotalSeconds / Floor.TotalSeconds:0.00}x" : "n/a") + $" | {Errors} (updated {Updated}) |";
        }

        private static async Task<Rotation> RotateAsync(Options options, int resources, int throttleLimit)
        {
            await using var server = await EmulatorServer.StartAsync(new EmulatorOptions
            {
                Scenario = $"fleet:{resources}:1:5:0",
                Latency = TimeSpan.FromMilliseconds(options.LatencyMs),
                LatencyJitter = TimeSpan.FromMilliseconds(options.JitterMs),
                LroDelay = TimeSpan.FromMilliseconds(options.LroDelayMs),
                Throttling = true,
            }).ConfigureAwait(false);
            var session = await FleetScenario.ConnectAsync(server).ConfigureAwait(false);
            var ids = Enumerable.Range(1, resources).Select(i => i % 2 == 1
                ? $"/subscriptions/{server.SubscriptionId}/resourceGroups/rg-fleet/providers/Microsoft.Kusto/clusters/fleet-kusto-{i:0000}"
                : $"/subscriptions/{server.SubscriptionId}/resourceGroups/rg-fleet/providers/Microsoft.Batch/batchAccounts/fleetbatch{i:0000}").ToList();
            server.SetThrottling(true); // full budgets, as for the first command of a session
            server.Log.Clear();

            var rotation = new KeyRotation(session);
            var errors = new ConcurrentBag<string>();
            var updated = 0;
            var watch = Stopwatch.StartNew();
            await new FleetRun(SilentHost.Confirming, session.Limiter, "Update-AzCmkKeyVersion", showProgress: false).RunAsync(ids, throttleLimit,
                (id, host) => rotation.RotateAsync(new CmkKeyRotationRequest(id), host, host.CancellationToken),
                (id, result, error) =>
                {
                    if (error != null) errors.Add($"{id}: {error.Message}");
                    else if (result.Status == CmkKeyRotationStatus.Updated) Interlocked.Increment(ref updated);
                }, CancellationToken.None).ConfigureAwait(false);
            watch.Stop();
            foreach (var e in errors.Take(5)) Console.Error.WriteLine(e);

            var log = server.Log.Entries.Where(e => e.Path.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase)).ToList();
            return new Rotation(resources, watch.Elapsed, log.Count(e => e.Method == "GET"), log.Count(e => e.Method != "GET"),
                log.Count(e => e.Status == 429), errors.Count, updated);
        }

        private static async Task DiscoverAsync(TextWriter output, Options options)
        {
            await using var server = await EmulatorServer.StartAsync(new EmulatorOptions
            {
                Scenario = $"fleet:{options.Discover}:3:5",
                Latency = TimeSpan.FromMilliseconds(options.LatencyMs),
                LatencyJitter = TimeSpan.FromMilliseconds(options.JitterMs),
                Throttling = true,
            }).ConfigureAwait(false);
            var session = await FleetScenario.ConnectAsync(server).ConfigureAwait(false);
            output.WriteLine("| discovery | resources found | Resource Graph requests | other requests | wall |");
            output.WriteLine("|---|---:|---:|---:|---:|");
            var subscriptions = Enumerable.Range(0, 3).Select(i => i == 0 ? server.SubscriptionId : $"44444444-4444-4444-4444-{i:000000000000}").ToArray();
            foreach (var (name, scopes) in new[]
            {
                ("3 subscriptions (one query each)", subscriptions),
                ("management group mg-root (one query)", new[] { "/providers/Microsoft.Management/managementGroups/mg-root" }),
            })
            {
                server.Log.Clear();
                var found = 0;
                var watch = Stopwatch.StartNew();
                var discovery = new FleetDiscovery(session, new KeyVaultReader(session), SilentHost.Confirming);
                await discovery.DiscoverAsync(scopes, new CmkFleetFilter(), _ => Interlocked.Increment(ref found), (_, _) => { }, 8,
                    CancellationToken.None).ConfigureAwait(false);
                watch.Stop();
                var log = server.Log.Entries;
                var graph = log.Count(e => e.Path.Contains("Microsoft.ResourceGraph", StringComparison.OrdinalIgnoreCase));
                output.WriteLine($"| {name} | {found} | {graph} | {log.Count - graph} | {watch.Elapsed.TotalSeconds:0.00} s |");
            }
        }

        private static string LoadAverage()
        {
            try { return File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Aggregate((a, b) => a + " " + b); }
            catch (IOException) { return "unknown"; }
        }

    }
}
