using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Emulator;
using CmkPowerShell.Emulator.Validation;

namespace CmkPowerShell.Tests.Specs
{
    /// <summary>
    /// Azure's own examples against Azure's own specs: proves the validator accepts real Azure requests and
    /// answers, so that a violation it reports elsewhere is a real difference from Azure and not a validator bug.
    /// </summary>
    public class ExampleConformanceTests
    {
        [Theory]
        [MemberData(nameof(ShippedSpecs.ExampleNames), MemberType = typeof(ShippedSpecs))]
        public void Example_request_matches_its_operation_and_validates(string example)
        {
            var e = ShippedSpecs.Examples[example];

            var found = ShippedSpecs.Catalog.FindOperation(e.Operation.Method, e.Path, e.ApiVersion);
            Assert.True(found is not null, $"{e.Path} ({e.ApiVersion}) found no operation");
            if (!ReferenceEquals(found, e.Operation))
            {
                // The same wire request can be two operations ("/{scope}/providers/..." with a subscription scope is
                // also ".../subscriptions/{id}/providers/..."); the more specific template wins, and must be equivalent.
                Assert.True(found!.LiteralSegments > e.Operation.LiteralSegments, $"{example} resolved to {found}");
                Assert.Equal(e.Operation.Body?.Schema?.ToString(), found.Body?.Schema?.ToString());
            }

            if (e.Operation.Body is { Schema: not null } body && e.RequestBody is null)
                Assert.False(body.Required, $"{example}: the example has no '{body.Name}' body although the operation requires one");
            SpecAssert.NoViolations(ShippedSpecs.Catalog.Validate(e.Operation.Method, e.Path, e.ApiVersion, e.RequestBody), example + " request");
            SpecAssert.NoViolations(ShippedSpecs.Catalog.ValidateRequest(e.Operation, e.RequestBody), example + " request");
        }

        [Theory]
        [MemberData(nameof(ShippedSpecs.ExampleNames), MemberType = typeof(ShippedSpecs))]
        public void Example_responses_validate(string example)
        {
            var e = ShippedSpecs.Examples[example];
            Assert.NotEmpty(e.Responses);
            foreach (var response in e.Responses)
            {
                var violations = ShippedSpecs.Catalog.ValidateResponse(e.Operation, response.Status, response.Body)
                    .Where(v => !IsUpstreamDefect(e, v)).ToList();
                SpecAssert.NoViolations(violations, $"{example} response {response.Status}");
            }
        }

        /// <summary>
        /// Upstream examples that break their own spec, as published: Sql 2021-11-01's server key answers leave out
        /// properties.serverKeyType, which ServerKeyProperties marks required (the key's kind still says which it is).
        /// The emulator answers with it; only these published samples are let through, for exactly this property.
        /// </summary>
        private static bool IsUpstreamDefect(SpecExample e, SpecViolation v)
            => e.ApiVersion == "2021-11-01" && e.Operation.OperationId.StartsWith("ServerKeys_", StringComparison.Ordinal)
               && v.Path.EndsWith("properties.serverKeyType", StringComparison.Ordinal) && v.Message == "required property is missing";

        [Theory]
        [MemberData(nameof(ShippedSpecs.ExampleNames), MemberType = typeof(ShippedSpecs))]
        public void Example_bodies_with_an_extra_property_are_rejected(string example)
        {
            // Guards the two tests above against passing because nothing was checked.
            const string extra = "notInTheSpec";
            var e = ShippedSpecs.Examples[example];
            if (e.RequestBody is JsonObject request)
            {
                request[extra] = 1;
                Assert.Contains(ShippedSpecs.Catalog.ValidateRequest(e.Operation, request), v => v.Path == extra);
            }
            foreach (var response in e.Responses.Where(r => r.Body is JsonObject))
            {
                var body = response.Body!.DeepClone().AsObject();
                body[extra] = 1;
                Assert.Contains(ShippedSpecs.Catalog.ValidateResponse(e.Operation, response.Status, body), v => v.Path == extra);
            }
        }

        [Fact]
        public void Every_covered_service_has_examples_to_replay()
        {
            var operations = ShippedSpecs.Examples.Values.Select(e => e.Operation.OperationId).ToHashSet();
            foreach (var expected in new[]
            {
                "Accounts_Update", "Accounts_ChangeKeyVault", "Accounts_TransitionToCmk", "Volumes_Get", "Jobs_Update", "Clusters_Update",
                "OperationsResults_Get", "CassandraClusters_Update", "CassandraDataCenters_Update", "BatchAccount_Update", "Vaults_Get",
                "Vaults_UpdateAccessPolicy", "Keys_GetVersion", "RoleAssignments_Create", "RoleDefinitions_Get", "PrivateEndpoints_Get", "Resources",
            })
                Assert.Contains(expected, operations);
            Assert.True(ShippedSpecs.Examples.Count >= 90, $"only {ShippedSpecs.Examples.Count} examples");
        }

        [Fact]
        public void Every_example_file_in_the_tree_belongs_to_a_loaded_operation()
        {
            // An example no operation points to would silently never be replayed.
            var referenced = ShippedSpecs.Catalog.Operations.SelectMany(o => o.Examples.Values).Select(Path.GetFullPath).ToHashSet();
            var orphans = Directory.EnumerateFiles(Path.Combine(ShippedSpecs.Root, "specification"), "*.json", SearchOption.AllDirectories)
                .Where(f => f.Replace('\\', '/').Contains("/examples/", StringComparison.Ordinal))
                .Where(f => !referenced.Contains(Path.GetFullPath(f)))
                .ToList();
            Assert.Empty(orphans);
        }
    }
}
