using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>
    /// Microsoft.Sql servers (2021-11-01), the TDE surface: GET and PATCH of the server (Servers_Update, long-running);
    /// server keys (ServerKeys_ListByServer, _Get, _CreateOrUpdate: long-running, the key checked as the byok overview
    /// documents and named {vault}_{key}_{version}); the protector (EncryptionProtectors_ListByServer, _Get,
    /// _CreateOrUpdate: long-running; AzureKeyVault needs an existing server key, ServiceManaged is service-managed TDE).
    /// A server starts with the service-managed protector. Long-running answers are 202 with Azure-AsyncOperation and
    /// Location.
    /// </summary>
    internal sealed class SqlServerHandler : ServiceHandlerBase
    {
        private static readonly WriteShape Write = new(true, 202, AsyncHeader: true, LocationHeader: true);

        public SqlServerHandler(EmulatorWorld world, CmkChecker checker) : base(world, checker, "Microsoft.Sql", "servers") { }

        protected override ArmResult? HandleService(ArmRequest r)
        {
            var segments = r.Id.Segments;
            // The server itself: GET and PATCH, no key on it (the keys are its children); a PUT is left to the plain resource handler.
            if (segments.Count == 1) return HandleTopLevel(r, null, Write, null, NoKeyCheck);
            if (segments.Count != 2) return null;
            var serverPath = ServerPath(r);
            var server = World.Require(serverPath);
            var child = segments[1].Type;
            if (child.Equals("keys", StringComparison.OrdinalIgnoreCase))
            {
                if (r.Id.EndsWithType) return r.IsGet ? ArmResult.List(World.Store.ListChildren(serverPath, "keys").Select(PresentKey)) : null;
                if (r.IsGet) return ArmResult.Ok(PresentKey(World.Require(r.Id)));
                return r.IsPut ? PutServerKey(r, server) : null;
            }
            if (child.Equals("encryptionProtector", StringComparison.OrdinalIgnoreCase))
            {
                EnsureProtector(serverPath, server);
                if (r.Id.EndsWithType) return r.IsGet ? ArmResult.List(World.Store.ListChildren(serverPath, "encryptionProtector").Select(ResourceStore.Present)) : null;
                if (!string.Equals(segments[1].Name, "current", StringComparison.OrdinalIgnoreCase)) throw ArmException.NotFound(r.Id);
                if (r.IsGet) return ArmResult.Ok(ResourceStore.Present(World.Require(r.Id)));
                return r.IsPut ? PutProtector(r, serverPath) : null;
            }
            return null;
        }

        private static string ServerPath(ArmRequest r)
        {
            var path = r.Id.ItemPath;
            var keysAt = path.IndexOf("/providers/Microsoft.Sql/servers/", StringComparison.OrdinalIgnoreCase) + "/providers/Microsoft.Sql/servers/".Length;
            var end = path.IndexOf('/', keysAt);
            return end < 0 ? path : path.Substring(0, end);
        }

        private ArmResult PutServerKey(ArmRequest r, JsonObject server)
        {
            var candidate = CreateCandidate(r, World.Store.Get(r.Id.ItemPath));
            var props = JsonUtil.Obj(candidate, "properties");
            var type = JsonUtil.Str(props, "serverKeyType");
            CmkFailure? failure = null;
            if (string.Equals(type, "AzureKeyVault", StringComparison.OrdinalIgnoreCase))
            {
                var uri = JsonUtil.Str(props, "uri") ?? "";
                var key = KeyReference.FromKeyIdentifier(uri);
                var vaultName = Uri.TryCreate(key.VaultUri, UriKind.Absolute, out var u) ? u.Host.Split('.')[0] : "";
                if (string.IsNullOrEmpty(key.KeyVersion) || !string.Equals(r.Id.Name, $"{vaultName}_{key.KeyName}_{key.KeyVersion}", StringComparison.OrdinalIgnoreCase))
                    throw new ArmException(400, "InvalidServerKeyName", $"The server key name '{r.Id.Name}' must be '{{vault}}_{{key}}_{{version}}' of the versioned key URI '{uri}'.");
                var primary = JsonUtil.Str(server, "properties.primaryUserAssignedIdentityId");
                var identity = !string.IsNullOrEmpty(primary) ? UserIdentity(server, primary) : new KeyIdentity(SystemPrincipal(server), false);
                failure = Checker.Check(ServiceErrorTable.SqlServer, key, JsonUtil.Str(server, "location"), identity);
                candidate["kind"] = "azurekeyvault";
                props["thumbprint"] = Guid.NewGuid().ToString("N").ToUpperInvariant();
                props["creationDate"] = EmulatorWorld.Now();
            }
            else candidate["kind"] = "servicemanaged";
            candidate["location"] = JsonUtil.Str(server, "location");
            return Complete(r, candidate, failure, Write);
        }

        private ArmResult PutProtector(ArmRequest r, string serverPath)
        {
            var candidate = CreateCandidate(r, World.Store.Get(r.Id.ItemPath));
            var props = JsonUtil.Obj(candidate, "properties");
            candidate["location"] = World.Store.Get(serverPath)?["location"]?.DeepClone();
            if (string.Equals(JsonUtil.Str(props, "serverKeyType"), "AzureKeyVault", StringComparison.OrdinalIgnoreCase))
            {
                var keyName = JsonUtil.Str(props, "serverKeyName") ?? "";
                var serverKey = World.Store.Get($"{serverPath}/keys/{keyName}");
                if (serverKey == null)
                    throw new ArmException(400, "ServerKeyNotFound", $"The server key '{keyName}' does not exist on the server; add it first (ServerKeys_CreateOrUpdate).");
                candidate["kind"] = "azurekeyvault";
                props["uri"] = JsonUtil.Str(serverKey, "properties.uri");
                props["thumbprint"] = JsonUtil.Str(serverKey, "properties.thumbprint");
            }
            else
            {
                candidate["kind"] = "servicemanaged";
                props["serverKeyName"] = "ServiceManaged";
                props.Remove("uri");
                props.Remove("thumbprint");
            }
            props["autoRotationEnabled"] ??= false;
            return Complete(r, candidate, null, Write);
        }

        /// <summary>
        /// A server key always answers with its (required) serverKeyType; keys stored without it (the spec's own ServerKeyGet
        /// sample lacks it) take it from their kind.
        /// </summary>
        private static JsonObject PresentKey(JsonObject key)
        {
            var copy = ResourceStore.Present(key);
            if (copy["properties"] is JsonObject p && p["serverKeyType"] == null)
                p["serverKeyType"] = string.Equals(JsonUtil.Str(copy, "kind"), "azurekeyvault", StringComparison.OrdinalIgnoreCase) ? "AzureKeyVault" : "ServiceManaged";
            return copy;
        }

        /// <summary>Every server has a protector: the service-managed one until a customer key is set.</summary>
        private void EnsureProtector(string serverPath, JsonObject server)
        {
            var path = serverPath + "/encryptionProtector/current";
            if (World.Store.Exists(path)) return;
            World.Store.Put(path, new JsonObject
            {
                ["kind"] = "servicemanaged",
                ["location"] = JsonUtil.Str(server, "location"),
                ["properties"] = new JsonObject { ["serverKeyName"] = "ServiceManaged", ["serverKeyType"] = "ServiceManaged", ["autoRotationEnabled"] = false },
            });
        }

        /// <summary>Server keys and protectors have no provisioning state in the spec; the server's state is its own.</summary>
        protected override void Prepare(JsonObject candidate) { }
    }
}
