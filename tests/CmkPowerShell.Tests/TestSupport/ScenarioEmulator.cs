using System;
using System.IO;
using System.Security;
using System.Threading.Tasks;
using CmkPowerShell.Connection;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.TestSupport
{
    /// <summary>
    /// An emulator started from a scenario text (as --scenario-file does) and a session connected from the profile it
    /// wrote, the way Connect-AzCmk -EmulatorProfile connects (the profile's cloud included).
    /// </summary>
    internal sealed class ScenarioEmulator : IAsyncDisposable
    {
        private readonly string _dir;

        private ScenarioEmulator(string dir, EmulatorServer server, EmulatorProfile profile, CmkSession session)
        {
            _dir = dir;
            Server = server;
            Profile = profile;
            Session = session;
        }

        public EmulatorServer Server { get; }
        public EmulatorProfile Profile { get; }
        public CmkSession Session { get; }

        public static async Task<ScenarioEmulator> StartAsync(string scenario)
        {
            var dir = Path.Combine(Path.GetTempPath(), "cmk-scenario-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "scenario.json"), scenario);
            var server = await EmulatorServer.StartAsync(new EmulatorOptions
            {
                ScenarioFile = Path.Combine(dir, "scenario.json"),
                ProfilePath = Path.Combine(dir, "profile.json"),
                LroDelay = TimeSpan.FromMilliseconds(200),
                RetryAfter = TimeSpan.Zero,
            });
            var profile = EmulatorProfile.Load(server.ProfilePath!);
            var token = new SecureString();
            foreach (var c in profile.AccessToken) token.AppendChar(c);
            token.MakeReadOnly();
            var session = await CmkSession.ConnectAsync(new CmkConnectionOptions
            {
                ResourceManagerEndpoint = profile.ResourceManagerEndpoint,
                TrustedCertificateThumbprint = profile.CertificateThumbprint,
                TenantId = profile.TenantId,
                SubscriptionId = profile.SubscriptionId,
                CredentialKind = CmkCredentialKind.AccessToken,
                AccessToken = token,
                ImitatedCloud = profile.Cloud,
            }, new RecordingHost());
            return new ScenarioEmulator(dir, server, profile, session);
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            Directory.Delete(_dir, true);
        }
    }
}
