using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// A running emulator: Kestrel on https://127.0.0.1:{port}/ with a certificate made at start, serving the ARM
    /// surface, the token endpoints and the /_emulator/ admin endpoint.
    /// </summary>
    public sealed class EmulatorServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly EmulatorWorld _world;
        private readonly Throttler _throttler = new();
        private readonly ArmPipeline _arm;
        private readonly TokenEndpoints _tokens;
        private readonly ManagedHsmDataPlane _hsm;
        private readonly AdminEndpoint _admin;
        private readonly X509Certificate2 _certificate;
        private TimeSpan _latency;
        private TimeSpan _jitter;
        private IRequestBodyValidator? _validator;

        private EmulatorServer(WebApplication app, EmulatorWorld world, X509Certificate2 certificate, EmulatorOptions options)
        {
            _app = app;
            _world = world;
            _certificate = certificate;
            _latency = options.Latency;
            _jitter = options.LatencyJitter;
            _validator = options.Validator ?? (options.ValidateRequests ? Validation.SpecCatalog.Shared : null);
            _throttler.Enabled = options.Throttling;
            world.LroDelay = options.LroDelay;
            world.RetryAfter = options.RetryAfter;
            world.Operations.Delay = () => _world.LroDelay;
            _arm = new ArmPipeline(world, _throttler, () => _validator);
            _tokens = new TokenEndpoints(world);
            _hsm = new ManagedHsmDataPlane(world, () => _validator);
            _admin = new AdminEndpoint(this);
            Log = new RequestLog();
            Faults = new FaultInjector();
        }

        public Uri Endpoint => _world.Endpoint;

        /// <summary>SHA-1 thumbprint, upper-case hex (X509Certificate2.Thumbprint).</summary>
        public string CertificateThumbprint => _certificate.Thumbprint;

        public string CertificateSha256 => Convert.ToHexString(SHA256.HashData(_certificate.RawData));

        /// <summary>The certificate (public part only) as PEM, so a client without a thumbprint hook (curl --cacert) can trust exactly it.</summary>
        public string CertificatePem => _certificate.ExportCertificatePem();

        public string TenantId => _world.TenantId;

        public string SubscriptionId => _world.SubscriptionId;

        /// <summary>A bearer token for the scenario's admin principal (valid 24 hours).</summary>
        public string AdminToken { get; private set; } = "";

        public RequestLog Log { get; }

        public FaultInjector Faults { get; }

        public ResourceStore Store => _world.Store;

        /// <summary>Where the profile was written, or null.</summary>
        public string? ProfilePath { get; private set; }

        public TimeSpan LroDelay => _world.LroDelay;

        public bool Throttling => _throttler.Enabled;

        public (TimeSpan Fixed, TimeSpan Jitter) Latency => (_latency, _jitter);

        /// <summary>The value the managed-identity endpoint expects in X-IDENTITY-HEADER (and in 'secret').</summary>
        public string IdentityHeader => TokenEndpoints.IdentityHeaderValue;

        /// <summary>IDENTITY_ENDPOINT / MSI_ENDPOINT for managed-identity clients.</summary>
        public Uri IdentityEndpoint => new(Endpoint, "msi/token");

        public string IssueToken(string objectId, string? appId = null, TimeSpan? lifetime = null) =>
            _world.Tokens.Issue(_world.TenantId, objectId, appId, "https://management.azure.com/", lifetime ?? TimeSpan.FromHours(1));

        public void SetLatency(TimeSpan fixedDelay, TimeSpan jitter)
        {
            _latency = fixedDelay;
            _jitter = jitter;
        }

        public void SetThrottling(bool on)
        {
            _throttler.Enabled = on;
            _throttler.Reset();
            _arm.ResourceGraph.ResetQuota();
        }

        public void SetLroDelay(TimeSpan d) => _world.LroDelay = d;

        /// <summary>Retry-After on accepted writes and pending polls; null sends none.</summary>
        public void SetRetryAfter(TimeSpan? retryAfter) => _world.RetryAfter = retryAfter;

        /// <summary>Resource Graph's per-user quota (requests per window); the windows start afresh.</summary>
        public void SetResourceGraphQuota(int requests, TimeSpan window)
        {
            _world.GraphQuota = requests;
            _world.GraphWindow = window;
            _arm.ResourceGraph.ResetQuota();
        }

        public void SetValidator(IRequestBodyValidator? validator) => _validator = validator;

        public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken ct = default)
        {
            var certificate = CreateCertificate();
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(EmulatorServer).Assembly.GetName().Name });
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(certificate));
            });
            var app = builder.Build();
            EmulatorServer? server = null;
            app.Run(ctx => server == null
                ? WriteJsonAsync(ctx, 503, ArmException.ErrorBody("ServiceUnavailable", "The emulator is starting."))
                : server.HandleAsync(ctx));
            await app.StartAsync(ct).ConfigureAwait(false);

            var address = app.Services.GetService(typeof(IServer)) is IServer s
                ? s.Features.Get<IServerAddressesFeature>()!.Addresses.First()
                : throw new InvalidOperationException("Kestrel did not report an address.");
            var port = new Uri(address.Replace("[::]", "127.0.0.1")).Port;
            var endpoint = new Uri($"https://127.0.0.1:{port}/");

            var store = new ResourceStore(ScenarioLoader.DefaultTenant, ScenarioLoader.DefaultSubscription);
            var world = new EmulatorWorld(store, endpoint, new JwtTokens(endpoint.ToString()));
            string scenarioText = options.ScenarioFile != null
                ? await File.ReadAllTextAsync(options.ScenarioFile, ct).ConfigureAwait(false)
                : options.Scenario != null ? ScenarioLoader.ReadBuiltIn(options.Scenario) : ScenarioLoader.EmptyScenario;
            ScenarioLoader.Load(world, scenarioText, options.ValidateRequests ? Validation.SpecCatalog.Shared : null);
            if (options.Scenario == null && options.ScenarioFile == null) ScenarioLoader.AddAdminOwner(world);

            server = new EmulatorServer(app, world, certificate, options);
            server.AdminToken = server.IssueToken(world.AdminPrincipalId, null, TimeSpan.FromHours(24));
            if (options.ProfilePath != null)
            {
                var full = Path.GetFullPath(options.ProfilePath);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await File.WriteAllTextAsync(full, server.Profile().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
                server.ProfilePath = full;
            }
            return server;
        }

        /// <summary>What a client needs to connect: the profile JSON written at start.</summary>
        public JsonObject Profile() => new()
        {
            ["endpoint"] = Endpoint.ToString(),
            ["certificateThumbprint"] = CertificateThumbprint,
            ["certificateSha256"] = CertificateSha256,
            ["certificatePem"] = CertificatePem,
            ["tenantId"] = TenantId,
            ["subscriptionId"] = SubscriptionId,
            ["token"] = AdminToken,
            ["tokenEndpoint"] = $"{Endpoint}{TenantId}/oauth2/v2.0/token",
            ["identityEndpoint"] = IdentityEndpoint.ToString(),
            ["identityHeader"] = IdentityHeader,
            // The cloud the scenario imitates: Connect-AzCmk -EmulatorProfile connects with its vault and HSM host suffixes.
            ["cloud"] = _world.Store.Cloud.Name,
            ["keyVaultDnsSuffix"] = _world.Store.Cloud.KeyVaultDnsSuffix,
            ["managedHsmDnsSuffix"] = _world.Store.Cloud.ManagedHsmDnsSuffix,
        };

        private static X509Certificate2 CreateCertificate()
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=CmkPowerShell Emulator", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
            // Re-import so the private key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        }

        private async Task HandleAsync(HttpContext ctx)
        {
            var path = ctx.Request.Path.Value ?? "/";
            if (path.StartsWith("/_emulator", StringComparison.OrdinalIgnoreCase))
            {
                await _admin.HandleAsync(ctx).ConfigureAwait(false);
                return;
            }

            var watch = Stopwatch.StartNew();
            string? principal = null;
            string? bodyText = null;
            int status = 0;
            var method = ctx.Request.Method.ToUpperInvariant();
            try
            {
                if (_latency > TimeSpan.Zero || _jitter > TimeSpan.Zero)
                    await Task.Delay(_latency + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * _jitter.TotalMilliseconds), ctx.RequestAborted).ConfigureAwait(false);

                if (!ctx.Request.HasFormContentType && (ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0))
                {
                    using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
                    bodyText = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
                }

                var fault = Faults.Take(method, path);
                if (fault is { DropConnection: true })
                {
                    ctx.Abort();
                    return;
                }
                if (fault is { FailLongRunningOperation: false })
                {
                    status = fault.Status;
                    // ARM answers every 401 with a Bearer challenge; clients decide from it whether to get a new token.
                    if (fault.Status == 401)
                        ctx.Response.Headers["WWW-Authenticate"] =
                            $"Bearer authorization_uri=\"{Endpoint}{TenantId}\", error=\"invalid_token\", error_description=\"{fault.Message.Replace("\"", "'")}\"";
                    // ARM's throttling answer always says when to come back and that the budget is spent.
                    if (fault.Status == 429)
                    {
                        ctx.Response.Headers["Retry-After"] = "1";
                        ctx.Response.Headers[method is "GET" or "HEAD" ? "x-ms-ratelimit-remaining-subscription-reads" : "x-ms-ratelimit-remaining-subscription-writes"] = "0";
                    }
                    // Services answer 503 with Retry-After too.
                    if (fault.Status == 503) ctx.Response.Headers["Retry-After"] = _world.RetryAfterSeconds ?? "1";
                    await WriteJsonAsync(ctx, fault.Status, ArmException.ErrorBody(fault.Code, fault.Message)).ConfigureAwait(false);
                    return;
                }

                var token = await _tokens.TryHandleAsync(ctx, bodyText).ConfigureAwait(false);
                if (token is { } t)
                {
                    principal = t.PrincipalId;
                    status = t.Status;
                    await WriteJsonAsync(ctx, t.Status, t.Body).ConfigureAwait(false);
                    return;
                }

                ArmResult result;
                try
                {
                    result = _hsm.Serves(ctx) ? _hsm.Handle(ctx, bodyText, p => principal = p) : _arm.Handle(ctx, bodyText, fault, p => principal = p);
                }
                catch (ArmException e)
                {
                    result = new ArmResult(e.Status, e.ToBody());
                }
                foreach (var (name, value) in result.Headers) ctx.Response.Headers[name] = value;
                status = result.Status;
                await WriteJsonAsync(ctx, result.Status, result.Body).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
                status = 499;
            }
            catch (Exception e) when (!ctx.Response.HasStarted)
            {
                status = 500;
                await WriteJsonAsync(ctx, 500, ArmException.ErrorBody("InternalServerError", "The emulator failed: " + e.Message)).ConfigureAwait(false);
            }
            finally
            {
                Log.Add(new LoggedRequest(method, path, ctx.Request.QueryString.Value ?? "", status, watch.Elapsed, principal, bodyText));
            }
        }

        internal static async Task WriteJsonAsync(HttpContext ctx, int status, JsonNode? body)
        {
            ctx.Response.StatusCode = status;
            var requestId = Guid.NewGuid().ToString();
            ctx.Response.Headers["x-ms-request-id"] = requestId;
            ctx.Response.Headers["x-ms-correlation-request-id"] = ctx.Request.Headers["x-ms-correlation-request-id"].FirstOrDefault() ?? requestId;
            ctx.Response.Headers["Cache-Control"] = "no-cache";
            if (body == null || status == 204) return;
            ctx.Response.ContentType = "application/json; charset=utf-8";
            await ctx.Response.WriteAsync(body.ToJsonString()).ConfigureAwait(false);
        }

        internal EmulatorWorld World => _world;

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _certificate.Dispose();
        }
    }
}
