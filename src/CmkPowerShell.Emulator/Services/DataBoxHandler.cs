using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.DataBox jobs: GET (details only with $expand=details); PUT (Jobs_Create) and PATCH (Jobs_Update), both
    /// 202 with Location. keyEncryptionKey is checked with the SsemUserError* table of the 001 file. A job reports its
    /// order status and stages, not a provisioning state.
    /// </summary>
    internal sealed class DataBoxHandler : ServiceHandlerBase
    {
        // Jobs_Create and Jobs_Update declare 200 or 202 with Location + Retry-After: no 201 and no Azure-AsyncOperation.
        // The create answer (final-state-via location) shows the whole order, details included, as the spec's examples do.
        private static readonly WriteShape Create = new(true, 202, AsyncHeader: false, LocationHeader: true, WholeResource: true);
        private static readonly WriteShape Update = new(true, 202, AsyncHeader: false, LocationHeader: true);

        private const string Ordered = "DeviceOrdered";

        // The stages a new order goes through, in the order Data Box lists them (an export copies before dispatch).
        private static readonly (string Stage, string DisplayName)[] ImportStages =
        {
            (Ordered, "Ordered"), ("DevicePrepared", "Processed"), ("Dispatched", "Dispatched"), ("Delivered", "Delivered"),
            ("PickedUp", "Picked up"), ("AtAzureDC", "Received"), ("DataCopy", "Data copy in progress"), ("Completed", "Completed"),
        };

        private static readonly (string Stage, string DisplayName)[] ExportStages =
        {
            (Ordered, "Ordered"), ("DevicePrepared", "Processed"), ("DataCopy", "Data copy in progress"), ("Dispatched", "Dispatched"),
            ("Delivered", "Delivered"), ("PickedUp", "Picked up"), ("AtAzureDC", "Received"), ("Completed", "Completed"),
        };

        // Set by the service as the order progresses, never by the caller: a re-PUT of the job keeps them.
        private static readonly string[] JobState =
        {
            "status", "startTime", "isCancellable", "isCancellableWithoutFee", "isDeletable", "isShippingAddressEditable",
            "isPrepareToShipEnabled", "delayedStage", "error", "cancellationReason", "allDevicesLost",
        };

        private static readonly string[] DetailsState = { "jobStages", "copyLogDetails", "copyProgress" };

        public DataBoxHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.DataBox", "jobs") { }

        protected override ArmResult? HandleService(ArmRequest r)
        {
            // Jobs_Get with $expand=details shows the whole job; every other read gets the client view (Present).
            if (r.IsGet && r.Id.Segments.Count == 1 && !r.Id.EndsWithType && string.Equals(r.Q("$expand"), "details", StringComparison.OrdinalIgnoreCase))
                return ArmResult.Ok(ResourceStore.Present(World.Require(r.Id)));
            return HandleTopLevel(r, Create, Update, Order, (body, _, candidate) => KeyFailure(body, candidate));
        }

        /// <summary>A new job is ordered (first stage done, the rest pending); a re-PUT keeps where the order is.</summary>
        private static void Order(JsonObject job, JsonObject? existing)
        {
            var props = JsonUtil.Obj(job, "properties");
            var details = props["details"] as JsonObject;
            if (existing?["properties"] is JsonObject before)
            {
                foreach (var key in JobState)
                    if (before[key] is { } value) props[key] = value.DeepClone();
                if (details != null && before["details"] is JsonObject beforeDetails)
                    foreach (var key in DetailsState)
                        if (beforeDetails[key] is { } value) details[key] = value.DeepClone();
                return;
            }
            var now = DateTimeOffset.UtcNow.UtcDateTime.ToString("o");
            props["status"] = Ordered;
            props["startTime"] = now;
            props["isCancellable"] = true;
            props["isCancellableWithoutFee"] = true;
            props["isDeletable"] = false;
            props["isShippingAddressEditable"] = true;
            props["deliveryType"] ??= "NonScheduled";
            if (details == null) return;
            bool export = string.Equals(JsonUtil.Str(props, "transferType"), "ExportFromAzure", StringComparison.OrdinalIgnoreCase);
            details["jobStages"] = new JsonArray((export ? ExportStages : ImportStages).Select(s => (JsonNode)StageNode(s.Stage, s.DisplayName, now)).ToArray());
            details["copyLogDetails"] = new JsonArray();
            details["copyProgress"] = new JsonArray();
        }

        private static JsonObject StageNode(string stage, string displayName, string now)
        {
            var node = new JsonObject { ["stageName"] = stage, ["displayName"] = displayName, ["stageStatus"] = stage == Ordered ? "Succeeded" : "None" };
            if (stage == Ordered) node["stageTime"] = now;
            return node;
        }

        private CmkFailure? KeyFailure(JsonObject body, JsonObject candidate)
        {
            var kek = JsonUtil.Node(candidate, "properties.details.keyEncryptionKey") as JsonObject;
            if (kek == null) return null;
            var kekType = JsonUtil.Str(kek, "kekType");
            if (string.Equals(kekType, "MicrosoftManaged", StringComparison.OrdinalIgnoreCase))
            {
                kek.Remove("kekUrl");
                kek.Remove("kekVaultResourceID");
                return null;
            }
            if (!Touches(body, "properties.details.keyEncryptionKey", "identity") || !string.Equals(kekType, "CustomerManaged", StringComparison.OrdinalIgnoreCase))
                return null;
            var key = KeyReference.FromKeyIdentifier(JsonUtil.Str(kek, "kekUrl") ?? "");
            var idType = JsonUtil.Str(kek, "identityProperties.type") ?? "SystemAssigned";
            KeyIdentity identity = idType.Equals("UserAssigned", StringComparison.OrdinalIgnoreCase)
                ? UserIdentity(candidate, JsonUtil.Str(kek, "identityProperties.userAssigned.resourceId") ?? "")
                : new KeyIdentity(SystemPrincipal(candidate), false);
            return Checker.Check(ServiceErrorTable.DataBox, key, JsonUtil.Str(candidate, "location"), identity);
        }

        /// <summary>Without $expand=details, Data Box leaves properties.details out.</summary>
        protected override JsonObject Present(JsonObject resource)
        {
            var copy = (JsonObject)resource.DeepClone();
            (copy["properties"] as JsonObject)?.Remove("details");
            return copy;
        }

        protected override void Prepare(JsonObject candidate)
        {
            // Data Box jobs report their order status, not a provisioning state.
        }
    }
}
