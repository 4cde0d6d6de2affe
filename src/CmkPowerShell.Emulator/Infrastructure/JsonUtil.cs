using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    internal static class JsonUtil
    {
        /// <summary>RFC 7386 merge: objects merge recursively, null removes, anything else replaces.</summary>
        public static void MergePatch(JsonObject target, JsonObject patch)
        {
            foreach (var (name, value) in patch.ToList())
            {
                if (value == null)
                {
                    target.Remove(name);
                }
                else if (value is JsonObject po && target[name] is JsonObject to)
                {
                    MergePatch(to, po);
                }
                else
                {
                    target[name] = value.DeepClone();
                }
            }
        }

        public static string? Str(JsonNode? node, string path)
        {
            var current = node;
            foreach (var part in path.Split('.'))
            {
                if (current is not JsonObject o) return null;
                current = o.FirstOrDefault(kv => kv.Key.Equals(part, StringComparison.OrdinalIgnoreCase)).Value;
            }
            return current is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        }

        public static JsonNode? Node(JsonNode? node, string path)
        {
            var current = node;
            foreach (var part in path.Split('.'))
            {
                if (current is not JsonObject o) return null;
                current = o.FirstOrDefault(kv => kv.Key.Equals(part, StringComparison.OrdinalIgnoreCase)).Value;
            }
            return current;
        }

        public static JsonObject Obj(JsonObject parent, string name)
        {
            if (parent[name] is JsonObject o) return o;
            o = new JsonObject();
            parent[name] = o;
            return o;
        }

        public static bool? Bool(JsonNode? node, string path) =>
            Node(node, path) is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

        /// <summary>A whole number whether it was built in code as int or long, or parsed from JSON text.</summary>
        public static long? Long(JsonNode? node, string path)
        {
            if (Node(node, path) is not JsonValue v) return null;
            if (v.TryGetValue<long>(out var l)) return l;
            if (v.TryGetValue<int>(out var i)) return i;
            if (v.TryGetValue<double>(out var d)) return (long)d;
            return null;
        }
    }
}
