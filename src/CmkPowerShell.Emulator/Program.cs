using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Standalone: dotnet run --project src/CmkPowerShell.Emulator -- [--scenario demo|none] [--scenario-file f] [--port N]
    /// [--profile path] [--lro-delay ms] [--retry-after s] [--throttling] [--latency ms] [--jitter ms] [--no-validation]
    /// </summary>
    internal static class Program
    {
        public static async Task<int> Main(string[] args)
        {
            var options = new EmulatorOptions { LroDelay = TimeSpan.FromSeconds(2), RetryAfter = TimeSpan.FromSeconds(1) };
            options.ProfilePath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cmk-emulator-profile.json");
            try
            {
                for (int i = 0; i < args.Length; i++)
                {
                    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                    switch (args[i])
                    {
                        case "--scenario": var s = Next(); options.Scenario = s == "none" ? null : s; break;
                        case "--scenario-file": options.ScenarioFile = Next(); break;
                        case "--port": options.Port = int.Parse(Next()); break;
                        case "--profile": options.ProfilePath = Next(); break;
                        case "--lro-delay": options.LroDelay = TimeSpan.FromMilliseconds(int.Parse(Next())); break;
                        case "--retry-after": options.RetryAfter = TimeSpan.FromSeconds(int.Parse(Next())); break;
                        case "--throttling": options.Throttling = true; break;
                        case "--latency": options.Latency = TimeSpan.FromMilliseconds(int.Parse(Next())); break;
                        case "--jitter": options.LatencyJitter = TimeSpan.FromMilliseconds(int.Parse(Next())); break;
                        case "--no-validation": options.ValidateRequests = false; break;
                        case "-h": case "--help":
                            Console.WriteLine("CmkPowerShell.Emulator [--scenario demo|none] [--scenario-file f] [--port N] [--profile path] [--lro-delay ms] [--retry-after s] [--throttling] [--latency ms] [--jitter ms] [--no-validation]");
                            return 0;
                        default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                    }
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }

            using var stop = new CancellationTokenSource();
            // Ctrl+C, kill and service managers all end the wait, so the server is disposed and the process exits
            // (the host's own console lifetime only stops Kestrel, which would leave the process hanging).
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var sigquit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
            await using var server = await EmulatorServer.StartAsync(options, stop.Token);
            Console.WriteLine($"Endpoint:    {server.Endpoint}");
            Console.WriteLine($"Thumbprint:  {server.CertificateThumbprint}");
            Console.WriteLine($"Tenant:      {server.TenantId}");
            Console.WriteLine($"Subscription:{server.SubscriptionId}");
            Console.WriteLine($"Profile:     {server.ProfilePath}");
            Console.WriteLine($"Validation:  {(options.ValidateRequests ? "request bodies checked against the shipped specs" : "off")}");
            Console.WriteLine("Press Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        }
    }
}
