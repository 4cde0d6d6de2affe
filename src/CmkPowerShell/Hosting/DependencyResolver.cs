using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace CmkPowerShell.Hosting
{
    /// <summary>
    /// Loads the module's dependencies (CmkPowerShell.Core, Azure.*, Microsoft.Identity.*, System.*) from the
    /// dependencies/ folder beside CmkPowerShell.dll, so the module works next to Az.Accounts:
    /// <list type="bullet">
    /// <item>PowerShell 7 (.NET): third-party assemblies into a load context of our own, so another module's
    /// Azure.Core of another version neither wins over ours nor clashes with it. Our own engine
    /// (CmkPowerShell.*) goes into the default context instead: PowerShell resolves type literals such as
    /// [CmkPowerShell.Core.Errors.CmkException] (catch blocks, -is, [OutputType]) only there;</item>
    /// <item>Windows PowerShell 5.1 (.NET Framework): by path, because 5.1 applies no binding redirects to
    /// modules and the netstandard2.0 packages ask for versions nobody else provides.</item>
    /// </list>
    /// This type must not touch any type from dependencies/: it runs before they can be resolved.
    /// </summary>
    public sealed class DependencyResolver : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private const string LoadContextName = "CmkPowerShell";
        private const string OwnAssemblyPrefix = "CmkPowerShell.";
        private const string EngineAssembly = "CmkPowerShell.Core";

        private static readonly Assembly Self = typeof(DependencyResolver).Assembly;
        private static readonly string DependencyFolder =
            Path.Combine(Path.GetDirectoryName(Self.Location) ?? ".", "dependencies");

        /// <summary>Simple name -> file, for every assembly we ship in dependencies/.</summary>
        private static readonly Dictionary<string, string> Shipped = IndexDependencies(DependencyFolder);

        /// <summary>Null on .NET Framework, where AssemblyLoadContext does not exist.</summary>
        private static readonly IsolatedLoadContext? Isolated = IsolatedLoadContext.TryCreate(LoadContextName);

        private static readonly object Gate = new object();
        private static int _registrations;

        public void OnImport()
        {
            // Import-Module -Force runs OnImport again without OnRemove; one handler is enough.
            lock (Gate)
            {
                if (_registrations++ == 0)
                {
                    AppDomain.CurrentDomain.AssemblyResolve += Resolve;
                }
            }
            // Load the engine now rather than on first use, so its types ([CmkPowerShell.Core.Errors.*] in a
            // catch block, enums for parameters) resolve in scripts right after Import-Module.
            Resolve(null, new ResolveEventArgs(EngineAssembly, Self));
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            lock (Gate)
            {
                if (_registrations > 0 && --_registrations == 0)
                {
                    AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
                }
            }
        }

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var wanted = new AssemblyName(args.Name);
            if (wanted.Name is null || !Shipped.TryGetValue(wanted.Name, out var path))
            {
                return null;
            }
            // Only answer our own requests: Az.Accounts asking for its Azure.Core must not get ours. On .NET
            // Framework the requester is sometimes unknown; then the name is all there is to go on.
            if (args.RequestingAssembly != null && !IsOurs(args.RequestingAssembly))
            {
                return null;
            }
            if (Isolated is null)
            {
                return Assembly.LoadFrom(path);
            }
            return wanted.Name.StartsWith(OwnAssemblyPrefix, StringComparison.OrdinalIgnoreCase)
                ? Isolated.LoadIntoDefaultContext(path)
                : Isolated.LoadFromPath(path);
        }

        private static bool IsOurs(Assembly assembly)
        {
            if (assembly == Self)
            {
                return true;
            }
            var location = SafeLocation(assembly);
            return location != null
                && string.Equals(Path.GetDirectoryName(location), DependencyFolder, StringComparison.OrdinalIgnoreCase);
        }

        private static string? SafeLocation(Assembly assembly)
        {
            try
            {
                return assembly.IsDynamic ? null : assembly.Location;
            }
            catch (NotSupportedException)
            {
                return null;
            }
        }

        private static Dictionary<string, string> IndexDependencies(string folder)
        {
            var index = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (!Directory.Exists(folder))
            {
                return index;
            }
            foreach (var file in Directory.GetFiles(folder, "*.dll"))
            {
                index[Path.GetFileNameWithoutExtension(file)] = file;
            }
            return index;
        }

        /// <summary>
        /// System.Runtime.Loader.AssemblyLoadContext reached by reflection: the module targets netstandard2.0,
        /// which does not expose it, yet every PowerShell 7 runtime has it.
        /// </summary>
        private sealed class IsolatedLoadContext
        {
            private readonly object _context;
            private readonly object _defaultContext;
            private readonly MethodInfo _loadFromAssemblyPath;

            private IsolatedLoadContext(object context, object defaultContext, MethodInfo loadFromAssemblyPath)
            {
                _context = context;
                _defaultContext = defaultContext;
                _loadFromAssemblyPath = loadFromAssemblyPath;
            }

            public static IsolatedLoadContext? TryCreate(string name)
            {
                var type = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false);
                var constructor = type?.GetConstructor(new[] { typeof(string), typeof(bool) });
                var load = type?.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) });
                var defaultContext = type?.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
                if (constructor is null || load is null || defaultContext is null)
                {
                    return null;
                }
                // Not collectible: cmdlet types keep references into it for the life of the process.
                return new IsolatedLoadContext(constructor.Invoke(new object[] { name, false }), defaultContext, load);
            }

            public Assembly LoadFromPath(string path) => LoadOnce(_context, path);

            /// <summary>
            /// Not Assembly.LoadFrom: on .NET it would also resolve the assembly's own dependencies from the same
            /// folder into the default context, undoing the isolation.
            /// </summary>
            public Assembly LoadIntoDefaultContext(string path) => LoadOnce(_defaultContext, path);

            private Assembly LoadOnce(object context, string path)
            {
                lock (this)
                {
                    // LoadFromAssemblyPath throws if the same path is loaded twice into one context; the
                    // resolve event may fire again for an assembly already loaded here.
                    foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
                    {
                        if (!loaded.IsDynamic && string.Equals(SafeLocation(loaded), path, StringComparison.OrdinalIgnoreCase))
                        {
                            return loaded;
                        }
                    }
                    return (Assembly)_loadFromAssemblyPath.Invoke(context, new object[] { path });
                }
            }
        }
    }
}
