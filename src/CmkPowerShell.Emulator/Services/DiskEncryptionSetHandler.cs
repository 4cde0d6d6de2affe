using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.Compute diskEncryptionSets (2023-10-02): GET; PUT and PATCH (DiskEncryptionSets_CreateOrUpdate / _Update:
    /// long-running, 202 with Location as the spec's examples show); GET associatedResources (the disks whose
    /// encryption names the set). activeKey is checked as the disk-encryption page documents (RSA 2048/3072/4096, purge
    /// protection, the vault in the set's region, get/wrapKey/unwrapKey for the set's system-assigned identity) and must
    /// carry a key version (spec: keyUrl "always with version").
    /// </summary>
    internal sealed class DiskEncryptionSetHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Write = new(true, 202, AsyncHeader: false, LocationHeader: true);

        public DiskEncryptionSetHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.Compute", "diskEncryptionSets") { }

        protected override ArmResult? HandleService(ArmRequest r)
        {
            if (r.Id.Segments.Count == 2 && r.Id.EndsWithType && r.IsGet
                && r.Id.Segments[1].Type.Equals("associatedResources", StringComparison.OrdinalIgnoreCase))
            {
                // DiskEncryptionSets_ListAssociatedResources: a ResourceUriList of what names the set.
                var set = World.Require(r.Id.ItemPath)["id"]!.GetValue<string>();
                var users = World.Store.Where((id, o) => string.Equals(ArmId.Normalize(JsonUtil.Str(o, "properties.encryption.diskEncryptionSetId") ?? ""),
                        ArmId.Normalize(set), StringComparison.OrdinalIgnoreCase))
                    .Select(o => (JsonNode)JsonValue.Create(o["id"]!.GetValue<string>())!).ToArray();
                return ArmResult.Ok(new JsonObject { ["value"] = new JsonArray(users) });
            }
            return HandleTopLevel(r, Write, Write, null, KeyFailure);
        }

        private CmkFailure? KeyFailure(JsonObject body, JsonObject? existing, JsonObject candidate)
        {
            if (!Touches(body, "properties.activeKey", "identity")) return null;
            var keyUrl = JsonUtil.Str(candidate, "properties.activeKey.keyUrl") ?? "";
            var key = KeyReference.FromKeyIdentifier(keyUrl);
            if (key.KeyName != null && string.IsNullOrEmpty(key.KeyVersion))
                return new CmkFailure(CmkCheck.InvalidUri, "InvalidParameter", $"The key URL '{keyUrl}' has no version; activeKey.keyUrl must name a key version.");
            var failure = Checker.Check(ServiceErrorTable.DiskEncryptionSet, key, JsonUtil.Str(candidate, "location"), new KeyIdentity(SystemPrincipal(candidate), false));
            var previous = JsonUtil.Str(existing, "properties.activeKey.keyUrl");
            if (failure == null && previous != null && !string.Equals(previous, keyUrl, StringComparison.OrdinalIgnoreCase) && candidate["properties"] is JsonObject p)
            {
                // The set keeps the keys it used before (read-only previousKeys) and when it last changed.
                var keys = p["previousKeys"] as JsonArray ?? new JsonArray();
                keys.Add(new JsonObject { ["keyUrl"] = previous });
                p["previousKeys"] = keys;
                p["lastKeyRotationTimestamp"] = EmulatorWorld.Now();
            }
            return failure;
        }
    }
}
