using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Checks a request against the official swagger of the operation it addresses. The emulator rejects
    /// a request with any violation (400, ARM error body naming the property).
    /// </summary>
    public interface IRequestBodyValidator
    {
        /// <summary>Violations such as "properties.encryption.keySource: 'Foo' is not one of [Microsoft.NetApp, Microsoft.KeyVault]".</summary>
        IReadOnlyList<SpecViolation> Validate(string method, string path, string apiVersion, JsonNode? body);
    }

    /// <summary>One way a body breaks the schema. Path is the JSON path of the property, e.g. "properties.keyVaultProperties.keyName".</summary>
    public sealed record SpecViolation(string Path, string Message);
}
