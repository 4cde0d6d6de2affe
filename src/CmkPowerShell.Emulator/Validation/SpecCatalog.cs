using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator.Validation
{
    /// <summary>
    /// The operations of every swagger file under the specs root, indexed by (method, path template,
    /// api-version), and the validation of request and response bodies against them.
    /// </summary>
    /// <remarks>
    /// Every swagger file in the tree is loaded: the tree holds only the pinned api-versions and the older
    /// ones kept beside them (INDEX.md), so "all files" is exactly that set. Operations whose own $refs do
    /// not resolve (Key Vault 2026-02-01 network security perimeter operations, an upstream quirk) are left
    /// out and listed in <see cref="SkippedOperations"/>. Thread-safe: the emulator validates concurrent requests.
    /// </remarks>
    public sealed class SpecCatalog : IRequestBodyValidator
    {
        /// <summary>The folder name the specs are shipped under, next to the emulator's dll.</summary>
        public const string DefaultFolderName = "Specs";

        /// <summary>The violation path used when the body as a whole is wrong (missing, not allowed, wrong type).</summary>
        public const string BodyPath = "(body)";

        private static readonly string[] Methods = { "get", "put", "patch", "post", "delete", "head" };

        // Published specs that refer to a file not published next to them; INDEX.md says which identical file to use.
        private static readonly IReadOnlyDictionary<string, string> FileAliases = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["specification/cosmos-db/resource-manager/Microsoft.DocumentDB/DocumentDB/stable/2025-10-15/cosmos-db.json"] =
                "specification/cosmos-db/resource-manager/Microsoft.DocumentDB/stable/2024-05-15/cosmos-db.json",
        };

        private readonly object gate = new();
        private readonly SchemaModel model;
        private readonly Dictionary<(string Method, string ApiVersion), List<SpecOperation>> index = new();
        private readonly List<SpecOperation> operations = new();
        private readonly List<string> skipped = new();

        private SpecCatalog(SpecDocumentSet docs)
        {
            model = new SchemaModel(docs);
        }

        /// <summary>Every indexed operation.</summary>
        public IReadOnlyList<SpecOperation> Operations => operations;

        /// <summary>"operationId (file): reason" for operations left out because their spec does not resolve.</summary>
        public IReadOnlyList<string> SkippedOperations => skipped;

        /// <summary>The specs shipped beside the emulator's assembly.</summary>
        public static SpecCatalog LoadDefault() =>
            Load(Path.Combine(AppContext.BaseDirectory, DefaultFolderName));

        /// <param name="specsRoot">The folder holding "specification/" (e.g. the emulator's Specs folder).</param>
        public static SpecCatalog Load(string specsRoot)
        {
            var root = Path.GetFullPath(specsRoot);
            var specification = Path.Combine(root, "specification");
            if (!Directory.Exists(specification))
                throw new DirectoryNotFoundException($"No 'specification' folder under '{root}'.");

            var docs = new SpecDocumentSet(root, FileAliases);
            var catalog = new SpecCatalog(docs);
            var files = Directory.EnumerateFiles(specification, "*.json", SearchOption.AllDirectories)
                .Where(f => !f.Replace('\\', '/').Contains("/examples/", StringComparison.Ordinal))
                .OrderBy(f => f, StringComparer.Ordinal);
            foreach (var file in files)
            {
                var doc = docs.Get(file);
                if (doc.Root["swagger"] is null) continue;
                catalog.AddOperations(docs, doc);
            }
            return catalog;
        }

        private void AddOperations(SpecDocumentSet docs, SpecDocument doc)
        {
            var apiVersion = (string?)doc.Root["info"]?["version"];
            if (apiVersion is null) return;
            foreach (var section in new[] { "paths", "x-ms-paths" })
            {
                if (doc.Root[section] is not JsonObject paths) continue;
                foreach (var (template, item) in paths)
                {
                    if (item is not JsonObject pathItem) continue;
                    foreach (var method in Methods)
                    {
                        if (pathItem[method] is not JsonObject op) continue;
                        var id = (string?)op["operationId"] ?? $"{method} {template}";
                        try
                        {
                            var operation = BuildOperation(docs, doc, apiVersion, template, method, pathItem, op, id);
                            operations.Add(operation);
                            var key = (operation.Method, apiVersion);
                            if (!index.TryGetValue(key, out var list)) index[key] = list = new();
                            list.Add(operation);
                        }
                        catch (SpecReferenceException e)
                        {
                            skipped.Add($"{id} ({doc.RelativePath}): {e.Message}");
                        }
                    }
                }
            }
        }

        private static SpecOperation BuildOperation(
            SpecDocumentSet docs, SpecDocument doc, string apiVersion, string template, string method,
            JsonObject pathItem, JsonObject op, string operationId)
        {
            // Operation-level parameters override path-level ones of the same name and location.
            var parameters = new Dictionary<(string, string), SpecParameter>();
            foreach (var source in new[] { pathItem["parameters"], op["parameters"] })
                foreach (var raw in (source as JsonArray ?? new JsonArray()).OfType<JsonObject>())
                {
                    var p = docs.Resolve(doc, raw);
                    var name = (string)p.Node["name"]!;
                    var location = (string)p.Node["in"]!;
                    // Resolved now so that a broken body ref leaves the operation out instead of failing a request.
                    var schema = p.Node["schema"] is JsonObject s ? docs.Resolve(p.Document, s) : null;
                    parameters[(name, location)] = new SpecParameter(
                        name, location, (bool?)p.Node["required"] ?? false,
                        (bool?)p.Node["x-ms-skip-url-encoding"] ?? false, schema);
                }

            var responses = new Dictionary<string, SpecSchema?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (status, raw) in op["responses"] as JsonObject ?? new JsonObject())
            {
                if (raw is not JsonObject r) continue;
                var resolved = docs.Resolve(doc, r);
                responses[status] = resolved.Node["schema"] is JsonObject s ? docs.Resolve(resolved.Document, s) : null;
            }

            var examples = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (title, raw) in op["x-ms-examples"] as JsonObject ?? new JsonObject())
            {
                var relative = (string?)raw?["$ref"];
                if (relative is null) continue;
                var full = Path.GetFullPath(Path.Combine(doc.Directory, relative));
                if (File.Exists(full)) examples[title] = full;
            }

            var multiSegment = new HashSet<string>(parameters.Values.Where(p => p.In == "path" && p.SkipUrlEncoding).Select(p => p.Name));
            return new SpecOperation(
                operationId, method.ToUpperInvariant(), new PathTemplate(template, multiSegment), apiVersion, doc.RelativePath,
                parameters.Values.ToList(), responses,
                (bool?)op["x-ms-long-running-operation"] ?? false,
                (string?)op["x-ms-long-running-operation-options"]?["final-state-via"],
                examples);
        }

        /// <summary>The operation a request addresses; null when no loaded spec has it at that api-version.</summary>
        /// <param name="path">The request path, optionally with its query string.</param>
        public SpecOperation? FindOperation(string method, string path, string apiVersion)
        {
            if (!index.TryGetValue((method.ToUpperInvariant(), apiVersion), out var candidates)) return null;
            var (segments, query) = PathTemplate.SplitPathAndQuery(path);
            return candidates
                .Where(o => o.Template.Matches(segments, query))
                .OrderByDescending(o => o.Template.LiteralCount)
                .ThenByDescending(o => o.Template.HasQueryCondition)
                .FirstOrDefault();
        }

        /// <summary>
        /// Violations of the request body against the operation's body parameter. No operation found means
        /// no spec to check against: the caller's routing decides what such a request gets.
        /// </summary>
        public IReadOnlyList<SpecViolation> Validate(string method, string path, string apiVersion, JsonNode? body)
        {
            var operation = FindOperation(method, path, apiVersion);
            return operation is null ? Array.Empty<SpecViolation>() : ValidateRequest(operation, body);
        }

        public IReadOnlyList<SpecViolation> ValidateRequest(SpecOperation operation, JsonNode? body)
        {
            var bodyParameter = operation.Body;
            if (bodyParameter?.Schema is null)
            {
                // Clients send "{}" or nothing to body-less POSTs (renewCredentials); anything more is not Azure's API.
                return body is JsonObject { Count: > 0 } or JsonArray or JsonValue
                    ? new[] { new SpecViolation(BodyPath, $"{operation.OperationId} takes no request body") }
                    : Array.Empty<SpecViolation>();
            }
            if (body is null)
                return bodyParameter.Required
                    ? new[] { new SpecViolation(BodyPath, $"{operation.OperationId} requires a request body") }
                    : Array.Empty<SpecViolation>();
            return Walk(bodyParameter.Schema, body, BodyDirection.Request);
        }

        /// <summary>
        /// Violations of an answer: the status must be one the operation declares (or an error status covered by
        /// "default"), and the body must match that status' schema, read-only properties included.
        /// </summary>
        public IReadOnlyList<SpecViolation> ValidateResponse(SpecOperation operation, int status, JsonNode? body)
        {
            var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.TryGetValue(code, out var schema))
            {
                if (status < 400 || !operation.Responses.TryGetValue("default", out schema))
                    return new[] { new SpecViolation(BodyPath, $"status {status} is not declared by {operation.OperationId} (declared: {string.Join(", ", operation.Responses.Keys)})") };
            }
            if (schema is null) return Array.Empty<SpecViolation>();
            // ARM's async contract: a 202 Accepted may come without a body even where the spec gives it a schema;
            // clients take the result from the operation, not from the 202.
            if (body is null && status is 202 or 204) return Array.Empty<SpecViolation>();
            if (body is null)
                return new[] { new SpecViolation(BodyPath, $"status {status} of {operation.OperationId} must have a body ({schema})") };
            return Walk(schema, body, BodyDirection.Response);
        }

        private IReadOnlyList<SpecViolation> Walk(SpecSchema schema, JsonNode? value, BodyDirection direction)
        {
            // JsonObject materialises its children lazily on first read and the caches are plain dictionaries.
            lock (gate)
            {
                var validator = new SchemaValidator(model, direction);
                validator.Check(schema, value, "");
                return validator.Violations;
            }
        }
    }
}
