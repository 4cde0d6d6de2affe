using System;
using System.Collections.Generic;
using System.Linq;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// The Azure cloud a scenario imitates: which DNS suffixes its key vaults and Managed HSMs have, so sovereign-cloud
    /// behaviour (vault hosts *.vault.usgovcloudapi.net, *.vault.azure.cn) can be exercised against the emulator.
    /// Suffixes from the Azure Key Vault and Managed HSM documentation of each cloud (Azure Government: "Azure Government
    /// services for security"; Azure China: "Azure China developer guide"); the emulator keeps its own copy, as it never
    /// references the engine.
    /// </summary>
    public sealed record EmulatedCloud(string Name, string KeyVaultDnsSuffix, string ManagedHsmDnsSuffix)
    {
        public static readonly EmulatedCloud Public = new("AzureCloud", "vault.azure.net", "managedhsm.azure.net");

        public static IReadOnlyList<EmulatedCloud> Known { get; } = new[]
        {
            Public,
            new EmulatedCloud("AzureUSGovernment", "vault.usgovcloudapi.net", "managedhsm.usgovcloudapi.net"),
            new EmulatedCloud("AzureChinaCloud", "vault.azure.cn", "managedhsm.azure.cn"),
        };

        public static EmulatedCloud Find(string name) =>
            Known.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw new System.IO.InvalidDataException($"Scenario cloud '{name}' is not one of {string.Join(", ", Known.Select(c => c.Name))}.");
    }
}
