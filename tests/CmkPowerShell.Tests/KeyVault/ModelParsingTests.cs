using System;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Tests.KeyVault
{
    /// <summary>Management-plane bodies in the shapes of the 2026-02-01 Key Vault, 2022-04-01 Authorization and 2024-01-01 Network specs.</summary>
    public class ModelParsingTests
    {
        private const string VaultId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sample-group/providers/Microsoft.KeyVault/vaults/sample-vault";

        [Fact]
        public void Reads_a_vault_with_policies_network_rules_and_private_endpoints()
        {
            var vault = KeyVaultResource.FromJson(JsonNode.Parse($$$"""
                {
                  "id": "{{{VaultId}}}", "name": "sample-vault", "type": "Microsoft.KeyVault/vaults", "location": "westus",
                  "properties": {
                    "tenantId": "11111111-1111-1111-1111-111111111111",
                    "sku": { "family": "A", "name": "standard" },
                    "accessPolicies": [
                      { "tenantId": "11111111-1111-1111-1111-111111111111", "objectId": "aaaaaaaa-0000-0000-0000-000000000000",
                        "permissions": { "keys": [ "get", "wrapKey", "unwrapKey" ], "secrets": [ "get" ] } }
                    ],
                    "enableSoftDelete": true, "softDeleteRetentionInDays": 90, "enablePurgeProtection": true, "enableRbacAuthorization": false,
                    "networkAcls": { "bypass": "AzureServices", "defaultAction": "Deny",
                      "ipRules": [ { "value": "1.2.3.4/32" } ],
                      "virtualNetworkRules": [ { "id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s", "ignoreMissingVnetServiceEndpoint": false } ] },
                    "privateEndpointConnections": [
                      { "id": "{{{VaultId}}}/privateEndpointConnections/pe1", "etag": "",
                        "properties": { "privateEndpoint": { "id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/privateEndpoints/pe1" },
                                        "privateLinkServiceConnectionState": { "status": "Approved", "description": "", "actionsRequired": "None" },
                                        "provisioningState": "Succeeded" } },
                      { "id": "{{{VaultId}}}/privateEndpointConnections/pe2",
                        "properties": { "privateEndpoint": { "id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/privateEndpoints/pe2" },
                                        "privateLinkServiceConnectionState": { "status": "Pending" } } }
                    ],
                    "vaultUri": "https://sample-vault.vault.azure.net", "publicNetworkAccess": "Enabled", "provisioningState": "Succeeded"
                  }
                }
                """)!.AsObject());

            Assert.Equal("sample-vault", vault.Name);
            Assert.Equal(KeyVaultKind.Vault, vault.Kind);
            Assert.Equal("westus", vault.Location);
            Assert.True(vault.SoftDeleteEnabled && vault.PurgeProtectionEnabled);
            Assert.Equal(KeyVaultPermissionModel.AccessPolicy, vault.PermissionModel);
            var policy = Assert.Single(vault.AccessPolicies);
            Assert.Equal(new[] { "get", "wrapKey", "unwrapKey" }, policy.KeyPermissions);
            Assert.True(vault.NetworkAcls!.DeniesByDefault);
            Assert.True(vault.NetworkAcls.BypassesAzureServices);
            Assert.Equal(1, vault.NetworkAcls.IpRuleCount);
            Assert.Single(vault.NetworkAcls.VirtualNetworkRuleIds);
            Assert.Equal(new[] { true, false }, vault.PrivateEndpointConnections.Select(c => c.IsApproved));
            Assert.EndsWith("/pe1", vault.PrivateEndpointConnections[0].PrivateEndpointId);
            Assert.Equal("https://sample-vault.vault.azure.net", vault.VaultUri);
        }

        [Fact]
        public void Missing_flags_take_the_spec_defaults()
        {
            var vault = KeyVaultResource.FromJson(JsonNode.Parse($$$"""{ "id": "{{{VaultId}}}", "properties": { } }""")!.AsObject());
            Assert.True(vault.SoftDeleteEnabled);
            Assert.False(vault.PurgeProtectionEnabled);
            Assert.Null(vault.NetworkAcls);
            Assert.Equal("sample-vault", vault.Name);
        }

        [Fact]
        public void Reads_a_key_and_fills_a_sparse_version_from_it()
        {
            var key = KeyVaultKey.FromJson(JsonNode.Parse($$$"""
                { "id": "{{{VaultId}}}/keys/sample-key", "name": "sample-key", "type": "Microsoft.KeyVault/vaults/keys",
                  "properties": { "attributes": { "created": 1598533051, "enabled": true, "nbf": 1598533051, "exp": 1893456000, "recoveryLevel": "Purgeable" },
                    "keyOps": [ "encrypt", "decrypt", "wrapKey", "unwrapKey" ], "keySize": 2048, "kty": "RSA",
                    "keyUri": "https://sample-vault.vault.azure.net:443/keys/sample-key",
                    "keyUriWithVersion": "https://sample-vault.vault.azure.net:443/keys/sample-key/fd618d9519b74f9aae94ade66b876acc" } }
                """)!.AsObject());
            Assert.Equal("RSA", key.Kty);
            Assert.Equal(2048, key.KeySize);
            Assert.Equal(4, key.KeyOps.Count);
            Assert.True(key.Attributes.Enabled);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1893456000), key.Attributes.Expires);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1598533051), key.Attributes.NotBefore);
            Assert.Equal("fd618d9519b74f9aae94ade66b876acc", key.Version);
            Assert.Equal(key.KeyUriWithVersion, KeyIdentifier.Parse(key.KeyUriWithVersion).Uri.Replace("vault.azure.net/", "vault.azure.net:443/"));

            var version = KeyVaultKey.FromJson(JsonNode.Parse($$$"""
                { "id": "{{{VaultId}}}/keys/sample-key/versions/c2296aa24acf4daf86942bff5aca73dd", "name": "c2296aa24acf4daf86942bff5aca73dd",
                  "properties": { "attributes": { "enabled": false, "created": 1598641074 },
                    "keyUriWithVersion": "https://sample-vault.vault.azure.net:443/keys/sample-key/c2296aa24acf4daf86942bff5aca73dd" } }
                """)!.AsObject()).WithFallback(key);
            Assert.Equal("RSA", version.Kty);
            Assert.Equal(2048, version.KeySize);
            Assert.Equal(key.KeyOps, version.KeyOps);
            Assert.False(version.Attributes.Enabled);
            Assert.Null(version.Attributes.Expires);
            Assert.Equal("c2296aa24acf4daf86942bff5aca73dd", version.Version);
        }

        [Fact]
        public void Reads_role_assignments_definitions_identities_and_private_endpoints()
        {
            var assignment = RoleAssignment.FromJson(JsonNode.Parse("""
                { "properties": { "roleDefinitionId": "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/providers/Microsoft.Authorization/roleDefinitions/0b5fe924-9a61-425c-96af-cfe6e287ca2d",
                    "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987", "principalType": "User", "scope": "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/resourceGroups/testrg" },
                  "id": "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/resourceGroups/testrg/providers/Microsoft.Authorization/roleAssignments/96786e4b-dede-4c2e-8736-8ab911987f08",
                  "type": "Microsoft.Authorization/roleAssignments", "name": "96786e4b-dede-4c2e-8736-8ab911987f08" }
                """)!.AsObject());
            Assert.Equal("ce2ce14e-85d7-4629-bdbc-454d0519d987", assignment.PrincipalId);
            Assert.EndsWith("/resourceGroups/testrg", assignment.Scope);
            Assert.EndsWith("0b5fe924-9a61-425c-96af-cfe6e287ca2d", assignment.RoleDefinitionId);

            var definition = RoleDefinition.FromJson(JsonNode.Parse("""
                { "id": "/providers/Microsoft.Authorization/roleDefinitions/21090545-7ca7-4776-b22c-e363652d74d2", "properties": { "roleName": "Key Vault Reader",
                  "permissions": [ { "actions": [ "Microsoft.KeyVault/vaults/*/read" ], "notActions": [], "dataActions": [ "Microsoft.KeyVault/vaults/*/read" ], "notDataActions": [ "Microsoft.KeyVault/vaults/secrets/*" ] } ] } }
                """)!.AsObject());
            Assert.Equal("Key Vault Reader", definition.RoleName);
            var block = Assert.Single(definition.Permissions);
            Assert.Equal(new[] { "Microsoft.KeyVault/vaults/*/read" }, block.DataActions);
            Assert.Equal(new[] { "Microsoft.KeyVault/vaults/secrets/*" }, block.NotDataActions);

            var uai = UserAssignedIdentityResource.FromJson(JsonNode.Parse("""
                { "id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-good", "name": "uai-good", "location": "westeurope",
                  "properties": { "principalId": "66666666-6666-6666-6666-000000000001", "clientId": "77777777-7777-7777-7777-000000000001", "tenantId": "11111111-1111-1111-1111-111111111111" } }
                """)!.AsObject());
            Assert.Equal("66666666-6666-6666-6666-000000000001", uai.PrincipalId);
            Assert.Equal("77777777-7777-7777-7777-000000000001", uai.ClientId);

            var pe = PrivateEndpointResource.FromJson(JsonNode.Parse("""
                { "id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/privateEndpoints/pe-kv-good",
                  "properties": { "subnet": { "id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/vnet-demo/subnets/pe-subnet" },
                    "privateLinkServiceConnections": [ { "properties": { "privateLinkServiceId": "/subscriptions/x/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv-good", "groupIds": [ "vault" ] } } ] } }
                """)!.AsObject());
            Assert.Equal("/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/vnet-demo", pe.VirtualNetworkId);
            Assert.EndsWith("/vaults/kv-good", Assert.Single(pe.PrivateLinkServiceIds));
        }

        [Fact]
        public void Odd_values_read_as_missing_instead_of_throwing()
        {
            var key = KeyVaultKey.FromJson(JsonNode.Parse("""
                { "id": "/k", "properties": { "kty": 5, "keySize": "3072", "keyOps": [ "wrapKey", 1, null ], "attributes": { "enabled": "false", "exp": 1.7e9 } } }
                """)!.AsObject());
            Assert.Null(key.Kty);
            Assert.Equal(3072, key.KeySize);
            Assert.Equal(new[] { "wrapKey" }, key.KeyOps);
            Assert.False(key.Attributes.Enabled);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), key.Attributes.Expires);
        }
    }
}
