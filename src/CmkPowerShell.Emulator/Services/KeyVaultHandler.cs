using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>Microsoft.KeyVault management plane: vaults, access policies, keys and key versions.</summary>
    internal sealed class KeyVaultHandler : IProviderHandler
    {
        private readonly EmulatorWorld _world;

        public KeyVaultHandler(EmulatorWorld world) => _world = world;

        public ArmResult? Handle(ArmRequest r)
        {
            var id = r.Id;
            if (!string.Equals(id.Namespace, "Microsoft.KeyVault", StringComparison.OrdinalIgnoreCase) || id.Segments.Count == 0 ||
                !id.Segments[0].Type.Equals("vaults", StringComparison.OrdinalIgnoreCase))
                return null;
            var store = _world.Store;
            var types = string.Join("/", id.Segments.Select(s => s.Type.ToLowerInvariant()));
            switch (types)
            {
                case "vaults" when id.EndsWithType && r.IsGet:
                    return ArmResult.List(store.Where((k, o) =>
                        string.Equals(o["type"]?.GetValue<string>(), KeyVaultModel.VaultType, StringComparison.OrdinalIgnoreCase) && ArmId.IsAtOrAbove(id.ItemPath, k)));
                case "vaults" when r.IsGet:
                    return ArmResult.Ok(ResourceStore.Present(_world.Require(id)));
                case "vaults" when r.IsPut:
                    return PutVault(r);
                case "vaults" when r.IsPatch:
                    return PatchVault(r);
                case "vaults/accesspolicies" when r.IsPut && !id.EndsWithType:
                    return UpdateAccessPolicies(r);
                case "vaults/keys" when id.EndsWithType && r.IsGet:
                    _world.Require(id.ItemPath);
                    return ArmResult.List(store.ListChildren(id.ItemPath, "keys"));
                case "vaults/keys" when r.IsGet:
                    return ArmResult.Ok(ResourceStore.Present(_world.Require(id)));
                case "vaults/keys" when r.IsPut:
                    return CreateKey(r);
                case "vaults/keys/versions" when id.EndsWithType && r.IsGet:
                    _world.Require(id.ItemPath);
                    return ArmResult.List(store.ListChildren(id.ItemPath, "versions"));
                case "vaults/keys/versions" when r.IsGet:
                    return ArmResult.Ok(ResourceStore.Present(_world.Require(id)));
            }
            return null;
        }

        private ArmResult PutVault(ArmRequest r)
        {
            var body = r.BodyObject;
            var existing = _world.Store.Get(r.Id.ItemPath);
            var props = body["properties"] as JsonObject ?? throw ArmException.BadRequest("The 'properties' property is required.", "InvalidRequestContent");
            var location = JsonUtil.Str(body, "location") ?? throw ArmException.BadRequest("The 'location' property is required.", "LocationRequired");
            GuardIrreversible(existing, props);
            var merged = (JsonObject)props.DeepClone();
            if (existing?["properties"]?["privateEndpointConnections"] is JsonNode pecs) merged["privateEndpointConnections"] = pecs.DeepClone();
            if (existing?["properties"]?["enablePurgeProtection"] is JsonNode purge && merged["enablePurgeProtection"] == null) merged["enablePurgeProtection"] = purge.DeepClone();
            var vault = KeyVaultModel.NewVault(r.Id.ItemPath, location, _world.TenantId, merged, _world.Store.Cloud);
            vault["tags"] = body["tags"]?.DeepClone() ?? new JsonObject();
            _world.Store.Put(r.Id.ItemPath, vault);
            return new ArmResult(existing == null ? 201 : 200, ResourceStore.Present(_world.Store.Get(r.Id.ItemPath)!));
        }

        private ArmResult PatchVault(ArmRequest r)
        {
            var existing = _world.Require(r.Id);
            var body = r.BodyObject;
            if (body["properties"] is JsonObject props)
            {
                GuardIrreversible(existing, props);
                var target = (JsonObject)existing["properties"]!;
                foreach (var (name, value) in props.ToList())
                {
                    if (name is "vaultUri" or "provisioningState" or "privateEndpointConnections") continue;
                    if (value is JsonObject o && target[name] is JsonObject t) JsonUtil.MergePatch(t, o);
                    else target[name] = value?.DeepClone();
                }
            }
            if (body["tags"] is JsonObject tags) existing["tags"] = tags.DeepClone();
            var rebuilt = KeyVaultModel.NewVault(r.Id.ItemPath, existing["location"]!.GetValue<string>(), _world.TenantId, (JsonObject)existing["properties"]!, _world.Store.Cloud);
            rebuilt["tags"] = existing["tags"]?.DeepClone();
            _world.Store.Put(r.Id.ItemPath, rebuilt);
            return ArmResult.Ok(ResourceStore.Present(_world.Store.Get(r.Id.ItemPath)!));
        }

        /// <summary>Key Vault refuses to turn purge protection or soft delete off once on.</summary>
        private static void GuardIrreversible(JsonObject? existing, JsonObject props)
        {
            if (existing == null) return;
            if (JsonUtil.Bool(existing["properties"], "enablePurgeProtection") == true && JsonUtil.Bool(props, "enablePurgeProtection") == false)
                throw ArmException.BadRequest("The property \"enablePurgeProtection\" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.");
            if (JsonUtil.Bool(existing["properties"], "enableSoftDelete") != false && JsonUtil.Bool(props, "enableSoftDelete") == false)
                throw ArmException.BadRequest("The property \"enableSoftDelete\" cannot be set to false. Enabling the soft delete for a vault is an irreversible action.");
        }

        /// <summary>PUT .../accessPolicies/{add|replace|remove}: merges, replaces or subtracts permissions per objectId.</summary>
        private ArmResult UpdateAccessPolicies(ArmRequest r)
        {
            var kind = r.Id.Segments[1].Name!.ToLowerInvariant();
            if (kind is not ("add" or "replace" or "remove"))
                throw ArmException.BadRequest($"The access policy update kind '{kind}' is invalid. Use add, replace or remove.");
            var vaultId = ArmId.Parent(r.Id.ItemPath)!;
            if (!_world.Store.Exists(vaultId)) throw ArmException.NotFound(ArmId.Parse(vaultId));
            var requested = (JsonUtil.Node(r.BodyObject, "properties.accessPolicies") as JsonArray)?.OfType<JsonObject>().ToList()
                            ?? throw ArmException.BadRequest("'properties.accessPolicies' is required.", "InvalidRequestContent");
            JsonArray result = new();
            _world.Store.Update(vaultId, vault =>
            {
                var policies = (JsonArray)(vault["properties"]!["accessPolicies"] ??= new JsonArray());
                foreach (var p in requested)
                {
                    var objectId = JsonUtil.Str(p, "objectId");
                    var appId = JsonUtil.Str(p, "applicationId");
                    var match = policies.OfType<JsonObject>().FirstOrDefault(e =>
                        string.Equals(JsonUtil.Str(e, "objectId"), objectId, StringComparison.OrdinalIgnoreCase) &&
                        string.Equals(JsonUtil.Str(e, "applicationId"), appId, StringComparison.OrdinalIgnoreCase));
                    if (kind == "replace" || (kind == "add" && match == null))
                    {
                        if (match != null) policies.Remove(match);
                        var copy = (JsonObject)p.DeepClone();
                        copy["tenantId"] ??= _world.TenantId;
                        policies.Add(copy);
                        continue;
                    }
                    if (match == null) continue;
                    foreach (var kindName in new[] { "keys", "secrets", "certificates", "storage" })
                    {
                        var have = Names(JsonUtil.Node(match, "permissions." + kindName));
                        var change = Names(JsonUtil.Node(p, "permissions." + kindName));
                        var next = kind == "add" ? have.Union(change, StringComparer.OrdinalIgnoreCase) : have.Where(x => !change.Contains(x, StringComparer.OrdinalIgnoreCase));
                        var perms = JsonUtil.Obj(match, "permissions");
                        perms[kindName] = new JsonArray(next.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
                    }
                    if (kind == "remove" && new[] { "keys", "secrets", "certificates", "storage" }.All(k => Names(JsonUtil.Node(match, "permissions." + k)).Count == 0))
                        policies.Remove(match);
                }
                result = (JsonArray)policies.DeepClone();
            });
            return ArmResult.Ok(new JsonObject
            {
                ["id"] = r.Id.ItemPath,
                ["type"] = "Microsoft.KeyVault/vaults/accessPolicies",
                ["name"] = kind,
                ["location"] = _world.Store.Get(vaultId)!["location"]?.DeepClone(),
                ["properties"] = new JsonObject { ["accessPolicies"] = result },
            });
        }

        private static List<string> Names(JsonNode? node) =>
            (node as JsonArray)?.Select(x => x?.GetValue<string>() ?? "").Where(x => x.Length > 0).ToList() ?? new List<string>();

        /// <summary>Keys_CreateIfNotExist: makes the first version of a key; an existing key is returned unchanged.</summary>
        private ArmResult CreateKey(ArmRequest r)
        {
            var vaultId = ArmId.Parent(r.Id.ItemPath)!;
            if (!_world.Store.Exists(vaultId)) throw ArmException.NotFound(ArmId.Parse(vaultId));
            var existing = _world.Store.Get(r.Id.ItemPath);
            var props = JsonUtil.Node(r.BodyObject, "properties") as JsonObject ?? new JsonObject();
            if (existing != null)
            {
                if (props["rotationPolicy"] is JsonObject policy)
                    existing = _world.Store.Update(r.Id.ItemPath, k => ((JsonObject)k["properties"]!)["rotationPolicy"] = policy.DeepClone());
                return ArmResult.Ok(ResourceStore.Present(existing));
            }
            var kty = JsonUtil.Str(props, "kty") ?? "RSA";
            var ops = (props["keyOps"] as JsonArray)?.Select(x => x!.GetValue<string>()).ToList();
            _world.Store.AddKeyVersion(vaultId, r.Id.Name!, new KeyVersionSpec(
                Kty: kty,
                KeySize: (int?)JsonUtil.Long(props, "keySize") ?? (kty.StartsWith("RSA", StringComparison.OrdinalIgnoreCase) ? 2048 : null),
                CurveName: JsonUtil.Str(props, "curveName"),
                KeyOps: ops,
                Enabled: JsonUtil.Bool(props, "attributes.enabled") ?? true,
                NotBefore: JsonUtil.Long(props, "attributes.nbf") is { } nbf ? DateTimeOffset.FromUnixTimeSeconds(nbf) : null,
                Expires: JsonUtil.Long(props, "attributes.exp") is { } exp ? DateTimeOffset.FromUnixTimeSeconds(exp) : null));
            if (props["rotationPolicy"] is JsonObject rp)
                _world.Store.Update(r.Id.ItemPath, k => ((JsonObject)k["properties"]!)["rotationPolicy"] = rp.DeepClone());
            var tags = JsonUtil.Node(r.BodyObject, "tags");
            if (tags is JsonObject t) _world.Store.Update(r.Id.ItemPath, k => k["tags"] = t.DeepClone());
            return ArmResult.Ok(ResourceStore.Present(_world.Store.Get(r.Id.ItemPath)!));
        }
    }
}
