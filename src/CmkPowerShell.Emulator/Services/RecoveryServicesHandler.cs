using System;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.RecoveryServices vaults: GET; PUT (Vaults_CreateOrUpdate, long-running: 201 with Azure-AsyncOperation) and
    /// PATCH (Vaults_Update, long-running: 202 with Location and Azure-AsyncOperation). Protected items are plain children
    /// listed at vaults/{v}/backupProtectedItems. Encryption follows encryption-at-rest-with-cmk: a key is added only to a
    /// vault that protects nothing (refused at once otherwise), never removed, and is reached through the identity
    /// kekIdentity names (the system-assigned one, or an attached user-assigned one) with Get, List, Wrap and Unwrap.
    /// </summary>
    internal sealed class RecoveryServicesHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Create = new(true, 201, AsyncHeader: true, LocationHeader: false);
        private static readonly WriteShape Update = new(true, 202, AsyncHeader: true, LocationHeader: true);

        public RecoveryServicesHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.RecoveryServices", "vaults") { }

        // Protected items are plain children.
        protected override ArmResult? HandleService(ArmRequest r) => HandleTopLevel(r, Create, Update, StorageVersion, EncryptionFailure, StorageVersion);

        private static void StorageVersion(JsonObject candidate, JsonObject? existing) => JsonUtil.Obj(candidate, "properties")["backupStorageVersion"] ??= "V2";

        private static string? KeyUri(JsonNode? vault) => JsonUtil.Str(vault, "properties.encryption.keyVaultProperties.keyUri");

        private CmkFailure? EncryptionFailure(JsonObject body, JsonObject? existing, JsonObject candidate)
        {
            if (!Touches(body, "properties.encryption", "identity")) return null;
            var table = ServiceErrorTable.RecoveryServices;
            if (existing != null && !string.IsNullOrEmpty(KeyUri(existing)) && string.IsNullOrEmpty(KeyUri(candidate)))
                throw Refusal(table.Rule(CmkCheck.CannotDisable, ""));
            if (string.IsNullOrEmpty(KeyUri(candidate))) return null;
            if (existing != null && string.IsNullOrEmpty(KeyUri(existing)))
            {
                var items = World.Store.ListChildren(existing["id"]!.GetValue<string>(), "backupProtectedItems").Count;
                if (items > 0) throw Refusal(table.Rule(CmkCheck.ResourceNotEmpty, items.ToString()));
            }
            var kek = JsonUtil.Node(candidate, "properties.encryption.kekIdentity");
            var uai = JsonUtil.Str(kek, "userAssignedIdentity");
            var identity = JsonUtil.Bool(kek, "useSystemAssignedIdentity") != false || string.IsNullOrEmpty(uai)
                ? new KeyIdentity(SystemPrincipal(candidate), false)
                : UserIdentity(candidate, uai!);
            return Checker.Check(table, KeyReference.FromKeyIdentifier(KeyUri(candidate)!), JsonUtil.Str(candidate, "location"), identity);
        }

        private static ArmException Refusal(CmkFailure failure) => new(400, failure.Code, failure.Message);
    }
}
