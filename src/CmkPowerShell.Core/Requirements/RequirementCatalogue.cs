using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace CmkPowerShell.Core.Requirements
{
    public enum RequirementSeverity { Error, Warning }

    /// <summary>Stable check ids (they appear in output, docs and tests).</summary>
    public static class CheckIds
    {
        public const string KeyUriFormat = "KeyUri.Format";
        public const string KeyUriCloudHost = "KeyUri.CloudHost";
        public const string ResourceSku = "Resource.Sku";
        public const string KeyVaultExists = "KeyVault.Exists";
        public const string KeyVaultSoftDelete = "KeyVault.SoftDelete";
        public const string KeyVaultPurgeProtection = "KeyVault.PurgeProtection";
        public const string KeyVaultRegion = "KeyVault.Region";
        public const string KeyVaultTenant = "KeyVault.Tenant";
        public const string KeyVaultFirewall = "KeyVault.Firewall";
        public const string KeyVaultPrivateEndpoint = "KeyVault.PrivateEndpoint";
        public const string KeyExists = "Key.Exists";
        public const string KeyType = "Key.Type";
        public const string KeySize = "Key.Size";
        public const string KeyEnabled = "Key.Enabled";
        public const string KeyNotExpired = "Key.NotExpired";
        public const string KeyActive = "Key.Active";
        public const string KeyExpiryWindow = "Key.ExpiryWindow";
        public const string KeyOperations = "Key.Operations";
        public const string IdentityPresent = "Identity.Present";
        public const string IdentityType = "Identity.Type";
        public const string IdentityAccess = "Identity.Access";
    }

    /// <summary>
    /// One entry of the catalogue. Templates use {name} placeholders filled by the engine: key, keyUri,
    /// vault, vaultId, service, location, vaultLocation, principal, identity, detail, sizes, types, keyTypes,
    /// operations, permissions, days.
    /// </summary>
    public sealed record RequirementCheck(
        string Id,
        string Title,
        RequirementSeverity Severity,
        IReadOnlyList<CmkService> Services,
        bool NeedsTarget,
        string FailureMessage,
        string RecommendedAction,
        string Source)
    {
        /// <summary>
        /// For checks that apply only where a service's profile has the rule (same region, a SKU limit): the predicate over
        /// that profile. Null = every service in <see cref="Services"/>.
        /// </summary>
        public Func<ServiceRequirements, bool>? ProfileRule { get; init; }

        public bool AppliesTo(CmkService? service)
            => service == null || (Services.Contains(service.Value) && (ProfileRule == null || ProfileRule(ServiceProfiles.For(service.Value))));

        /// <summary>Fills {placeholders}; an unknown one is left as written so a template slip shows.</summary>
        public static string Render(string template, IReadOnlyDictionary<string, string?> values)
        {
            var sb = new StringBuilder(template.Length + 32);
            for (int i = 0; i < template.Length; i++)
            {
                var close = template[i] == '{' ? template.IndexOf('}', i + 1) : -1;
                if (close > i && values.TryGetValue(template.Substring(i + 1, close - i - 1), out var value))
                {
                    sb.Append(value);
                    i = close;
                }
                else sb.Append(template[i]);
            }
            return sb.ToString();
        }
    }

    /// <summary>The requirement catalogue as data, in the order results are reported.</summary>
    public static class RequirementCatalogue
    {
        private static readonly CmkService[] AllServices = (CmkService[])Enum.GetValues(typeof(CmkService));

        public static IReadOnlyList<RequirementCheck> Checks { get; } = new[]
        {
            new RequirementCheck(CheckIds.KeyUriFormat, "Key URI format", RequirementSeverity.Error, AllServices, false,
                "The key URI {keyUri} {detail}",
                "Use https://{vault}.vault.azure.net/keys/{key}[/{version}] exactly as Get-AzKeyVaultKey shows it.",
                RequirementSources.DataBox + " (SsemUserErrorInvalidKeyVaultUrl); " + RequirementSources.NetAppFiles + " ('Key Vault URI is invalid')"),
            new RequirementCheck(CheckIds.KeyUriCloudHost, "Key vault host of the connected cloud", RequirementSeverity.Error, AllServices, false,
                "The key URI host {detail} does not belong to the connected cloud.",
                "Use a key vault of the cloud you are connected to, or connect to the key's cloud with Connect-AzCmk -Environment.",
                RequirementSources.DataBox + " (SsemUserErrorKeyVaultUrlInvalidHost)"),
            new RequirementCheck(CheckIds.ResourceSku, "SKU takes a customer-managed key", RequirementSeverity.Error, AllServices, true,
                "{service} takes a customer-managed key only under {skus}; {detail}.",
                "Create the resource with SKU {skus} (the SKU of an existing resource may not be changeable: see the service's documentation).",
                RequirementSources.EventHubs + " (Premium and Dedicated tiers); " + RequirementSources.ServiceBus + " (Premium only); " + RequirementSources.ContainerRegistry + " (Premium only)")
            { ProfileRule = p => p.SupportedSkus != null },
            new RequirementCheck(CheckIds.KeyVaultExists, "Key vault exists", RequirementSeverity.Error, AllServices, false,
                "Key vault '{vault}' was not found {detail}.",
                "Check the vault name, or pass -KeyVaultResourceId when the vault is in another subscription.",
                RequirementSources.DataExplorer + " (KeyVaultNotFound); " + RequirementSources.DataBox + " (SsemUserErrorKeyVaultDetailsNotFound)"),
            new RequirementCheck(CheckIds.KeyVaultSoftDelete, "Soft delete enabled", RequirementSeverity.Error, AllServices, false,
                "Key vault '{vault}' does not have soft delete enabled.",
                "Create the key in a vault with soft delete enabled (soft delete cannot be turned on later in current api-versions).",
                RequirementSources.DataExplorer + " (KeyVaultNotSoftDeleteEnabled); " + RequirementSources.DataBox + "; " + RequirementSources.NetAppFiles + "; " + RequirementSources.Batch),
            new RequirementCheck(CheckIds.KeyVaultPurgeProtection, "Purge protection enabled", RequirementSeverity.Error, AllServices, false,
                "Key vault '{vault}' does not have purge protection enabled.",
                "Enable purge protection: Update-AzKeyVault -VaultName {vault} -EnablePurgeProtection (it cannot be turned off again).",
                RequirementSources.DataExplorer + " (KeyVaultNotPurgeProtected); " + RequirementSources.DataBox + " (SsemUserErrorSoftDeleteAndPurgeProtectionNotEnabled); " + RequirementSources.ManagedCassandra),
            new RequirementCheck(CheckIds.KeyVaultRegion, "Key vault in the resource's region", RequirementSeverity.Error, AllServices, true,
                "Key vault '{vault}' is in {vaultLocation} but {service} requires the vault in the resource's region {location}.",
                "Use a key vault in {location}.",
                RequirementSources.NetAppFiles + " ('Account must be in the same region as the Vault'); " + RequirementSources.DataExplorer + "; " + RequirementSources.PostgreSqlFlexibleServer + "; " + RequirementSources.RecoveryServicesVault
                + "; https://learn.microsoft.com/azure/virtual-machines/disk-encryption (disk encryption sets)")
            { ProfileRule = p => p.SameRegionRequired },
            new RequirementCheck(CheckIds.KeyVaultTenant, "Key vault in the identity's tenant", RequirementSeverity.Error, AllServices, true,
                "Key vault '{vault}' is in tenant {detail}; {service} takes no key from another tenant.",
                "Use a key vault in the resource's Microsoft Entra tenant.",
                RequirementSources.PostgreSqlFlexibleServer + " (same tenant; cross-tenant is not supported)")
            { ProfileRule = p => p.SameTenantRequired },
            new RequirementCheck(CheckIds.KeyVaultFirewall, "Key vault firewall lets the service in", RequirementSeverity.Warning, AllServices, false,
                "Key vault '{vault}' denies public network access without the trusted Azure services bypass{detail}.",
                "Allow trusted Microsoft services (Update-AzKeyVaultNetworkRuleSet -VaultName {vault} -Bypass AzureServices) or use a system-assigned identity.",
                RequirementSources.DataBox + " (SsemUserErrorKeyVaultBadRequestException)"),
            new RequirementCheck(CheckIds.KeyVaultPrivateEndpoint, "Private endpoint in the volumes' virtual network", RequirementSeverity.Error,
                new[] { CmkService.NetAppFiles }, false,
                "Key vault '{vault}' {detail}",
                "Create a private endpoint for the vault in the virtual network of the account's volumes, in a subnet other than the one delegated to Microsoft.NetApp/volumes.",
                RequirementSources.NetAppFiles + " (Requirements)"),
            new RequirementCheck(CheckIds.KeyExists, "Key exists", RequirementSeverity.Error, AllServices, false,
                "Key '{key}'{detail} was not found in key vault '{vault}'.",
                "Check the key name and version, or create the key (Add-AzKeyVaultKey).",
                RequirementSources.DataExplorer + " (KeyNotFound); " + RequirementSources.NetAppFiles + " ('specified key vault key was not found')"),
            new RequirementCheck(CheckIds.KeyType, "Key type", RequirementSeverity.Error, AllServices, false,
                "Key '{key}' is of type {detail}; {service} needs {keyTypes}.",
                "Use an RSA or RSA-HSM key.",
                RequirementSources.NetAppFiles + " ('not a valid RSA key'); " + RequirementSources.DataBox + " (SsemUserErrorEncryptionKeyTypeNotSupported)"),
            new RequirementCheck(CheckIds.KeySize, "Key size", RequirementSeverity.Error, AllServices, false,
                "Key '{key}' has {detail} bits; {service} needs {sizes}.",
                "Create a key of {sizes}.",
                RequirementSources.DataBox + " (2048 or larger); " + RequirementSources.DataExplorerCurrentDocs + " (2048, 3072, 4096)"),
            new RequirementCheck(CheckIds.KeyEnabled, "Key enabled", RequirementSeverity.Error, AllServices, false,
                "Key '{key}'{detail} is disabled.",
                "Enable the key version: Update-AzKeyVaultKey -VaultName {vault} -Name {key} -Enable $true.",
                RequirementSources.NetAppFiles + " ('key is not enabled'); " + RequirementSources.DataBox + " (SsemUserErrorEncryptionKeyDisabled)"),
            new RequirementCheck(CheckIds.KeyNotExpired, "Key not expired", RequirementSeverity.Error, AllServices, false,
                "Key '{key}'{detail}.",
                "Create a new key version without a past expiry date, or extend the expiry (Update-AzKeyVaultKey -Expires).",
                RequirementSources.NetAppFiles + " ('key is expired'); " + RequirementSources.DataBox + " (SsemUserErrorEncryptionKeyExpired)"),
            new RequirementCheck(CheckIds.KeyActive, "Key active (not-before reached)", RequirementSeverity.Error, AllServices, false,
                "Key '{key}'{detail}.",
                "Wait until the activation date or create a key version that is active now.",
                RequirementSources.NetAppFiles + " ('key has not been activated')"),
            new RequirementCheck(CheckIds.KeyExpiryWindow, "Key expiry not imminent", RequirementSeverity.Warning, AllServices, false,
                "Key '{key}' expires {detail}, within {days} days.",
                "Rotate the key (Add-AzKeyVaultKey) and move the resource to the new version (Update-AzCmkKeyVersion), or extend the expiry.",
                RequirementSources.KeyVaultSpec + " (attributes.exp)"),
            new RequirementCheck(CheckIds.KeyOperations, "Key permits the service's operations", RequirementSeverity.Error, AllServices, false,
                "Key '{key}' permits {detail}; {service} needs {operations}.",
                "Create a key (version) whose permitted operations include {operations}.",
                RequirementSources.Batch + " (Permitted Operations Wrap/Unwrap); " + RequirementSources.NetAppFiles + " (Encrypt, Decrypt)"),
            new RequirementCheck(CheckIds.IdentityPresent, "Identity present", RequirementSeverity.Error, AllServices, true,
                "{identity} {detail}",
                "Enable the resource's system-assigned identity or attach the user-assigned identity (Set-AzCmkEncryption does both).",
                RequirementSources.DataBox + " (SsemUserErrorSystemAssignedIdentityAbsent, SsemUserErrorKekUserIdentityNotFound)"),
            new RequirementCheck(CheckIds.IdentityType, "Identity type supported", RequirementSeverity.Error, AllServices, true,
                "{service} does not support a {detail} identity for its key; it supports {types}.",
                "Use a {types} identity.",
                RequirementSources.ManagedCassandra + "; " + RequirementSources.CassandraSpec + "; " + RequirementSources.BatchSpec),
            new RequirementCheck(CheckIds.IdentityAccess, "Identity can use the key", RequirementSeverity.Error, AllServices, true,
                "Identity {principal} lacks {detail} on key '{key}' of vault '{vault}'.",
                "Grant the identity {permissions}: Grant-AzCmkKeyVaultAccess -PrincipalId {principal} -KeyUri {keyUri}.",
                RequirementSources.NetAppFiles + "; " + RequirementSources.DataBox + "; " + RequirementSources.DataExplorer + " (IdentityDoesNotHaveAccessToKeyVault); " + RequirementSources.BuiltInRoles),
        };

        public static RequirementCheck Get(string id)
            => Checks.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase))
               ?? throw new ArgumentException($"Unknown requirement check '{id}'.", nameof(id));
    }
}
