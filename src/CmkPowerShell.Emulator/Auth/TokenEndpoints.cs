using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// The identity side: an AAD-like OAuth2 client-credentials endpoint (with the discovery documents MSAL reads first)
    /// and an App Service style managed-identity endpoint (2019-08-01 with X-IDENTITY-HEADER, 2017-09-01 with secret).
    /// </summary>
    internal sealed class TokenEndpoints
    {
        public const string IdentityHeaderValue = "emulator-identity-header";
        private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
        private readonly EmulatorWorld _world;

        public TokenEndpoints(EmulatorWorld world) => _world = world;

        /// <summary>Answers the request when it is a token or discovery call; returns (status, body) or null.</summary>
        public async Task<(int Status, JsonNode Body, string? PrincipalId)?> TryHandleAsync(HttpContext ctx, string? bodyText)
        {
            var path = (ctx.Request.Path.Value ?? "/").TrimEnd('/');
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var method = ctx.Request.Method.ToUpperInvariant();

            bool msi = parts.Length == 2 && parts[0].Equals("msi", StringComparison.OrdinalIgnoreCase) && parts[1].Equals("token", StringComparison.OrdinalIgnoreCase);
            if (method == "GET" && msi)
                return ManagedIdentity(ctx);
            if (method == "POST" && msi)
                return await VmExtensionManagedIdentityAsync(ctx);
            if (method == "GET" && path.EndsWith("/discovery/instance", StringComparison.OrdinalIgnoreCase))
                return (200, InstanceDiscovery(ctx), null);
            if (method == "GET" && parts.Length >= 2 && path.EndsWith("/.well-known/openid-configuration", StringComparison.OrdinalIgnoreCase))
                return (200, OpenIdConfiguration(parts[0]), null);
            if (method == "POST" && parts.Length >= 3 && parts[1].Equals("oauth2", StringComparison.OrdinalIgnoreCase) && parts[^1].Equals("token", StringComparison.OrdinalIgnoreCase))
                return await ClientCredentialsAsync(ctx, parts[0]);
            return null;
        }

        private JsonObject InstanceDiscovery(HttpContext ctx)
        {
            var host = _world.Endpoint.Authority;
            var authority = ctx.Request.Query["authorization_endpoint"].FirstOrDefault();
            var tenant = "common";
            if (authority != null && Uri.TryCreate(authority, UriKind.Absolute, out var a) && a.Segments.Length > 1)
                tenant = a.Segments[1].TrimEnd('/');
            return new JsonObject
            {
                ["tenant_discovery_endpoint"] = $"{_world.BaseUrl}/{tenant}/v2.0/.well-known/openid-configuration",
                ["api-version"] = "1.1",
                ["metadata"] = new JsonArray(new JsonObject
                {
                    ["preferred_network"] = host,
                    ["preferred_cache"] = host,
                    ["aliases"] = new JsonArray(host),
                }),
            };
        }

        /// <summary>
        /// The authority paths that mean "this emulator's one tenant": MSAL's multi-tenant aliases, and "adfs", the path
        /// an ADFS-style custom cloud (azure-cli) signs in under.
        /// </summary>
        private static bool IsTenantAlias(string tenant) =>
            tenant.Equals("common", StringComparison.OrdinalIgnoreCase) || tenant.Equals("organizations", StringComparison.OrdinalIgnoreCase)
            || tenant.Equals("adfs", StringComparison.OrdinalIgnoreCase);

        private JsonObject OpenIdConfiguration(string tenant)
        {
            var t = IsTenantAlias(tenant) ? _world.TenantId : tenant;
            return new JsonObject
            {
                ["token_endpoint"] = $"{_world.BaseUrl}/{t}/oauth2/v2.0/token",
                ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "private_key_jwt", "client_secret_basic"),
                ["jwks_uri"] = $"{_world.BaseUrl}/{t}/discovery/v2.0/keys",
                ["response_modes_supported"] = new JsonArray("query", "fragment", "form_post"),
                ["subject_types_supported"] = new JsonArray("pairwise"),
                ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
                ["response_types_supported"] = new JsonArray("code", "id_token", "code id_token", "id_token token"),
                ["scopes_supported"] = new JsonArray("openid", "profile", "email", "offline_access"),
                ["issuer"] = $"{_world.BaseUrl}/{t}/v2.0",
                ["authorization_endpoint"] = $"{_world.BaseUrl}/{t}/oauth2/v2.0/authorize",
                ["device_authorization_endpoint"] = $"{_world.BaseUrl}/{t}/oauth2/v2.0/devicecode",
                ["end_session_endpoint"] = $"{_world.BaseUrl}/{t}/oauth2/v2.0/logout",
                ["tenant_region_scope"] = "EU",
                ["cloud_instance_name"] = _world.Endpoint.Authority,
            };
        }

        private async Task<(int, JsonNode, string?)> ClientCredentialsAsync(HttpContext ctx, string tenant)
        {
            if (!ctx.Request.HasFormContentType)
                return AadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
            var form = await ctx.Request.ReadFormAsync();
            string? F(string n) => form.TryGetValue(n, out var v) ? v.ToString() : null;
            if (!IsTenantAlias(tenant) && !tenant.Equals(_world.TenantId, StringComparison.OrdinalIgnoreCase))
                return AadError(400, "invalid_request", 90002, $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
            if (F("grant_type") != "client_credentials")
                return AadError(400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{F("grant_type")}'.");
            var clientId = F("client_id");
            var app = _world.Clients.FirstOrDefault(c => c.ClientId.Equals(clientId ?? "", StringComparison.OrdinalIgnoreCase));
            if (app == null)
                return AadError(400, "unauthorized_client", 700016,
                    $"Application with identifier '{clientId}' was not found in the directory '{_world.TenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.");
            var secret = F("client_secret");
            var assertion = F("client_assertion");
            if (assertion == null && secret != app.ClientSecret)
                return AadError(401, "invalid_client", 7000215,
                    $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app.ClientId}'.");
            var scope = F("scope") ?? F("resource") ?? "https://management.azure.com/.default";
            var audience = scope.Split(' ').First();
            if (audience.EndsWith("/.default", StringComparison.Ordinal)) audience = audience.Substring(0, audience.Length - "/.default".Length);
            var token = _world.Tokens.Issue(_world.TenantId, app.PrincipalId, app.ClientId, audience, Lifetime);
            var seconds = (int)Lifetime.TotalSeconds;
            return (200, new JsonObject
            {
                ["token_type"] = "Bearer",
                ["expires_in"] = seconds,
                ["ext_expires_in"] = seconds,
                ["access_token"] = token,
            }, app.PrincipalId);
        }

        private (int, JsonNode, string?) ManagedIdentity(HttpContext ctx)
        {
            var q = ctx.Request.Query;
            var apiVersion = q["api-version"].FirstOrDefault();
            bool newStyle = apiVersion == "2019-08-01";
            bool oldStyle = apiVersion == "2017-09-01";
            if (!newStyle && !oldStyle)
                return (400, new JsonObject { ["statusCode"] = 400, ["message"] = $"The api-version '{apiVersion}' is not supported. Use 2019-08-01 or 2017-09-01." }, null);
            var header = newStyle ? ctx.Request.Headers["X-IDENTITY-HEADER"].FirstOrDefault() : ctx.Request.Headers["secret"].FirstOrDefault();
            if (header != IdentityHeaderValue)
                return (401, new JsonObject { ["statusCode"] = 401, ["message"] = "The identity header is missing or wrong." }, null);
            var identity = Issue(q["resource"].FirstOrDefault(), q["client_id"].FirstOrDefault() ?? q["clientid"].FirstOrDefault(),
                q["principal_id"].FirstOrDefault() ?? q["mi_res_id"].FirstOrDefault(), "query parameter");
            return identity;
        }

        /// <summary>
        /// The managed-identity VM extension flavour older clients (azure-cli 2.45's msrestazure) use through MSI_ENDPOINT:
        /// a form-encoded POST of resource (and client_id / object_id / msi_res_id) with the header "Metadata: true".
        /// </summary>
        private async Task<(int, JsonNode, string?)> VmExtensionManagedIdentityAsync(HttpContext ctx)
        {
            if (!string.Equals(ctx.Request.Headers["Metadata"].FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase))
                return (400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "Required metadata header not specified" }, null);
            if (!ctx.Request.HasFormContentType)
                return (400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "The request body must be form-encoded (resource=...)." }, null);
            var form = await ctx.Request.ReadFormAsync();
            string? F(string n) => form.TryGetValue(n, out var v) && !string.IsNullOrEmpty(v.ToString()) ? v.ToString() : null;
            var (status, body, principal) = Issue(F("resource"), F("client_id"), F("object_id") ?? F("msi_res_id"), "form field");
            if (status == 200 && body is JsonObject token)
                token["expires_in"] = ((int)Lifetime.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return (status, body, principal);
        }

        private (int, JsonNode, string?) Issue(string? resource, string? clientId, string? principalResourceId, string where)
        {
            if (string.IsNullOrEmpty(resource))
                return (400, new JsonObject { ["statusCode"] = 400, ["message"] = $"The 'resource' {where} is required." }, null);
            string principal;
            string reportedClientId;
            if (!string.IsNullOrEmpty(clientId) || !string.IsNullOrEmpty(principalResourceId))
            {
                var uai = _world.Store.Where((id, o) =>
                        string.Equals(o["type"]?.GetValue<string>(), "Microsoft.ManagedIdentity/userAssignedIdentities", StringComparison.OrdinalIgnoreCase) &&
                        (string.Equals(o["properties"]?["clientId"]?.GetValue<string>(), clientId, StringComparison.OrdinalIgnoreCase) ||
                         string.Equals(o["properties"]?["principalId"]?.GetValue<string>(), principalResourceId, StringComparison.OrdinalIgnoreCase) ||
                         string.Equals(id, principalResourceId, StringComparison.OrdinalIgnoreCase)))
                    .FirstOrDefault();
                if (uai == null)
                    return (400, new JsonObject { ["statusCode"] = 400, ["message"] = $"No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId '{clientId ?? principalResourceId}'." }, null);
                principal = uai["properties"]!["principalId"]!.GetValue<string>();
                reportedClientId = uai["properties"]!["clientId"]!.GetValue<string>();
            }
            else
            {
                principal = _world.HostPrincipalId;
                reportedClientId = principal;
            }
            var token = _world.Tokens.Issue(_world.TenantId, principal, reportedClientId, resource.TrimEnd('/') == "https://management.azure.com" ? resource : resource, Lifetime);
            var expiresOn = DateTimeOffset.UtcNow.Add(Lifetime).ToUnixTimeSeconds().ToString();
            return (200, new JsonObject
            {
                ["access_token"] = token,
                ["expires_on"] = expiresOn,
                ["resource"] = resource,
                ["token_type"] = "Bearer",
                ["client_id"] = reportedClientId,
            }, principal);
        }

        private (int, JsonNode, string?) AadError(int status, string error, int code, string description)
        {
            var trace = Guid.NewGuid().ToString();
            var correlation = Guid.NewGuid().ToString();
            var timestamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss'Z'");
            return (status, new JsonObject
            {
                ["error"] = error,
                ["error_description"] = $"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}",
                ["error_codes"] = new JsonArray(code),
                ["timestamp"] = timestamp,
                ["trace_id"] = trace,
                ["correlation_id"] = correlation,
            }, null);
        }
    }
}
