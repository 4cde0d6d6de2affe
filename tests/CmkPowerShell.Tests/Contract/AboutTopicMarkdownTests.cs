using System;
using System.Linq;

namespace CmkPowerShell.Tests.Contract
{
    /// <summary>
    /// What AboutTopicMarkdown emits, checked against what platyPS 0.14 does to an about topic (see its remarks; the
    /// outputs below were run through platyPS 0.14.2 New-ExternalHelp when this was written).
    /// </summary>
    public class AboutTopicMarkdownTests
    {
        [Fact]
        public void Two_asterisks_of_one_item_go_on_separate_lines()
        {
            var item = AboutTopicMarkdown.ListItem("Fix", AboutTopicMarkdown.Prose(
                "Use a vault of the order's cloud: *.vault.azure.net in the public cloud, *.vault.usgovcloudapi.net in US Gov."));

            Assert.Equal(new[]
            {
                @"- Fix: Use a vault of the order's cloud: \*.vault.azure.net in the public cloud,",
                @"\*.vault.usgovcloudapi.net in US Gov.",
            }, item);
            Assert.All(item, line => Assert.Null(AboutTopicMarkdown.LostInPlatyPs(line)));
            Assert.True(AboutTopicMarkdown.NeedsBlankLineAfter(item));
        }

        [Fact]
        public void A_code_span_breaks_at_a_space_between_its_asterisks()
        {
            var item = AboutTopicMarkdown.ListItem("Recognised by", "message matching " + AboutTopicMarkdown.Code(@"^\s*Could not fetch\.?\s*$"));

            Assert.Equal(new[] { @"- Recognised by: message matching `^\s*Could not", @"fetch\.?\s*$`" }, item);
        }

        [Fact]
        public void An_item_without_emphasis_stays_on_one_line()
        {
            var item = AboutTopicMarkdown.ListItem("Source", AboutTopicMarkdown.Prose("001_b2922f741fbba4d7.txt and Microsoft.KeyVault/vaults/*/read"));

            Assert.Equal(new[] { @"- Source: 001_b2922f741fbba4d7.txt and Microsoft.KeyVault/vaults/\*/read" }, item);
            Assert.False(AboutTopicMarkdown.NeedsBlankLineAfter(item));
        }

        [Theory]
        [InlineData(@"^\(x\)$")]      // platyPS resolves \( inside a code span too
        [InlineData("{v}_{k}_{x}")]   // an emphasis pair with no space to break at
        public void A_code_span_platyPS_would_alter_becomes_a_verbatim_span(string code)
            => Assert.Equal("``` " + code + " ```", AboutTopicMarkdown.Code(code));

        [Fact]
        public void Prose_with_an_unbreakable_pair_is_refused()
        {
            var e = Assert.Throws<ArgumentException>(() => AboutTopicMarkdown.ListItem("Meaning", AboutTopicMarkdown.Prose("server key {vault}_{key}_{version}")));
            Assert.Contains("reword", e.Message);
        }

        [Fact]
        public void A_break_before_a_list_marker_is_refused()
            => Assert.Throws<ArgumentException>(() => AboutTopicMarkdown.ListItem("Recognised by", AboutTopicMarkdown.Code("a * b * c")));

        [Fact]
        public void Prose_keeps_angle_brackets_literal_on_GitHub()
            => Assert.Equal(@"https://\<vault\>.vault.azure.net", AboutTopicMarkdown.Prose("https://<vault>.vault.azure.net"));

        [Theory]
        [InlineData("a *b* c")]
        [InlineData(@"a \*b\* c")]
        [InlineData("`a*b*c`")]
        [InlineData("{vault}_{key}_{version}")]
        [InlineData(@"{vault}\_{key}\_{version}")]
        [InlineData("see [docs](https://example.com)")]
        public void What_platyPS_drops_characters_of_is_found(string line)
            => Assert.NotNull(AboutTopicMarkdown.LostInPlatyPs(line));

        [Theory]
        [InlineData("snake_case_name and Key_Vault_x")]
        [InlineData("only one * here")]
        [InlineData("``` a*b*c ```")]
        public void What_platyPS_keeps_is_not_found(string line)
            => Assert.Null(AboutTopicMarkdown.LostInPlatyPs(line));

        [Fact]
        public void Plain_characters_resolve_escapes_outside_code_only()
            => Assert.Equal(@"a*b`x\*y`z", AboutTopicMarkdown.PlainCharacters(@"a\*b `x\*y` z"));
    }
}
