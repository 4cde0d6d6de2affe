using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CmkPowerShell.Tests.Contract
{
    /// <summary>
    /// The help users get (src/CmkPowerShell/en-US, copied into the module by every build) is generated from
    /// docs/help by platyPS and committed, because platyPS is not available where the module is built. These tests
    /// catch a docs/help edit that was not regenerated: synopsis, description, every parameter, every example.
    /// </summary>
    public class CommittedHelpTests
    {
        public const string Regenerate =
            "docs/help and the committed help in src/CmkPowerShell/en-US disagree: regenerate it with " +
            "`./build.ps1 -Task Help` (pwsh with platyPS 0.14 on PSModulePath) and commit src/CmkPowerShell/en-US.";

        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        private static string RepoRoot => BuiltModule.Instance.RepoRoot;
        private static string HelpDir => Path.Combine(RepoRoot, "src", "CmkPowerShell", "en-US");

        public static IEnumerable<object[]> HelpPages()
            => Directory.GetFiles(Path.Combine(BuiltModule.Instance.RepoRoot, "docs", "help"), "*-*.md")
                .Select(p => new object[] { Path.GetFileNameWithoutExtension(p) })
                .OrderBy(p => (string)p[0], StringComparer.Ordinal);

        public static IEnumerable<object[]> AboutTopics()
            => Directory.GetFiles(Path.Combine(BuiltModule.Instance.RepoRoot, "docs", "help"), "about_*.md")
                .Select(p => new object[] { Path.GetFileNameWithoutExtension(p) })
                .OrderBy(p => (string)p[0], StringComparer.Ordinal);

        [Fact]
        public void The_committed_MAML_has_exactly_the_cmdlets_of_docs_help()
        {
            var documented = HelpPages().Select(p => (string)p[0]).ToArray();
            var committed = CommandsInMaml().Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.True(documented.SequenceEqual(committed),
                $"{Regenerate}\ndocs/help: {string.Join(", ", documented)}\nMAML: {string.Join(", ", committed)}");
        }

        [Theory]
        [MemberData(nameof(HelpPages))]
        public void The_committed_MAML_says_what_docs_help_says(string cmdlet)
        {
            var page = PlatyPsHelp.Parse(Path.Combine(RepoRoot, "docs", "help", cmdlet + ".md"));
            Assert.True(CommandsInMaml().TryGetValue(cmdlet, out var command), $"{Regenerate}\n{cmdlet} is not in the MAML.");

            Same(cmdlet, "synopsis", Prose(page.Section("SYNOPSIS")), Paras(command!.Element(Command + "details")!.Element(Maml + "description")));
            Same(cmdlet, "description", Prose(page.Section("DESCRIPTION")), Paras(command.Element(Maml + "description")));

            var parameters = command.Element(Command + "parameters")?.Elements(Command + "parameter")
                .ToDictionary(p => p.Element(Maml + "name")!.Value, StringComparer.Ordinal) ?? new Dictionary<string, XElement>();
            var pageParameters = page.SubSections("PARAMETERS")
                .Where(s => s.Name.StartsWith("-", StringComparison.Ordinal))   // not "### CommonParameters"
                .ToDictionary(s => s.Name.Substring(1), s => s.Body, StringComparer.Ordinal);
            Same(cmdlet, "parameter names", string.Join(", ", pageParameters.Keys.OrderBy(n => n, StringComparer.Ordinal)),
                string.Join(", ", parameters.Keys.OrderBy(n => n, StringComparer.Ordinal)));
            foreach (var (name, body) in pageParameters)
            {
                var yaml = Regex.Match(body, "```yaml\n(?<y>.*?)```", RegexOptions.Singleline).Groups["y"].Value;
                Same(cmdlet, $"-{name} description", Prose(body), Paras(parameters[name].Element(Maml + "description")));
                Same(cmdlet, $"-{name} type", YamlValue(yaml, "Type"), parameters[name].Element(Dev + "type")?.Element(Maml + "name")?.Value ?? "");
                Same(cmdlet, $"-{name} aliases", YamlValue(yaml, "Aliases"), parameters[name].Attribute("aliases")?.Value ?? "");
            }

            var pageExamples = page.SubSections("EXAMPLES");
            var examples = command.Element(Command + "examples")?.Elements(Command + "example").ToList() ?? new List<XElement>();
            Same(cmdlet, "example count", pageExamples.Count.ToString(), examples.Count.ToString());
            for (var i = 0; i < pageExamples.Count; i++)
            {
                var (title, body) = pageExamples[i];
                var example = examples[i];
                // platyPS centres short titles between dashes.
                Same(cmdlet, $"example {i + 1} title", title, example.Element(Maml + "title")!.Value.Trim('-', ' '));
                Same(cmdlet, $"'{title}' code", Code(body), Normalize(example.Element(Dev + "code")!.Value));
                Same(cmdlet, $"'{title}' remarks", Prose(body), Paras(example.Element(Dev + "remarks")));
            }
        }

        [Theory]
        [MemberData(nameof(AboutTopics))]
        public void The_committed_about_topic_says_what_docs_help_says(string topic)
        {
            var path = Path.Combine(HelpDir, topic + ".help.txt");
            Assert.True(File.Exists(path), $"{Regenerate}\n{path} is missing.");
            // platyPS replaces the title with "TOPIC <name>", re-wraps the text to 80 columns, drops code fences, resolves
            // backslash escapes and turns "#" headings into plain (some upper-case) lines: compare every other character
            // from SHORT DESCRIPTION on, without whitespace and case. Nothing else may differ: a '*' or '_' platyPS took
            // for emphasis and dropped is a lost character (AboutTopicMarkdown says how to keep it).
            var markdown = File.ReadAllText(Path.Combine(RepoRoot, "docs", "help", topic + ".md"));
            var expected = FromShortDescription(AboutTopicMarkdown.PlainCharacters(markdown));
            var actual = FromShortDescription(AboutTopicMarkdown.Squash(File.ReadAllText(path)));
            Assert.True(expected.Length > 0, $"{topic}.md has no SHORT DESCRIPTION heading.");
            var at = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => char.ToUpperInvariant(expected[i]) != char.ToUpperInvariant(actual[i]), -1);
            if (at < 0 && expected.Length != actual.Length) at = Math.Min(expected.Length, actual.Length);
            Assert.True(at < 0,
                $"{Regenerate}\n{topic} differs (whitespace removed): docs/help has '{Near(expected, at)}', the committed topic has '{Near(actual, at)}'. " +
                "If it persists after regenerating, platyPS 0.14 dropped an emphasis-like '*' or '_': see AboutTopicMarkdown.");
        }

        [Theory]
        [MemberData(nameof(AboutTopics))]
        public void The_about_topic_has_no_line_platyPS_reads_as_emphasis(string topic)
        {
            // The drift check above needs a regeneration to notice; this names the line at once.
            var lines = File.ReadAllLines(Path.Combine(RepoRoot, "docs", "help", topic + ".md"));
            var inFence = false;
            var lost = new List<string>();
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
                else if (!inFence && !lines[i].StartsWith("#", StringComparison.Ordinal) && AboutTopicMarkdown.LostInPlatyPs(lines[i]) is { } text)
                    lost.Add($"line {i + 1}: '{text}'");
            }
            Assert.True(lost.Count == 0,
                $"docs/help/{topic}.md has text platyPS 0.14 takes for emphasis or a link and drops characters of in " +
                $"{topic}.help.txt (backslash escapes and code spans do not stop it); put the two delimiters on separate " +
                $"lines or reword:\n{string.Join("\n", lost)}");
        }

        private static Dictionary<string, XElement> CommandsInMaml()
        {
            var path = Path.Combine(HelpDir, "CmkPowerShell.dll-Help.xml");
            Assert.True(File.Exists(path), $"{Regenerate}\n{path} is missing.");
            return XDocument.Load(path).Root!.Elements(Command + "command")
                .ToDictionary(c => c.Element(Command + "details")!.Element(Command + "name")!.Value, StringComparer.Ordinal);
        }

        private static void Same(string cmdlet, string what, string fromDocs, string fromMaml)
            => Assert.True(fromDocs == fromMaml,
                $"{Regenerate}\n{cmdlet} {what}:\n  docs/help: {fromDocs}\n  MAML:      {fromMaml}");

        /// <summary>The text of a markdown block outside code fences, whitespace collapsed.</summary>
        private static string Prose(string markdown)
            => Normalize(Regex.Replace(markdown, "```.*?```", " ", RegexOptions.Singleline));

        /// <summary>The contents of the code fences of a markdown block.</summary>
        private static string Code(string markdown)
            => Normalize(string.Join("\n", Regex.Matches(markdown, "```[a-z]*\n(?<c>.*?)```", RegexOptions.Singleline).Select(m => m.Groups["c"].Value)));

        private static string Paras(XElement? description)
            => Normalize(string.Join(" ", description?.Elements(Maml + "para").Select(p => p.Value) ?? Array.Empty<string>()));

        private static string YamlValue(string yaml, string key)
        {
            var value = Regex.Match(yaml, "^" + key + ": *(?<v>.*)$", RegexOptions.Multiline).Groups["v"].Value.Trim();
            // platyPS writes "none" for a parameter without aliases.
            return key == "Aliases" && (value.Length == 0 || value == "None") ? "none" : value;
        }

        private static string Normalize(string text) => Regex.Replace(text, @"\s+", " ").Trim();

        private static string FromShortDescription(string squashed)
        {
            var start = squashed.IndexOf("SHORTDESCRIPTION", StringComparison.Ordinal);
            return start < 0 ? "" : squashed.Substring(start);
        }

        private static string Near(string text, int at)
            => text.Substring(Math.Max(0, at - 30), Math.Min(text.Length - Math.Max(0, at - 30), 60));
    }
}
