// netstandard2.0 lacks the attribute types that records, init setters and nullable analysis need.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
