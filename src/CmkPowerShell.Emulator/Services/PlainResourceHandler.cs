using System;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Resources with no behaviour beyond storage: user-assigned identities (which get principalId/clientId on create),
    /// networks, private endpoints, NetApp pools and volumes, Cassandra data-center listing and the like.
    /// </summary>
    internal sealed class PlainResourceHandler : IProviderHandler
    {
        private readonly EmulatorWorld _world;

        public PlainResourceHandler(EmulatorWorld world) => _world = world;

        public ArmResult? Handle(ArmRequest r)
        {
            var id = r.Id;
            if (id.Namespace == null || id.Segments.Count == 0) return null;
            var store = _world.Store;
            if (r.IsGet && id.EndsWithType)
                return ArmResult.List(store.ListChildren(id.ItemPath, id.LastType!));
            if (id.EndsWithType) return null;
            if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(_world.Require(id)));
            if (r.IsDelete)
                return new ArmResult(store.Remove(id.ItemPath) ? 200 : 204);
            if (r.IsPut)
            {
                var existing = store.Get(id.ItemPath);
                var parent = ArmId.Parent(id.ItemPath);
                if (id.Segments.Count > 1 && parent != null && !store.Exists(parent)) throw ArmException.NotFound(ArmId.Parse(parent));
                var body = (JsonObject)r.BodyObject.DeepClone();
                body.Remove("id");
                body["name"] = existing?["name"]?.GetValue<string>() ?? id.Name;
                body["type"] = id.ResourceType;
                if (body["identity"] != null) body["identity"] = _world.ApplyIdentity(existing?["identity"] as JsonObject, body["identity"]);
                if (id.ResourceType.Equals("Microsoft.ManagedIdentity/userAssignedIdentities", StringComparison.OrdinalIgnoreCase))
                {
                    var props = JsonUtil.Obj(body, "properties");
                    props["tenantId"] = _world.TenantId;
                    props["principalId"] = existing?["properties"]?["principalId"]?.DeepClone() ?? Guid.NewGuid().ToString();
                    props["clientId"] = existing?["properties"]?["clientId"]?.DeepClone() ?? Guid.NewGuid().ToString();
                }
                else if (body["properties"] is JsonObject p)
                {
                    p["provisioningState"] = "Succeeded";
                }
                store.Put(id.ItemPath, body);
                return new ArmResult(existing == null ? 201 : 200, ResourceStore.Present(store.Get(id.ItemPath)!));
            }
            if (r.IsPatch)
            {
                var existing = _world.Require(id);
                var patch = (JsonObject)r.BodyObject.DeepClone();
                var identity = patch["identity"];
                patch.Remove("identity");
                JsonUtil.MergePatch(existing, patch);
                if (identity != null) existing["identity"] = _world.ApplyIdentity(existing["identity"] as JsonObject, identity);
                store.Put(id.ItemPath, existing);
                return ArmResult.Ok(ResourceStore.Present(existing));
            }
            return null;
        }
    }
}
