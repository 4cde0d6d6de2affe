using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Tests.Requirements
{
    /// <summary>
    /// The emulator's "demo" scenario (DEMO-SCENARIO.md: the names are the contract) rebuilt as ARM bodies
    /// in an <see cref="InMemoryAzure"/>. A unit-level stand-in until the emulator-backed tests replace it;
    /// principal ids and versions follow the emulator's demo.json.
    /// </summary>
    public static class DemoWorld
    {
        public const string Tenant = "11111111-1111-1111-1111-111111111111";
        public const string Subscription = "22222222-2222-2222-2222-222222222222";
        public const string Group = "rg-cmk-demo";
        public const string Region = "westeurope";
        public static readonly string Rg = $"/subscriptions/{Subscription}/resourceGroups/{Group}";

        public static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

        public const string CryptoServiceEncryptionUser = "/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6";
        public const string Contributor = "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c";

        public static string VaultId(string name) => $"{Rg}/providers/Microsoft.KeyVault/vaults/{name}";
        public static string UaiId(string name) => $"{Rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}";
        public static string KeyUri(string vault, string key) => $"https://{vault}.vault.azure.net/keys/{key}";

        public static readonly string NetApp = $"{Rg}/providers/Microsoft.NetApp/netAppAccounts/anf-demo";
        public static readonly string DataBox = $"{Rg}/providers/Microsoft.DataBox/jobs/databox-demo";
        public static readonly string Kusto = $"{Rg}/providers/Microsoft.Kusto/clusters/kusto-demo";
        public static readonly string Cassandra = $"{Rg}/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo";
        public static readonly string Batch = $"{Rg}/providers/Microsoft.Batch/batchAccounts/batchdemo";

        public static readonly IReadOnlyDictionary<string, string> Principals = new Dictionary<string, string>
        {
            ["uai-good"] = "66666666-6666-6666-6666-000000000001",
            ["uai-noaccess"] = "66666666-6666-6666-6666-000000000002",
            ["uai-contributor"] = "66666666-6666-6666-6666-000000000003",
            [NetApp] = "88888888-8888-8888-8888-000000000001",
            [DataBox] = "88888888-8888-8888-8888-000000000002",
            [Kusto] = "88888888-8888-8888-8888-000000000003",
            [Batch] = "88888888-8888-8888-8888-000000000005",
        };

        public const string CurrentCmkVersion = "1a2b3c4d5e6f40718293a4b5c6d7e8f2";
        public const string OlderCmkVersion = "0a1b2c3d4e5f40718293a4b5c6d7e8f1";

        private static readonly string Vnet = $"{Rg}/providers/Microsoft.Network/virtualNetworks/vnet-demo";
        public static readonly string DelegatedSubnet = Vnet + "/subnets/anf-delegated";
        public static readonly string PeSubnet = Vnet + "/subnets/pe-subnet";
        public static readonly string PrivateEndpoint = $"{Rg}/providers/Microsoft.Network/privateEndpoints/pe-kv-good";

        public static InMemoryAzure Build()
        {
            var azure = new InMemoryAzure(Subscription, Tenant);
            foreach (var uai in new[] { "uai-good", "uai-noaccess", "uai-contributor" })
                azure.Add(new JsonObject
                {
                    ["id"] = UaiId(uai), ["name"] = uai, ["type"] = "Microsoft.ManagedIdentity/userAssignedIdentities", ["location"] = Region,
                    ["properties"] = new JsonObject { ["principalId"] = Principals[uai], ["tenantId"] = Tenant, ["clientId"] = Guid.NewGuid().ToString() },
                });

            AddVault(azure, "kv-good", v => v["properties"]!["privateEndpointConnections"] = new JsonArray(new JsonObject
            {
                ["id"] = VaultId("kv-good") + "/privateEndpointConnections/pe-kv-good",
                ["properties"] = new JsonObject
                {
                    ["privateEndpoint"] = new JsonObject { ["id"] = PrivateEndpoint },
                    ["privateLinkServiceConnectionState"] = new JsonObject { ["status"] = "Approved" },
                    ["provisioningState"] = "Succeeded",
                },
            }));
            var past = Now.AddDays(-10).ToUnixTimeSeconds();
            var future = Now.AddDays(60).ToUnixTimeSeconds();
            AddKey(azure, "kv-good", "cmk", "RSA", 3072, AllOps, versions: new[] { OlderCmkVersion, CurrentCmkVersion });
            AddKey(azure, "kv-good", "ec-key", "EC", null, new[] { "sign", "verify" }, curve: "P-256");
            AddKey(azure, "kv-good", "rsa-1024", "RSA", 1024, AllOps);
            AddKey(azure, "kv-good", "disabled-key", "RSA", 2048, AllOps, enabled: false);
            AddKey(azure, "kv-good", "expired-key", "RSA", 2048, AllOps, exp: past);
            AddKey(azure, "kv-good", "future-key", "RSA", 2048, AllOps, nbf: future);
            AddKey(azure, "kv-good", "noops-key", "RSA", 2048, new[] { "sign", "verify" });

            AddVault(azure, "kv-nopurge", v => v["properties"]!["enablePurgeProtection"] = false);
            AddVault(azure, "kv-nosoftdelete", v => { v["properties"]!["enableSoftDelete"] = false; v["properties"]!["enablePurgeProtection"] = false; });
            AddVault(azure, "kv-eastus", v => v["location"] = "eastus");
            AddVault(azure, "kv-rbac", v => { v["properties"]!["enableRbacAuthorization"] = true; v["properties"]!["accessPolicies"] = new JsonArray(); });
            AddVault(azure, "kv-firewall", v => v["properties"]!["networkAcls"] = new JsonObject { ["defaultAction"] = "Deny", ["bypass"] = "None" });
            foreach (var vault in new[] { "kv-nopurge", "kv-nosoftdelete", "kv-eastus", "kv-rbac", "kv-firewall" })
                AddKey(azure, vault, "cmk", "RSA", 2048, AllOps);

            AddRole(azure, "uai-good", CryptoServiceEncryptionUser, VaultId("kv-rbac"));
            foreach (var resource in new[] { NetApp, DataBox, Kusto, Batch })
                AddRole(azure, resource, CryptoServiceEncryptionUser, VaultId("kv-rbac") + "/keys/cmk");
            AddRole(azure, "uai-contributor", Contributor, VaultId("kv-rbac"));
            foreach (var role in BuiltInRoles())
                azure.Add(role);

            azure.Add(new JsonObject
            {
                ["id"] = PrivateEndpoint, ["name"] = "pe-kv-good", ["type"] = "Microsoft.Network/privateEndpoints", ["location"] = Region,
                ["properties"] = new JsonObject
                {
                    ["subnet"] = new JsonObject { ["id"] = PeSubnet },
                    ["privateLinkServiceConnections"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "kv-good", ["properties"] = new JsonObject { ["privateLinkServiceId"] = VaultId("kv-good"), ["groupIds"] = new JsonArray("vault") },
                    }),
                },
            });

            AddServiceResources(azure);
            return azure;
        }

        private static readonly string[] AllOps = { "encrypt", "decrypt", "wrapKey", "unwrapKey" };

        private static JsonObject SystemIdentity(string resourceId) => new JsonObject
        {
            ["type"] = "SystemAssigned", ["principalId"] = Principals[resourceId], ["tenantId"] = Tenant,
        };

        private static void AddServiceResources(InMemoryAzure azure)
        {
            azure.Add(Resource(NetApp, "Microsoft.NetApp/netAppAccounts", SystemIdentity(NetApp),
                new JsonObject { ["encryption"] = new JsonObject { ["keySource"] = "Microsoft.NetApp" } }));
            azure.Add(new JsonObject
            {
                ["id"] = NetApp + "/capacityPools/pool1", ["name"] = "anf-demo/pool1", ["type"] = "Microsoft.NetApp/netAppAccounts/capacityPools", ["location"] = Region,
                ["properties"] = new JsonObject { ["serviceLevel"] = "Premium", ["size"] = 4398046511104 },
            });
            azure.Add(new JsonObject
            {
                ["id"] = NetApp + "/capacityPools/pool1/volumes/vol1", ["name"] = "anf-demo/pool1/vol1", ["type"] = "Microsoft.NetApp/netAppAccounts/capacityPools/volumes", ["location"] = Region,
                ["properties"] = new JsonObject { ["subnetId"] = DelegatedSubnet, ["encryptionKeySource"] = "Microsoft.NetApp", ["creationToken"] = "vol1" },
            });
            azure.Add(Resource(DataBox, "Microsoft.DataBox/jobs", SystemIdentity(DataBox), new JsonObject
            {
                ["status"] = "DeviceOrdered",
                ["details"] = new JsonObject { ["keyEncryptionKey"] = new JsonObject { ["kekType"] = "MicrosoftManaged" } },
            }));
            azure.Add(Resource(Kusto, "Microsoft.Kusto/clusters", SystemIdentity(Kusto), new JsonObject { ["state"] = "Running" }));
            azure.Add(Resource(Cassandra, "Microsoft.DocumentDB/cassandraClusters", new JsonObject { ["type"] = "None" }, new JsonObject()));
            azure.Add(Resource(Batch, "Microsoft.Batch/batchAccounts", SystemIdentity(Batch),
                new JsonObject { ["encryption"] = new JsonObject { ["keySource"] = "Microsoft.Batch" } }));
        }

        public static JsonObject Resource(string id, string type, JsonObject identity, JsonObject properties) => new JsonObject
        {
            ["id"] = id, ["name"] = id.Substring(id.LastIndexOf('/') + 1), ["type"] = type, ["location"] = Region,
            ["identity"] = identity, ["properties"] = properties,
        };

        private static void AddVault(InMemoryAzure azure, string name, Action<JsonObject>? change = null)
        {
            var policies = new JsonArray(Policy(Principals["uai-good"], "get", "wrapKey", "unwrapKey", "encrypt", "decrypt"),
                Policy(Principals[NetApp], "get", "encrypt", "decrypt"));
            foreach (var resource in new[] { DataBox, Kusto, Batch })
                policies.Add(Policy(Principals[resource], "get", "wrapKey", "unwrapKey"));
            var vault = new JsonObject
            {
                ["id"] = VaultId(name), ["name"] = name, ["type"] = "Microsoft.KeyVault/vaults", ["location"] = Region,
                ["properties"] = new JsonObject
                {
                    ["tenantId"] = Tenant,
                    ["sku"] = new JsonObject { ["family"] = "A", ["name"] = "standard" },
                    ["accessPolicies"] = policies,
                    ["enableSoftDelete"] = true, ["softDeleteRetentionInDays"] = 90, ["enablePurgeProtection"] = true,
                    ["enableRbacAuthorization"] = false,
                    ["networkAcls"] = new JsonObject { ["defaultAction"] = "Allow", ["bypass"] = "AzureServices" },
                    ["vaultUri"] = $"https://{name}.vault.azure.net/",
                    ["publicNetworkAccess"] = "Enabled",
                    ["provisioningState"] = "Succeeded",
                },
            };
            change?.Invoke(vault);
            azure.Add(vault);
        }

        private static JsonObject Policy(string objectId, params string[] keys) => new JsonObject
        {
            ["tenantId"] = Tenant, ["objectId"] = objectId,
            ["permissions"] = new JsonObject { ["keys"] = new JsonArray(keys.Select(k => (JsonNode)k).ToArray()) },
        };

        private static void AddKey(InMemoryAzure azure, string vault, string name, string kty, int? size, string[] ops,
            bool enabled = true, long? exp = null, long? nbf = null, string? curve = null, string[]? versions = null)
        {
            versions ??= new[] { Convert.ToHexString(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(vault + "/" + name))).ToLowerInvariant() };
            var keyId = VaultId(vault) + "/keys/" + name;
            JsonObject Body(string id, string type, string version) => new JsonObject
            {
                ["id"] = id, ["name"] = id.Substring(id.LastIndexOf('/') + 1), ["type"] = type, ["location"] = Region,
                ["properties"] = new JsonObject
                {
                    ["kty"] = kty, ["keySize"] = size, ["curveName"] = curve,
                    ["keyOps"] = new JsonArray(ops.Select(o => (JsonNode)o).ToArray()),
                    ["attributes"] = new JsonObject { ["enabled"] = enabled, ["exp"] = exp, ["nbf"] = nbf, ["created"] = Now.AddDays(-30).ToUnixTimeSeconds(), ["recoveryLevel"] = "Recoverable" },
                    ["keyUri"] = $"https://{vault}.vault.azure.net:443/keys/{name}",
                    ["keyUriWithVersion"] = $"https://{vault}.vault.azure.net:443/keys/{name}/{version}",
                },
            };
            azure.Add(Body(keyId, "Microsoft.KeyVault/vaults/keys", versions.Last()));
            foreach (var version in versions)
                azure.Add(Body(keyId + "/versions/" + version, "Microsoft.KeyVault/vaults/keys/versions", version));
        }

        private static void AddRole(InMemoryAzure azure, string principalKey, string roleDefinitionId, string scope)
        {
            var name = Guid.NewGuid().ToString();
            azure.AddRoleAssignment(new JsonObject
            {
                ["id"] = scope + "/providers/Microsoft.Authorization/roleAssignments/" + name, ["name"] = name,
                ["type"] = "Microsoft.Authorization/roleAssignments",
                ["properties"] = new JsonObject
                {
                    ["roleDefinitionId"] = roleDefinitionId, ["principalId"] = Principals[principalKey],
                    ["principalType"] = "ServicePrincipal", ["scope"] = scope,
                },
            });
        }

        /// <summary>The two role definitions the demo assigns, with the permissions of builtin-roles.json.</summary>
        private static IEnumerable<JsonObject> BuiltInRoles()
        {
            yield return Role(CryptoServiceEncryptionUser, "Key Vault Crypto Service Encryption User",
                new[] { "Microsoft.EventGrid/eventSubscriptions/write", "Microsoft.EventGrid/eventSubscriptions/read", "Microsoft.EventGrid/eventSubscriptions/delete" },
                new[] { "Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/wrap/action", "Microsoft.KeyVault/vaults/keys/unwrap/action" });
            yield return Role(Contributor, "Contributor", new[] { "*" }, Array.Empty<string>());
        }

        public static JsonObject Role(string id, string name, string[] actions, string[] dataActions, string[]? notDataActions = null) => new JsonObject
        {
            ["id"] = id, ["name"] = id.Substring(id.LastIndexOf('/') + 1), ["type"] = "Microsoft.Authorization/roleDefinitions",
            ["properties"] = new JsonObject
            {
                ["roleName"] = name, ["type"] = "BuiltInRole",
                ["permissions"] = new JsonArray(new JsonObject
                {
                    ["actions"] = new JsonArray(actions.Select(a => (JsonNode)a).ToArray()),
                    ["notActions"] = new JsonArray(),
                    ["dataActions"] = new JsonArray(dataActions.Select(a => (JsonNode)a).ToArray()),
                    ["notDataActions"] = new JsonArray((notDataActions ?? Array.Empty<string>()).Select(a => (JsonNode)a).ToArray()),
                }),
                ["assignableScopes"] = new JsonArray("/"),
            },
        };
    }
}
