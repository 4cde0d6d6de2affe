using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security.Authentication;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.ResourceManager;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// A live connection: one credential, one HTTP transport, one retry configuration, shared by the
    /// ArmClient (subscriptions, GenericResource) and the engine's own HttpPipeline (JSON in and out), with
    /// the request counter, the throttle limiter and the redacting verbose log on both.
    /// </summary>
    public sealed class CmkSession : IAzureResources, IManagedHsmDataPlane
    {
        private readonly HttpPipeline _pipeline;
        private readonly HttpPipeline _hsmPipeline;
        private readonly CmkTransportOptions _transport;
        private readonly Sender _sender;

        private CmkSession(AzureCloud cloud, TokenCredential credential, HttpClientTransport httpTransport, CmkTransportOptions transport)
        {
            Cloud = cloud;
            _transport = transport;
            Limiter = new ThrottleLimiter(transport.ReadRate, transport.WriteRate);
            HttpTransport = httpTransport;

            ArmOptions = new ArmClientOptions
            {
                Environment = EnvironmentOf(cloud),
                Transport = HttpTransport,
                RetryPolicy = new CmkRetryPolicy(transport),
            };
            ArmOptions.Retry.NetworkTimeout = transport.NetworkTimeout;
            foreach (var pin in ApiVersions.PinnedResourceTypes)
            {
                ArmOptions.SetApiVersion(new ResourceType(pin.Key), pin.Value);
            }
            ArmOptions.AddPolicy(new ThrottlePolicy(Limiter), HttpPipelinePosition.PerRetry);
            ArmOptions.AddPolicy(new RequestCountingPolicy(Requests), HttpPipelinePosition.PerRetry);
            ArmOptions.AddPolicy(new RequestLoggingPolicy(), HttpPipelinePosition.PerRetry);

            Credential = credential;
            ArmClient = new ArmClient(credential, default(string), ArmOptions);
            _pipeline = HttpPipelineBuilder.Build(ArmOptions, Array.Empty<HttpPipelinePolicy>(),
                new HttpPipelinePolicy[] { new RenewingAuthenticationPolicy(credential, Scope, canRenew: credential is not AccessTokenCredential) }, new ResponseClassifier());
            // The same transport and policies with a token for the Managed HSM data plane instead of ARM.
            _hsmPipeline = HttpPipelineBuilder.Build(ArmOptions, Array.Empty<HttpPipelinePolicy>(),
                new HttpPipelinePolicy[] { new RenewingAuthenticationPolicy(credential, cloud.ManagedHsmAudience + "/.default", canRenew: credential is not AccessTokenCredential) },
                new ResponseClassifier());
            _sender = new Sender(_pipeline, cloud.ResourceManager);
        }

        public CmkConnectionInfo Info { get; private set; } = null!;
        public AzureCloud Cloud { get; }
        public string SubscriptionId => Info.SubscriptionId;
        public string TenantId => Info.TenantId;

        /// <summary>Every request this session sent (ArmClient and pipeline alike), per kind.</summary>
        public RequestCounter Requests { get; } = new RequestCounter();
        /// <summary>The per-subscription token buckets; shared by all fan-out work of this session.</summary>
        public ThrottleLimiter Limiter { get; }
        /// <summary>For GenericResource and subscription work; api-versions are pinned on its options.</summary>
        public ArmClient ArmClient { get; }
        public ArmClientOptions ArmOptions { get; }
        public TokenCredential Credential { get; }
        internal HttpPipelineTransport HttpTransport { get; }
        /// <summary>
        /// The token scope for this cloud's ARM, the one ArmClient asks for too (e.g. "https://management.azure.com//.default"),
        /// so that both clients share one cached token.
        /// </summary>
        public string Scope => ArmOptions.Environment!.Value.DefaultScope;

        private static ArmEnvironment EnvironmentOf(AzureCloud cloud)
        {
            if (ReferenceEquals(cloud, AzureCloud.AzureCloudPublic)) return ArmEnvironment.AzurePublicCloud;
            if (ReferenceEquals(cloud, AzureCloud.AzureUSGovernment)) return ArmEnvironment.AzureGovernment;
            if (ReferenceEquals(cloud, AzureCloud.AzureChinaCloud)) return ArmEnvironment.AzureChina;
            return new ArmEnvironment(cloud.ResourceManager, cloud.Audience);
        }

        /// <summary>
        /// Connects without touching <see cref="CmkContext.Current"/>: resolves the cloud, builds the credential,
        /// signs in once and picks the subscription. Tests and benchmarks hold several sessions side by side.
        /// </summary>
        public static Task<CmkSession> ConnectAsync(CmkConnectionOptions options, ICmkHost host)
            => ConnectAsync(options, host, handler: null);

        internal static async Task<CmkSession> ConnectAsync(CmkConnectionOptions options, ICmkHost host, HttpMessageHandler? handler)
        {
            if (options is null) throw new ArgumentNullException(nameof(options));
            if (host is null) throw new ArgumentNullException(nameof(host));
            var ct = host.CancellationToken;
            var (cloud, custom) = ResolveCloud(options);
            var pin = string.IsNullOrWhiteSpace(options.TrustedCertificateThumbprint) ? null : new CertificatePin(options.TrustedCertificateThumbprint!);
            handler ??= CreateHandler(pin);
            // A custom endpoint (the emulator) stands in for the imitated cloud's Managed HSM hosts too.
            if (custom) handler = new ManagedHsmHostRedirect(handler, cloud.ResourceManager, cloud.ManagedHsmSuffix);

            using (CmkHostScope.Enter(host))
            {
                var now = DateTimeOffset.UtcNow;
                var transport = options.Transport ?? new CmkTransportOptions();
                // Azure.Core owns timeouts (NetworkTimeout per attempt), so HttpClient's own must not cut in first.
                var httpTransport = new HttpClientTransport(new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan });
                var credential = CredentialFactory.Create(options, cloud, custom, httpTransport, now);
                var session = new CmkSession(cloud, credential, httpTransport, transport);

                host.WriteVerbose($"Connecting to {cloud.Name} ({cloud.ResourceManager}) with {Describe(options.CredentialKind)}.");
                var claims = await session.SignInAsync(ct).ConfigureAwait(false);
                var tenant = !string.IsNullOrWhiteSpace(options.TenantId) ? options.TenantId! : claims?.TenantId;
                var (subscriptionId, subscriptionName, subscriptionTenant) = await session.PickSubscriptionAsync(options, tenant, claims?.Account, host, ct).ConfigureAwait(false);
                var account = claims?.Account ?? Describe(options.CredentialKind);
                session.Info = new CmkConnectionInfo(cloud.Name, cloud.ResourceManager, tenant ?? subscriptionTenant ?? string.Empty,
                    subscriptionId, subscriptionName, account, options.CredentialKind);
                host.WriteVerbose($"Connected as {account} to subscription {subscriptionName ?? subscriptionId} ({subscriptionId}).");
                return session;
            }
        }

        internal static (AzureCloud Cloud, bool Custom) ResolveCloud(CmkConnectionOptions options)
        {
            if (options.ResourceManagerEndpoint is { } endpoint)
            {
                if (!endpoint.IsAbsoluteUri || !string.Equals(endpoint.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
                {
                    throw CmkErrors.Create("InsecureResourceManagerEndpoint", endpoint.ToString());
                }
                var root = new Uri(endpoint.GetLeftPart(UriPartial.Authority) + "/");
                var authority = options.AuthorityHost ?? root;
                var name = IsWellKnown(options.Environment) ? "Custom" : (string.IsNullOrWhiteSpace(options.Environment) ? "Custom" : options.Environment);
                var imitated = AzureCloud.AzureCloudPublic;
                if (options.ImitatedCloud != null)
                {
                    imitated = AzureCloud.Find(options.ImitatedCloud) ?? throw CmkErrors.Create("UnknownEnvironment", options.ImitatedCloud);
                    name = $"Custom ({imitated.Name})"; // an endpoint standing in for that cloud, not the cloud itself
                }
                return (imitated.At(name, root, authority, root.ToString()), true);
            }
            var environment = string.IsNullOrWhiteSpace(options.Environment) ? AzureCloud.AzureCloudPublic.Name : options.Environment.Trim();
            var cloud = AzureCloud.Find(environment);
            if (cloud is null)
            {
                throw CmkErrors.Create("UnknownEnvironment", environment);
            }
            return (cloud, false);
        }

        private static bool IsWellKnown(string? name) => AzureCloud.Find(name) != null;

        internal static HttpMessageHandler CreateHandler(CertificatePin? pin)
        {
            var handler = new HttpClientHandler();
            if (pin != null)
            {
                handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => pin.Validate(certificate, errors);
            }
            return handler;
        }

        private static string Describe(CmkCredentialKind kind) => kind switch
        {
            CmkCredentialKind.ManagedIdentity => "a managed identity",
            CmkCredentialKind.AccessToken => "an access token",
            CmkCredentialKind.ServicePrincipalSecret => "a service principal (secret)",
            CmkCredentialKind.ServicePrincipalCertificate => "a service principal (certificate)",
            _ => "DefaultAzureCredential",
        };

        /// <summary>Gets one token up front: a bad credential fails here, with its own message, not on the first resource call.</summary>
        private async Task<TokenClaims?> SignInAsync(CancellationToken ct)
        {
            try
            {
                // Asked exactly as BearerTokenAuthenticationPolicy asks (CAE on, no tenant override), so the
                // credential's cache serves the pipeline this same token instead of fetching a second one.
                var token = await Credential.GetTokenAsync(new TokenRequestContext(new[] { Scope }, isCaeEnabled: true), ct).ConfigureAwait(false);
                return TokenClaims.TryParse(token.Token);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) || !ct.IsCancellationRequested)
            {
                throw Translate(ex, Cloud.Authority.ToString());
            }
        }

        private async Task<(string Id, string? Name, string? Tenant)> PickSubscriptionAsync(CmkConnectionOptions options, string? tenant,
            string? account, ICmkHost host, CancellationToken ct)
        {
            var visible = new List<(string Id, string? Name, string? Tenant)>();
            try
            {
                await foreach (var subscription in ArmClient.GetSubscriptions().GetAllAsync(ct).ConfigureAwait(false))
                {
                    var data = subscription.Data;
                    var subTenant = data.TenantId?.ToString();
                    if (tenant != null && subTenant != null && !string.Equals(subTenant, tenant, StringComparison.OrdinalIgnoreCase)) continue;
                    visible.Add((data.SubscriptionId, data.DisplayName, subTenant));
                }
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) || !ct.IsCancellationRequested)
            {
                throw Translate(ex, "/subscriptions");
            }

            var who = account ?? "the signed-in identity";
            var inTenant = tenant is null ? string.Empty : $" in tenant {tenant}";
            if (!string.IsNullOrWhiteSpace(options.SubscriptionId))
            {
                var asked = options.SubscriptionId!.Trim();
                var match = visible.FirstOrDefault(s => string.Equals(s.Id, asked, StringComparison.OrdinalIgnoreCase));
                if (match.Id is null) match = visible.FirstOrDefault(s => string.Equals(s.Name, asked, StringComparison.OrdinalIgnoreCase));
                if (match.Id is null)
                {
                    throw CmkErrors.Create("SubscriptionNotFound", asked, $"It is not visible to {who}{inTenant}.");
                }
                return match;
            }
            if (visible.Count == 0)
            {
                throw CmkErrors.Create("NoSubscriptionFound", tenant, $"Signed in as {who}{inTenant}.");
            }
            var chosen = visible[0];
            if (visible.Count > 1)
            {
                host.WriteWarning($"{visible.Count} subscriptions are visible; using '{chosen.Name ?? chosen.Id}' ({chosen.Id}). Pass -Subscription to choose another.");
            }
            return chosen;
        }

        public async Task<JsonObject?> GetAsync(string path, CancellationToken cancellationToken, string? extraQuery = null)
        {
            var response = await _sender.SendAsync(HttpMethod.Get, BuildUri(path, extraQuery), null, false, cancellationToken).ConfigureAwait(false);
            if (response.Status == 404) return null;
            if (!response.IsSuccess) throw CmkErrors.FromServiceError(response.ToServiceError(ServiceErrorOrigin.Synchronous, TargetOf(path)), TargetOf(path));
            return response.BodyObject;
        }

        public Task<IReadOnlyList<JsonObject>> ListAsync(string path, CancellationToken cancellationToken, string? extraQuery = null)
            => ListPagesAsync(_sender, BuildUri(path, extraQuery), TargetOf(path), cancellationToken);

        public Task<IReadOnlyList<JsonObject>> ListManagedHsmAsync(string hsmHost, string path, string? extraQuery, CancellationToken cancellationToken)
        {
            var (sender, uri, target) = ManagedHsmRequest(hsmHost, path, extraQuery);
            return ListPagesAsync(sender, uri, target, cancellationToken);
        }

        public async Task<JsonObject?> PutManagedHsmAsync(string hsmHost, string path, JsonNode body, CancellationToken cancellationToken)
        {
            var (sender, uri, target) = ManagedHsmRequest(hsmHost, path, null);
            var response = await sender.SendAsync(HttpMethod.Put, uri, body, false, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccess) throw CmkErrors.FromServiceError(response.ToServiceError(ServiceErrorOrigin.Synchronous, target), target);
            return response.BodyObject;
        }

        private (Sender Sender, Uri Uri, string Target) ManagedHsmRequest(string hsmHost, string path, string? extraQuery)
        {
            if (string.IsNullOrWhiteSpace(hsmHost)) throw new ArgumentException("A Managed HSM host is required.", nameof(hsmHost));
            var root = new Uri("https://" + hsmHost.Trim().TrimEnd('/') + "/");
            var query = "api-version=" + ApiVersions.ManagedHsmDataPlane + (string.IsNullOrEmpty(extraQuery) ? string.Empty : "&" + extraQuery!.TrimStart('?', '&'));
            return (new Sender(_hsmPipeline, root), new UriBuilder(root) { Path = path, Query = query }.Uri, root.Host + TargetOf(path));
        }

        private static async Task<IReadOnlyList<JsonObject>> ListPagesAsync(Sender sender, Uri first, string target, CancellationToken cancellationToken)
        {
            var items = new List<JsonObject>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            Uri? next = first;
            while (next != null)
            {
                var response = await sender.SendAsync(HttpMethod.Get, next, null, false, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccess) throw CmkErrors.FromServiceError(response.ToServiceError(ServiceErrorOrigin.Synchronous, target), target);
                if (response.BodyObject?["value"] is JsonArray values)
                {
                    foreach (var value in values)
                    {
                        // Detached copies: a node cannot belong to the page array and to the caller's list at once.
                        if (value is JsonObject item) items.Add((JsonObject)item.DeepClone());
                    }
                }
                var link = ArmResponse.Text(response.BodyObject, "nextLink");
                // A service that hands back the same page link would otherwise loop for ever.
                next = link != null && seen.Add(link) ? sender.Follow(link, target) : null;
            }
            return items;
        }

        public async Task<JsonObject?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken,
            IProgress<OperationProgress>? progress = null)
        {
            if (method is null) throw new ArgumentNullException(nameof(method));
            var target = TargetOf(path);
            var uri = BuildUri(path, null);
            var first = await _sender.SendAsync(method, uri, body, false, cancellationToken).ConfigureAwait(false);
            if (!first.IsSuccess)
            {
                // Deleting what is already gone is success: the caller wanted it gone.
                if (method == HttpMethod.Delete && first.Status == 404) return null;
                throw CmkErrors.FromServiceError(first.ToServiceError(ServiceErrorOrigin.Synchronous, target), target);
            }
            var operation = new LongRunningOperation(_sender, method, uri, target, _transport.DefaultPollInterval, _transport.MaxPollInterval, progress);
            return await operation.CompleteAsync(first, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// One POST whose answer the caller reads whole, headers included (Resource Graph's quota headers); no operation
        /// is followed. Retries (429 with Retry-After, 5xx) happen in the pipeline as for every request.
        /// </summary>
        internal Task<ArmResponse> PostForResponseAsync(string path, JsonNode body, CancellationToken cancellationToken)
            => _sender.SendAsync(HttpMethod.Post, BuildUri(path, null), body, false, cancellationToken);

        /// <summary>The resource id an error is about: the path without its query.</summary>
        private static string TargetOf(string path)
        {
            var q = path.IndexOf('?');
            return q < 0 ? path : path.Substring(0, q);
        }

        /// <summary>ARM URL for a path, with the pinned api-version (unless the path already carries one) and extra query.</summary>
        internal Uri BuildUri(string path, string? extraQuery)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("An ARM path is required.", nameof(path));
            if (Uri.TryCreate(path, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            {
                return _sender.Follow(path, TargetOf(absolute.AbsolutePath));
            }
            if (!path.StartsWith("/", StringComparison.Ordinal)) path = "/" + path;
            var q = path.IndexOf('?');
            var pathOnly = q < 0 ? path : path.Substring(0, q);
            var query = new StringBuilder(q < 0 ? string.Empty : path.Substring(q + 1));
            if (query.ToString().IndexOf("api-version=", StringComparison.OrdinalIgnoreCase) < 0)
            {
                if (query.Length > 0) query.Append('&');
                query.Append("api-version=").Append(ApiVersions.ForPath(pathOnly));
            }
            if (!string.IsNullOrEmpty(extraQuery))
            {
                query.Append('&').Append(extraQuery!.TrimStart('?', '&'));
            }
            var builder = new UriBuilder(Cloud.ResourceManager) { Path = pathOnly, Query = query.ToString() };
            return builder.Uri;
        }

        /// <summary>
        /// Turns whatever the SDK threw into the typed error the cmdlets report. Never called for a cancellation
        /// of the caller's own token: that one propagates as OperationCanceledException.
        /// </summary>
        internal static Exception Translate(Exception ex, string target)
        {
            switch (ex)
            {
                case CmkException:
                    return ex;
                // Callers only translate cancellations the user did not ask for: Azure.Core's per-attempt timeout.
                case OperationCanceledException:
                    return CmkErrors.Create("RequestTimeout", target, innerException: ex);
                case AuthenticationFailedException or CredentialUnavailableException when FindCertificateFailure(ex) is null:
                    return CmkErrors.Create("AuthenticationFailed", target, $"Could not get a token: {ex.Message}", ex);
                case RequestFailedException rfe when rfe.Status != 0:
                    {
                        var raw = rfe.GetRawResponse();
                        var error = raw != null
                            ? ArmResponse.From(raw).ToServiceError(ServiceErrorOrigin.Synchronous, target)
                            : new ServiceError(rfe.Status, rfe.ErrorCode, rfe.Message, ServiceErrorOrigin.Synchronous, target);
                        return CmkErrors.FromServiceError(error, target);
                    }
            }
            if (FindCertificateFailure(ex) is { } tls)
            {
                return CmkErrors.Create("ServerCertificateNotTrusted", target, tls.Message, ex);
            }
            if (Find(ex, e => e is TimeoutException || e is OperationCanceledException) != null)
            {
                return Translate(new OperationCanceledException(ex.Message, ex), target);
            }
            if (ex is RequestFailedException || ex is AggregateException || ex is HttpRequestException || ex is System.IO.IOException)
            {
                return CmkErrors.Create("ServiceUnreachable", target, Innermost(ex).Message, ex);
            }
            return ex;
        }

        private static Exception? FindCertificateFailure(Exception ex) => Find(ex, e => e is AuthenticationException);

        /// <summary>The first exception in the tree (inner exceptions, the retries of an AggregateException) that matches.</summary>
        private static Exception? Find(Exception ex, Func<Exception, bool> match)
        {
            for (var e = ex; e != null; e = e.InnerException)
            {
                if (match(e)) return e;
                if (e is AggregateException agg)
                {
                    foreach (var inner in agg.InnerExceptions)
                    {
                        if (Find(inner, match) is { } found) return found;
                    }
                }
            }
            return null;
        }

        private static Exception Innermost(Exception ex)
        {
            while (true)
            {
                if (ex is AggregateException agg && agg.InnerExceptions.Count > 0) ex = agg.InnerExceptions[agg.InnerExceptions.Count - 1];
                else if (ex.InnerException != null) ex = ex.InnerException;
                else return ex;
            }
        }

        /// <summary>
        /// The engine's JSON requests through one of the session's pipelines (ARM's, or the Managed HSM data plane's); also
        /// the poller's door. Links are followed only on <c>_root</c>'s host.
        /// </summary>
        private sealed class Sender : IArmSender
        {
            private readonly HttpPipeline _pipeline;
            private readonly Uri _root;

            public Sender(HttpPipeline pipeline, Uri root) { _pipeline = pipeline; _root = root; }

            public async Task<ArmResponse> SendAsync(HttpMethod method, Uri uri, JsonNode? body, bool isPoll, CancellationToken cancellationToken)
            {
                try
                {
                    using var message = _pipeline.CreateMessage();
                    var request = message.Request;
                    request.Method = RequestMethod.Parse(method.Method);
                    request.Uri.Reset(uri);
                    request.Headers.Add("Accept", "application/json");
                    if (body != null)
                    {
                        request.Headers.Add("Content-Type", "application/json");
                        request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body.ToJsonString()));
                    }
                    if (isPoll) MessageMarks.MarkPoll(message);
                    await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
                    return ArmResponse.From(message.Response);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException) || !cancellationToken.IsCancellationRequested)
                {
                    throw Translate(ex, uri.AbsolutePath);
                }
            }

            public Uri Follow(string link, string target)
            {
                if (!Uri.TryCreate(_root, link, out var uri)
                    || !string.Equals(uri.Scheme, _root.Scheme, StringComparison.OrdinalIgnoreCase)
                    || !string.Equals(uri.Authority, _root.Authority, StringComparison.OrdinalIgnoreCase))
                {
                    throw CmkErrors.Create("UntrustedOperationUrl", target, $"Connected to {_root}.");
                }
                return uri;
            }
        }
    }
}
