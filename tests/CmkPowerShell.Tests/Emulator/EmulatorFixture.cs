using System;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.Emulator
{
    /// <summary>
    /// A demo-scenario emulator for a test class (IClassFixture) or collection: HTTPS on a random port, LROs of 300 ms,
    /// no Retry-After, and an HttpClient that trusts only this emulator's certificate and carries the admin token.
    /// </summary>
    public class EmulatorFixture : IAsyncLifetime
    {
        public EmulatorServer Server { get; private set; } = null!;

        /// <summary>Authorized as the demo admin (Owner of the subscription).</summary>
        public HttpClient Client { get; private set; } = null!;

        public const string Rg = "rg-cmk-demo";
        public const string AdminId = "33333333-3333-3333-3333-333333333333";
        public const string RestrictedId = "44444444-4444-4444-4444-444444444444";

        public string SubscriptionPath => $"/subscriptions/{Server.SubscriptionId}";
        public string RgPath => $"{SubscriptionPath}/resourceGroups/{Rg}";
        public string VaultId(string name) => $"{RgPath}/providers/Microsoft.KeyVault/vaults/{name}";

        protected virtual EmulatorOptions CreateOptions() => new()
        {
            Scenario = "demo",
            LroDelay = TimeSpan.FromMilliseconds(300),
            RetryAfter = TimeSpan.Zero,
        };

        public async Task InitializeAsync()
        {
            Server = await EmulatorServer.StartAsync(CreateOptions());
            Client = CreateClient(Server.AdminToken);
        }

        /// <summary>A handler that accepts exactly this emulator's certificate (pinned by thumbprint).</summary>
        public HttpClientHandler CreatePinnedHandler()
        {
            var thumbprint = Server.CertificateThumbprint;
            return new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, cert, _, errors) =>
                    cert != null && string.Equals(cert.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase),
            };
        }

        /// <summary>A pinned client with the given bearer token (none when null).</summary>
        public HttpClient CreateClient(string? token)
        {
            var client = new HttpClient(CreatePinnedHandler()) { BaseAddress = Server.Endpoint, Timeout = TimeSpan.FromSeconds(30) };
            if (token != null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }

        public async Task DisposeAsync()
        {
            Client?.Dispose();
            if (Server != null) await Server.DisposeAsync();
        }

        /// <summary>Sends a request and returns status + parsed JSON body (null when empty).</summary>
        public static async Task<(HttpResponseMessage Response, JsonNode? Body)> SendAsync(HttpClient client, HttpMethod method, string pathAndQuery, JsonNode? body = null)
        {
            using var request = new HttpRequestMessage(method, pathAndQuery.TrimStart('/'));
            if (body != null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response, string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text));
        }

        public Task<(HttpResponseMessage Response, JsonNode? Body)> SendAsync(HttpMethod method, string pathAndQuery, JsonNode? body = null) =>
            SendAsync(Client, method, pathAndQuery, body);

        /// <summary>Polls a Location URL until it stops answering 202: the final answer (the result, or the operation's error).</summary>
        public async Task<(HttpResponseMessage Response, JsonNode? Body)> WaitForLocationAsync(Uri location, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
            while (true)
            {
                var (response, body) = await SendAsync(HttpMethod.Get, location.PathAndQuery);
                if (response.StatusCode != System.Net.HttpStatusCode.Accepted) return (response, body);
                if (DateTime.UtcNow > deadline) throw new TimeoutException("The operation did not finish.");
                await Task.Delay(100);
            }
        }

        /// <summary>Polls an operation URL (Azure-AsyncOperation) until it leaves InProgress.</summary>
        public async Task<JsonNode> WaitForOperationAsync(Uri statusUrl, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
            while (true)
            {
                var (response, body) = await SendAsync(HttpMethod.Get, statusUrl.PathAndQuery);
                response.EnsureSuccessStatusCode();
                if (body!["status"]!.GetValue<string>() != "InProgress") return body;
                if (DateTime.UtcNow > deadline) throw new TimeoutException("The operation did not finish.");
                await Task.Delay(100);
            }
        }
    }
}
