using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.EventHub and Microsoft.ServiceBus namespaces (one model, two providers): GET; PUT (Namespaces_CreateOrUpdate,
    /// long-running: 201 with Azure-AsyncOperation); PATCH (Namespaces_Update, not marked long-running: answered 200). The
    /// entities (event hubs; queues, topics) are plain child resources. Encryption is checked as the configure-customer-
    /// managed-key pages say: the tier must take a key, every key entry must be usable by the namespace identity, and an
    /// update may add encryption to an existing namespace only while it holds no entities (a create may always carry it).
    /// </summary>
    internal sealed class MessagingNamespaceHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Create = new(true, 201, AsyncHeader: true, LocationHeader: false);

        private readonly ServiceErrorTable _table;
        private readonly string[] _entityCollections;
        private readonly string[] _cmkSkus;
        private readonly string _endpointSuffix;

        public MessagingNamespaceHandler(EmulatorWorld world, CmkChecker checker, string ns, ServiceErrorTable table,
            string[] entityCollections, string[] cmkSkus, string endpointSuffix)
            : base(world, checker, ns, "namespaces")
        {
            _table = table;
            _entityCollections = entityCollections;
            _cmkSkus = cmkSkus;
            _endpointSuffix = endpointSuffix;
        }

        public static MessagingNamespaceHandler EventHub(EmulatorWorld world, CmkChecker checker) =>
            new(world, checker, "Microsoft.EventHub", ServiceErrorTable.EventHub, new[] { "eventhubs" }, new[] { "Premium" }, "servicebus.windows.net");

        public static MessagingNamespaceHandler ServiceBus(EmulatorWorld world, CmkChecker checker) =>
            new(world, checker, "Microsoft.ServiceBus", ServiceErrorTable.ServiceBus, new[] { "queues", "topics" }, new[] { "Premium" }, "servicebus.windows.net");

        // The entities (event hubs; queues, topics) are plain child resources.
        protected override ArmResult? HandleService(ArmRequest r)
            => HandleTopLevel(r, Create, WriteShape.Synchronous, Initialize, EncryptionFailure);

        /// <summary>What the service fills in on a new namespace, or keeps from the one a re-PUT replaces.</summary>
        private void Initialize(JsonObject ns, JsonObject? existing)
        {
            var props = JsonUtil.Obj(ns, "properties");
            var now = DateTimeOffset.UtcNow.UtcDateTime.ToString("o");
            props["createdAt"] = existing?["properties"]?["createdAt"]?.DeepClone() ?? now;
            props["updatedAt"] = now;
            props["serviceBusEndpoint"] = $"https://{ns["name"]!.GetValue<string>().ToLowerInvariant()}.{_endpointSuffix}:443/";
            props["status"] = "Active";
        }

        protected override void Prepare(JsonObject candidate)
        {
            base.Prepare(candidate);
            if (candidate["properties"] is JsonObject p) p["updatedAt"] = DateTimeOffset.UtcNow.UtcDateTime.ToString("o");
        }

        private CmkFailure? EncryptionFailure(JsonObject body, JsonObject? existing, JsonObject candidate)
        {
            if (!Touches(body, "properties.encryption", "identity")) return null;
            var entries = (JsonUtil.Node(candidate, "properties.encryption.keyVaultProperties") as JsonArray)?.OfType<JsonObject>().ToList();
            if (entries == null || entries.Count == 0) return null;

            var sku = JsonUtil.Str(candidate, "sku.name");
            var dedicated = !string.IsNullOrEmpty(JsonUtil.Str(candidate, "properties.clusterArmId"));
            if (!dedicated && !_cmkSkus.Contains(sku ?? "", StringComparer.OrdinalIgnoreCase))
                return _table.Rule(CmkCheck.SkuNotSupported, $"{sku ?? "(none)"}");

            // The creation-time rule: an existing namespace without encryption takes it only while it has no entities.
            var hadKey = (JsonUtil.Node(existing, "properties.encryption.keyVaultProperties") as JsonArray)?.Count > 0;
            if (existing != null && !hadKey)
            {
                var id = existing["id"]?.GetValue<string>();
                var count = id == null ? 0 : _entityCollections.Sum(c => World.Store.ListChildren(id, c).Count);
                if (count > 0) return _table.Rule(CmkCheck.ResourceNotEmpty, count.ToString());
            }

            foreach (var entry in entries)
            {
                var key = new KeyReference(JsonUtil.Str(entry, "keyVaultUri") ?? "", JsonUtil.Str(entry, "keyName"),
                    string.IsNullOrEmpty(JsonUtil.Str(entry, "keyVersion")) ? null : JsonUtil.Str(entry, "keyVersion"));
                var uai = JsonUtil.Str(entry, "identity.userAssignedIdentity");
                var identity = !string.IsNullOrEmpty(uai) ? UserIdentity(candidate, uai!) : new KeyIdentity(SystemPrincipal(candidate), false);
                if (Checker.Check(_table, key, JsonUtil.Str(candidate, "location"), identity) is { } failure) return failure;
            }
            return null;
        }
    }
}
