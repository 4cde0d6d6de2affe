using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator.Validation
{
    /// <summary>Whether a body is sent to Azure or received from it: the two differ on read-only properties.</summary>
    internal enum BodyDirection
    {
        /// <summary>Read-only properties are tolerated and not checked (Azure ignores them) and never required.</summary>
        Request,
        /// <summary>Read-only properties are ordinary properties; required ones must be present.</summary>
        Response,
    }

    /// <summary>Walks a JSON value against a swagger 2.0 schema and collects every violation.</summary>
    internal sealed class SchemaValidator
    {
        private readonly SchemaModel model;
        private readonly BodyDirection direction;
        private readonly List<SpecViolation> violations = new();

        public SchemaValidator(SchemaModel model, BodyDirection direction)
        {
            this.model = model;
            this.direction = direction;
        }

        public IReadOnlyList<SpecViolation> Violations => violations;

        // Null is accepted everywhere: ARM PATCH bodies use it to clear a property and answers use it for
        // "not set"; swagger 2.0 cannot say which (x-nullable is applied too unevenly to be trusted).
        public void Check(SpecSchema schema, JsonNode? value, string path)
        {
            if (value is null) return;
            schema = model.Resolve(schema);

            if (value is JsonObject polymorphic)
            {
                var chosen = model.SelectSubtype(schema, polymorphic, out var discriminator, out var known);
                if (chosen is null)
                {
                    Add(Join(path, discriminator!), $"'{polymorphic[discriminator!]}' is not one of [{string.Join(", ", known)}]");
                    return;
                }
                schema = chosen;
            }

            var shape = model.Shape(schema);
            if (shape.IsAnyValue) return;
            if (shape.IsObject) CheckObject(schema, shape, value, path);
            else if (shape.Type == "array") CheckArray(schema, value, path);
            else CheckScalar(schema.Node, shape.Type, value, path);
        }

        private void CheckObject(SpecSchema schema, SchemaShape shape, JsonNode value, string path)
        {
            if (value is not JsonObject obj)
            {
                Add(path, $"expected object, got {Kind(value)}");
                return;
            }

            foreach (var (name, child) in obj)
            {
                var childPath = Join(path, name);
                if (shape.Properties.TryGetValue(name, out var property))
                {
                    if (property.ReadOnly && direction == BodyDirection.Request) continue;
                    Check(property.Schema, child, childPath);
                }
                else if (shape.AdditionalSchema is not null)
                    Check(shape.AdditionalSchema, child, childPath);
                else if (!shape.AcceptsUnknown)
                    Add(childPath, $"unknown property (not in {schema.Name ?? "the schema"})");
            }

            foreach (var name in shape.Required)
            {
                if (obj[name] is not null) continue;
                if (direction == BodyDirection.Request && shape.Properties.TryGetValue(name, out var p) && p.ReadOnly) continue;
                Add(Join(path, name), "required property is missing");
            }
        }

        private void CheckArray(SpecSchema schema, JsonNode value, string path)
        {
            if (value is not JsonArray array)
            {
                Add(path, $"expected array, got {Kind(value)}");
                return;
            }
            if (schema.Node["items"] is not JsonObject items) return;
            var itemSchema = new SpecSchema(schema.Document, items, null);
            for (var i = 0; i < array.Count; i++) Check(itemSchema, array[i], $"{path}[{i}]");
        }

        private void CheckScalar(JsonObject node, string? type, JsonNode value, string path)
        {
            var kind = value.GetValueKind();
            var format = (string?)(node["format"] as JsonValue);
            switch (type)
            {
                case "string":
                    if (kind != JsonValueKind.String) { Add(path, $"expected string, got {Kind(value)}"); return; }
                    CheckStringFormat(format, value.GetValue<string>(), path);
                    break;
                case "integer":
                    if (kind != JsonValueKind.Number) { Add(path, $"expected integer, got {Kind(value)}"); return; }
                    var fits = format == "int32" ? value.AsValue().TryGetValue<int>(out _) : value.AsValue().TryGetValue<long>(out _);
                    if (!fits) { Add(path, $"{value.ToJsonString()} is not an {format ?? "integer"}"); return; }
                    break;
                case "number":
                    if (kind != JsonValueKind.Number) { Add(path, $"expected number, got {Kind(value)}"); return; }
                    break;
                case "boolean":
                    if (kind is not (JsonValueKind.True or JsonValueKind.False)) { Add(path, $"expected boolean, got {Kind(value)}"); return; }
                    break;
            }
            CheckEnum(node, value, path);
        }

        private void CheckStringFormat(string? format, string text, string path)
        {
            var ok = format switch
            {
                "date-time" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
                "uuid" => Guid.TryParse(text, out _),
                _ => true,
            };
            if (!ok) Add(path, $"'{text}' is not a valid {format}");
        }

        private void CheckEnum(JsonObject node, JsonNode value, string path)
        {
            if (node["enum"] is not JsonArray allowed) return;
            var extensible = node["x-ms-enum"] is JsonObject xmsEnum && xmsEnum["modelAsString"] is JsonValue m && m.GetValue<bool>();
            // modelAsString tells clients that the service may add values later, so an answer may hold any string.
            // A request still has to use a value the service knows today (NetApp rejects keySource "Foo"); such
            // extensible enums are parsed case-insensitively by the services ("Possible values (case-insensitive)").
            if (extensible && direction == BodyDirection.Response) return;
            var comparison = extensible ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (allowed.Any(a => SameValue(a, value, comparison))) return;
            Add(path, $"{Display(value)} is not one of [{string.Join(", ", allowed.Select(a => a is JsonValue v && v.TryGetValue<string>(out var s) ? s : a?.ToJsonString()))}]");
        }

        private static bool SameValue(JsonNode? allowed, JsonNode value, StringComparison comparison) =>
            allowed is JsonValue a && a.TryGetValue<string>(out var expected) && value is JsonValue v && v.TryGetValue<string>(out var actual)
                ? string.Equals(expected, actual, comparison)
                : JsonNode.DeepEquals(allowed, value);

        private void Add(string path, string message) =>
            violations.Add(new SpecViolation(path.Length == 0 ? SpecCatalog.BodyPath : path, message));

        private static string Display(JsonNode value) =>
            value is JsonValue v && v.TryGetValue<string>(out var s) ? $"'{s}'" : value.ToJsonString();

        private static string Kind(JsonNode value) => value.GetValueKind() switch
        {
            JsonValueKind.Object => "object",
            JsonValueKind.Array => "array",
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        };

        /// <summary>Dotted paths as the brief and ARM errors write them; keys that are not identifiers (ARM ids) are bracketed.</summary>
        internal static string Join(string path, string name)
        {
            var plain = name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '$' or '-' or '@');
            if (!plain) return $"{path}['{name}']";
            return path.Length == 0 ? name : path + "." + name;
        }
    }
}
