using System;
using System.Collections.Generic;
using System.Linq;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// api-versions accepted per provider: the pinned ones from azure-specs/INDEX.md, the older spec copies kept there, and
    /// the versions Debian's azure-cli 2.45 sends (so a client nobody here wrote can be pointed at the emulator).
    /// </summary>
    internal static class ApiVersionCatalog
    {
        /// <summary>Subscriptions, resource groups and the generic resource list.</summary>
        public const string ResourcesNamespace = "Microsoft.Resources";

        private static readonly Dictionary<string, string[]> Versions = new(StringComparer.OrdinalIgnoreCase)
        {
            ["Microsoft.NetApp"] = new[] { "2026-01-01", "2023-11-01", "2022-05-01" },
            ["Microsoft.DataBox"] = new[] { "2025-07-01", "2023-12-01" },
            ["Microsoft.Kusto"] = new[] { "2024-04-13", "2023-08-15" },
            ["Microsoft.DocumentDB"] = new[] { "2025-10-15", "2024-05-15", "2022-08-15-preview" },
            ["Microsoft.Batch"] = new[] { "2025-06-01", "2024-02-01", "2022-10-01" },
            ["Microsoft.KeyVault"] = new[] { "2026-02-01", "2023-07-01", "2022-07-01" },
            ["Microsoft.Authorization"] = new[] { "2022-04-01" },
            ["Microsoft.Network"] = new[] { "2024-01-01" },
            ["Microsoft.ManagedIdentity"] = new[] { "2023-01-31" },
            ["Microsoft.ResourceGraph"] = new[] { "2024-04-01", "2022-10-01" },
            [ResourcesNamespace] = new[] { "2022-12-01", "2021-04-01", "2019-11-01", "2015-11-01" },
        };

        public static bool IsKnownNamespace(string ns) => Versions.ContainsKey(ns);

        /// <summary>Throws ARM's 400 when the version is missing or not supported for the namespace.</summary>
        public static string Check(string ns, string? apiVersion, string resourceTypeForMessage)
        {
            if (string.IsNullOrEmpty(apiVersion))
                throw new ArmException(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
            if (!Versions.TryGetValue(ns, out var supported))
                throw new ArmException(400, "InvalidResourceNamespace", $"The resource namespace '{ns}' is invalid.");
            if (!supported.Contains(apiVersion, StringComparer.OrdinalIgnoreCase))
            {
                var sorted = supported.OrderByDescending(v => v, StringComparer.Ordinal);
                throw new ArmException(400, "InvalidApiVersionParameter",
                    $"The api-version '{apiVersion}' is invalid. The supported versions are '{string.Join(",", sorted)}'.");
            }
            return apiVersion;
        }

        public static IReadOnlyList<string> For(string ns) => Versions.TryGetValue(ns, out var v) ? v : Array.Empty<string>();
    }
}
