using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Security;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Benchmarks
{
    /// <summary>
    /// The demo emulator in this process, with latency and throttling, plus a fleet of Kusto clusters per demo vault
    /// (each cluster's system identity granted the way the vault's permission model wants), and a signed-in session.
    /// A run is what Test-AzCmkKeyVault does for piped resources: one engine batch over the session.
    /// </summary>
    public sealed class FleetScenario : IAsyncDisposable
    {
        /// <summary>20 ms ± 5 ms per request: the emulator waits Latency plus a uniform share of Jitter.</summary>
        public static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(15);
        public static readonly TimeSpan Jitter = TimeSpan.FromMilliseconds(10);

        /// <summary>One vault per permission model of the demo scenario.</summary>
        public static readonly IReadOnlyList<string> Vaults = new[] { "kv-good", "kv-rbac" };

        public const int MaxFleet = 20;

        private const string Rg = "rg-cmk-demo";
        private const string CryptoServiceEncryptionUser = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

        private readonly EmulatorServer _server;
        private readonly Dictionary<string, IReadOnlyList<string>> _fleets = new Dictionary<string, IReadOnlyList<string>>();

        private FleetScenario(EmulatorServer server, CmkSession session)
        {
            _server = server;
            Session = session;
        }

        /// <summary>The signed-in session; its throttle limiter holds the subscription's ARM read and write budgets.</summary>
        public CmkSession Session { get; private set; }

        /// <summary>
        /// A new session and a reset emulator throttler: full ARM budgets, as for the first call of a PowerShell session.
        /// Without it, back-to-back runs spend the 250-read burst and are then paced at 25 reads/s by design, which
        /// measures the limiter rather than one call.
        /// </summary>
        public async Task RefillBudgetsAsync()
        {
            Session = await ConnectAsync(_server).ConfigureAwait(false);
            _server.SetThrottling(true);
        }

        public static async Task<FleetScenario> StartAsync()
        {
            var server = await EmulatorServer.StartAsync(new EmulatorOptions
            {
                Scenario = "demo",
                Latency = Latency,
                LatencyJitter = Jitter,
                Throttling = true,
            }).ConfigureAwait(false);
            var scenario = new FleetScenario(server, await ConnectAsync(server).ConfigureAwait(false));
            foreach (var vault in Vaults)
            {
                scenario._fleets[vault] = await scenario.AddKustoFleetAsync(vault, MaxFleet).ConfigureAwait(false);
            }
            return scenario;
        }

        /// <summary>One Test-AzCmkKeyVault call over the first <paramref name="resources"/> clusters of the vault's fleet.</summary>
        public async Task<FleetMeasurement> RunAsync(string vault, int resources, CancellationToken cancellationToken = default)
        {
            var key = KeyReference.FromUri($"https://{vault}.vault.azure.net/keys/cmk");
            var requests = _fleets[vault].Take(resources)
                .Select(id => new RequirementRequest(key, RequirementTarget.FromResourceId(id)))
                .ToList();

            _server.Log.Clear();
            var before = Session.Requests.Snapshot();
            var watch = Stopwatch.StartNew();
            var runs = await RequirementEngine.RunAsync(requests, Session, null, cancellationToken).ConfigureAwait(false);
            watch.Stop();
            var counts = Session.Requests.Snapshot().Minus(before);

            // A benchmark of a run that went wrong measures the wrong thing.
            var problems = runs.SelectMany(r => r.Error != null
                    ? new[] { $"{r.Request.Target?.ResourceId}: {r.Error.Message}" }
                    : r.Results.Where(c => c.Status != RequirementStatus.Passed).Select(c => $"{c.Target} {c.Check} {c.Status}: {c.Message}"))
                .ToList();
            if (problems.Count > 0)
            {
                throw new InvalidOperationException("The fleet run did not pass every check:\n" + string.Join("\n", problems));
            }

            var log = _server.Log.Entries;
            var byKind = log.GroupBy(e => RequestKinds.Of(e.Method, e.Path))
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            return new FleetMeasurement(vault, resources, watch.Elapsed, counts, byKind, log.Count(e => e.Status == 429));
        }

        public async ValueTask DisposeAsync() => await _server.DisposeAsync().ConfigureAwait(false);

        /// <summary>An admin session on the emulator over the real transport (pinned certificate, access token).</summary>
        internal static Task<CmkSession> ConnectAsync(EmulatorServer server)
        {
            var token = new SecureString();
            foreach (var c in server.AdminToken) token.AppendChar(c);
            token.MakeReadOnly();
            return CmkSession.ConnectAsync(new CmkConnectionOptions
            {
                ResourceManagerEndpoint = server.Endpoint,
                TrustedCertificateThumbprint = server.CertificateThumbprint,
                TenantId = server.TenantId,
                SubscriptionId = server.SubscriptionId,
                CredentialKind = CmkCredentialKind.AccessToken,
                AccessToken = token,
            }, SilentHost.Declining);
        }

        private async Task<IReadOnlyList<string>> AddKustoFleetAsync(string vault, int count)
        {
            var rg = $"/subscriptions/{_server.SubscriptionId}/resourceGroups/{Rg}";
            var vaultId = $"{rg}/providers/Microsoft.KeyVault/vaults/{vault}";
            var ids = new List<string>();
            for (var i = 0; i < count; i++)
            {
                var name = $"fleet-{vault}-{i:00}";
                var id = $"{rg}/providers/Microsoft.Kusto/clusters/{name}";
                var principal = Guid.NewGuid().ToString();
                _server.Store.Put(id, new JsonObject
                {
                    ["name"] = name,
                    ["type"] = "Microsoft.Kusto/clusters",
                    ["location"] = "westeurope",
                    ["sku"] = new JsonObject { ["name"] = "Standard_E8ads_v5", ["tier"] = "Standard", ["capacity"] = 2 },
                    ["identity"] = new JsonObject { ["type"] = "SystemAssigned", ["principalId"] = principal, ["tenantId"] = _server.TenantId },
                    ["properties"] = new JsonObject { ["state"] = "Running" },
                });
                if (vault == "kv-rbac")
                {
                    // Through ARM, as an administrator would grant it: the emulator keeps its RBAC model behind the API.
                    await Session.SendAsync(HttpMethod.Put,
                        $"{vaultId}/keys/cmk/providers/Microsoft.Authorization/roleAssignments/{Guid.NewGuid()}?api-version=2022-04-01",
                        new JsonObject
                        {
                            ["properties"] = new JsonObject
                            {
                                ["roleDefinitionId"] = $"/subscriptions/{_server.SubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{CryptoServiceEncryptionUser}",
                                ["principalId"] = principal,
                                ["principalType"] = "ServicePrincipal",
                            },
                        }, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    _server.Store.Update(vaultId, v => v["properties"]!["accessPolicies"]!.AsArray().Add(new JsonObject
                    {
                        ["tenantId"] = _server.TenantId,
                        ["objectId"] = principal,
                        ["permissions"] = new JsonObject { ["keys"] = new JsonArray("get", "wrapKey", "unwrapKey") },
                    }));
                }
                ids.Add(id);
            }
            return ids;
        }
    }

    /// <summary>One run: wall time, the session's own request accounting, and the emulator's log grouped by kind.</summary>
    public sealed record FleetMeasurement(
        string Vault, int Resources, TimeSpan Elapsed, RequestCounts Session, IReadOnlyDictionary<string, int> ByKind, int Throttled)
    {
        public int Logged => ByKind.Values.Sum();
    }
}
