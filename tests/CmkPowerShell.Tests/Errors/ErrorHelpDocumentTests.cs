using System;
using System.IO;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Tests.Contract;

namespace CmkPowerShell.Tests.Errors
{
    public class ErrorHelpDocumentTests
    {
        [Fact]
        public void The_committed_about_topic_matches_the_catalogue()
        {
            var path = Path.Combine(ErrorTestPaths.RepoRoot, ErrorHelpDocument.RelativePath);
            var expected = ErrorHelpDocument.Render();
            if (Environment.GetEnvironmentVariable("UPDATE_ERROR_DOCS") == "1")
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, expected);
            }
            Assert.True(File.Exists(path), $"{ErrorHelpDocument.RelativePath} is missing; run the tests with UPDATE_ERROR_DOCS=1 to generate it.");
            var committed = File.ReadAllText(path).Replace("\r\n", "\n");
            Assert.True(committed == expected,
                $"{ErrorHelpDocument.RelativePath} differs from the error catalogue; run the tests with UPDATE_ERROR_DOCS=1 to regenerate it.");
        }

        [Fact]
        public void The_about_topic_lists_every_error_id_with_its_fix()
        {
            var text = ErrorHelpDocument.Render();
            // platyPS about-topic layout: title, then the lookup name, then top-level sections.
            Assert.StartsWith("# CmkPowerShell Errors\n## about_CmkPowerShell_Errors\n", text);
            Assert.Contains("\n# SHORT DESCRIPTION\n", text);
            Assert.Contains("\n# LONG DESCRIPTION\n", text);
            // Catalogue text is escaped and may break across lines (AboutTopicMarkdown): compare what a reader sees.
            var plain = AboutTopicMarkdown.PlainCharacters(text);
            foreach (var entry in CmkErrorCatalogue.Entries)
            {
                Assert.Contains($"\n### {entry.ErrorId}\n", text);
                Assert.Contains("-Fix:" + AboutTopicMarkdown.Squash(entry.RecommendedAction) + "-Source:", plain);
            }
        }
    }
}
