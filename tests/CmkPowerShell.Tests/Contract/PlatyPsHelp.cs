using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace CmkPowerShell.Tests.Contract
{
    /// <summary>A docs/help/&lt;Cmdlet&gt;.md file split the way platyPS (schema 2.0.0) writes it.</summary>
    public sealed class PlatyPsHelp
    {
        public static readonly string[] SectionOrder =
        {
            "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS",
        };

        private PlatyPsHelp(string path, string header, string title, List<(string Name, string Body)> sections)
        {
            Path = path;
            Header = header;
            Title = title;
            Sections = sections;
        }

        public string Path { get; }
        /// <summary>The YAML front matter between the two --- lines.</summary>
        public string Header { get; }
        /// <summary>The text of the single "# " heading.</summary>
        public string Title { get; }
        public IReadOnlyList<(string Name, string Body)> Sections { get; }

        public string Section(string name) => Sections.FirstOrDefault(s => s.Name == name).Body ?? string.Empty;

        /// <summary>"### " headings inside a section, with their bodies.</summary>
        public IReadOnlyList<(string Name, string Body)> SubSections(string section)
            => SplitOn(Section(section), "### ");

        public static PlatyPsHelp Parse(string path)
        {
            var text = File.ReadAllText(path).Replace("\r\n", "\n");
            var match = Regex.Match(text, @"\A---\n(?<yaml>.*?)\n---\n(?<rest>.*)\z", RegexOptions.Singleline);
            if (!match.Success)
            {
                throw new FormatException($"{path}: no YAML front matter (--- ... ---) at the top.");
            }
            var rest = match.Groups["rest"].Value;
            var title = Regex.Match(rest, @"^# (?<t>.+)$", RegexOptions.Multiline).Groups["t"].Value.Trim();
            return new PlatyPsHelp(path, match.Groups["yaml"].Value, title, SplitOn(rest, "## "));
        }

        private static List<(string Name, string Body)> SplitOn(string text, string marker)
        {
            var result = new List<(string, string)>();
            string? current = null;
            var body = new List<string>();
            var inCode = false;
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("```", StringComparison.Ordinal))
                {
                    inCode = !inCode;
                }
                if (!inCode && line.StartsWith(marker, StringComparison.Ordinal))
                {
                    if (current != null) result.Add((current, string.Join("\n", body)));
                    current = line.Substring(marker.Length).Trim();
                    body.Clear();
                }
                else if (current != null)
                {
                    body.Add(line);
                }
            }
            if (current != null) result.Add((current, string.Join("\n", body)));
            return result;
        }
    }
}
