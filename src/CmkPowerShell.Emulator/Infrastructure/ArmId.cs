using System;
using System.Collections.Generic;
using System.Linq;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// A parsed ARM path: subscription, resource group, provider namespace and the (type, name) pairs below it.
    /// Extension resources (role assignments at any scope) keep the scope they hang off.
    /// </summary>
    public sealed class ArmId
    {
        private ArmId() { }

        public string? SubscriptionId { get; private set; }
        public string? ResourceGroup { get; private set; }
        public string? Namespace { get; private set; }
        /// <summary>(type, name) pairs under the namespace; the last name may be null (a collection or an action).</summary>
        public IReadOnlyList<(string Type, string? Name)> Segments { get; private set; } = Array.Empty<(string, string?)>();
        /// <summary>For extension resources: the path the provider is attached to ("" for the tenant root).</summary>
        public string? ExtensionScope { get; private set; }
        /// <summary>The path before the (last) "providers" segment: the scope a provider resource hangs off ("/" at the root).</summary>
        public string ProviderScope { get; private set; } = "/";
        /// <summary>The path up to the last named segment (for a collection: its parent).</summary>
        public string ItemPath { get; private set; } = "/";
        /// <summary>True when the last segment has no name (collection, or action for POST).</summary>
        public bool EndsWithType { get; private set; }

        /// <summary>"Microsoft.KeyVault/vaults/keys" (without a trailing unnamed type).</summary>
        public string ResourceType => Namespace == null ? "" :
            Namespace + "/" + string.Join("/", Segments.Where(s => s.Name != null).Select(s => s.Type));

        /// <summary>Type including a trailing unnamed segment (the collection type).</summary>
        public string FullType => Namespace == null ? "" : Namespace + "/" + string.Join("/", Segments.Select(s => s.Type));

        public string? LastType => Segments.Count == 0 ? null : Segments[Segments.Count - 1].Type;

        public string? Name => Segments.LastOrDefault(s => s.Name != null).Name;

        public string TypeAndNamePath =>
            Namespace + "/" + string.Join("/", Segments.Where(s => s.Name != null).Select(s => s.Type + "/" + s.Name));

        public static string Normalize(string path)
        {
            var trimmed = path.Trim().TrimEnd('/');
            if (!trimmed.StartsWith("/", StringComparison.Ordinal)) trimmed = "/" + trimmed;
            return trimmed;
        }

        public static ArmId Parse(string path)
        {
            var parts = Normalize(path).Split('/', StringSplitOptions.RemoveEmptyEntries);
            var id = new ArmId();
            int i = 0;
            if (parts.Length >= 2 && parts[0].Equals("subscriptions", StringComparison.OrdinalIgnoreCase))
            {
                id.SubscriptionId = parts[1];
                i = 2;
                if (parts.Length >= 4 && parts[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase))
                {
                    id.ResourceGroup = parts[3];
                    i = 4;
                }
            }
            int lastProviders = -1;
            for (int j = i; j < parts.Length - 1; j++)
                if (parts[j].Equals("providers", StringComparison.OrdinalIgnoreCase)) lastProviders = j;
            if (lastProviders >= 0)
            {
                int firstProviders = Array.FindIndex(parts, i, p => p.Equals("providers", StringComparison.OrdinalIgnoreCase));
                if (firstProviders != lastProviders || firstProviders != i)
                    id.ExtensionScope = "/" + string.Join("/", parts.Take(lastProviders));
                id.Namespace = parts[lastProviders + 1];
                var segs = new List<(string, string?)>();
                for (int k = lastProviders + 2; k < parts.Length; k += 2)
                    segs.Add((parts[k], k + 1 < parts.Length ? parts[k + 1] : null));
                id.Segments = segs;
                id.EndsWithType = segs.Count > 0 && segs[segs.Count - 1].Item2 == null;
                id.ProviderScope = "/" + string.Join("/", parts.Take(lastProviders));
                int itemLength = !id.EndsWithType ? parts.Length : segs.Count == 1 ? lastProviders : parts.Length - 1;
                id.ItemPath = "/" + string.Join("/", parts.Take(itemLength));
            }
            else
            {
                id.ItemPath = "/" + string.Join("/", parts);
            }
            if (id.ExtensionScope == "/") id.ExtensionScope = "";
            return id;
        }

        /// <summary>True when <paramref name="scope"/> is <paramref name="target"/> or one of its ancestors (segment-wise).</summary>
        public static bool IsAtOrAbove(string scope, string target)
        {
            var s = Normalize(scope);
            var t = Normalize(target);
            if (s == "/") return true;
            return t.Equals(s, StringComparison.OrdinalIgnoreCase) ||
                   t.StartsWith(s + "/", StringComparison.OrdinalIgnoreCase);
        }

        public static string? Parent(string id)
        {
            var n = Normalize(id);
            var idx = n.LastIndexOf('/');
            if (idx <= 0) return null;
            var withoutName = n.Substring(0, idx);
            var idx2 = withoutName.LastIndexOf('/');
            return idx2 <= 0 ? null : withoutName.Substring(0, idx2);
        }
    }
}
