using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace CmkPowerShell.Tests.Contract
{
    /// <summary>
    /// Markdown for about topics that reads the same on GitHub and in the about_*.help.txt platyPS 0.14 makes of it.
    /// </summary>
    /// <remarks>
    /// platyPS 0.14 (PowerShell/platyPS tag 0.14.2, src/Markdown.MAML/Parser/MarkdownParser.cs) finds emphasis and
    /// links in an about topic with regular expressions over the raw text, before it resolves backslash escapes, and
    /// it knows no code spans: any two '*' on one line, two '_' that could open and close emphasis on one line, or
    /// "[text](url)" lose their delimiters (and the url) whatever escapes or backticks surround them; the text around
    /// them is broken onto separate lines. What it leaves intact: a line break (a space in both renderers) and a
    /// ``` span, which it prints verbatim as an indented block. Afterwards it resolves \\ \` \* \_ \[ \] \( \) \&lt; \&gt;
    /// everywhere, inside code spans too. So about-topic Markdown keeps every such pair on separate lines, and shows a
    /// code span holding one of those escapes, or a pair it cannot split, as a ``` span.
    /// </remarks>
    public static class AboutTopicMarkdown
    {
        // What platyPS 0.14 reads as emphasis or a link on one line (its "bold", "italic", "bold2", "italic2" and
        // "hyperlink" patterns, which the two emphasis patterns here include).
        private static readonly Regex PlatyPsInline = new Regex(
            @"\*.+?\*|(?<![A-Za-z0-9])_.+?_(?![A-Za-z0-9])|\[.+?\]\(.*\)", RegexOptions.Compiled);

        // Both GitHub and platyPS drop the backslash before these; escaping them keeps them literal on GitHub. An '_'
        // between letters or digits is literal in both already.
        private static readonly Regex ProseSpecial = new Regex(@"[\\`*\[\]<>]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", RegexOptions.Compiled);

        // platyPS resolves these escapes inside code spans as well, where GitHub shows the backslash.
        private static readonly Regex PlatyPsEscape = new Regex(@"\\[\\`*_\[\]()<>]", RegexOptions.Compiled);

        // A line starting with one of these begins a list item or heading on GitHub instead of continuing the text. Only
        // a word of a code span can be one where a line breaks (prose escapes '*' and '_').
        private static readonly Regex BlockStart = new Regex(@"^([-+*]|#+|=+|\d+[.)])$", RegexOptions.Compiled);

        private static readonly Regex Verbatim = new Regex("```.*?```", RegexOptions.Compiled | RegexOptions.Singleline);

        /// <summary>Plain text as Markdown: every character GitHub or platyPS would take as markup is escaped.</summary>
        public static string Prose(string text) => ProseSpecial.Replace(text, @"\$0");

        /// <summary>A code span both renderers show as given (a ``` span when platyPS would alter a `span`).</summary>
        public static string Code(string code)
        {
            if (code.Contains('`') || code.StartsWith(" ", StringComparison.Ordinal) || code.EndsWith(" ", StringComparison.Ordinal))
                throw new ArgumentException($"Code span '{code}' has a backtick or an outer space; give it as plain text.", nameof(code));
            var unsplittable = code.Split(' ').Any(word => PlatyPsInline.IsMatch(word));
            // GitHub strips the one space inside each fence; platyPS would take a word right after ``` as a language.
            return unsplittable || PlatyPsEscape.IsMatch(code) ? "``` " + code + " ```" : "`" + code + "`";
        }

        /// <summary>
        /// The first text on <paramref name="line"/> that platyPS 0.14 would render as emphasis or a link, losing
        /// characters; null when there is none.
        /// </summary>
        public static string? LostInPlatyPs(string line)
        {
            var match = PlatyPsInline.Match(Verbatim.Replace(line, " "));
            return match.Success ? match.Value : null;
        }

        /// <summary>
        /// "- label: value" as lines that platyPS reads without losing a character: the value (from
        /// <see cref="Prose"/> and <see cref="Code"/>) breaks at a space wherever one line would hold an
        /// emphasis pair. A single line break is a space on GitHub (a lazy continuation of the item) and a line break or
        /// space in platyPS.
        /// </summary>
        public static IReadOnlyList<string> ListItem(string label, string value)
        {
            var lines = new List<string>();
            var line = new StringBuilder("- " + label + ":");
            foreach (var word in Words(value))
            {
                if (LostInPlatyPs(word) is { } lost)
                    throw new ArgumentException($"'{lost}' in \"{value}\" would lose characters in platyPS 0.14 and has no space to break at; reword it.", nameof(value));
                if (LostInPlatyPs(line + " " + word) != null)
                {
                    // Not indented: platyPS keeps the indent as spaces in the text, inside a code span too.
                    if (BlockStart.IsMatch(word))
                        throw new ArgumentException($"\"{value}\" would need a line starting with '{word}', which GitHub reads as a new block; reword it.", nameof(value));
                    lines.Add(line.ToString());
                    line.Clear().Append(word);
                }
                else
                {
                    line.Append(' ').Append(word);
                }
            }
            lines.Add(line.ToString());
            return lines;
        }

        /// <summary>
        /// Whether platyPS 0.14 keeps the list after this item: it joins the next item onto a continuation line or
        /// onto the text after a ``` span unless a blank line separates them.
        /// </summary>
        public static bool NeedsBlankLineAfter(IReadOnlyList<string> item) => item.Count > 1 || item.Any(l => l.Contains("```"));

        /// <summary>
        /// The characters a reader should see, as <see cref="Squash"/> leaves them: fences removed, backslash escapes
        /// resolved outside code, code verbatim. Compared with what platyPS wrote, it shows a lost character.
        /// </summary>
        public static string PlainCharacters(string markdown)
        {
            // A code span may wrap onto the next line but ends with its paragraph (a lone ` stays text).
            var parts = Regex.Split(markdown, @"(```.*?```|`(?:[^`\n]|\n(?![ \t]*\n))+`)", RegexOptions.Singleline);
            var text = string.Concat(parts.Select(p => p.StartsWith("`", StringComparison.Ordinal)
                ? Regex.Replace(p, @"^```\w*|```$", "")
                : Regex.Replace(p, @"\\([!-/:-@\[-`{-~])", "$1")));
            return Squash(text);
        }

        /// <summary>Text without whitespace and '#' (platyPS turns headings into plain lines).</summary>
        public static string Squash(string text) => Regex.Replace(text, @"[\s\uFEFF#]", "");

        private static IEnumerable<string> Words(string value)
        {
            var at = 0;
            foreach (Match verbatim in Verbatim.Matches(value))
            {
                foreach (var word in value.Substring(at, verbatim.Index - at).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    yield return word;
                yield return verbatim.Value;
                at = verbatim.Index + verbatim.Length;
            }
            foreach (var word in value.Substring(at).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                yield return word;
        }
    }
}
