using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Emulator;
using CmkPowerShell.Emulator.Validation;

namespace CmkPowerShell.Tests.Specs
{
    /// <summary>
    /// The validator on a small spec tree written for the test: two files, the second holding the shared
    /// types the first refers to, as the Azure specs do with common-types.
    /// </summary>
    public sealed class SchemaValidatorTests : IDisposable
    {
        private const string Api = "2030-01-01";
        private const string WidgetPath = "/subscriptions/s1/resourceGroups/rg/providers/Test.Rp/widgets/w1";

        private readonly string root = Path.Combine(Path.GetTempPath(), "cmk-spec-tests-" + Guid.NewGuid().ToString("N"));
        private readonly SpecCatalog catalog;

        public SchemaValidatorTests()
        {
            Write("specification/common/types.json", """
            {
              "swagger": "2.0", "info": { "version": "1.0", "title": "common" }, "paths": {},
              "definitions": {
                "Resource": {
                  "type": "object",
                  "properties": {
                    "id": { "type": "string", "readOnly": true },
                    "name": { "type": "string", "readOnly": true },
                    "location": { "type": "string" },
                    "tags": { "type": "object", "additionalProperties": { "type": "string" } }
                  },
                  "required": [ "location" ]
                }
              },
              "parameters": {
                "SubscriptionId": { "name": "subscriptionId", "in": "path", "required": true, "type": "string" }
              }
            }
            """);
            Write("specification/test/stable/2030-01-01/widgets.json", """
            {
              "swagger": "2.0", "info": { "version": "2030-01-01", "title": "widgets" },
              "paths": {
                "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Test.Rp/widgets/{name}": {
                  "parameters": [ { "$ref": "../../../common/types.json#/parameters/SubscriptionId" } ],
                  "put": {
                    "operationId": "Widgets_Create",
                    "parameters": [
                      { "name": "resourceGroupName", "in": "path", "required": true, "type": "string" },
                      { "name": "name", "in": "path", "required": true, "type": "string" },
                      { "name": "body", "in": "body", "required": true, "schema": { "$ref": "#/definitions/Widget" } }
                    ],
                    "responses": {
                      "200": { "description": "ok", "schema": { "$ref": "#/definitions/Widget" } },
                      "202": { "description": "accepted", "schema": { "$ref": "#/definitions/Widget" } },
                      "default": { "description": "error", "schema": { "$ref": "#/definitions/Error" } }
                    },
                    "x-ms-long-running-operation": true,
                    "x-ms-long-running-operation-options": { "final-state-via": "location" }
                  },
                  "get": {
                    "operationId": "Widgets_Get",
                    "parameters": [
                      { "name": "resourceGroupName", "in": "path", "required": true, "type": "string" },
                      { "name": "name", "in": "path", "required": true, "type": "string" }
                    ],
                    "responses": { "200": { "description": "ok", "schema": { "$ref": "#/definitions/Widget" } } }
                  }
                },
                "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Test.Rp/widgets/{name}/reset": {
                  "post": {
                    "operationId": "Widgets_Reset",
                    "parameters": [
                      { "$ref": "../../../common/types.json#/parameters/SubscriptionId" },
                      { "name": "resourceGroupName", "in": "path", "required": true, "type": "string" },
                      { "name": "name", "in": "path", "required": true, "type": "string" }
                    ],
                    "responses": { "200": { "description": "ok" } }
                  }
                },
                "/{scope}/providers/Test.Rp/grants/{grantName}": {
                  "get": {
                    "operationId": "Grants_Get",
                    "parameters": [
                      { "name": "scope", "in": "path", "required": true, "type": "string", "x-ms-skip-url-encoding": true },
                      { "name": "grantName", "in": "path", "required": true, "type": "string" }
                    ],
                    "responses": { "200": { "description": "ok" } }
                  }
                },
                "/subscriptions/{subscriptionId}/providers/Test.Rp/grants/latest": {
                  "get": {
                    "operationId": "Grants_GetLatest",
                    "parameters": [ { "$ref": "../../../common/types.json#/parameters/SubscriptionId" } ],
                    "responses": { "200": { "description": "ok" } }
                  }
                }
              },
              "definitions": {
                "Widget": {
                  "allOf": [ { "$ref": "../../../common/types.json#/definitions/Resource" } ],
                  "properties": {
                    "properties": { "$ref": "#/definitions/WidgetProperties" },
                    "shape": { "$ref": "#/definitions/Shape" }
                  }
                },
                "WidgetProperties": {
                  "type": "object",
                  "properties": {
                    "size": { "type": "integer", "format": "int32" },
                    "weight": { "type": "number" },
                    "enabled": { "type": "boolean" },
                    "keySource": { "type": "string", "enum": [ "Test.Rp", "Microsoft.KeyVault" ], "x-ms-enum": { "name": "KeySource", "modelAsString": false } },
                    "tier": { "type": "string", "enum": [ "Basic", "Premium" ], "x-ms-enum": { "name": "Tier", "modelAsString": true } },
                    "created": { "type": "string", "format": "date-time" },
                    "tenantId": { "type": "string", "format": "uuid" },
                    "labels": { "type": "array", "items": { "type": "string" } },
                    "bag": { "type": "object" },
                    "state": { "type": "string", "readOnly": true },
                    "rules": { "type": "array", "items": { "$ref": "#/definitions/Rule" } },
                    "open": { "type": "object", "properties": { "a": { "type": "string" } }, "additionalProperties": true }
                  }
                },
                "Rule": {
                  "type": "object",
                  "properties": { "name": { "type": "string" }, "id": { "type": "string", "readOnly": true } },
                  "required": [ "name", "id" ]
                },
                "Shape": {
                  "type": "object",
                  "discriminator": "kind",
                  "properties": { "kind": { "type": "string" } },
                  "required": [ "kind" ]
                },
                "Circle": {
                  "x-ms-discriminator-value": "circle",
                  "allOf": [ { "$ref": "#/definitions/Shape" } ],
                  "properties": { "radius": { "type": "number" } }
                },
                "Square": {
                  "allOf": [ { "$ref": "#/definitions/Shape" } ],
                  "properties": { "side": { "type": "number" } }
                },
                "Error": {
                  "type": "object",
                  "properties": { "error": { "type": "object", "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } }
                }
              }
            }
            """);
            catalog = SpecCatalog.Load(root);
        }

        public void Dispose()
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }

        private void Write(string relative, string json)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, json);
        }

        private IReadOnlyList<SpecViolation> Put(string json) => catalog.Validate("PUT", WidgetPath, Api, JsonNode.Parse(json));


        [Fact]
        public void A_body_matching_the_schema_has_no_violation()
        {
            var violations = Put("""
            { "location": "westeurope", "tags": { "env": "test" },
              "properties": { "size": 3, "weight": 1.5, "enabled": true, "keySource": "Microsoft.KeyVault", "tier": "Basic",
                              "created": "2024-01-02T03:04:05Z", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                              "labels": [ "a" ], "bag": { "anything": [ 1, { "x": null } ] }, "rules": [ { "name": "r" } ],
                              "open": { "a": "x", "b": 1 } },
              "shape": { "kind": "circle", "radius": 2 } }
            """);
            Assert.Empty(violations);
        }

        [Theory]
        [InlineData("""{ "location": "l", "properties": { "size": "3" } }""", "properties.size", "expected integer, got string")]
        [InlineData("""{ "location": "l", "properties": { "size": 1.5 } }""", "properties.size", "1.5 is not an int32")]
        [InlineData("""{ "location": "l", "properties": { "size": 3000000000 } }""", "properties.size", "3000000000 is not an int32")]
        [InlineData("""{ "location": "l", "properties": { "weight": "heavy" } }""", "properties.weight", "expected number, got string")]
        [InlineData("""{ "location": "l", "properties": { "enabled": "true" } }""", "properties.enabled", "expected boolean, got string")]
        [InlineData("""{ "location": "l", "properties": { "labels": "a" } }""", "properties.labels", "expected array, got string")]
        [InlineData("""{ "location": "l", "properties": { "labels": [ 1 ] } }""", "properties.labels[0]", "expected string, got number")]
        [InlineData("""{ "location": "l", "properties": [] }""", "properties", "expected object, got array")]
        [InlineData("""{ "location": "l", "tags": { "env": 1 } }""", "tags.env", "expected string, got number")]
        [InlineData("""{ "location": "l", "properties": { "created": "yesterday" } }""", "properties.created", "'yesterday' is not a valid date-time")]
        [InlineData("""{ "location": "l", "properties": { "tenantId": "not-a-guid" } }""", "properties.tenantId", "'not-a-guid' is not a valid uuid")]
        public void Wrong_types_and_formats_are_named_by_path(string body, string path, string message)
        {
            Assert.Equal(message, SpecAssert.Single(Put(body), path).Message);
        }

        [Fact]
        public void Unknown_properties_are_rejected_where_the_schema_names_its_properties()
        {
            var violation = SpecAssert.Single(Put("""{ "location": "l", "properties": { "sise": 3 } }"""), "properties.sise");
            Assert.Contains("unknown property", violation.Message);
            Assert.Contains("WidgetProperties", violation.Message);
            SpecAssert.Single(Put("""{ "location": "l", "colour": "red" }"""), "colour");
        }

        [Fact]
        public void Unknown_properties_are_accepted_where_the_schema_allows_them()
        {
            Assert.Empty(Put("""{ "location": "l", "properties": { "open": { "zzz": [ 1 ] }, "bag": { "k": "v" } } }"""));
        }

        [Fact]
        public void Property_names_are_case_sensitive()
        {
            SpecAssert.Single(Put("""{ "location": "l", "properties": { "KeySource": "Test.Rp" } }"""), "properties.KeySource");
        }

        [Fact]
        public void Fixed_enums_take_exactly_their_values()
        {
            var violation = SpecAssert.Single(Put("""{ "location": "l", "properties": { "keySource": "Foo" } }"""), "properties.keySource");
            Assert.Equal("'Foo' is not one of [Test.Rp, Microsoft.KeyVault]", violation.Message);
            SpecAssert.Single(Put("""{ "location": "l", "properties": { "keySource": "microsoft.keyvault" } }"""), "properties.keySource");
        }

        [Fact]
        public void Extensible_enums_take_known_values_in_requests_and_any_string_in_answers()
        {
            SpecAssert.Single(Put("""{ "location": "l", "properties": { "tier": "Gold" } }"""), "properties.tier");
            Assert.Empty(Put("""{ "location": "l", "properties": { "tier": "premium" } }"""));
            SpecAssert.Single(Put("""{ "location": "l", "properties": { "tier": 1 } }"""), "properties.tier");

            var get = catalog.FindOperation("GET", WidgetPath, Api)!;
            Assert.Empty(catalog.ValidateResponse(get, 200, JsonNode.Parse("""{ "id": "x", "name": "w1", "location": "l", "properties": { "tier": "Gold" } }""")));
            SpecAssert.Single(catalog.ValidateResponse(get, 200, JsonNode.Parse("""{ "id": "x", "name": "w1", "location": "l", "properties": { "keySource": "Foo" } }""")), "properties.keySource");
        }

        [Fact]
        public void Required_properties_from_allOf_bases_are_enforced()
        {
            var violation = SpecAssert.Single(Put("""{ "properties": { } }"""), "location");
            Assert.Equal("required property is missing", violation.Message);
            SpecAssert.Single(Put("""{ "location": "l", "properties": { "rules": [ { } ] } }"""), "properties.rules[0].name");
        }

        [Fact]
        public void Read_only_properties_are_tolerated_in_requests_and_checked_in_responses()
        {
            // Azure ignores read-only properties in a request (a GET body sent back as a PUT is normal),
            // and never requires them from the client.
            Assert.Empty(Put("""{ "id": 42, "name": "w1", "location": "l", "properties": { "state": 7, "rules": [ { "name": "r" } ] } }"""));

            var get = catalog.FindOperation("GET", WidgetPath, Api)!;
            var answer = JsonNode.Parse("""{ "id": 42, "location": "l", "properties": { "state": "Ready", "rules": [ { "name": "r" } ] } }""");
            var violations = catalog.ValidateResponse(get, 200, answer);
            Assert.Equal(new[] { "id", "properties.rules[0].id" }, violations.Select(v => v.Path).OrderBy(p => p, StringComparer.Ordinal));
        }

        [Fact]
        public void Discriminator_selects_the_subtype()
        {
            Assert.Empty(Put("""{ "location": "l", "shape": { "kind": "Square", "side": 1 } }"""));
            // A property of another subtype is unknown for this one.
            SpecAssert.Single(Put("""{ "location": "l", "shape": { "kind": "circle", "side": 1 } }"""), "shape.side");
            SpecAssert.Single(Put("""{ "location": "l", "shape": { "kind": "circle", "radius": "big" } }"""), "shape.radius");
            var violation = SpecAssert.Single(Put("""{ "location": "l", "shape": { "kind": "triangle" } }"""), "shape.kind");
            Assert.Contains("circle", violation.Message);
            Assert.Contains("Square", violation.Message);
        }

        [Fact]
        public void Null_is_accepted_as_an_absent_value_but_not_for_a_required_property()
        {
            Assert.Empty(Put("""{ "location": "l", "tags": null, "properties": { "size": null } }"""));
            SpecAssert.Single(Put("""{ "location": null }"""), "location");
        }

        [Fact]
        public void Body_presence_follows_the_operation()
        {
            Assert.Equal(SpecCatalog.BodyPath, SpecAssert.Single(catalog.Validate("PUT", WidgetPath, Api, null), SpecCatalog.BodyPath).Path);
            Assert.Empty(catalog.Validate("POST", WidgetPath + "/reset", Api, null));
            Assert.Empty(catalog.Validate("POST", WidgetPath + "/reset", Api, new JsonObject()));
            SpecAssert.Single(catalog.Validate("POST", WidgetPath + "/reset", Api, JsonNode.Parse("""{ "force": true }""")), SpecCatalog.BodyPath);
        }

        [Fact]
        public void Unknown_operations_and_api_versions_are_not_validated()
        {
            Assert.Null(catalog.FindOperation("PUT", WidgetPath, "2019-01-01"));
            Assert.Null(catalog.FindOperation("PUT", "/subscriptions/s1/resourceGroups/rg", Api));
            Assert.Empty(catalog.Validate("PUT", WidgetPath, "2019-01-01", JsonNode.Parse("""{ "nonsense": 1 }""")));
        }

        [Fact]
        public void Operations_carry_their_long_running_metadata_and_responses()
        {
            var op = catalog.FindOperation("put", WidgetPath.ToUpperInvariant(), Api)!;
            Assert.Equal("Widgets_Create", op.OperationId);
            Assert.True(op.IsLongRunning);
            Assert.Equal("location", op.FinalStateVia);
            Assert.Equal(new[] { "200", "202", "default" }, op.Responses.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal("Widget", op.Responses["202"]!.Name);
            Assert.Null(catalog.FindOperation("POST", WidgetPath + "/reset", Api)!.Responses["200"]);
            Assert.Equal("Widget", op.Responses["200"]!.Name);
            Assert.Equal("body", op.Body!.Name);
            Assert.Contains(op.Parameters, p => p.Name == "subscriptionId" && p.In == "path"); // path-level, cross-file $ref
        }

        [Fact]
        public void Response_status_must_be_declared_and_errors_fall_back_to_default()
        {
            var op = catalog.FindOperation("PUT", WidgetPath, Api)!;
            Assert.Contains("status 201 is not declared", SpecAssert.Single(catalog.ValidateResponse(op, 201, new JsonObject()), SpecCatalog.BodyPath).Message);
            SpecAssert.Single(catalog.ValidateResponse(op, 202, JsonNode.Parse("""{ "location": 1 }""")), "location");
            // No schema: the answer's body is not checked.
            Assert.Empty(catalog.ValidateResponse(catalog.FindOperation("POST", WidgetPath + "/reset", Api)!, 200, JsonNode.Parse("""{ "anything": 1 }""")));
            Assert.Empty(catalog.ValidateResponse(op, 404, JsonNode.Parse("""{ "error": { "code": "ResourceNotFound", "message": "m" } }""")));
            SpecAssert.Single(catalog.ValidateResponse(op, 400, JsonNode.Parse("""{ "error": { "code": 400 } }""")), "error.code");
            SpecAssert.Single(catalog.ValidateResponse(op, 200, null), SpecCatalog.BodyPath);
            Assert.Empty(catalog.ValidateResponse(op, 202, null)); // a 202's body is optional even where it has a schema
        }

        [Theory]
        [InlineData("/subscriptions/s1/providers/Test.Rp/grants/g1", "Grants_Get")]
        [InlineData("/subscriptions/s1/resourceGroups/rg/providers/Other.Rp/things/t1/providers/Test.Rp/grants/g1", "Grants_Get")]
        [InlineData("/SUBSCRIPTIONS/s1/PROVIDERS/test.rp/GRANTS/g1?api-version=2030-01-01", "Grants_Get")]
        [InlineData("/subscriptions/s1/providers/Test.Rp/grants/latest", "Grants_GetLatest")]
        public void Scope_parameters_span_segments_and_the_most_specific_template_wins(string path, string operationId)
        {
            Assert.Equal(operationId, catalog.FindOperation("GET", path, Api)?.OperationId);
        }

        [Fact]
        public void Single_segment_parameters_do_not_span_segments()
        {
            Assert.Null(catalog.FindOperation("GET", "/subscriptions/s1/resourceGroups/rg/providers/Test.Rp/widgets/a/b", Api));
            Assert.Null(catalog.FindOperation("GET", "/providers/Test.Rp/grants/g1", Api));
        }
    }
}
