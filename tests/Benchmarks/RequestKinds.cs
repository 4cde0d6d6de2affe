using System;
using System.Collections.Generic;

namespace CmkPowerShell.Benchmarks
{
    /// <summary>
    /// Names the kind of an ARM request from its path, so counts read as "2 x GET Microsoft.KeyVault/vaults" rather
    /// than as a list of URLs: the resource type after the last /providers/ (child types joined with '/'), or the
    /// subscription-level collection when there is no provider.
    /// </summary>
    public static class RequestKinds
    {
        public static string Of(string method, string path)
        {
            var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            var providers = Array.FindLastIndex(segments, s => s.Equals("providers", StringComparison.OrdinalIgnoreCase));
            string type;
            if (providers >= 0 && providers + 1 < segments.Length)
            {
                // namespace, then type/name pairs: a path ending on a type (no name) is a list.
                var parts = new List<string> { segments[providers + 1] };
                var i = providers + 2;
                for (; i < segments.Length; i += 2) parts.Add(segments[i]);
                var isList = (segments.Length - providers - 2) % 2 == 1;
                type = string.Join("/", parts) + (isList ? " (list)" : "");
            }
            else
            {
                // e.g. /subscriptions/{id}/resources (the vault lookup by name) or /subscriptions/{id}
                type = segments.Length % 2 == 1 ? segments[segments.Length - 1] + " (list)" : segments[segments.Length - 2];
            }
            return $"{method.ToUpperInvariant()} {type}";
        }
    }
}
