using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Every emulated resource as ARM JSON, keyed by ARM id (case-insensitive). Emulator-only state of a resource
    /// (such as a NetApp certificate date) lives under the "emulator" property, which is never sent to clients.
    /// </summary>
    public sealed class ResourceStore
    {
        public const string HiddenProperty = "emulator";

        private readonly ConcurrentDictionary<string, JsonObject> _items = new(StringComparer.OrdinalIgnoreCase);
        private readonly object _gate = new();

        internal ResourceStore(string tenantId, string subscriptionId)
        {
            TenantId = tenantId;
            SubscriptionId = subscriptionId;
        }

        public string TenantId { get; internal set; }

        public string SubscriptionId { get; internal set; }

        /// <summary>The cloud the scenario imitates: vault and Managed HSM host suffixes.</summary>
        public EmulatedCloud Cloud { get; internal set; } = EmulatedCloud.Public;

        /// <summary>Serialises compound read-modify-write changes (LRO completion, access policy edits).</summary>
        internal object Gate => _gate;

        /// <summary>A copy of the stored JSON (hidden state included), or null.</summary>
        public JsonObject? Get(string id) =>
            _items.TryGetValue(ArmId.Normalize(id), out var o) ? (JsonObject)o.DeepClone() : null;

        public bool Exists(string id) => _items.ContainsKey(ArmId.Normalize(id));

        /// <summary>Stores (a copy of) the JSON under the id; id, name and type are filled in from the id when missing.</summary>
        public void Put(string id, JsonObject resource)
        {
            var key = ArmId.Normalize(id);
            var copy = (JsonObject)resource.DeepClone();
            var parsed = ArmId.Parse(key);
            copy["id"] = key;
            if (parsed.Name != null && copy["name"] == null) copy["name"] = parsed.Name;
            if (parsed.Namespace != null && copy["type"] == null) copy["type"] = parsed.ResourceType;
            _items[key] = copy;
        }

        public bool Remove(string id) => _items.TryRemove(ArmId.Normalize(id), out _);

        /// <summary>Direct children of <paramref name="parentPath"/> whose last type segment is <paramref name="childType"/>.</summary>
        public IReadOnlyList<JsonObject> ListChildren(string parentPath, string childType)
        {
            var prefix = ArmId.Normalize(parentPath) + "/" + childType + "/";
            return _items
                .Where(kv => kv.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && kv.Key.IndexOf('/', prefix.Length) < 0)
                .OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)
                .Select(kv => (JsonObject)kv.Value.DeepClone())
                .ToList();
        }

        /// <summary>All resources matching a predicate on (id, json); copies.</summary>
        public IReadOnlyList<JsonObject> Where(Func<string, JsonObject, bool> predicate) =>
            _items.Where(kv => predicate(kv.Key, kv.Value))
                .OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)
                .Select(kv => (JsonObject)kv.Value.DeepClone())
                .ToList();

        /// <summary>Read-modify-write of one resource under the store's lock.</summary>
        public JsonObject Update(string id, Action<JsonObject> change)
        {
            lock (_gate)
            {
                var current = Get(id) ?? throw new KeyNotFoundException(id);
                change(current);
                Put(id, current);
                return current;
            }
        }

        /// <summary>Adds a new current version to a key (creating the key if needed); returns the version name.</summary>
        public string AddKeyVersion(string vaultId, string keyName, KeyVersionSpec spec)
        {
            lock (_gate)
                return KeyVaultModel.AddVersion(this, vaultId, keyName, spec);
        }

        /// <summary>Changes the attributes of one key version (and of the key when it is the current one).</summary>
        public void SetKeyVersionAttributes(string vaultId, string keyName, string version, bool? enabled = null,
            DateTimeOffset? notBefore = null, DateTimeOffset? expires = null)
        {
            lock (_gate)
                KeyVaultModel.SetAttributes(this, vaultId, keyName, version, enabled, notBefore, expires);
        }

        /// <summary>Sets when the NetApp account's identity certificate was issued (renewCredentials is eligible from day 46).</summary>
        public void SetNetAppCertificateIssued(string accountId, DateTimeOffset issued) =>
            Update(accountId, o => Hidden(o)["identityCertificateIssued"] = issued.ToUnixTimeSeconds());

        internal static JsonObject Hidden(JsonObject resource)
        {
            if (resource[HiddenProperty] is JsonObject h) return h;
            h = new JsonObject();
            resource[HiddenProperty] = h;
            return h;
        }

        /// <summary>The client view of a stored resource: a copy without the hidden state.</summary>
        internal static JsonObject Present(JsonObject resource)
        {
            var copy = (JsonObject)resource.DeepClone();
            copy.Remove(HiddenProperty);
            return copy;
        }

        internal void Clear() => _items.Clear();
    }

    /// <summary>How to make a key version (test set-up and scenarios). Times are absolute.</summary>
    public sealed record KeyVersionSpec(
        string Kty = "RSA",
        int? KeySize = 2048,
        string? CurveName = null,
        IReadOnlyList<string>? KeyOps = null,
        bool Enabled = true,
        DateTimeOffset? NotBefore = null,
        DateTimeOffset? Expires = null,
        DateTimeOffset? Created = null,
        string? Version = null);
}
