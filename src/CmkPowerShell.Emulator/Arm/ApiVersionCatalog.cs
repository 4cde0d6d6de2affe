using System;
using System.Collections.Generic;
using System.Linq;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// One api-version the emulator serves for a provider, and what its request bodies are validated against:
    /// <paramref name="SpecVersion"/> is the api-version of a copied spec in Specs/ (the same version when its own
    /// spec is copied, a stated substitute otherwise), or null when there is no spec, with the reason in
    /// <paramref name="Note"/>. No row may serve a version silently: the table is the listed decision (issue 11).
    /// </summary>
    public sealed record ServedApiVersion(string Namespace, string Version, string? SpecVersion, string Note)
    {
        public bool HasOwnSpec => string.Equals(SpecVersion, Version, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// api-versions accepted per provider: the pinned ones from azure-specs/INDEX.md, the older spec copies kept there, and
    /// the versions Debian's azure-cli 2.45 sends (so a client nobody here wrote can be pointed at the emulator).
    /// Handlers for new providers add their rows to <see cref="Table"/>.
    /// </summary>
    public static class ApiVersionCatalog
    {
        /// <summary>Subscriptions, resource groups and the generic resource list.</summary>
        public const string ResourcesNamespace = "Microsoft.Resources";

        private const string AzCli = "sent by azure-cli 2.45; its own spec is not copied, so bodies are validated against the nearest copied version";
        private const string Newer = "newest stable; its spec file was not copied (INDEX.md, Gaps), so bodies are validated against the copied version with the same CMK fields";

        /// <summary>Every served version, newest first per provider. The emulator README shows this table; a test keeps them equal.</summary>
        public static IReadOnlyList<ServedApiVersion> Table { get; } = new List<ServedApiVersion>
        {
            new("Microsoft.NetApp", "2026-01-01", "2026-01-01", "pinned"),
            new("Microsoft.NetApp", "2023-11-01", "2023-11-01", "older copy"),
            new("Microsoft.NetApp", "2022-05-01", "2023-11-01", AzCli),
            new("Microsoft.DataBox", "2025-07-01", "2025-07-01", "pinned"),
            new("Microsoft.DataBox", "2023-12-01", "2023-12-01", "older copy"),
            new("Microsoft.Kusto", "2024-04-13", "2023-08-15", Newer),
            new("Microsoft.Kusto", "2023-08-15", "2023-08-15", "pinned"),
            new("Microsoft.Kusto", "2022-11-11", "2023-08-15", AzCli + " (`az kusto`)"),
            new("Microsoft.DocumentDB", "2025-10-15", "2025-10-15", "pinned (managed Cassandra)"),
            new("Microsoft.DocumentDB", "2024-05-15", "2024-05-15", "pinned (database accounts); older copy for managed Cassandra"),
            new("Microsoft.DocumentDB", "2022-08-15-preview", "2024-05-15", AzCli + " (`az managed-cassandra`)"),
            new("Microsoft.Batch", "2025-06-01", "2024-02-01", Newer),
            new("Microsoft.Batch", "2024-02-01", "2024-02-01", "pinned"),
            new("Microsoft.Batch", "2022-10-01", "2024-02-01", AzCli),
            new("Microsoft.EventHub", "2024-01-01", "2024-01-01", "pinned"),
            new("Microsoft.ServiceBus", "2021-11-01", "2021-11-01", "pinned"),
            new("Microsoft.ContainerRegistry", "2023-07-01", "2023-07-01", "pinned"),
            new("Microsoft.DBforPostgreSQL", "2022-12-01", "2022-12-01", "pinned"),
            new("Microsoft.RecoveryServices", "2024-04-01", "2024-04-01", "pinned"),
            new("Microsoft.Storage", "2023-05-01", "2023-05-01", "pinned"),
            new("Microsoft.Compute", "2023-10-02", "2023-10-02", "pinned (disk encryption sets)"),
            new("Microsoft.Sql", "2021-11-01", "2021-11-01", "pinned"),
            new("Microsoft.OperationalInsights", "2022-10-01", "2022-10-01", "pinned (dedicated clusters)"),
            new("Microsoft.KeyVault", "2026-02-01", "2026-02-01", "pinned (vaults, keys, managedHSMs)"),
            new("Microsoft.KeyVault", "2023-07-01", "2023-07-01", "older copy (vaults and keys only: managedHSMs are in managedHsm.json, not copied)"),
            new("Microsoft.KeyVault", "2022-07-01", "2026-02-01", AzCli + " (2026-02-01: 2023-07-01 has no managedHSMs, which `az keyvault list` reads)"),
            new("Microsoft.Authorization", "2022-04-01", "2022-04-01", "pinned"),
            new("Microsoft.Network", "2024-01-01", "2024-01-01", "pinned"),
            new("Microsoft.ResourceGraph", "2024-04-01", null, "pinned (fleet discovery); its spec is copied, but the Resource Graph handler answers before body validation and reads the query itself"),
            new("Microsoft.ResourceGraph", "2022-10-01", null, "older copy (as 2024-04-01)"),
            new("Microsoft.ManagedIdentity", "2023-01-31", null,
                "no spec: the emulator only reads user-assigned identities (scenario data); their shape is the common-types identity"),
            new(ResourcesNamespace, "2022-12-01", null, "no spec: resources.json is not copied; resource group PUT is checked by the handler (location required)"),
            new(ResourcesNamespace, "2021-04-01", null, "no spec (as 2022-12-01); the generic resource list and provider reads sent by azure-cli 2.45"),
            new(ResourcesNamespace, "2019-11-01", null, "no spec: subscription reads only (azure-cli 2.45 `az account`)"),
            new(ResourcesNamespace, "2015-11-01", null, "no spec: read-only generic resource list of older clients"),
        };

        public static bool IsKnownNamespace(string ns) => Table.Any(r => r.Namespace.Equals(ns, StringComparison.OrdinalIgnoreCase));

        /// <summary>Throws ARM's 400 when the version is missing or not supported for the namespace.</summary>
        public static ServedApiVersion Check(string ns, string? apiVersion)
        {
            if (string.IsNullOrEmpty(apiVersion))
                throw new ArmException(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
            if (!IsKnownNamespace(ns))
                throw new ArmException(400, "InvalidResourceNamespace", $"The resource namespace '{ns}' is invalid.");
            return Find(ns, apiVersion) ?? throw new ArmException(400, "InvalidApiVersionParameter",
                $"The api-version '{apiVersion}' is invalid. The supported versions are '{string.Join(",", For(ns).OrderByDescending(v => v, StringComparer.Ordinal))}'.");
        }

        public static ServedApiVersion? Find(string ns, string apiVersion) => Table.FirstOrDefault(r =>
            r.Namespace.Equals(ns, StringComparison.OrdinalIgnoreCase) && r.Version.Equals(apiVersion, StringComparison.OrdinalIgnoreCase));

        public static IReadOnlyList<string> For(string ns) =>
            Table.Where(r => r.Namespace.Equals(ns, StringComparison.OrdinalIgnoreCase)).Select(r => r.Version).ToList();

        /// <summary>The provider namespaces, each once, in table order (ARM's /providers list).</summary>
        public static IEnumerable<string> Namespaces => Table.Select(r => r.Namespace).Distinct(StringComparer.OrdinalIgnoreCase);
    }
}
