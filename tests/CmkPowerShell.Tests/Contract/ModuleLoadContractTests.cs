using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace CmkPowerShell.Tests.Contract
{
    /// <summary>What CmkPowerShell.dll may contain so that Import-Module works before the dependency resolver runs.</summary>
    public class ModuleLoadContractTests
    {
        private const BindingFlags AllFields =
            BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

        /// <summary>
        /// PowerShell loads the module's types while it looks for cmdlets, before OnImport installs the resolver for
        /// dependencies/. Laying out a type loads the types of its value-type fields, so a field of an enum or struct
        /// from CmkPowerShell.Core (say, the auto-property backing field of a CmkService parameter) makes Import-Module
        /// fail with "Could not load file or assembly 'CmkPowerShell.Core'". Reference-type fields are not loaded then.
        /// </summary>
        [Fact]
        public void No_field_of_the_module_assembly_has_a_value_type_from_a_dependency()
        {
            var module = BuiltModule.Instance;
            var shipped = new HashSet<string>(
                System.IO.Directory.GetFiles(module.DependenciesDir, "*.dll").Select(System.IO.Path.GetFileNameWithoutExtension)!,
                StringComparer.OrdinalIgnoreCase);
            Assert.Contains("CmkPowerShell.Core", shipped);

            var offenders = new List<string>();
            foreach (var type in module.Assembly.GetTypes())
            {
                foreach (var field in type.GetFields(AllFields))
                {
                    var foreign = ForeignValueTypes(field.FieldType, shipped).ToList();
                    if (foreign.Count > 0)
                    {
                        offenders.Add($"{type.FullName}.{field.Name}: {string.Join(", ", foreign)}");
                    }
                }
            }
            Assert.True(offenders.Count == 0,
                "These fields make PowerShell load a dependency before the resolver exists (box the value into an object field): "
                + string.Join("; ", offenders));
        }

        /// <summary>Value types, the field's own or its generic arguments', defined in an assembly from dependencies/.</summary>
        private static IEnumerable<string> ForeignValueTypes(Type type, ISet<string> shipped)
        {
            if (!type.IsValueType)
            {
                yield break;
            }
            var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            if (shipped.Contains(definition.Assembly.GetName().Name!))
            {
                yield return $"{type.FullName} from {definition.Assembly.GetName().Name}";
            }
            if (type.IsGenericType)
            {
                foreach (var argument in type.GetGenericArguments().SelectMany(a => ForeignValueTypes(a, shipped)))
                {
                    yield return argument;
                }
            }
        }
    }
}
