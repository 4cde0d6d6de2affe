using System;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.DBforPostgreSQL flexibleServers: GET; PUT (Servers_Create) and PATCH (Servers_Update), long-running with 202,
    /// Location and Azure-AsyncOperation. Data encryption follows concepts-data-encryption: the mode (SystemManaged or
    /// AzureKeyVault) is fixed at creation, so an update that changes it is refused at once; a key change on a server
    /// created with a key is checked like a new key (user-assigned identity named by primaryUserAssignedIdentityId and
    /// attached to the server, vault in the server's region, get/list/wrapKey/unwrapKey).
    /// </summary>
    internal sealed class PostgreSqlHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Write = new(true, 202, AsyncHeader: true, LocationHeader: true);

        public PostgreSqlHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.DBforPostgreSQL", "flexibleServers") { }

        protected override ArmResult? HandleService(ArmRequest r) => HandleTopLevel(r, Write, Write, ServerState, EncryptionFailure, ServerState);

        /// <summary>What every write leaves on the server: request-only fields dropped, the service's state filled in.</summary>
        private static void ServerState(JsonObject candidate, JsonObject? existing)
        {
            var props = JsonUtil.Obj(candidate, "properties");
            // Request-only fields: the mode of this request and the password are never stored or returned.
            props.Remove("createMode");
            props.Remove("administratorLoginPassword");
            props["state"] ??= "Ready";
            props["fullyQualifiedDomainName"] ??= $"{candidate["name"]!.GetValue<string>().ToLowerInvariant()}.postgres.database.azure.com";
            props["dataEncryption"] ??= new JsonObject { ["type"] = "SystemManaged" };
        }

        private static string Mode(JsonNode? server) => JsonUtil.Str(server, "properties.dataEncryption.type") ?? "SystemManaged";

        private CmkFailure? EncryptionFailure(JsonObject body, JsonObject? existing, JsonObject candidate)
        {
            if (!Touches(body, "properties.dataEncryption", "identity")) return null;
            var table = ServiceErrorTable.PostgreSql;
            if (existing != null && !string.Equals(Mode(existing), Mode(candidate), StringComparison.OrdinalIgnoreCase))
                throw new ArmException(400, table.Rule(CmkCheck.OnlyAtCreation, Mode(existing)).Code, table.Rule(CmkCheck.OnlyAtCreation, Mode(existing)).Message);
            if (!string.Equals(Mode(candidate), "AzureKeyVault", StringComparison.OrdinalIgnoreCase)) return null;
            var key = KeyReference.FromKeyIdentifier(JsonUtil.Str(candidate, "properties.dataEncryption.primaryKeyURI") ?? "");
            var uai = JsonUtil.Str(candidate, "properties.dataEncryption.primaryUserAssignedIdentityId");
            var identity = string.IsNullOrEmpty(uai) ? new KeyIdentity(null, true) : UserIdentity(candidate, uai!);
            return Checker.Check(table, key, JsonUtil.Str(candidate, "location"), identity);
        }
    }
}
