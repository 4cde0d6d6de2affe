using System;
using System.Globalization;

namespace CmkPowerShell.Core.KeyVault
{
    /// <summary>
    /// Key URIs and resource ids are taken exactly as typed or refused, never rewritten. System.Uri and ARM normalise
    /// what they are given: "/resourceGroups/../providers/..." and "/secrets/../keys/cmk" collapse to another path,
    /// "k%65ys" decodes to "keys", and a right-to-left override (U+202E) inside a host is dropped, so the name a user
    /// reads is not the one that would be called. This check runs on the raw text before any parsing can do that.
    /// </summary>
    internal static class CanonicalInput
    {
        /// <summary>Why <paramref name="text"/> is not canonical (naming the character and its 1-based position), or null.</summary>
        public static string? Problem(string text)
        {
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '%')
                    return $"it contains a percent-escape at position {i + 1} ('{Excerpt(text, i, 3)}'); give the characters themselves, not their escapes.";
                if (c == '\\')
                    return $"it contains a backslash at position {i + 1}; paths are separated by '/'.";
                var category = CharUnicodeInfo.GetUnicodeCategory(c);
                if (char.IsWhiteSpace(c) || category == UnicodeCategory.SpaceSeparator)
                {
                    var where = text.Substring(i).Trim().Length == 0 ? "trailing " : i == 0 ? "leading " : "";
                    return $"it contains {where}white space {Describe(c)} at position {i + 1}.";
                }
                if (char.IsControl(c) || category == UnicodeCategory.Format || category == UnicodeCategory.Surrogate
                    || category == UnicodeCategory.PrivateUse || category == UnicodeCategory.OtherNotAssigned)
                    return $"it contains the invisible character {Describe(c)} at position {i + 1}; retype the value instead of pasting it.";
            }
            var segment = DotSegment(text);
            if (segment != null) return segment;
            return null;
        }

        /// <summary>A "." or ".." path segment: the one that would make the URI or id name another resource.</summary>
        private static string? DotSegment(string text)
        {
            var start = text.IndexOf("://", StringComparison.Ordinal);
            var pathStart = start < 0 ? 0 : text.IndexOf('/', start + 3);
            if (pathStart < 0) return null;
            var end = text.IndexOfAny(new[] { '?', '#' });
            if (end < 0) end = text.Length;
            var i = pathStart;
            while (i < end)
            {
                var next = text.IndexOf('/', i + 1);
                if (next < 0 || next > end) next = end;
                var seg = text.Substring(i + 1, Math.Max(0, next - i - 1));
                if (seg == "." || seg == "..")
                    return $"it contains the dot segment '{seg}' at position {i + 2}, which would make it name another path; give the path without it.";
                i = next;
            }
            return null;
        }

        private static string Excerpt(string text, int at, int length) => text.Substring(at, Math.Min(length, text.Length - at));

        private static string Describe(char c)
        {
            var code = "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
            var name = c switch
            {
                '\u00A0' => "NO-BREAK SPACE",
                '\u200B' => "ZERO WIDTH SPACE",
                '\u200C' => "ZERO WIDTH NON-JOINER",
                '\u200D' => "ZERO WIDTH JOINER",
                '\u200E' => "LEFT-TO-RIGHT MARK",
                '\u200F' => "RIGHT-TO-LEFT MARK",
                '\u202A' => "LEFT-TO-RIGHT EMBEDDING",
                '\u202B' => "RIGHT-TO-LEFT EMBEDDING",
                '\u202C' => "POP DIRECTIONAL FORMATTING",
                '\u202D' => "LEFT-TO-RIGHT OVERRIDE",
                '\u202E' => "RIGHT-TO-LEFT OVERRIDE",
                '\u2066' => "LEFT-TO-RIGHT ISOLATE",
                '\u2067' => "RIGHT-TO-LEFT ISOLATE",
                '\u2068' => "FIRST STRONG ISOLATE",
                '\u2069' => "POP DIRECTIONAL ISOLATE",
                '\uFEFF' => "ZERO WIDTH NO-BREAK SPACE",
                ' ' => "SPACE",
                '\t' => "TAB",
                '\r' => "CARRIAGE RETURN",
                '\n' => "LINE FEED",
                _ => null,
            };
            return name == null ? code : $"{code} ({name})";
        }
    }
}
