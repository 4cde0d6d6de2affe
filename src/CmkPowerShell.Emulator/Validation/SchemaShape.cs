using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator.Validation
{
    /// <summary>A property of an object schema after allOf is flattened.</summary>
    internal sealed record SchemaProperty(SpecSchema Schema, bool ReadOnly);

    /// <summary>
    /// What a schema says about a JSON value once its allOf chain is merged: the type, the properties with
    /// their read-only flag, the required names, and what happens to properties it does not name.
    /// </summary>
    internal sealed class SchemaShape
    {
        public string? Type { get; set; }
        public Dictionary<string, SchemaProperty> Properties { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Required { get; } = new(StringComparer.Ordinal);

        /// <summary>additionalProperties: true, {} or a schema.</summary>
        public bool AdditionalAllowed { get; set; }
        public SpecSchema? AdditionalSchema { get; set; }
        public bool AdditionalForbidden { get; set; }

        /// <summary>
        /// Object schemas that name no property and say nothing about additional ones are free-form bags
        /// (e.g. "type": "object" for tags or arbitrary data); schemas that name properties are closed, which
        /// is how ARM reads its swagger (Azure's own spec linting forbids relying on the JSON Schema default).
        /// </summary>
        public bool AcceptsUnknown => AdditionalAllowed || (!AdditionalForbidden && Properties.Count == 0);

        /// <summary>
        /// "type": "object" with nothing else is AutoRest's "any": SDKs expose it as an untyped value, and Azure
        /// puts arrays there (Resource Graph's QueryResponse.data is declared object and answered as an array).
        /// </summary>
        public bool IsAnyValue => Type == "object" && Properties.Count == 0 && !AdditionalAllowed && !AdditionalForbidden;

        public bool IsObject => Type == "object" || (Type is null && (Properties.Count > 0 || AdditionalAllowed || AdditionalForbidden));
    }

    /// <summary>Flattens schemas and finds polymorphic subtypes; results are cached per schema node.</summary>
    internal sealed class SchemaModel
    {
        private readonly SpecDocumentSet docs;
        private readonly Dictionary<JsonObject, SchemaShape> shapes = new(ReferenceEqualityComparer.Instance);
        private Dictionary<JsonObject, List<(string Value, SpecSchema Schema)>>? subtypes;

        public SchemaModel(SpecDocumentSet docs) => this.docs = docs;

        public SpecSchema Resolve(SpecSchema schema) => docs.Resolve(schema.Document, schema.Node, schema.Name);

        public SchemaShape Shape(SpecSchema schema)
        {
            schema = Resolve(schema);
            if (shapes.TryGetValue(schema.Node, out var cached)) return cached;

            var shape = new SchemaShape();
            // Registered before merging so that a self-referencing allOf (never seen, but cheap to guard) stops.
            shapes[schema.Node] = shape;
            Merge(schema, shape);
            return shape;
        }

        private void Merge(SpecSchema schema, SchemaShape into)
        {
            var node = schema.Node;
            if (node["allOf"] is JsonArray allOf)
                foreach (var part in allOf.OfType<JsonObject>())
                    Merge(docs.Resolve(schema.Document, part), into);

            if (node["type"] is JsonValue type && into.Type is null) into.Type = type.GetValue<string>();

            if (node["properties"] is JsonObject props)
                foreach (var (name, raw) in props)
                {
                    if (raw is not JsonObject rawObj) continue;
                    var resolved = docs.Resolve(schema.Document, rawObj);
                    into.Properties[name] = new SchemaProperty(resolved, IsReadOnly(rawObj) || IsReadOnly(resolved.Node));
                }

            if (node["required"] is JsonArray required)
                foreach (var name in required.OfType<JsonValue>()) into.Required.Add(name.GetValue<string>());

            switch (node["additionalProperties"])
            {
                case JsonValue flag when flag.GetValue<bool>():
                    into.AdditionalAllowed = true;
                    break;
                case JsonValue:
                    into.AdditionalForbidden = true;
                    break;
                case JsonObject extra:
                    into.AdditionalAllowed = true;
                    into.AdditionalSchema = docs.Resolve(schema.Document, extra);
                    break;
            }
        }

        private static bool IsReadOnly(JsonObject node)
        {
            if (node["readOnly"] is JsonValue ro && ro.GetValue<bool>()) return true;
            // x-ms-mutability ["read"] is how newer specs say read-only.
            return node["x-ms-mutability"] is JsonArray m && m.Count == 1 && (string?)m[0] == "read";
        }

        /// <summary>
        /// The concrete schema a polymorphic base stands for, chosen by the discriminator value; the schema
        /// itself when it is not polymorphic. Null when the value names no known subtype.
        /// </summary>
        public SpecSchema? SelectSubtype(SpecSchema schema, JsonObject value, out string? discriminator, out IReadOnlyList<string> known)
        {
            schema = Resolve(schema);
            known = Array.Empty<string>();
            discriminator = (string?)(schema.Node["discriminator"] as JsonValue);
            if (discriminator is null || value[discriminator] is not JsonValue v || !v.TryGetValue<string>(out var kind))
                return schema;

            var candidates = Subtypes(schema.Node);
            if (DiscriminatorValue(schema) == kind) return schema;
            foreach (var (name, sub) in candidates)
                if (name == kind) return sub;
            known = candidates.Select(c => c.Value).ToList();
            return candidates.Count == 0 ? schema : null;
        }

        private static string? DiscriminatorValue(SpecSchema schema) =>
            (string?)(schema.Node["x-ms-discriminator-value"] as JsonValue) ?? schema.Name;

        private List<(string Value, SpecSchema Schema)> Subtypes(JsonObject baseNode)
        {
            subtypes ??= IndexSubtypes();
            return subtypes.TryGetValue(baseNode, out var list) ? list : new List<(string, SpecSchema)>();
        }

        /// <summary>Every definition whose allOf names a polymorphic base, across all loaded files (indirect subtypes included).</summary>
        private Dictionary<JsonObject, List<(string, SpecSchema)>> IndexSubtypes()
        {
            var index = new Dictionary<JsonObject, List<(string, SpecSchema)>>(ReferenceEqualityComparer.Instance);
            foreach (var doc in docs.Loaded.ToList())
            {
                if (doc.Root["definitions"] is not JsonObject definitions) continue;
                foreach (var (name, def) in definitions)
                {
                    if (def is not JsonObject defObj) continue;
                    var sub = new SpecSchema(doc, defObj, name);
                    foreach (var baseSchema in Ancestors(sub))
                    {
                        if (baseSchema.Node["discriminator"] is null) continue;
                        if (!index.TryGetValue(baseSchema.Node, out var list)) index[baseSchema.Node] = list = new();
                        list.Add((DiscriminatorValue(sub)!, sub));
                    }
                }
            }
            return index;
        }

        private IEnumerable<SpecSchema> Ancestors(SpecSchema schema)
        {
            if (schema.Node["allOf"] is not JsonArray allOf) yield break;
            foreach (var part in allOf.OfType<JsonObject>())
            {
                SpecSchema parent;
                try { parent = docs.Resolve(schema.Document, part); }
                catch (SpecReferenceException) { continue; } // a broken ref elsewhere in a file must not hide the rest
                yield return parent;
                foreach (var grand in Ancestors(parent)) yield return grand;
            }
        }
    }
}
