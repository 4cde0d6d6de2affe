using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Emulator.Validation;

namespace CmkPowerShell.Tests.Specs
{
    /// <summary>The specs shipped with the emulator (copied next to the test assembly), loaded once.</summary>
    public static class ShippedSpecs
    {
        private static readonly Lazy<SpecCatalog> LazyCatalog = new(() => SpecCatalog.Load(Root));

        public static string Root => Path.Combine(AppContext.BaseDirectory, SpecCatalog.DefaultFolderName);

        public static SpecCatalog Catalog => LazyCatalog.Value;

        /// <summary>
        /// The operations the emulator serves (issue 7's surface), all api-versions present in the tree. The older
        /// NetApp file also holds snapshots, backups and so on, which are not ours to replay.
        /// </summary>
        public static readonly IReadOnlySet<string> CoveredOperationIds = new HashSet<string>(StringComparer.Ordinal)
        {
            // Microsoft.NetApp
            "Accounts_Get", "Accounts_List", "Accounts_CreateOrUpdate", "Accounts_Update", "Accounts_RenewCredentials",
            "Accounts_ChangeKeyVault", "Accounts_GetChangeKeyVaultInformation", "Accounts_TransitionToCmk",
            "Volumes_Get", "Volumes_List", "Volumes_CreateOrUpdate", "Volumes_Update",
            // Microsoft.DataBox
            "Jobs_Get", "Jobs_Create", "Jobs_Update",
            // Microsoft.Kusto
            "Clusters_Get", "Clusters_CreateOrUpdate", "Clusters_Update", "OperationsResults_Get",
            // Microsoft.DocumentDB managed Cassandra
            "CassandraClusters_Get", "CassandraClusters_CreateUpdate", "CassandraClusters_Update",
            "CassandraDataCenters_Get", "CassandraDataCenters_List", "CassandraDataCenters_CreateUpdate", "CassandraDataCenters_Update",
            // Microsoft.DocumentDB database accounts (Cosmos DB)
            "DatabaseAccounts_Get", "DatabaseAccounts_CreateOrUpdate", "DatabaseAccounts_Update",
            // Microsoft.Batch
            "BatchAccount_Get", "BatchAccount_Create", "BatchAccount_Update",
            // Microsoft.Storage
            "StorageAccounts_GetProperties", "StorageAccounts_Create", "StorageAccounts_Update",
            // Microsoft.Compute disk encryption sets
            "DiskEncryptionSets_Get", "DiskEncryptionSets_CreateOrUpdate", "DiskEncryptionSets_Update", "DiskEncryptionSets_ListAssociatedResources",
            // Microsoft.Sql TDE protector
            "Servers_Get", "Servers_Update", "ServerKeys_ListByServer", "ServerKeys_Get", "ServerKeys_CreateOrUpdate",
            "EncryptionProtectors_ListByServer", "EncryptionProtectors_Get", "EncryptionProtectors_CreateOrUpdate",
            // Microsoft.OperationalInsights
            "Clusters_Get", "Clusters_CreateOrUpdate", "Clusters_Update",
            // Microsoft.KeyVault management plane
            "Vaults_Get", "Vaults_CreateOrUpdate", "Vaults_Update", "Vaults_UpdateAccessPolicy",
            "Keys_List", "Keys_Get", "Keys_CreateIfNotExist", "Keys_ListVersions", "Keys_GetVersion",
            // Key Vault data plane (keys)
            "GetKey", "GetKeys", "GetKeyVersions", "wrapKey", "unwrapKey", "GetKeyRotationPolicy",
            // Microsoft.Authorization
            "RoleAssignments_ListForScope", "RoleAssignments_ListForSubscription", "RoleAssignments_ListForResourceGroup",
            "RoleAssignments_ListForResource", "RoleAssignments_Get", "RoleAssignments_Create",
            "RoleDefinitions_Get", "RoleDefinitions_List",
            // Microsoft.Network
            "PrivateEndpoints_Get",
            // Microsoft.ResourceGraph
            "Resources",
        };

        private static readonly Lazy<IReadOnlyDictionary<string, SpecExample>> LazyExamples = new(() =>
            Catalog.Operations
                .Where(o => CoveredOperationIds.Contains(o.OperationId))
                .SelectMany(o => o.Examples.Values.Select(file => SpecExample.Load(o, file)))
                .ToDictionary(e => e.Name, StringComparer.Ordinal));

        /// <summary>Every x-ms-example of a covered operation, by <see cref="SpecExample.Name"/>.</summary>
        public static IReadOnlyDictionary<string, SpecExample> Examples => LazyExamples.Value;

        /// <summary>xunit MemberData: one case per example.</summary>
        public static IEnumerable<object[]> ExampleNames() => Examples.Keys.OrderBy(n => n, StringComparer.Ordinal).Select(n => new object[] { n });
    }

    /// <summary>One x-ms-example file, read as the request it describes and the answers it shows.</summary>
    public sealed class SpecExample
    {
        private SpecExample(SpecOperation operation, string file, JsonObject parameters, IReadOnlyList<ExampleResponse> responses)
        {
            Operation = operation;
            File = file;
            Parameters = parameters;
            Responses = responses;
        }

        public SpecOperation Operation { get; }
        public string File { get; }
        public JsonObject Parameters { get; }
        public IReadOnlyList<ExampleResponse> Responses { get; }

        /// <summary>"Accounts_Update 2026-01-01 Accounts_Update": unique, readable in test output.</summary>
        public string Name => $"{Operation.OperationId} {Operation.ApiVersion} {System.IO.Path.GetFileNameWithoutExtension(File)}";

        public string ApiVersion => (string?)Parameters["api-version"] ?? Operation.ApiVersion;

        public JsonNode? RequestBody => Operation.Body is { } body ? Parameters[body.Name]?.DeepClone() : null;

        /// <summary>The request path built from the template and the example's parameters (no query).</summary>
        public string Path => BuildPath(name => (string?)Parameters[name]?.ToString());

        /// <summary>The path with some parameters replaced (e.g. mapped onto the emulator's subscription).</summary>
        public string BuildPath(Func<string, string?> value)
        {
            var template = Operation.PathTemplate;
            var query = template.IndexOf('?');
            var suffix = query >= 0 ? template.Substring(query) : "";
            if (query >= 0) template = template.Substring(0, query);

            var parts = template.Split('/').Select(segment =>
            {
                if (!(segment.StartsWith('{') && segment.EndsWith('}'))) return segment;
                var name = segment[1..^1];
                var parameter = Operation.Parameters.First(p => p.In == "path" && p.Name == name);
                var raw = value(name) ?? throw new InvalidOperationException($"{Name}: no value for path parameter '{name}'");
                return parameter.SkipUrlEncoding ? raw.Trim('/') : Uri.EscapeDataString(raw);
            });
            return string.Join("/", parts) + suffix;
        }

        public static SpecExample Load(SpecOperation operation, string file)
        {
            var root = JsonNode.Parse(System.IO.File.ReadAllText(file))!.AsObject();
            var responses = new List<ExampleResponse>();
            foreach (var (status, response) in root["responses"]?.AsObject() ?? new JsonObject())
            {
                if (!int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code)) continue; // "default"
                responses.Add(new ExampleResponse(code, response?["body"], response?["headers"] as JsonObject));
            }
            return new SpecExample(operation, file, root["parameters"]!.AsObject(), responses);
        }

        public override string ToString() => Name;
    }

    public sealed record ExampleResponse(int Status, JsonNode? Body, JsonObject? Headers);
}
