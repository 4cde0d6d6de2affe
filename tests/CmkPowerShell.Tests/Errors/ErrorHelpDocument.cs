using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Tests.Contract;

namespace CmkPowerShell.Tests.Errors
{
    /// <summary>
    /// Renders docs/help/about_CmkPowerShell_Errors.md from the error catalogue, so the help cannot drift from
    /// what the module throws. ErrorHelpDocumentTests compares it with the committed file (UPDATE_ERROR_DOCS=1 rewrites it).
    /// Catalogue text goes through <see cref="AboutTopicMarkdown"/>, so that GitHub and the about_*.help.txt that
    /// platyPS 0.14 makes of this file both show every character of it.
    /// </summary>
    internal static class ErrorHelpDocument
    {
        public const string RelativePath = "docs/help/about_CmkPowerShell_Errors.md";

        private static readonly (CmkErrorFamily Family, string Type, string Title, string Description)[] Families =
        {
            (CmkErrorFamily.KeyVaultConfiguration, nameof(KeyVaultConfigurationException), "Key vault configuration",
                "The key vault is set up in a way the service cannot use: soft delete, purge protection, region, firewall, private endpoint."),
            (CmkErrorFamily.KeyState, nameof(KeyStateException), "Key state",
                "The key itself cannot be used: missing, disabled, expired, not yet active, or of the wrong type, size or permitted operations."),
            (CmkErrorFamily.Access, nameof(CmkAccessException), "Access and identity",
                "The caller or the resource's managed identity is not authenticated, not allowed, or absent."),
            (CmkErrorFamily.Network, nameof(CmkNetworkException), "Network",
                "The service could not be reached or did not answer in time."),
            (CmkErrorFamily.UnsupportedOperation, nameof(CmkUnsupportedOperationException), "Unsupported operation",
                "The service does not support the change in the resource's current state."),
            (CmkErrorFamily.Throttled, nameof(CmkThrottledException), "Throttled",
                "Azure throttled the request; the exception's RetryAfter property holds the wait the service asked for."),
            (CmkErrorFamily.Service, nameof(CmkServiceException), "Service error",
                "Anything else the service reported, including codes this module does not know (id ServiceError)."),
            (CmkErrorFamily.Input, nameof(CmkInputException), "Input",
                "A parameter value cannot be used as given; the exception's ParameterName names the parameter."),
        };

        public static string Render()
        {
            var entries = CmkErrorCatalogue.Entries;
            var sb = new StringBuilder();
            void Line(string text = "") => sb.Append(text).Append('\n');

            Line("# CmkPowerShell Errors");
            Line("## about_CmkPowerShell_Errors");
            Line();
            Line("# SHORT DESCRIPTION");
            Line();
            Line("Every error id that CmkPowerShell reports, with its family, category, meaning and fix.");
            Line();
            Line("# LONG DESCRIPTION");
            Line();
            Line("CmkPowerShell turns every failure into an ErrorRecord of one shape:");
            Line();
            Line("- FullyQualifiedErrorId is `<ErrorId>,<command type>`, e.g. `KeyVaultNotPurgeProtected,CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand`.");
            Line("- CategoryInfo.Category is the error's category (a PowerShell ErrorCategory).");
            Line("- TargetObject is the resource id or key URI the error is about.");
            Line("- ErrorDetails.RecommendedAction is the fix.");
            Line("- The exception keeps the service's own code and message (ServiceCode, ServiceMessage) and whether you can fix the cause (UserCanFix).");
            Line();
            Line("The same failure reads the same whether the service reported it at once, at the end of a long-running");
            Line("operation, or Test-AzCmkKeyVault predicted it from a failed requirement check. A failed precondition of the");
            Line("whole command is a terminating error; one failed item among many pipeline inputs is a non-terminating error");
            Line("and the others go on. Several failed requirement checks at once are reported as CmkRequirementFailed, typed by");
            Line("the first failed check's family, with every check listed.");
            Line();
            Line("An error code this module does not know is reported as ServiceError (category NotSpecified) with the");
            Line("service's code and message kept.");
            Line();
            Line("## Error families");
            Line();
            Line("Catch a family by its exception type, in the CmkPowerShell.Core.Errors namespace; all derive from CmkException.");
            Line();
            Line("| Family | Exception type | What it means |");
            Line("|---|---|---|");
            foreach (var f in Families) Line(Checked($"| {Prose(f.Title)} | {Prose(f.Type)} | {Prose(f.Description)} |"));
            Line();

            foreach (var f in Families)
            {
                Line($"## {f.Title} ({f.Type})");
                Line();
                foreach (var e in entries.Where(e => e.Family == f.Family))
                {
                    Line($"### {e.ErrorId}");
                    Line();
                    var items = new List<IReadOnlyList<string>>
                    {
                        Item("Category", Prose(e.Category.ToString())),
                        Item("Services", Prose(Services(e.Services))),
                    };
                    var recognised = Recognised(e);
                    if (recognised.Length > 0) items.Add(Item("Recognised by", recognised));
                    if (e.Parameter != null) items.Add(Item("Parameter", Prose("-" + e.Parameter)));
                    items.Add(Item("You can fix the cause", e.UserCanFix ? "yes" : "no"));
                    items.Add(Item("Meaning", Prose(e.Meaning)));
                    items.Add(Item("Fix", Prose(e.RecommendedAction)));
                    items.Add(Item("Source", Prose(e.Source)));
                    foreach (var item in items)
                    {
                        foreach (var line in item) Line(line);
                        if (AboutTopicMarkdown.NeedsBlankLineAfter(item) && item != items[items.Count - 1]) Line();
                    }
                    Line();
                }
            }

            Line("# EXAMPLES");
            Line();
            Line("## Catch a family by type");
            Line();
            Line("```powershell");
            Line("try {");
            Line("    Set-AzCmkEncryption -ResourceId $clusterId -KeyUri $keyUri -ErrorAction Stop");
            Line("}");
            Line("catch [CmkPowerShell.Core.Errors.KeyVaultConfigurationException] {");
            Line("    Write-Warning \"Fix the vault first: $($_.ErrorDetails.RecommendedAction)\"");
            Line("}");
            Line("catch [CmkPowerShell.Core.Errors.CmkThrottledException] {");
            Line("    Start-Sleep -Seconds $_.Exception.RetryAfter.TotalSeconds");
            Line("}");
            Line("```");
            Line();
            Line("## Branch on the error id");
            Line();
            Line("```powershell");
            Line("Get-AzCmkEncryption -ResourceId $ids -ErrorVariable failures -ErrorAction SilentlyContinue");
            Line("$failures | Where-Object { $_.FullyQualifiedErrorId -like 'AuthorizationFailed,*' } | ForEach-Object TargetObject");
            Line("```");
            Line();
            Line("# NOTE");
            Line();
            Line("This topic is generated from the error catalogue (CmkPowerShell.Core.Errors.CmkErrorCatalogue); a test fails");
            Line("when the two differ. Run the tests with UPDATE_ERROR_DOCS=1 to regenerate it.");
            Line();
            Line("# SEE ALSO");
            Line();
            Line("- about_CmkPowerShell");
            Line("- Test-AzCmkKeyVault");
            return sb.ToString();
        }

        private static string Prose(string text) => AboutTopicMarkdown.Prose(text);

        private static string Code(string code) => AboutTopicMarkdown.Code(code);

        private static IReadOnlyList<string> Item(string label, string value) => AboutTopicMarkdown.ListItem(label, value);

        /// <summary>A line that cannot break (a table row) must hold nothing platyPS 0.14 would drop.</summary>
        private static string Checked(string line)
            => AboutTopicMarkdown.LostInPlatyPs(line) is { } lost
                ? throw new InvalidOperationException($"'{lost}' would lose characters in the about topic (platyPS 0.14 emphasis); reword: {line}")
                : line;

        private static string Services(CmkErrorServices services)
        {
            if (services == CmkErrorServices.Any) return "all";
            var names = new List<string>();
            if ((services & CmkErrorServices.AllCmkServices) == CmkErrorServices.AllCmkServices)
            {
                names.Add("all five CMK services");
                services &= ~CmkErrorServices.AllCmkServices;
            }
            foreach (CmkErrorServices flag in Enum.GetValues(typeof(CmkErrorServices)))
            {
                if (IsSingleFlag(flag) && services.HasFlag(flag)) names.Add(flag.ToString());
            }
            return string.Join(", ", names);
        }

        private static bool IsSingleFlag(CmkErrorServices flag) => flag != 0 && ((int)flag & ((int)flag - 1)) == 0;

        private static string Recognised(CmkErrorEntry e)
        {
            var parts = new List<string>();
            if (e.ServiceCodes.Count > 0) parts.Add("service code " + string.Join(", ", e.ServiceCodes.Select(Code)));
            if (e.MessagePatterns.Count > 0) parts.Add("message matching " + string.Join(", ", e.MessagePatterns.Select(Code)));
            if (e.CheckIds.Count > 0) parts.Add("failed requirement check " + string.Join(", ", e.CheckIds.Select(Code)));
            if (e.FallbackForStatus.Count > 0)
                parts.Add("HTTP status " + string.Join(", ", e.FallbackForStatus.Select(s => s == 0 ? "none (no answer)" : s.ToString())) + " when nothing more specific matched");
            return string.Join("; ", parts);
        }
    }
}
