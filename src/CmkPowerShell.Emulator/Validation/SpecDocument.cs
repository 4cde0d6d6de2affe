using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator.Validation
{
    /// <summary>A schema node together with the file it was read from, so that its relative $refs resolve.</summary>
    public sealed class SpecSchema
    {
        internal SpecSchema(SpecDocument document, JsonObject node, string? name)
        {
            Document = document;
            Node = node;
            Name = name;
        }

        internal SpecDocument Document { get; }
        internal JsonObject Node { get; }

        /// <summary>The definition name when the schema is a named definition (e.g. "NetAppAccountPatch").</summary>
        public string? Name { get; }

        /// <summary>The file the schema lives in, relative to the specs root.</summary>
        public string File => Document.RelativePath;

        public override string ToString() => Name is null ? File : File + "#/definitions/" + Name;
    }

    /// <summary>One parsed swagger file.</summary>
    internal sealed class SpecDocument
    {
        public SpecDocument(string fullPath, string relativePath, JsonObject root)
        {
            FullPath = fullPath;
            RelativePath = relativePath;
            Root = root;
        }

        public string FullPath { get; }
        public string RelativePath { get; }
        public JsonObject Root { get; }
        public string Directory => Path.GetDirectoryName(FullPath)!;
    }

    /// <summary>
    /// Every swagger file under the specs root, parsed once, and $ref resolution across them
    /// (relative file path + JSON pointer, as the Azure specs write them).
    /// </summary>
    internal sealed class SpecDocumentSet
    {
        private readonly string root;
        private readonly Dictionary<string, SpecDocument> byPath = new(StringComparer.Ordinal);
        private readonly IReadOnlyDictionary<string, string> fileAliases;

        /// <param name="fileAliases">
        /// Files a spec refers to that were not published next to it, mapped (relative to the root) to an
        /// identical file elsewhere in the tree.
        /// </param>
        public SpecDocumentSet(string root, IReadOnlyDictionary<string, string> fileAliases)
        {
            this.root = Path.GetFullPath(root);
            this.fileAliases = fileAliases;
        }

        public IEnumerable<SpecDocument> Loaded => byPath.Values;

        public SpecDocument Get(string fullPath)
        {
            fullPath = Path.GetFullPath(fullPath);
            if (byPath.TryGetValue(fullPath, out var doc)) return doc;

            var relative = Path.GetRelativePath(root, fullPath).Replace('\\', '/');
            var source = fullPath;
            if (!File.Exists(source) && fileAliases.TryGetValue(relative, out var alias))
                source = Path.Combine(root, alias);
            if (!File.Exists(source))
                throw new SpecReferenceException($"referenced file '{relative}' is not in the specs tree");

            var parsed = JsonNode.Parse(File.ReadAllText(source)) as JsonObject
                ?? throw new SpecReferenceException($"'{relative}' is not a JSON object");
            doc = new SpecDocument(fullPath, relative, parsed);
            byPath[fullPath] = doc;
            return doc;
        }

        /// <summary>Follows $ref chains until a node without $ref; keeps the definition name when there is one.</summary>
        public SpecSchema Resolve(SpecDocument from, JsonObject node, string? name = null)
        {
            for (var hops = 0; node["$ref"] is JsonValue refValue; hops++)
            {
                if (hops > 32) throw new SpecReferenceException($"$ref cycle in '{from.RelativePath}'");
                (from, node, name) = Follow(from, refValue.GetValue<string>());
            }
            return new SpecSchema(from, node, name);
        }

        private (SpecDocument, JsonObject, string?) Follow(SpecDocument from, string reference)
        {
            var hash = reference.IndexOf('#');
            var filePart = hash < 0 ? reference : reference.Substring(0, hash);
            var pointer = hash < 0 ? "" : reference.Substring(hash + 1);
            var target = filePart.Length == 0 ? from : Get(Path.Combine(from.Directory, Uri.UnescapeDataString(filePart)));

            JsonNode? node = target.Root;
            string? last = null;
            foreach (var raw in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                last = Uri.UnescapeDataString(raw).Replace("~1", "/").Replace("~0", "~");
                node = node is JsonObject obj ? obj[last] : null;
            }
            if (node is not JsonObject result)
                throw new SpecReferenceException($"'{reference}' (from '{from.RelativePath}') does not resolve");
            var isDefinition = pointer.StartsWith("/definitions/", StringComparison.Ordinal);
            return (target, result, isDefinition ? last : null);
        }
    }

    /// <summary>A $ref that does not resolve inside the specs tree.</summary>
    public sealed class SpecReferenceException : Exception
    {
        public SpecReferenceException(string message) : base(message) { }
    }
}
