using System;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.DocumentDB cassandraClusters: GET, PATCH identity (202); dataCenters GET/list, PUT (201) and PATCH (202),
    /// both with Azure-AsyncOperation + Location. Data center key URIs are checked with the cluster's system identity.
    /// </summary>
    internal sealed class CassandraHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Patch = new(true, 202, AsyncHeader: true, LocationHeader: true);
        private static readonly WriteShape Create = new(true, 201, AsyncHeader: true, LocationHeader: false);

        public CassandraHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.DocumentDB", "cassandraClusters") { }

        protected override ArmResult? HandleService(ArmRequest r)
        {
            var segs = r.Id.Segments;
            if (r.Id.EndsWithType) return null; // dataCenters list: plain listing
            if (segs.Count == 1)
            {
                if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(World.Require(r.Id)));
                if (!r.IsPatch) return null;
                var cluster = World.Require(r.Id);
                return Complete(r, Candidate(cluster, r.BodyObject), null, Patch);
            }
            if (segs.Count != 2 || !segs[1].Type.Equals("dataCenters", StringComparison.OrdinalIgnoreCase)) return null;
            if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(World.Require(r.Id)));
            if (!r.IsPut && !r.IsPatch) return null;

            var clusterId = ArmId.Parent(r.Id.ItemPath)!;
            var clusterResource = World.Require(clusterId);
            var existing = World.Store.Get(r.Id.ItemPath);
            if (r.IsPatch && existing == null) throw ArmException.NotFound(r.Id);
            JsonObject candidate;
            if (r.IsPut)
            {
                candidate = (JsonObject)r.BodyObject.DeepClone();
                candidate.Remove("id");
                candidate["name"] = r.Id.Name;
                candidate["type"] = r.Id.ResourceType;
            }
            else
            {
                candidate = Candidate(existing!, r.BodyObject);
            }
            CmkFailure? failure = null;
            var identity = new KeyIdentity(SystemPrincipal(clusterResource), false);
            var location = JsonUtil.Str(candidate, "properties.dataCenterLocation");
            foreach (var property in new[] { "managedDiskCustomerKeyUri", "backupStorageCustomerKeyUri" })
            {
                if (failure != null || !Touches(r.BodyObject, "properties." + property)) continue;
                var uri = JsonUtil.Str(candidate, "properties." + property);
                if (string.IsNullOrEmpty(uri)) continue;
                failure = Checker.Check(ServiceErrorTable.Cassandra, KeyReference.FromKeyIdentifier(uri), location, identity);
            }
            return Complete(r, candidate, failure, existing == null ? Create : Patch);
        }
    }
}
