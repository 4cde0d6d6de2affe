using System;
using System.Text;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// What of a request may be written to verbose output: the path and the names of query parameters,
    /// the values only of parameters known to be harmless. A SAS signature, a skip token or anything
    /// unknown is replaced, because a query value may be a credential.
    /// </summary>
    public static class Redaction
    {
        public const string Mask = "REDACTED";

        private static readonly string[] SafeQueryParameters = { "api-version", "operationResultResponseType", "$top", "$expand" };

        /// <summary>"/path?api-version=x&amp;sig=REDACTED" from a URI or a path with a query.</summary>
        public static string PathAndQuery(Uri uri) => PathAndQuery(uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString);

        public static string PathAndQuery(string pathAndQuery)
        {
            if (pathAndQuery is null) return string.Empty;
            var q = pathAndQuery.IndexOf('?');
            if (q < 0) return pathAndQuery;
            var sb = new StringBuilder(pathAndQuery, 0, q + 1, pathAndQuery.Length);
            var pairs = pathAndQuery.Substring(q + 1).Split('&');
            for (int i = 0; i < pairs.Length; i++)
            {
                if (i > 0) sb.Append('&');
                var eq = pairs[i].IndexOf('=');
                if (eq < 0) { sb.Append(pairs[i]); continue; }
                var name = pairs[i].Substring(0, eq);
                sb.Append(name).Append('=');
                sb.Append(IsSafe(Uri.UnescapeDataString(name)) ? pairs[i].Substring(eq + 1) : Mask);
            }
            return sb.ToString();
        }

        private static bool IsSafe(string name)
        {
            foreach (var safe in SafeQueryParameters)
            {
                if (string.Equals(safe, name, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }
    }
}
