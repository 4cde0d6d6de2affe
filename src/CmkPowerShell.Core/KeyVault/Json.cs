using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Core.KeyVault
{
    /// <summary>Tolerant readers for ARM bodies: a missing or differently typed property reads as null.</summary>
    internal static class Json
    {
        public static JsonNode? At(this JsonNode? node, params string[] path)
        {
            foreach (var name in path)
            {
                if (node is not JsonObject obj) return null;
                node = Find(obj, name);
            }
            return node;
        }

        /// <summary>ARM property names are case-insensitive in practice (kekVaultResourceID, resourcegroups...).</summary>
        private static JsonNode? Find(JsonObject obj, string name)
        {
            if (obj.TryGetPropertyValue(name, out var exact)) return exact;
            foreach (var pair in obj)
                if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase)) return pair.Value;
            return null;
        }

        public static string? Str(this JsonNode? node, params string[] path)
        {
            var v = node.At(path);
            if (v is JsonValue value && value.GetValueKind() == JsonValueKind.String)
            {
                var s = value.GetValue<string>();
                return string.IsNullOrEmpty(s) ? null : s;
            }
            return null;
        }

        public static bool? Bool(this JsonNode? node, params string[] path)
        {
            var v = node.At(path) as JsonValue;
            if (v == null) return null;
            switch (v.GetValueKind())
            {
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.String: return bool.TryParse(v.GetValue<string>(), out var b) ? b : (bool?)null;
                default: return null;
            }
        }

        public static long? Long(this JsonNode? node, params string[] path)
        {
            var v = node.At(path) as JsonValue;
            if (v == null) return null;
            // Nodes built in code keep their CLR type (int, double...), parsed ones a JsonElement: the text serves both.
            if (v.GetValueKind() == JsonValueKind.Number)
            {
                var text = v.ToJsonString();
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return l;
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (long)d : (long?)null;
            }
            if (v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), out var p)) return p;
            return null;
        }

        public static IReadOnlyList<JsonObject> Objects(this JsonNode? node, params string[] path)
            => node.At(path) is JsonArray array ? array.OfType<JsonObject>().ToList() : (IReadOnlyList<JsonObject>)Array.Empty<JsonObject>();

        public static IReadOnlyList<string> Strings(this JsonNode? node, params string[] path)
            => node.At(path) is JsonArray array
                ? array.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()).ToList()
                : (IReadOnlyList<string>)Array.Empty<string>();

        public static DateTimeOffset? EpochSeconds(this JsonNode? node, params string[] path)
        {
            var seconds = node.Long(path);
            return seconds.HasValue ? DateTimeOffset.FromUnixTimeSeconds(seconds.Value) : (DateTimeOffset?)null;
        }
    }
}
