using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Tests.TestSupport;

namespace CmkPowerShell.Tests.Azure
{
    /// <summary>
    /// An in-process stand-in for ARM behind the real Azure.Core pipeline (the handler replaces only the
    /// socket), for unit tests of the transport: routes by method + path regex, answers a subscription
    /// list by default, and records every request as it arrived, Authorization header included.
    /// </summary>
    internal sealed class FakeArm : HttpMessageHandler
    {
        public const string Endpoint = "https://arm.test/";
        public const string SubscriptionId = "11111111-1111-1111-1111-111111111111";
        public const string TenantId = "22222222-2222-2222-2222-222222222222";

        private readonly List<Route> _routes = new();

        public FakeArm()
        {
            Subscriptions = new JsonArray { Subscription(SubscriptionId, "Emulated CMK") };
            On("GET", "^/subscriptions$", (_, _) => Json(200, new JsonObject { ["value"] = Subscriptions.DeepClone() }));
        }

        public JsonArray Subscriptions { get; set; }
        /// <summary>Time the fake takes before answering a request (honours the request's cancellation, as a socket would).</summary>
        public Func<FakeRequest, TimeSpan>? Latency { get; set; }
        public ConcurrentQueue<FakeRequest> Requests { get; } = new();

        public static JsonObject Subscription(string id, string name, string tenant = TenantId) => new()
        {
            ["id"] = "/subscriptions/" + id, ["subscriptionId"] = id, ["tenantId"] = tenant, ["displayName"] = name, ["state"] = "Enabled",
        };

        /// <summary>Adds a route; later routes win, so a test can override the defaults. The int is the route's hit count (0-based).</summary>
        public FakeArm On(string method, string pathRegex, Func<FakeRequest, int, HttpResponseMessage> answer)
        {
            lock (_routes) _routes.Insert(0, new Route(method, new Regex(pathRegex, RegexOptions.IgnoreCase), answer));
            return this;
        }

        public IReadOnlyList<FakeRequest> To(string method, string pathRegex)
            => Requests.Where(r => r.Method == method && Regex.IsMatch(r.Path, pathRegex, RegexOptions.IgnoreCase)).ToArray();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            var fake = new FakeRequest(request.Method.Method, request.RequestUri!, request.Headers.Authorization?.ToString(), body);
            Requests.Enqueue(fake);
            if (Latency?.Invoke(fake) is { } latency && latency > TimeSpan.Zero) await Task.Delay(latency, cancellationToken);
            Route[] routes;
            lock (_routes) routes = _routes.ToArray();
            foreach (var route in routes)
            {
                if (route.Method == fake.Method && route.Path.IsMatch(fake.Path))
                {
                    return route.Answer(fake, Interlocked.Increment(ref route.Hits) - 1);
                }
            }
            return Error(404, "ResourceNotFound", $"No route for {fake.Method} {fake.Path}.");
        }

        public static HttpResponseMessage Json(int status, JsonNode? body, params (string Name, string Value)[] headers)
        {
            var response = new HttpResponseMessage((HttpStatusCode)status);
            if (body != null) response.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            foreach (var (name, value) in headers)
            {
                if (!response.Headers.TryAddWithoutValidation(name, value)) response.Content?.Headers.TryAddWithoutValidation(name, value);
            }
            return response;
        }

        public static HttpResponseMessage Error(int status, string code, string message, params (string Name, string Value)[] headers)
            => Json(status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }, headers);

        /// <summary>A session on this fake with a static access token; fast retries and polls.</summary>
        public Task<CmkSession> ConnectAsync(RecordingHost host, string? token = null, Action<CmkConnectionOptions>? configure = null)
        {
            var options = new CmkConnectionOptions
            {
                ResourceManagerEndpoint = new Uri(Endpoint),
                CredentialKind = CmkCredentialKind.AccessToken,
                AccessToken = TestTokens.Secure(token ?? TestTokens.Jwt()),
                Transport = FastTransport(),
            };
            configure?.Invoke(options);
            return CmkSession.ConnectAsync(options, host, this);
        }

        public static CmkTransportOptions FastTransport() => new()
        {
            MaxRetries = 3,
            RetryDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            DefaultPollInterval = TimeSpan.Zero,
            NetworkTimeout = TimeSpan.FromSeconds(20),
        };
    }

    internal sealed class Route
    {
        public Route(string method, Regex path, Func<FakeRequest, int, HttpResponseMessage> answer) { Method = method; Path = path; Answer = answer; }
        public string Method { get; }
        public Regex Path { get; }
        public Func<FakeRequest, int, HttpResponseMessage> Answer { get; }
        public int Hits;
    }

    internal sealed record FakeRequest(string Method, Uri Uri, string? Authorization, string? Body)
    {
        public string Path => Uri.AbsolutePath;
        public string? Query(string name)
        {
            foreach (var pair in Uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq > 0 && Uri.UnescapeDataString(pair[..eq]) == name) return Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
            return null;
        }
    }
}
