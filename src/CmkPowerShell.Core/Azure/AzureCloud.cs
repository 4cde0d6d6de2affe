using System;
using System.Collections.Generic;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>An Azure cloud: where ARM and the token authority live, and which key vault hosts belong to it.</summary>
    public sealed class AzureCloud
    {
        public AzureCloud(string name, Uri resourceManager, Uri authority, string audience,
            string keyVaultSuffix, string managedHsmSuffix)
        {
            Name = name;
            ResourceManager = resourceManager;
            Authority = authority;
            Audience = audience;
            KeyVaultSuffix = keyVaultSuffix;
            ManagedHsmSuffix = managedHsmSuffix;
        }

        public string Name { get; }
        public Uri ResourceManager { get; }
        public Uri Authority { get; }
        /// <summary>Token audience for ARM, e.g. "https://management.azure.com/".</summary>
        public string Audience { get; }
        /// <summary>Key vault DNS suffix, e.g. "vault.azure.net".</summary>
        public string KeyVaultSuffix { get; }
        /// <summary>Managed HSM DNS suffix, e.g. "managedhsm.azure.net".</summary>
        public string ManagedHsmSuffix { get; }

        public static readonly AzureCloud AzureCloudPublic = new AzureCloud("AzureCloud",
            new Uri("https://management.azure.com/"), new Uri("https://login.microsoftonline.com/"),
            "https://management.azure.com/", "vault.azure.net", "managedhsm.azure.net");

        public static readonly AzureCloud AzureUSGovernment = new AzureCloud("AzureUSGovernment",
            new Uri("https://management.usgovcloudapi.net/"), new Uri("https://login.microsoftonline.us/"),
            "https://management.usgovcloudapi.net/", "vault.usgovcloudapi.net", "managedhsm.usgovcloudapi.net");

        public static readonly AzureCloud AzureChinaCloud = new AzureCloud("AzureChinaCloud",
            new Uri("https://management.chinacloudapi.cn/"), new Uri("https://login.chinacloudapi.cn/"),
            "https://management.chinacloudapi.cn/", "vault.azure.cn", "managedhsm.azure.cn");

        public static IReadOnlyList<AzureCloud> WellKnown { get; } =
            new[] { AzureCloudPublic, AzureUSGovernment, AzureChinaCloud };
    }
}
