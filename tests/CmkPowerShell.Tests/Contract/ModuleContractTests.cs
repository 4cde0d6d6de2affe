using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CmkPowerShell.Tests.Contract
{
    /// <summary>The promises every cmdlet keeps to PowerShell users, checked on the built module.</summary>
    public class ModuleContractTests
    {
        /// <summary>Verbs whose cmdlets change something outside the session's own variables: -WhatIf/-Confirm.</summary>
        private static readonly HashSet<string> StateChangingVerbs = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Add", "Approve", "Block", "Clear", "Deny", "Deploy", "Disable", "Disconnect", "Dismount", "Enable",
            "Grant", "Initialize", "Install", "Invoke", "Lock", "Mount", "Move", "New", "Protect", "Publish",
            "Register", "Remove", "Rename", "Repair", "Reset", "Restart", "Restore", "Resume", "Revoke", "Set",
            "Start", "Stop", "Submit", "Suspend", "Sync", "Unblock", "Uninstall", "Unlock", "Unprotect",
            "Unpublish", "Unregister", "Update",
        };

        /// <summary>Parameters platyPS documents although no cmdlet class declares them.</summary>
        private static readonly HashSet<string> EngineParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "WhatIf", "Confirm", "ProgressAction",
        };

        private static BuiltModule Module => BuiltModule.Instance;

        public static IEnumerable<object[]> Cmdlets() => BuiltModule.CmdletNames();

        [Fact]
        public void The_module_has_the_connection_cmdlets()
        {
            var names = Module.Cmdlets.Select(c => c.Name).ToList();
            Assert.Contains("Connect-AzCmk", names);
            Assert.Contains("Disconnect-AzCmk", names);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_uses_an_approved_verb(string cmdlet)
        {
            var approved = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Contract", "ApprovedVerbs.txt"))
                .Where(l => l.Length > 0 && !l.StartsWith("#", StringComparison.Ordinal))
                .Select(l => l.Split('\t')[0])
                .ToHashSet(StringComparer.Ordinal);
            Assert.True(approved.Count > 90, "the approved verb list failed to load");
            Assert.Contains(Module.Cmdlet(cmdlet).Verb, approved);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void State_changing_cmdlet_supports_ShouldProcess(string cmdlet)
        {
            var model = Module.Cmdlet(cmdlet);
            if (StateChangingVerbs.Contains(model.Verb))
            {
                Assert.True(model.SupportsShouldProcess, $"{cmdlet} changes state but does not declare SupportsShouldProcess.");
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_derives_from_CmkCmdlet(string cmdlet)
        {
            // The base class is what gives every cmdlet the same ErrorRecord shape and Ctrl+C behaviour.
            var baseNames = new List<string>();
            for (var t = Module.Cmdlet(cmdlet).Type.BaseType; t != null; t = t.BaseType) baseNames.Add(t.FullName!);
            Assert.Contains("CmkPowerShell.CmkCmdlet", baseNames);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_declares_OutputType_with_a_table_view(string cmdlet)
        {
            var model = Module.Cmdlet(cmdlet);
            Assert.NotEmpty(model.OutputTypes);
            var format = XDocument.Load(Path.Combine(Module.ModuleDir, "CmkPowerShell.format.ps1xml"));
            var tableViews = format.Descendants("View")
                .Where(v => v.Element("TableControl") != null)
                .SelectMany(v => v.Descendants("TypeName").Select(t => t.Value.Trim()))
                .ToHashSet(StringComparer.Ordinal);
            foreach (var type in model.OutputTypes.Where(t => !t.StartsWith("System.", StringComparison.Ordinal)))
            {
                Assert.True(tableViews.Contains(type), $"{cmdlet} outputs {type}, which has no table view in CmkPowerShell.format.ps1xml.");
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Every_parameter_has_a_help_message(string cmdlet)
        {
            foreach (var parameter in Module.Cmdlet(cmdlet).Parameters)
            {
                Assert.True(parameter.HelpMessages.All(m => !string.IsNullOrWhiteSpace(m)),
                    $"{cmdlet} -{parameter.Name}: a [Parameter] attribute has no HelpMessage.");
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_has_platyPS_help(string cmdlet)
        {
            var model = Module.Cmdlet(cmdlet);
            var path = Path.Combine(Module.RepoRoot, "docs", "help", cmdlet + ".md");
            Assert.True(File.Exists(path), $"{cmdlet} has no help file {path}.");
            var help = PlatyPsHelp.Parse(path);

            foreach (var key in new[] { "external help file: CmkPowerShell.dll-Help.xml", "Module Name: CmkPowerShell", "online version:", "schema: 2.0.0" })
            {
                Assert.True(help.Header.Contains(key, StringComparison.Ordinal), $"{path}: front matter lacks '{key}'.");
            }
            Assert.Equal(cmdlet, help.Title);
            Assert.False(File.ReadAllText(path).Contains("{{", StringComparison.Ordinal), $"{path}: still has platyPS placeholders ({{ ... }}).");
            Assert.Equal(PlatyPsHelp.SectionOrder, help.Sections.Select(s => s.Name).ToArray());
            foreach (var section in new[] { "SYNOPSIS", "SYNTAX", "DESCRIPTION" })
            {
                Assert.False(string.IsNullOrWhiteSpace(help.Section(section)), $"{path}: ## {section} is empty.");
            }
            Assert.Contains("```", help.Section("SYNTAX"));

            var examples = help.SubSections("EXAMPLES");
            Assert.True(examples.Count >= 2, $"{path}: needs at least two examples, has {examples.Count}.");
            for (var i = 0; i < examples.Count; i++)
            {
                Assert.StartsWith($"Example {i + 1}", examples[i].Name);
                Assert.True(Regex.IsMatch(examples[i].Body, "```powershell\n.*" + Regex.Escape(cmdlet), RegexOptions.Singleline),
                    $"{path}: '{examples[i].Name}' has no powershell code block using {cmdlet}.");
            }

            var documented = help.SubSections("PARAMETERS").ToDictionary(s => s.Name, s => s.Body, StringComparer.Ordinal);
            var declared = model.Parameters.Select(p => p.Name).ToList();
            if (model.SupportsShouldProcess)
            {
                declared.Add("WhatIf");
                declared.Add("Confirm");
            }
            foreach (var parameter in declared)
            {
                Assert.True(documented.TryGetValue("-" + parameter, out var body), $"{path}: parameter -{parameter} is not documented.");
                Assert.True(Regex.IsMatch(body!, @"```yaml\n(.*\n)*?Type: \S+"), $"{path}: -{parameter} lacks its platyPS yaml block.");
                var expectedType = model.IsSwitch.Contains(parameter) || parameter is "WhatIf" or "Confirm" ? "SwitchParameter" : null;
                if (expectedType != null)
                {
                    Assert.Contains("Type: " + expectedType, body);
                }
            }
            var stale = documented.Keys.Where(k => k.StartsWith("-", StringComparison.Ordinal))
                .Select(k => k.Substring(1))
                .Where(k => !declared.Contains(k) && !EngineParameters.Contains(k))
                .ToList();
            Assert.True(stale.Count == 0, $"{path}: documents parameters the cmdlet does not have: {string.Join(", ", stale)}.");
            Assert.True(documented.ContainsKey("CommonParameters"), $"{path}: no ### CommonParameters.");

            var outputs = help.SubSections("OUTPUTS").Select(s => s.Name).ToList();
            foreach (var type in model.OutputTypes)
            {
                Assert.True(outputs.Contains(type), $"{path}: ## OUTPUTS does not list {type}.");
            }
        }

        [Fact]
        public void Manifest_exports_exactly_the_cmdlet_classes()
        {
            var manifest = ManifestText();
            var exported = ListValue(manifest, "CmdletsToExport");
            Assert.Equal(Module.Cmdlets.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal),
                exported.OrderBy(n => n, StringComparer.Ordinal));
            foreach (var key in new[] { "FunctionsToExport", "VariablesToExport", "AliasesToExport" })
            {
                Assert.Empty(ListValue(manifest, key));
            }
        }

        [Fact]
        public void Manifest_describes_a_module_for_both_editions()
        {
            var manifest = ManifestText();
            Assert.Equal("CmkPowerShell.dll", ScalarValue(manifest, "RootModule"));
            Assert.Equal("5.1", ScalarValue(manifest, "PowerShellVersion"));
            Assert.Matches(@"^\d+\.\d+\.\d+$", ScalarValue(manifest, "ModuleVersion"));
            Assert.True(Guid.TryParse(ScalarValue(manifest, "GUID"), out _));
            Assert.Equal(new[] { "Core", "Desktop" }, ListValue(manifest, "CompatiblePSEditions").OrderBy(e => e));
            var formats = ListValue(manifest, "FormatsToProcess");
            Assert.Equal(new[] { "CmkPowerShell.format.ps1xml" }, formats);
            foreach (var key in new[] { "Tags", "LicenseUri", "ProjectUri" })
            {
                Assert.Matches(@"(?m)^\s*" + key + @"\s*=", manifest);
            }
        }

        [Fact]
        public void Module_folder_isolates_its_dependencies()
        {
            var rootDlls = Directory.GetFiles(Module.ModuleDir, "*.dll").Select(Path.GetFileName).ToList();
            Assert.Equal(new[] { "CmkPowerShell.dll" }, rootDlls);
            Assert.Empty(Directory.GetFiles(Module.ModuleDir, BuiltModule.SmaName + ".dll", SearchOption.AllDirectories));
            Assert.True(File.Exists(Path.Combine(Module.ModuleDir, "CmkPowerShell.psd1")));
            Assert.Equal(File.ReadAllText(Path.Combine(Module.RepoRoot, "CmkPowerShell.psd1")),
                File.ReadAllText(Path.Combine(Module.ModuleDir, "CmkPowerShell.psd1")));

            // Everything the module and its dependencies ask for is either in dependencies/ or part of the
            // platform (netstandard, PowerShell).
            var shipped = Directory.GetFiles(Module.DependenciesDir, "*.dll")
                .ToDictionary(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase);
            Assert.Contains("CmkPowerShell.Core", shipped.Keys);
            foreach (var reference in Module.Assembly.GetReferencedAssemblies())
            {
                if (reference.Name is "netstandard" or BuiltModule.SmaName) continue;
                Assert.True(shipped.ContainsKey(reference.Name!), $"CmkPowerShell.dll needs {reference.Name}, which is not in dependencies/.");
            }
        }

        [Fact]
        public void Core_never_references_PowerShell()
        {
            var core = Module.Load(Path.Combine(Module.DependenciesDir, "CmkPowerShell.Core.dll"));
            Assert.DoesNotContain(core.GetReferencedAssemblies(), r => r.Name!.StartsWith("System.Management.Automation", StringComparison.Ordinal)
                || r.Name.StartsWith("Microsoft.PowerShell", StringComparison.Ordinal));
            var project = File.ReadAllText(Path.Combine(Module.RepoRoot, "src", "CmkPowerShell.Core", "CmkPowerShell.Core.csproj"));
            Assert.DoesNotMatch(@"Include=""[^""]*(PowerShellStandard|System\.Management\.Automation|Microsoft\.PowerShell)", project);
        }

        [Fact]
        public void Emulator_never_references_Core()
        {
            var emulator = Path.Combine(AppContext.BaseDirectory, "CmkPowerShell.Emulator.dll");
            Assert.True(File.Exists(emulator), emulator + " not built");
            var assembly = Module.Load(emulator);
            Assert.DoesNotContain(assembly.GetReferencedAssemblies(), r => r.Name == "CmkPowerShell.Core" || r.Name == "CmkPowerShell");
            var project = File.ReadAllText(Path.Combine(Module.RepoRoot, "src", "CmkPowerShell.Emulator", "CmkPowerShell.Emulator.csproj"));
            Assert.DoesNotMatch(@"Include=""[^""]*CmkPowerShell\.Core", project);
        }

        [Fact]
        public void Every_CmkErrorCategory_maps_by_name_onto_ErrorCategory()
        {
            var core = Module.Load(Path.Combine(Module.DependenciesDir, "CmkPowerShell.Core.dll"));
            var ours = EnumMembers(core.GetType("CmkPowerShell.Core.Errors.CmkErrorCategory", throwOnError: true)!);
            var powershell = EnumMembers(Module.SmaType("ErrorCategory"));
            Assert.Equal(powershell, ours);
        }

        private static SortedDictionary<string, long> EnumMembers(Type enumType)
            => new SortedDictionary<string, long>(enumType.GetFields()
                .Where(f => f.IsStatic && f.IsLiteral)
                .ToDictionary(f => f.Name, f => Convert.ToInt64(f.GetRawConstantValue())), StringComparer.Ordinal);

        private static string ManifestText()
        {
            var lines = File.ReadAllLines(Path.Combine(Module.RepoRoot, "CmkPowerShell.psd1"))
                .Select(l => Regex.Replace(l, @"^\s*#.*$", string.Empty));
            return string.Join("\n", lines);
        }

        private static string ScalarValue(string manifest, string key)
        {
            var match = Regex.Match(manifest, @"(?m)^\s*" + key + @"\s*=\s*['""](?<v>[^'""]*)['""]");
            Assert.True(match.Success, $"the manifest has no {key}");
            return match.Groups["v"].Value;
        }

        private static IReadOnlyList<string> ListValue(string manifest, string key)
        {
            var match = Regex.Match(manifest, @"(?m)^\s*" + key + @"\s*=\s*@\((?<v>[^)]*)\)");
            Assert.True(match.Success, $"the manifest has no {key} = @(...)");
            return Regex.Matches(match.Groups["v"].Value, @"'(?<s>[^']*)'|""(?<s>[^""]*)""").Select(m => m.Groups["s"].Value).ToList();
        }
    }
}
