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
        /// <summary>
        /// Token audience of the Managed HSM data plane, e.g. "https://managedhsm.azure.net" (what
        /// 'az account get-access-token --resource' is given for an HSM), derived from the HSM host suffix.
        /// </summary>
        public string ManagedHsmAudience => "https://" + ManagedHsmSuffix;

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

        /// <summary>The well-known cloud of that name (AzurePublicCloud is Az's name for AzureCloud), or null.</summary>
        public static AzureCloud? Find(string? name)
        {
            if (string.IsNullOrWhiteSpace(name)) return null;
            var trimmed = name!.Trim();
            if (string.Equals(trimmed, "AzurePublicCloud", StringComparison.OrdinalIgnoreCase)) return AzureCloudPublic;
            foreach (var cloud in WellKnown)
                if (string.Equals(cloud.Name, trimmed, StringComparison.OrdinalIgnoreCase)) return cloud;
            return null;
        }

        /// <summary>
        /// This cloud's key vault and Managed HSM hosts behind another Resource Manager endpoint: a custom endpoint (the
        /// emulator) that stands in for this cloud, so host checks behave as they would in it.
        /// </summary>
        public AzureCloud At(string name, Uri resourceManager, Uri authority, string audience)
            => new AzureCloud(name, resourceManager, authority, audience, KeyVaultSuffix, ManagedHsmSuffix);
    }
}
