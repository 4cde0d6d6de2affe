using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Tests.Errors
{
    public class ErrorCatalogueTests
    {
        private static IReadOnlyList<CmkErrorEntry> Entries => CmkErrorCatalogue.Entries;

        [Fact]
        public void Ids_are_unique_and_PascalCase()
        {
            var duplicates = Entries.GroupBy(e => e.ErrorId, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.Empty(duplicates);
            Assert.All(Entries, e => Assert.Matches("^[A-Z][A-Za-z0-9]+$", e.ErrorId));
        }

        [Fact]
        public void Every_entry_has_a_meaning_a_fix_a_source_and_services()
        {
            Assert.All(Entries, e =>
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Meaning), e.ErrorId);
                Assert.False(string.IsNullOrWhiteSpace(e.RecommendedAction), e.ErrorId);
                Assert.False(string.IsNullOrWhiteSpace(e.Source), e.ErrorId);
                Assert.NotEqual(CmkErrorServices.None, e.Services);
            });
        }

        [Fact]
        public void Every_input_error_names_its_parameter()
        {
            Assert.All(Entries.Where(e => e.Family == CmkErrorFamily.Input), e => Assert.False(string.IsNullOrEmpty(e.Parameter), e.ErrorId));
        }

        [Fact]
        public void Codes_checks_and_statuses_each_map_to_one_entry()
        {
            foreach (var (keys, what) in new (Func<CmkErrorEntry, IEnumerable<string>>, string)[]
            {
                (e => e.ServiceCodes, "code"), (e => e.CheckIds, "check"), (e => e.FallbackForStatus.Select(s => s.ToString()), "status"),
            })
            {
                var clashes = Entries.SelectMany(e => keys(e).Select(k => (Key: k.ToUpperInvariant(), e.ErrorId)))
                    .GroupBy(x => x.Key).Where(g => g.Count() > 1).Select(g => $"{what} {g.Key}: {string.Join(", ", g.Select(x => x.ErrorId))}").ToList();
                Assert.Empty(clashes);
            }
        }

        [Fact]
        public void Message_patterns_are_valid_regular_expressions()
        {
            Assert.All(Entries.SelectMany(e => e.MessagePatterns), p => _ = new Regex(p));
        }

        [Fact]
        public void Every_family_has_entries_and_the_fallbacks_exist()
        {
            foreach (CmkErrorFamily family in Enum.GetValues(typeof(CmkErrorFamily)))
                Assert.Contains(Entries, e => e.Family == family);

            var unknown = CmkErrorCatalogue.Get(CmkErrors.UnknownServiceErrorId);
            Assert.Equal(CmkErrorFamily.Service, unknown.Family);
            Assert.Equal(CmkErrorCategory.NotSpecified, unknown.Category);
            Assert.Equal("RequestThrottled", CmkErrorCatalogue.FindByStatus(429)?.ErrorId);
            Assert.Equal(CmkErrorFamily.Access, CmkErrorCatalogue.FindByStatus(401)?.Family);
            Assert.Equal(CmkErrorFamily.Access, CmkErrorCatalogue.FindByStatus(403)?.Family);
            Assert.Equal(CmkErrorFamily.Network, CmkErrorCatalogue.FindByStatus(0)?.Family);
            Assert.Equal(CmkErrorFamily.KeyVaultConfiguration, CmkErrorCatalogue.Get(CmkErrors.RequirementFailedId).Family);
        }

        [Theory]
        [InlineData("AuthorizationFailed")]
        [InlineData("LinkedAuthorizationFailed")]
        [InlineData("ResourceNotFound")]
        [InlineData("ResourceGroupNotFound")]
        [InlineData("SubscriptionNotFound")]
        [InlineData("InvalidApiVersionParameter")]
        [InlineData("TooManyRequests")]
        [InlineData("ExpiredAuthenticationToken")]
        [InlineData("InvalidAuthenticationToken")]
        [InlineData("InvalidAuthenticationTokenTenant")]
        [InlineData("Forbidden")]
        public void The_common_ARM_and_Key_Vault_codes_are_catalogued(string code)
        {
            Assert.NotNull(CmkErrorCatalogue.FindByCode(code));
        }

        [Fact]
        public void Seed_document_sources_name_existing_seed_documents()
        {
            var named = Entries.SelectMany(e => Regex.Matches(e.Source, @"\d{3}_[0-9a-f]{16}\.txt").Cast<Match>().Select(m => m.Value)).Distinct().ToList();
            Assert.NotEmpty(named);
            if (ErrorTestPaths.SeedDocsDirectory == null) return;
            Assert.All(named, f => Assert.True(File.Exists(ErrorTestPaths.SeedDoc(f)), f));
        }

        // ---------------- Coverage of the seed documents ----------------

        private const string NetAppDoc = "000_9cfddea33322c270.txt";
        private const string DataBoxDoc = "001_b2922f741fbba4d7.txt";
        private const string DataExplorerDoc = "002_7bb5e20a75f786ac.txt";
        private const string BatchDoc = "004_6a9f3355d7170975.txt";

        private static string Read(string doc) => File.ReadAllText(ErrorTestPaths.SeedDoc(doc));

        private static IEnumerable<string> TableRows(string text, string fromHeading)
        {
            var start = text.IndexOf(fromHeading, StringComparison.Ordinal);
            Assert.True(start >= 0, $"heading '{fromHeading}' not found");
            var next = text.IndexOf("\n## ", start + fromHeading.Length, StringComparison.Ordinal);
            var section = next < 0 ? text.Substring(start) : text.Substring(start, next - start);
            return section.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("|", StringComparison.Ordinal) && !l.StartsWith("|--", StringComparison.Ordinal) && !l.StartsWith("| --", StringComparison.Ordinal));
        }

        private static string FirstCell(string row) => row.Split('|')[1].Trim();

        [SeedDocFact]
        public void Every_Data_Box_SsemUserError_code_is_catalogued()
        {
            var codes = Regex.Matches(Read(DataBoxDoc), @"SsemUserError[A-Za-z]+").Cast<Match>().Select(m => m.Value).Distinct().ToList();
            Assert.Equal(15, codes.Count); // the table's 16 rows repeat SsemUserErrorKeyVaultBadRequestException
            Assert.All(codes, code =>
            {
                var entry = CmkErrorCatalogue.FindByCode(code);
                Assert.True(entry != null, $"{code} is not in the catalogue");
                Assert.True(entry!.Services.HasFlag(CmkErrorServices.DataBox), code);
                Assert.Contains(DataBoxDoc, entry.Source);
            });
        }

        [SeedDocFact]
        public void The_Data_Box_generic_error_is_recognised_by_its_message()
        {
            var row = TableRows(Read(DataBoxDoc), "## Troubleshoot errors").Single(r => FirstCell(r) == "Generic error");
            var message = row.Split('|')[2].Trim();
            Assert.Equal("DataBoxPasskeyFetchFailed", CmkErrorCatalogue.FindByMessage(message)?.ErrorId);
        }

        [SeedDocFact]
        public void Every_Data_Explorer_code_is_catalogued()
        {
            var codes = TableRows(Read(DataExplorerDoc), "## Common customer-managed keys errors")
                .Select(FirstCell).Where(c => Regex.IsMatch(c, "^[A-Z][A-Za-z]+$") && c != "Error").ToList();
            Assert.DoesNotContain("Error Code", codes);
            Assert.Equal(8, codes.Count);
            Assert.All(codes, code =>
            {
                var entry = CmkErrorCatalogue.FindByCode(code);
                Assert.True(entry != null, $"{code} is not in the catalogue");
                Assert.True(entry!.Services.HasFlag(CmkErrorServices.DataExplorer), code);
                Assert.Contains(DataExplorerDoc, entry.Source);
            });
        }

        [SeedDocFact]
        public void Every_NetApp_message_of_both_tables_is_catalogued()
        {
            var messages = TableRows(Read(NetAppDoc), "## Error messages and troubleshooting")
                .Select(FirstCell).Where(c => c.StartsWith("`", StringComparison.Ordinal)).Select(c => c.Trim('`')).ToList();
            Assert.Equal(11, messages.Count); // 8 account errors + 3 volume errors
            Assert.All(messages, message =>
            {
                var entry = CmkErrorCatalogue.FindByMessage(message);
                Assert.True(entry != null, $"'{message}' matches no catalogue pattern");
                Assert.True(entry!.Services.HasFlag(CmkErrorServices.NetAppFiles), message);
                Assert.Contains(NetAppDoc, entry.Source);
            });
            Assert.Equal(messages.Count, messages.Select(m => CmkErrorCatalogue.FindByMessage(m)!.ErrorId).Distinct().Count());
        }

        [SeedDocFact]
        public void Batch_documented_states_are_catalogued()
        {
            var faq = Read(BatchDoc);
            // The states the FAQ describes, and the entry that stands for each.
            var states = new (string Phrase, string ErrorId)[]
            {
                ("only supported for new Azure Batch accounts", "BatchCmkNotSupportedOnExistingAccount"),
                ("The only operation allowed is account deletion", "BatchKeyAccessRevoked"),
                ("accidentally delete the Key Vault key", "BatchKeyDeleted"),
                ("up to 10 minutes", "BatchAccountRecovering"),
            };
            Assert.All(states, s =>
            {
                Assert.Contains(s.Phrase, faq);
                var entry = CmkErrorCatalogue.Get(s.ErrorId);
                Assert.True(entry.Services.HasFlag(CmkErrorServices.Batch));
                Assert.Contains(BatchDoc, entry.Source);
            });
        }
    }
}
