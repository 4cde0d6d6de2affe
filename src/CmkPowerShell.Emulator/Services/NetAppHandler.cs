using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.NetApp netAppAccounts: GET, PATCH (202 Location), renewCredentials (202, both headers),
    /// changeKeyVault and transitiontocmk (202 Location), getKeyVaultStatus (202, result via Location). Pools and volumes
    /// are plain resources. The account keeps the date its identity certificate was issued (90-day lifetime, renewable
    /// from day 46, as the 000 file says).
    /// </summary>
    internal sealed class NetAppHandler : ServiceHandlerBase
    {
        public const int CertificateLifetimeDays = 90;
        public const int RenewableFromDay = 46;
        private static readonly WriteShape Patch = new(true, 202, AsyncHeader: false, LocationHeader: true);
        private static readonly WriteShape Action = new(true, 202, AsyncHeader: false, LocationHeader: true);
        private static readonly WriteShape BothHeaders = new(true, 202, AsyncHeader: true, LocationHeader: true);

        public NetAppHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.NetApp", "netAppAccounts") { }

        protected override ArmResult? HandleService(ArmRequest r)
        {
            var segs = r.Id.Segments;
            if (segs.Count == 2 && r.Id.EndsWithType && r.IsPost)
            {
                var account = World.Require(r.Id);
                return segs[1].Type.ToLowerInvariant() switch
                {
                    "renewcredentials" => RenewCredentials(r, account),
                    "changekeyvault" => ChangeKeyVault(r, account),
                    "getkeyvaultstatus" => GetKeyVaultStatus(r, account),
                    "transitiontocmk" => TransitionToCmk(r, account),
                    _ => null,
                };
            }
            // Accounts are not created through the emulator's NetApp surface: a PUT is left to the plain resource handler.
            return HandleTopLevel(r, null, Patch, null, KeyFailure);
        }

        private CmkFailure? KeyFailure(JsonObject body, JsonObject? existing, JsonObject candidate)
        {
            if (!Touches(body, "properties.encryption", "identity") ||
                !string.Equals(JsonUtil.Str(candidate, "properties.encryption.keySource"), "Microsoft.KeyVault", StringComparison.OrdinalIgnoreCase))
                return null;
            var kv = JsonUtil.Node(candidate, "properties.encryption.keyVaultProperties") as JsonObject;
            return CheckKey(candidate, new KeyReference(JsonUtil.Str(kv, "keyVaultUri") ?? "", JsonUtil.Str(kv, "keyName"), null));
        }

        /// <summary>Checks the account's key with the identity its encryption names, and records it on the account when it is usable.</summary>
        private CmkFailure? CheckKey(JsonObject account, KeyReference key)
        {
            var identity = Identity(account);
            var failure = Checker.Check(ServiceErrorTable.NetApp, key, JsonUtil.Str(account, "location"), identity);
            if (failure == null) Encrypted(account, key, identity);
            return failure;
        }

        private KeyIdentity Identity(JsonObject account)
        {
            var uai = JsonUtil.Str(account, "properties.encryption.identity.userAssignedIdentity");
            return string.IsNullOrEmpty(uai) ? new KeyIdentity(SystemPrincipal(account), false) : UserIdentity(account, uai);
        }

        /// <summary>What the account reports once the key is accepted: vault id, status and the identity used.</summary>
        private void Encrypted(JsonObject account, KeyReference key, KeyIdentity identity)
        {
            var kv = (JsonObject)JsonUtil.Node(account, "properties.encryption.keyVaultProperties")!;
            var vault = FindVault(key.VaultUri);
            if (vault != null)
            {
                kv["keyVaultResourceId"] ??= vault["id"]!.DeepClone();
                kv["keyVaultId"] = vault["properties"]?["vaultUri"]?.DeepClone();
            }
            kv["status"] = "Created";
            var encIdentity = JsonUtil.Obj((JsonObject)account["properties"]!["encryption"]!, "identity");
            encIdentity["principalId"] = identity.PrincipalId;
            var hidden = ResourceStore.Hidden(account);
            hidden["identityCertificateIssued"] ??= DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        }

        private JsonObject? FindVault(string vaultUri)
        {
            if (!Uri.TryCreate(vaultUri, UriKind.Absolute, out var uri)) return null;
            var name = uri.Host.Split('.')[0];
            return World.Store.Where((id, o) =>
                string.Equals(o["type"]?.GetValue<string>(), KeyVaultModel.VaultType, StringComparison.OrdinalIgnoreCase) &&
                string.Equals(o["name"]?.GetValue<string>(), name, StringComparison.OrdinalIgnoreCase)).FirstOrDefault();
        }

        private ArmResult RenewCredentials(ArmRequest r, JsonObject account)
        {
            var issued = JsonUtil.Long(account, ResourceStore.HiddenProperty + ".identityCertificateIssued");
            if (issued is { } seconds)
            {
                var issuedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
                var eligible = issuedAt.AddDays(RenewableFromDay);
                if (DateTimeOffset.UtcNow < eligible)
                    throw ArmException.BadRequest(
                        $"The NetApp account '{account["name"]}' is not eligible for credentials renewal. The managed identity certificate was issued on {issuedAt.UtcDateTime:yyyy-MM-dd} and the account will be eligible for renewal on {eligible.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}.",
                        "NotEligibleForRenewal");
            }
            var candidate = (JsonObject)account.DeepClone();
            if (candidate["properties"]?["encryption"] is JsonObject enc && JsonUtil.Str(candidate, "identity.principalId") is { } sp &&
                string.IsNullOrEmpty(JsonUtil.Str(enc, "identity.userAssignedIdentity")))
                JsonUtil.Obj(enc, "identity")["principalId"] = sp; // the spec: renewal also fixes a stale encryption.identity.principalId
            ResourceStore.Hidden(candidate)["identityCertificateIssued"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            return Complete(r, candidate, null, BothHeaders, () => null);
        }

        private void RequireCmk(JsonObject account)
        {
            if (!string.Equals(JsonUtil.Str(account, "properties.encryption.keySource"), "Microsoft.KeyVault", StringComparison.OrdinalIgnoreCase))
                throw ArmException.BadRequest($"The NetApp account '{account["name"]}' is not configured with customer-managed key encryption (encryption.keySource is not Microsoft.KeyVault).");
        }

        private ArmResult ChangeKeyVault(ArmRequest r, JsonObject account)
        {
            RequireCmk(account);
            var body = r.BodyObject;
            var uri = JsonUtil.Str(body, "keyVaultUri");
            var keyName = JsonUtil.Str(body, "keyName");
            if (uri == null || keyName == null || body["keyVaultPrivateEndpoints"] is not JsonArray endpoints)
                throw ArmException.BadRequest("keyVaultUri, keyName and keyVaultPrivateEndpoints are required.", "InvalidRequestContent");
            RequireEndpoints(endpoints.OfType<JsonObject>().Select(e => (JsonUtil.Str(e, "virtualNetworkId"), JsonUtil.Str(e, "privateEndpointId"))));
            var candidate = (JsonObject)account.DeepClone();
            var kv = JsonUtil.Obj((JsonObject)candidate["properties"]!["encryption"]!, "keyVaultProperties");
            kv["keyVaultUri"] = uri;
            kv["keyName"] = keyName;
            kv.Remove("keyVaultResourceId");
            if (JsonUtil.Str(body, "keyVaultResourceId") is { } vaultResourceId) kv["keyVaultResourceId"] = vaultResourceId;
            var failure = CheckKey(candidate, new KeyReference(uri, keyName, null));
            ResourceStore.Hidden(candidate)["keyVaultPrivateEndpoints"] = endpoints.DeepClone();
            return Complete(r, candidate, failure, Action, () => null);
        }

        private ArmResult GetKeyVaultStatus(ArmRequest r, JsonObject account)
        {
            RequireCmk(account);
            var kv = JsonUtil.Node(account, "properties.encryption.keyVaultProperties") as JsonObject ?? new JsonObject();
            var endpoints = JsonUtil.Node(account, ResourceStore.HiddenProperty + ".keyVaultPrivateEndpoints") as JsonArray ?? EndpointsOf(JsonUtil.Str(kv, "keyVaultResourceId"));
            var result = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["keyVaultUri"] = JsonUtil.Str(kv, "keyVaultUri"),
                    ["keyName"] = JsonUtil.Str(kv, "keyName"),
                    ["keyVaultResourceId"] = JsonUtil.Str(kv, "keyVaultResourceId"),
                    ["keyVaultPrivateEndpoints"] = endpoints.DeepClone(),
                },
            };
            var op = World.StartOperation(r, JsonUtil.Str(account, "location") ?? "westeurope", null, () => result);
            return World.Accepted(op, 202, asyncHeader: true, locationHeader: true);
        }

        /// <summary>The private endpoints in the store that connect to a vault, as {virtualNetworkId, privateEndpointId}.</summary>
        private JsonArray EndpointsOf(string? vaultId)
        {
            var result = new JsonArray();
            if (vaultId == null) return result;
            foreach (var pe in World.Store.Where((id, o) => string.Equals(o["type"]?.GetValue<string>(), "Microsoft.Network/privateEndpoints", StringComparison.OrdinalIgnoreCase)))
            {
                var connected = (JsonUtil.Node(pe, "properties.privateLinkServiceConnections") as JsonArray)?.OfType<JsonObject>()
                    .Any(c => string.Equals(JsonUtil.Str(c, "properties.privateLinkServiceId"), vaultId, StringComparison.OrdinalIgnoreCase)) == true;
                var subnet = JsonUtil.Str(pe, "properties.subnet.id");
                if (connected && subnet != null)
                    result.Add(new JsonObject { ["virtualNetworkId"] = ArmId.Parent(subnet), ["privateEndpointId"] = pe["id"]!.DeepClone() });
            }
            return result;
        }

        private void RequireEndpoints(System.Collections.Generic.IEnumerable<(string? VnetId, string? PeId)> endpoints)
        {
            foreach (var (vnetId, peId) in endpoints)
            {
                if (peId == null || World.Store.Get(peId) is not { } pe)
                    throw ArmException.BadRequest($"The private endpoint '{peId}' was not found.", "PrivateEndpointNotFound");
                var subnet = JsonUtil.Str(pe, "properties.subnet.id");
                if (vnetId != null && (subnet == null || !ArmId.IsAtOrAbove(vnetId, subnet)))
                    throw ArmException.BadRequest($"The private endpoint '{peId}' is not in the virtual network '{vnetId}'.", "PrivateEndpointNotInVirtualNetwork");
            }
        }

        /// <summary>Moves the account's Microsoft.NetApp-keyed volumes in the virtual network to the account's key.</summary>
        private ArmResult TransitionToCmk(ArmRequest r, JsonObject account)
        {
            RequireCmk(account);
            var vnetId = JsonUtil.Str(r.BodyObject, "virtualNetworkId");
            var peId = JsonUtil.Str(r.BodyObject, "privateEndpointId");
            if (vnetId == null || peId == null)
                throw ArmException.BadRequest("virtualNetworkId and privateEndpointId are required.", "InvalidRequestContent");
            RequireEndpoints(new[] { ((string?)vnetId, (string?)peId) });
            var accountId = account["id"]!.GetValue<string>();
            var op = World.StartOperation(r, JsonUtil.Str(account, "location") ?? "westeurope", null, () =>
            {
                var volumes = World.Store.Where((id, o) =>
                    string.Equals(ArmId.Parse(id).ResourceType, "Microsoft.NetApp/netAppAccounts/capacityPools/volumes", StringComparison.OrdinalIgnoreCase) &&
                    ArmId.IsAtOrAbove(accountId, id));
                foreach (var volume in volumes)
                {
                    var subnet = JsonUtil.Str(volume, "properties.subnetId");
                    if (subnet == null || !ArmId.IsAtOrAbove(vnetId, subnet)) continue;
                    if (!string.Equals(JsonUtil.Str(volume, "properties.encryptionKeySource"), "Microsoft.NetApp", StringComparison.OrdinalIgnoreCase)) continue;
                    World.Store.Update(volume["id"]!.GetValue<string>(), v =>
                    {
                        var p = (JsonObject)v["properties"]!;
                        p["encryptionKeySource"] = "Microsoft.KeyVault";
                        p["keyVaultPrivateEndpointResourceId"] = peId;
                    });
                }
                return null;
            });
            return World.Accepted(op, 202, asyncHeader: false, locationHeader: true);
        }
    }
}
