using System;
using System.IO;

namespace CmkPowerShell.Tests.Errors
{
    /// <summary>Finds the repository root and the shared seed documents from the test's base directory.</summary>
    internal static class ErrorTestPaths
    {
        private static readonly Lazy<string?> Root = new(() => WalkUp(dir => File.Exists(Path.Combine(dir, "CmkPowerShell.sln")) ? dir : null));

        // The seed docs live beside the checkout (../shared/seed-docs from the repo root); a worktree sits one
        // level deeper, so every ancestor is tried. CMK_SEED_DOCS points elsewhere when needed.
        private static readonly Lazy<string?> SeedDocs = new(() =>
        {
            var fromEnv = Environment.GetEnvironmentVariable("CMK_SEED_DOCS");
            if (!string.IsNullOrEmpty(fromEnv)) return Directory.Exists(fromEnv) ? fromEnv : null;
            return WalkUp(dir =>
            {
                var candidate = Path.Combine(dir, "shared", "seed-docs");
                return File.Exists(Path.Combine(candidate, "001_b2922f741fbba4d7.txt")) ? candidate : null;
            });
        });

        public static string RepoRoot => Root.Value ?? throw new InvalidOperationException(
            $"CmkPowerShell.sln not found above {AppContext.BaseDirectory}.");

        public static string? SeedDocsDirectory => SeedDocs.Value;

        public static string SeedDoc(string fileName)
            => Path.Combine(SeedDocsDirectory ?? throw new InvalidOperationException("Seed documents not found."), fileName);

        public const string SeedDocsMissing =
            "The seed documents (shared/seed-docs beside the repository, or CMK_SEED_DOCS) were not found, so the catalogue cannot be checked against them.";

        private static string? WalkUp(Func<string, string?> probe)
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (probe(dir.FullName) is { } found) return found;
            }
            return null;
        }
    }

    /// <summary>A fact that is skipped, saying why, when the seed documents are not on this machine.</summary>
    public sealed class SeedDocFactAttribute : FactAttribute
    {
        public SeedDocFactAttribute()
        {
            if (ErrorTestPaths.SeedDocsDirectory == null) Skip = ErrorTestPaths.SeedDocsMissing;
        }
    }
}
