using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.DocumentDB databaseAccounts (Cosmos DB), 2024-05-15: GET; PUT and PATCH long-running, each declaring only
    /// 200, so answered 200 with provisioningState Updating and an Azure-AsyncOperation URL, as
    /// how-to-setup-customer-managed-keys-existing-accounts describes for enabling a key. A write that sets keyVaultKeyUri
    /// or the default identity is checked with the default identity (ServiceErrorTable.CosmosDb); the key cannot be removed
    /// once set, nor added to an existing API for Apache Cassandra account.
    /// </summary>
    internal sealed class CosmosDbHandler : ServiceHandlerBase
    {
        /// <summary>The emulator's object id for the Azure Cosmos DB first-party application in its tenant.</summary>
        public const string FirstPartyPrincipalId = "88888888-8888-8888-8888-0000000000cd";

        private static readonly WriteShape Write = new(true, 200, AsyncHeader: true, LocationHeader: false);

        public CosmosDbHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.DocumentDB", "databaseAccounts") { }

        protected override ArmResult? HandleService(ArmRequest r) => HandleTopLevel(r, Write, Write, OnCreate, KeyFailure);

        private static void OnCreate(JsonObject candidate, JsonObject? existing)
        {
            var props = JsonUtil.Obj(candidate, "properties");
            var name = candidate["name"]?.GetValue<string>() ?? "account";
            props["documentEndpoint"] = $"https://{name}.documents.azure.com:443/";
            props["instanceId"] = existing?["properties"]?["instanceId"]?.DeepClone() ?? Guid.NewGuid().ToString();
            props["defaultIdentity"] ??= "FirstPartyIdentity";
            candidate["kind"] ??= "GlobalDocumentDB";
        }

        private static string? KeyUri(JsonObject? account) => JsonUtil.Str(account, "properties.keyVaultKeyUri") is { Length: > 0 } uri ? uri : null;

        private CmkFailure? KeyFailure(JsonObject body, JsonObject? existing, JsonObject candidate)
        {
            if (!Touches(body, "properties.keyVaultKeyUri", "properties.defaultIdentity", "identity")) return null;
            var table = ServiceErrorTable.CosmosDb;
            var uri = KeyUri(candidate);
            if (uri == null) return KeyUri(existing) != null ? table.Rule(CmkCheck.CannotDisable, "") : null;
            if (existing != null && KeyUri(existing) == null && IsCassandraApi(existing)) return table.Rule(CmkCheck.OnlyAtCreation, "");
            return Checker.Check(table, KeyReference.FromKeyIdentifier(uri), JsonUtil.Str(candidate, "location"), DefaultIdentity(candidate));
        }

        private static bool IsCassandraApi(JsonObject account)
            => (JsonUtil.Node(account, "properties.capabilities") as JsonArray)?.OfType<JsonObject>()
                .Any(c => string.Equals(JsonUtil.Str(c, "name"), "EnableCassandra", StringComparison.OrdinalIgnoreCase)) == true;

        /// <summary>The identity defaultIdentity names: a managed identity of the account, or the first-party application.</summary>
        private KeyIdentity DefaultIdentity(JsonObject account)
        {
            var chosen = JsonUtil.Str(account, "properties.defaultIdentity") ?? "FirstPartyIdentity";
            const string user = "UserAssignedIdentity=";
            if (chosen.StartsWith(user, StringComparison.OrdinalIgnoreCase)) return UserIdentity(account, chosen.Substring(user.Length));
            if (chosen.StartsWith("SystemAssignedIdentity", StringComparison.OrdinalIgnoreCase)) return new KeyIdentity(SystemPrincipal(account), false);
            return new KeyIdentity(FirstPartyPrincipalId, false);
        }
    }
}
