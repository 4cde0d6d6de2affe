using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// How a service answers a write: synchronously, or 201/202 with the async headers its swagger declares;
    /// <paramref name="WholeResource"/> when the answer shows the whole resource rather than the client view (Present).
    /// </summary>
    internal sealed record WriteShape(bool LongRunning, int AcceptedStatus = 202, bool AsyncHeader = false, bool LocationHeader = true,
        bool WholeResource = false)
    {
        public static readonly WriteShape Synchronous = new(false);
    }

    /// <summary>What the service resources share: reads, PATCH merge + identity, CMK check, and sync or LRO completion.</summary>
    internal abstract class ServiceHandlerBase : IProviderHandler
    {
        protected ServiceHandlerBase(EmulatorWorld world, CmkChecker checker, string ns, string topType)
        {
            World = world;
            Checker = checker;
            Namespace = ns;
            TopType = topType;
        }

        protected EmulatorWorld World { get; }
        protected CmkChecker Checker { get; }
        protected string Namespace { get; }
        protected string TopType { get; }

        public ArmResult? Handle(ArmRequest r)
        {
            var id = r.Id;
            if (!string.Equals(id.Namespace, Namespace, StringComparison.OrdinalIgnoreCase) || id.Segments.Count == 0 ||
                !id.Segments[0].Type.Equals(TopType, StringComparison.OrdinalIgnoreCase))
                return null;
            if (id.Segments.Count == 1 && id.EndsWithType && r.IsGet)
                return ArmResult.List(World.Store.Where((k, o) =>
                        string.Equals(ArmId.Parse(k).ResourceType, id.FullType, StringComparison.OrdinalIgnoreCase) && ArmId.IsAtOrAbove(id.ItemPath, k))
                    .Select(Present));
            return HandleService(r);
        }

        protected abstract ArmResult? HandleService(ArmRequest r);

        /// <summary>The client view; services override to hide expandable parts.</summary>
        protected virtual JsonObject Present(JsonObject resource) => resource;

        /// <summary>PATCH semantics: properties/tags/sku merge, identity goes through ARM's identity rules.</summary>
        protected JsonObject Candidate(JsonObject existing, JsonObject patch)
        {
            var candidate = (JsonObject)existing.DeepClone();
            var body = (JsonObject)patch.DeepClone();
            var identity = body["identity"];
            foreach (var readOnly in ReadOnlyTopLevel) body.Remove(readOnly);
            JsonUtil.MergePatch(candidate, body);
            if (identity != null) candidate["identity"] = World.ApplyIdentity(existing["identity"] as JsonObject, identity);
            return candidate;
        }

        /// <summary>
        /// PUT semantics: the body is the whole new resource (what the caller may set), identity goes through ARM's
        /// identity rules against what the resource had. Services add their own read-only state afterwards.
        /// </summary>
        protected JsonObject CreateCandidate(ArmRequest r, JsonObject? existing)
        {
            var candidate = (JsonObject)r.BodyObject.DeepClone();
            var identity = candidate["identity"];
            foreach (var readOnly in ReadOnlyTopLevel) candidate.Remove(readOnly);
            candidate["name"] = existing?["name"]?.GetValue<string>() ?? r.Id.Name;
            candidate["type"] = r.Id.ResourceType;
            if (identity != null) candidate["identity"] = World.ApplyIdentity(existing?["identity"] as JsonObject, identity);
            return candidate;
        }

        private static readonly string[] ReadOnlyTopLevel = { "id", "name", "type", "identity", "systemData", "etag" };

        /// <summary>
        /// The routing of a top-level resource that is read with GET, created or replaced with PUT and updated with PATCH:
        /// the service adds what it computes on creation (<paramref name="onCreate"/>: candidate, existing) and on update
        /// (<paramref name="onUpdate"/>: candidate, existing), and names the customer-managed key failure of a write
        /// (<paramref name="failure"/>: body, existing, candidate). A service whose resource is not created through it
        /// passes no <paramref name="create"/> shape: its PUT is left to the plain resource handler.
        /// </summary>
        protected ArmResult? HandleTopLevel(ArmRequest r, WriteShape? create, WriteShape update,
            Action<JsonObject, JsonObject?>? onCreate, Func<JsonObject, JsonObject?, JsonObject, CmkFailure?> failure,
            Action<JsonObject, JsonObject>? onUpdate = null)
        {
            if (r.Id.Segments.Count != 1 || r.Id.EndsWithType) return null;
            if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(Present(World.Require(r.Id))));
            if (r.IsPut && create != null)
            {
                var existing = World.Store.Get(r.Id.ItemPath);
                var candidate = CreateCandidate(r, existing);
                onCreate?.Invoke(candidate, existing);
                return Complete(r, candidate, failure(r.BodyObject, existing, candidate), create);
            }
            if (r.IsPatch)
            {
                var existing = World.Require(r.Id);
                var candidate = Candidate(existing, r.BodyObject);
                onUpdate?.Invoke(candidate, existing);
                return Complete(r, candidate, failure(r.BodyObject, existing, candidate), update);
            }
            return null;
        }

        /// <summary>For a resource whose writes the emulator does not check against a key.</summary>
        protected static CmkFailure? NoKeyCheck(JsonObject body, JsonObject? existing, JsonObject candidate) => null;

        /// <summary>
        /// Finishes a write: a synchronous service stores the candidate or answers 400 with the failure; a long-running
        /// one answers 201/202 and lets the operation store it (or fail) after the delay.
        /// </summary>
        protected ArmResult Complete(ArmRequest r, JsonObject candidate, CmkFailure? failure, WriteShape shape, Func<JsonNode?>? result = null)
        {
            var id = r.Id.ItemPath;
            JsonObject View(JsonObject resource) => shape.WholeResource ? resource : Present(resource);
            Func<JsonNode?> apply = () =>
            {
                Prepare(candidate);
                World.Store.Put(id, candidate);
                return result != null ? result() : ResourceStore.Present(View(World.Store.Get(id)!));
            };
            if (!shape.LongRunning)
            {
                if (r.LroFault is { } fault) throw new ArmException(fault.Status, fault.Code, fault.Message);
                if (failure != null) throw new ArmException(400, failure.Code, failure.Message);
                return ArmResult.Ok(apply());
            }
            var location = candidate["location"]?.GetValue<string>() ?? ParentLocation(id) ?? "westeurope";
            var op = World.StartOperation(r, location, failure?.AsError, apply);
            JsonNode? body = shape.AcceptedStatus is 200 or 201 ? ResourceStore.Present(View(Updating(candidate))) : null;
            return World.Accepted(op, shape.AcceptedStatus, shape.AsyncHeader, shape.LocationHeader, body);
        }

        /// <summary>Last touches before a successful write is stored (provisioning state and the like).</summary>
        protected virtual void Prepare(JsonObject candidate)
        {
            if (candidate["properties"] is JsonObject p) p["provisioningState"] = "Succeeded";
        }

        private static JsonObject Updating(JsonObject candidate)
        {
            var copy = (JsonObject)candidate.DeepClone();
            if (copy["properties"] is JsonObject p) p["provisioningState"] = "Updating";
            return copy;
        }

        private string? ParentLocation(string id)
        {
            var parent = ArmId.Parent(id);
            return parent == null ? null : World.Store.Get(parent)?["location"]?.GetValue<string>() ?? World.Store.Get(parent)?["properties"]?["dataCenterLocation"]?.GetValue<string>();
        }

        /// <summary>The principal of a resource's system-assigned identity, if it has one.</summary>
        protected static string? SystemPrincipal(JsonObject resource)
        {
            var identity = resource["identity"] as JsonObject;
            var type = JsonUtil.Str(identity, "type") ?? "None";
            return type.Contains("SystemAssigned", StringComparison.OrdinalIgnoreCase) ? JsonUtil.Str(identity, "principalId") : null;
        }

        /// <summary>A user-assigned identity named by ARM id, only if the resource carries it.</summary>
        protected KeyIdentity UserIdentity(JsonObject resource, string uaiId)
        {
            var map = JsonUtil.Node(resource, "identity.userAssignedIdentities") as JsonObject;
            bool attached = map != null && map.Any(kv => string.Equals(ArmId.Normalize(kv.Key), ArmId.Normalize(uaiId), StringComparison.OrdinalIgnoreCase));
            return new KeyIdentity(attached ? World.UserAssignedPrincipal(uaiId) : null, true);
        }

        protected static bool Touches(JsonObject body, params string[] paths) => paths.Any(p => JsonUtil.Node(body, p) != null);
    }
}
