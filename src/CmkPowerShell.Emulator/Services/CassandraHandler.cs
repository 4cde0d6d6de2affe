using System;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.DocumentDB cassandraClusters: GET, PATCH identity (202); dataCenters GET/list, PUT (201 new, 200 existing) and PATCH (202),
    /// both with Azure-AsyncOperation + Location. Data center key URIs are checked with the cluster's system identity.
    /// </summary>
    internal sealed class CassandraHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Patch = new(true, 202, AsyncHeader: true, LocationHeader: true);
        // CassandraDataCenters_CreateUpdate declares 201 and 200 (never 202): the body carries provisioningState and the
        // operation is followed through Azure-AsyncOperation. azure-cli's data center update PUTs and fails on a 202 (issue 11).
        private static readonly WriteShape Create = new(true, 201, AsyncHeader: true, LocationHeader: false);
        private static readonly WriteShape Replace = new(true, 200, AsyncHeader: true, LocationHeader: false);

        public CassandraHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.DocumentDB", "cassandraClusters") { }

        protected override ArmResult? HandleService(ArmRequest r)
        {
            var segs = r.Id.Segments;
            if (r.Id.EndsWithType) return null; // dataCenters list: plain listing
            // The cluster itself: GET and PATCH of its identity (the keys are on its data centers); a PUT is left to the plain resource handler.
            if (segs.Count == 1) return HandleTopLevel(r, null, Patch, null, NoKeyCheck);
            if (segs.Count != 2 || !segs[1].Type.Equals("dataCenters", StringComparison.OrdinalIgnoreCase)) return null;
            if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(World.Require(r.Id)));
            if (!r.IsPut && !r.IsPatch) return null;

            var clusterId = ArmId.Parent(r.Id.ItemPath)!;
            var clusterResource = World.Require(clusterId);
            var existing = World.Store.Get(r.Id.ItemPath);
            if (r.IsPatch && existing == null) throw ArmException.NotFound(r.Id);
            var candidate = r.IsPut ? CreateCandidate(r, existing) : Candidate(existing!, r.BodyObject);
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
            return Complete(r, candidate, failure, r.IsPatch ? Patch : existing == null ? Create : Replace);
        }
    }
}
