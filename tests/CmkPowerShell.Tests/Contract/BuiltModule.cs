using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CmkPowerShell.Tests.Contract
{
    /// <summary>
    /// The module as shipped (out/CmkPowerShell, laid out by building src/CmkPowerShell, which this test
    /// project does first), read with MetadataLoadContext against PowerShell's reference assembly: nothing of
    /// it is executed, so the tests need no PowerShell.
    /// </summary>
    public sealed class BuiltModule : IDisposable
    {
        private static readonly Lazy<BuiltModule> Shared = new Lazy<BuiltModule>(() => new BuiltModule());
        public static BuiltModule Instance => Shared.Value;

        public const string SmaName = "System.Management.Automation";

        private readonly MetadataLoadContext _context;

        private BuiltModule()
        {
            RepoRoot = FindRepoRoot();
            ModuleDir = Path.Combine(RepoRoot, "out", "CmkPowerShell");
            var moduleDll = Path.Combine(ModuleDir, "CmkPowerShell.dll");
            if (!File.Exists(moduleDll))
            {
                throw new InvalidOperationException($"{moduleDll} is missing: build src/CmkPowerShell (dotnet build) first.");
            }
            SmaReferencePath = Path.Combine(AppContext.BaseDirectory, "contract-refs", SmaName + ".dll");

            // The runtime's own assemblies stand in for netstandard; the module's copies of the same names are
            // older facades and would only shadow them.
            var runtime = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll");
            var runtimeNames = new HashSet<string>(runtime.Select(Path.GetFileNameWithoutExtension)!, StringComparer.OrdinalIgnoreCase);
            var dependencies = Directory.GetFiles(DependenciesDir, "*.dll")
                .Where(p => !runtimeNames.Contains(Path.GetFileNameWithoutExtension(p)));
            var resolver = new PathAssemblyResolver(runtime.Concat(dependencies).Append(moduleDll).Append(SmaReferencePath));
            _context = new MetadataLoadContext(resolver, coreAssemblyName: typeof(object).Assembly.GetName().Name);

            Assembly = _context.LoadFromAssemblyPath(moduleDll);
            Sma = _context.LoadFromAssemblyName(SmaName);
            Cmdlets = Assembly.GetTypes()
                .Where(t => t.IsClass && !t.IsAbstract && Attribute(t, "CmdletAttribute") != null)
                .Select(t => new CmdletModel(t, this))
                .OrderBy(c => c.Name, StringComparer.Ordinal)
                .ToList();
        }

        public string RepoRoot { get; }
        public string ModuleDir { get; }
        public string DependenciesDir => Path.Combine(ModuleDir, "dependencies");
        public string SmaReferencePath { get; }
        public Assembly Assembly { get; }
        public Assembly Sma { get; }
        public IReadOnlyList<CmdletModel> Cmdlets { get; }

        public Assembly Load(string path) => _context.LoadFromAssemblyPath(path);

        public Type SmaType(string name) => Sma.GetType(SmaName + "." + name, throwOnError: true)!;

        public static CustomAttributeData? Attribute(MemberInfo member, string attributeName)
            => Attributes(member, attributeName).FirstOrDefault();

        public static IEnumerable<CustomAttributeData> Attributes(MemberInfo member, string attributeName)
            => member.GetCustomAttributesData().Where(a => a.AttributeType.Name == attributeName
                && a.AttributeType.Namespace == SmaName);

        public static IEnumerable<object[]> CmdletNames() => Instance.Cmdlets.Select(c => new object[] { c.Name });

        public CmdletModel Cmdlet(string name) => Cmdlets.Single(c => c.Name == name);

        private static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CmkPowerShell.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("CmkPowerShell.sln not found above " + AppContext.BaseDirectory);
        }

        public void Dispose() => _context.Dispose();
    }

    /// <summary>What PowerShell will see of one cmdlet class.</summary>
    public sealed class CmdletModel
    {
        public CmdletModel(Type type, BuiltModule module)
        {
            Type = type;
            var cmdlet = BuiltModule.Attribute(type, "CmdletAttribute")!;
            Verb = (string)cmdlet.ConstructorArguments[0].Value!;
            Noun = (string)cmdlet.ConstructorArguments[1].Value!;
            SupportsShouldProcess = Named(cmdlet, "SupportsShouldProcess") is true;
            ConfirmImpact = Named(cmdlet, "ConfirmImpact") is int impact ? impact : 2; // Medium, PowerShell's default
            OutputTypes = BuiltModule.Attributes(type, "OutputTypeAttribute")
                .SelectMany(a => a.ConstructorArguments)
                .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> items ? items : new[] { arg })
                .Select(arg => arg.Value is Type t ? t.FullName! : (string)arg.Value!)
                .ToList();
            Parameters = AllMembers(type)
                .Select(m => (Member: m, Attributes: BuiltModule.Attributes(m, "ParameterAttribute").ToList()))
                .Where(p => p.Attributes.Count > 0)
                .Select(p => new ParameterModel(p.Member.Name, MemberType(p.Member), p.Attributes))
                .ToList();
            var switchType = module.SmaType("SwitchParameter");
            IsSwitch = Parameters.Where(p => p.Type == switchType).Select(p => p.Name).ToHashSet();
        }

        public Type Type { get; }
        public string Verb { get; }
        public string Noun { get; }
        public string Name => Verb + "-" + Noun;
        public bool SupportsShouldProcess { get; }
        public int ConfirmImpact { get; }
        public IReadOnlyList<string> OutputTypes { get; }
        public IReadOnlyList<ParameterModel> Parameters { get; }
        public ISet<string> IsSwitch { get; }

        public override string ToString() => Name;

        private static object? Named(CustomAttributeData attribute, string name)
            => attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => a.TypedValue.Value).FirstOrDefault();

        private static IEnumerable<MemberInfo> AllMembers(Type type)
            => type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Cast<MemberInfo>()
                .Concat(type.GetFields(BindingFlags.Public | BindingFlags.Instance));

        private static Type MemberType(MemberInfo member)
            => member is PropertyInfo p ? p.PropertyType : ((FieldInfo)member).FieldType;
    }

    public sealed class ParameterModel
    {
        public ParameterModel(string name, Type type, IReadOnlyList<CustomAttributeData> attributes)
        {
            Name = name;
            Type = type;
            HelpMessages = attributes
                .Select(a => a.NamedArguments.Where(n => n.MemberName == "HelpMessage").Select(n => n.TypedValue.Value as string).FirstOrDefault())
                .ToList();
        }

        public string Name { get; }
        public Type Type { get; }
        /// <summary>One per [Parameter] attribute (parameter set); null where the attribute has none.</summary>
        public IReadOnlyList<string?> HelpMessages { get; }
    }
}
