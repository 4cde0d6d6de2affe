using System.Collections.Generic;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// The shared shape of a key handed to a service as three separate fields: vault URI, key name and key version
    /// (Data Explorer and Log Analytics clusters: keyVaultProperties {keyVaultUri, keyName, keyVersion}; Storage:
    /// keyvaultproperties {keyvaulturi, keyname, keyversion}; Event Hubs and Service Bus: the same three in each
    /// keyVaultProperties item). An empty or absent version means the service follows the key's current version.
    /// Services differ only in the field names, so an adapter holds one instance and reads and writes through it; the
    /// ARM identity block these services share is handled by <see cref="CmkServiceAdapter.PlanIdentity"/> and
    /// <see cref="CmkServiceAdapter.IdentityFor"/>.
    /// </summary>
    public sealed class KeyVaultPropertiesBlock
    {
        /// <summary>{keyVaultUri, keyName, keyVersion}: Data Explorer, Log Analytics clusters, Event Hubs, Service Bus.</summary>
        public static KeyVaultPropertiesBlock CamelCase { get; } = new KeyVaultPropertiesBlock("keyVaultUri", "keyName", "keyVersion");

        public KeyVaultPropertiesBlock(string vaultUriField, string keyNameField, string keyVersionField)
        {
            VaultUriField = vaultUriField;
            KeyNameField = keyNameField;
            KeyVersionField = keyVersionField;
        }

        public string VaultUriField { get; }
        public string KeyNameField { get; }
        public string KeyVersionField { get; }

        /// <summary>The sentence every versionless configuration gets in its state's Notes.</summary>
        public static string VersionlessNote(string displayName)
            => $"The key version is empty: {displayName} always uses the key's current version, so a new key version is picked up without an update (auto-rotation).";

        /// <summary>
        /// The block's key as the service stores it, or null when the vault URI or key name is missing or empty (no
        /// customer key). Field names match case-insensitively, as ARM answers do not always keep the spec's case.
        /// </summary>
        public (string VaultUri, string KeyName, string? Version)? Read(JsonNode? block)
        {
            var vaultUri = block.Str(VaultUriField);
            var keyName = block.Str(KeyNameField);
            if (vaultUri == null || keyName == null) return null;
            return (vaultUri, keyName, block.Str(KeyVersionField));
        }

        /// <summary>
        /// The customer-managed part of a state from the block: key URI composed from the stored parts, version null when
        /// versionless (with <see cref="VersionlessNote"/>); Microsoft-managed when the block holds no key.
        /// </summary>
        public CmkEncryptionState State(JsonNode? block, string displayName, string? keySource = null)
        {
            if (!(Read(block) is { } stored)) return CmkEncryptionState.MicrosoftManaged(keySource);
            return new CmkEncryptionState
            {
                CustomerManaged = true,
                KeySource = keySource,
                KeyVaultUri = stored.VaultUri,
                KeyName = stored.KeyName,
                KeyVersion = stored.Version,
                KeyUri = KeyIdentifier.Compose(stored.VaultUri, stored.KeyName, stored.Version),
                Notes = stored.Version == null ? new[] { VersionlessNote(displayName) } : new string[0],
            };
        }

        /// <summary>
        /// The block for a key: the vault URI with its trailing slash, and the version as an empty string when the key is
        /// versionless, never left out: PATCH merges, so an absent version would keep one pinned before.
        /// </summary>
        public JsonObject Write(KeyIdentifier key) => new JsonObject
        {
            [VaultUriField] = key.VaultUri,
            [KeyNameField] = key.Name,
            [KeyVersionField] = key.Version ?? "",
        };

        /// <summary>Every field emptied (PATCH merges, so null or absent would not clear a stored value).</summary>
        public JsonObject Empty() => new JsonObject { [VaultUriField] = "", [KeyNameField] = "", [KeyVersionField] = "" };

        /// <summary>What a write of this key does, in words (for -WhatIf, verbose and the Actions column).</summary>
        public static string Describe(KeyIdentifier key)
            => $"use key {key.Uri}" + (key.IsVersioned ? "" : " (versionless: always the current version)");

        /// <summary>The field names, for messages and tests.</summary>
        public IReadOnlyList<string> Fields => new[] { VaultUriField, KeyNameField, KeyVersionField };
    }

    /// <summary>
    /// The shared shape of the identity a service's encryption uses, next to its key: {userAssignedIdentity, and a
    /// cross-tenant application id field} (NetApp Files: encryption.identity {userAssignedIdentity, federatedClientId};
    /// Storage: encryption.identity {userAssignedIdentity, federatedIdentityClientId}). No user-assigned identity means the
    /// resource's system-assigned identity.
    /// </summary>
    public sealed class EncryptionIdentityBlock
    {
        public EncryptionIdentityBlock(string federatedClientIdField) => FederatedClientIdField = federatedClientIdField;

        public const string UserAssignedIdentityField = "userAssignedIdentity";
        public string FederatedClientIdField { get; }

        /// <summary>The user-assigned identity the block names, or null (system-assigned).</summary>
        public static string? UserAssignedIdentity(JsonNode? block) => block.Str(UserAssignedIdentityField);

        public string? FederatedClientId(JsonNode? block) => block.Str(FederatedClientIdField);

        /// <summary>
        /// The block for a request, or null when nothing needs saying. A system-assigned request on a resource that named a
        /// user-assigned identity before writes an empty one: PATCH merges, so leaving it out would keep the old identity.
        /// </summary>
        public JsonObject? Write(CmkEnableRequest request, JsonNode? current)
        {
            var block = new JsonObject();
            if (request.Identity.Type == CmkIdentityType.UserAssigned)
                block[UserAssignedIdentityField] = request.Identity.UserAssignedIdentityId;
            else if (UserAssignedIdentity(current) != null)
                block[UserAssignedIdentityField] = "";
            if (request.FederatedClientId != null) block[FederatedClientIdField] = request.FederatedClientId;
            return block.Count > 0 ? block : null;
        }

        /// <summary>Whether the stored block already carries the requested cross-tenant application id (none asked: yes).</summary>
        public bool HasFederatedClientId(JsonNode? current, string? requested)
            => requested == null || string.Equals(FederatedClientId(current), requested, System.StringComparison.OrdinalIgnoreCase);
    }
}
