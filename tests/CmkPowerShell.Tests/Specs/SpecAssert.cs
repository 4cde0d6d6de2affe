using System.Collections.Generic;
using System.Linq;
using CmkPowerShell.Emulator;

namespace CmkPowerShell.Tests.Specs
{
    internal static class SpecAssert
    {
        public static void NoViolations(IReadOnlyList<SpecViolation> violations, string what) =>
            Assert.True(violations.Count == 0, $"{what}:\n  " + string.Join("\n  ", violations.Select(v => $"{v.Path}: {v.Message}")));

        /// <summary>Exactly one violation, at <paramref name="path"/>; returns it for checks on the message.</summary>
        public static SpecViolation Single(IReadOnlyList<SpecViolation> violations, string path)
        {
            Assert.True(violations.Count == 1, "expected one violation, got: " + string.Join("; ", violations));
            Assert.Equal(path, violations[0].Path);
            return violations[0];
        }
    }
}
