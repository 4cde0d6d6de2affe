using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;

namespace CmkPowerShell.Core.Services
{
    /// <summary>One (virtual network, private endpoint) pair, as changeKeyVault, getKeyVaultStatus and transitiontocmk name them.</summary>
    public sealed record NetAppKeyVaultPrivateEndpoint(string VirtualNetworkId, string PrivateEndpointId)
    {
        public JsonObject ToJson() => new JsonObject { ["virtualNetworkId"] = VirtualNetworkId, ["privateEndpointId"] = PrivateEndpointId };

        public static NetAppKeyVaultPrivateEndpoint? FromJson(JsonObject json)
        {
            var vnet = json.Str("virtualNetworkId");
            var pe = json.Str("privateEndpointId");
            return vnet == null || pe == null ? null : new NetAppKeyVaultPrivateEndpoint(vnet, pe);
        }

        public override string ToString() => $"{Name(PrivateEndpointId)} in {Name(VirtualNetworkId)}";

        internal static string Name(string id) => id.Substring(id.TrimEnd('/').LastIndexOf('/') + 1);
    }

    /// <summary>What POST getKeyVaultStatus reports: the vault and key in use and the private endpoint each VNet reaches it by.</summary>
    public sealed record NetAppKeyVaultStatus(string? KeyVaultUri, string? KeyName, string? KeyVaultResourceId,
        IReadOnlyList<NetAppKeyVaultPrivateEndpoint> PrivateEndpoints)
    {
        public static NetAppKeyVaultStatus FromJson(JsonObject? json)
        {
            var p = json.At("properties") ?? json;
            return new NetAppKeyVaultStatus(p.Str("keyVaultUri"), p.Str("keyName"), p.Str("keyVaultResourceId"),
                p.Objects("keyVaultPrivateEndpoints").Select(NetAppKeyVaultPrivateEndpoint.FromJson).Where(e => e != null).Select(e => e!).ToList());
        }
    }

    /// <summary>A volume of a NetApp account, as far as its encryption is concerned.</summary>
    public sealed record NetAppVolume(string Id, string? SubnetId, string KeySource, string? KeyVaultPrivateEndpointResourceId)
    {
        public string Name => NetAppKeyVaultPrivateEndpoint.Name(Id);
        public string? VirtualNetworkId => PrivateEndpointResource.VirtualNetworkOf(SubnetId);
        public bool CustomerManaged => string.Equals(KeySource, NetAppFilesAdapter.CustomerKeySource, StringComparison.OrdinalIgnoreCase);

        /// <summary>A volume body; encryptionKeySource defaults to Microsoft.NetApp as the spec says.</summary>
        public static NetAppVolume FromJson(JsonObject json) => new NetAppVolume(json.Str("id") ?? "", json.Str("properties", "subnetId"),
            json.Str("properties", "encryptionKeySource") ?? NetAppFilesAdapter.ServiceKeySource,
            json.Str("properties", "keyVaultPrivateEndpointResourceId"));
    }

    /// <summary>The output of Invoke-AzNetAppRenewCredential -PassThru: the account's key identity after the renewal.</summary>
    public sealed class NetAppCredentialStatus
    {
        public NetAppCredentialStatus(string resourceId, string? identityType, string? identityPrincipalId, string? encryptionPrincipalId,
            string? userAssignedIdentityId, DateTimeOffset renewedOn)
        {
            ResourceId = resourceId;
            Name = NetAppKeyVaultPrivateEndpoint.Name(resourceId);
            IdentityType = identityType;
            IdentityPrincipalId = identityPrincipalId;
            EncryptionPrincipalId = encryptionPrincipalId;
            UserAssignedIdentityId = userAssignedIdentityId;
            RenewedOn = renewedOn;
            NextRenewalOn = renewedOn.AddDays(NetAppLifecycle.RenewableFromDay);
            ExpiresOn = renewedOn.AddDays(NetAppLifecycle.CertificateLifetimeDays);
        }

        public string ResourceId { get; }
        public string Name { get; }
        public string? IdentityType { get; }
        /// <summary>identity.principalId: the account's system-assigned identity.</summary>
        public string? IdentityPrincipalId { get; }
        /// <summary>encryption.identity.principalId: the principal NetApp Files actually uses for the key.</summary>
        public string? EncryptionPrincipalId { get; }
        public string? UserAssignedIdentityId { get; }
        /// <summary>True when the key principal still differs from the system-assigned identity after the renewal.</summary>
        public bool PrincipalMismatch => NetAppLifecycle.PrincipalsDiffer(IdentityType, UserAssignedIdentityId, IdentityPrincipalId, EncryptionPrincipalId);
        /// <summary>When this renewal was confirmed (the new certificate's start, to the minute).</summary>
        public DateTimeOffset RenewedOn { get; }
        /// <summary>The earliest next renewal: day 46 of the new certificate's 90 days (seed 000).</summary>
        public DateTimeOffset NextRenewalOn { get; }
        /// <summary>When the new certificate ends and the account's CMK volumes would go offline without another renewal.</summary>
        public DateTimeOffset ExpiresOn { get; }

        public override string ToString() => $"{Name}: renewed {RenewedOn:u}, expires {ExpiresOn:u}";
    }

    /// <summary>The output of Convert-AzNetAppVolumeEncryption: one virtual network's volumes moved to the account's key.</summary>
    public sealed class NetAppEncryptionTransition
    {
        public NetAppEncryptionTransition(string resourceId, string virtualNetworkId, string privateEndpointId, IReadOnlyList<string> volumes,
            IReadOnlyList<string> notTransitioned, bool changed)
        {
            ResourceId = resourceId;
            Name = NetAppKeyVaultPrivateEndpoint.Name(resourceId);
            VirtualNetworkId = virtualNetworkId;
            PrivateEndpointId = privateEndpointId;
            Volumes = volumes.ToArray();
            NotTransitioned = notTransitioned.ToArray();
            Changed = changed;
        }

        public string ResourceId { get; }
        public string Name { get; }
        public string VirtualNetworkId { get; }
        public string PrivateEndpointId { get; }
        /// <summary>The volumes of this virtual network that now use the customer-managed key.</summary>
        public string[] Volumes { get; }
        /// <summary>Volumes of this virtual network still on Microsoft.NetApp after the operation (the service skipped them).</summary>
        public string[] NotTransitioned { get; }
        public bool Changed { get; }

        public override string ToString() => $"{Name} {NetAppKeyVaultPrivateEndpoint.Name(VirtualNetworkId)}: {string.Join(", ", Volumes)}";
    }

    /// <summary>
    /// NetApp Files says the account's credentials cannot be renewed yet. <see cref="EligibleOn"/> is the date the service
    /// gave (null when its message had none); <see cref="ExpiresOn"/> follows from it (eligible from day 46 of 90).
    /// </summary>
    public sealed class NetAppRenewalNotEligibleException : CmkUnsupportedOperationException
    {
        public const string Id = "NetAppCredentialRenewalNotEligible";

        private NetAppRenewalNotEligibleException(CmkErrorEntry entry, string message, string target, string fix, DateTimeOffset? eligibleOn,
            string? serviceCode, string? serviceMessage, Exception inner)
            : base(entry.ErrorId, entry.Category, message, target, fix, serviceCode, serviceMessage, entry.UserCanFix, inner)
        {
            EligibleOn = eligibleOn;
        }

        public DateTimeOffset? EligibleOn { get; }
        public DateTimeOffset? ExpiresOn => EligibleOn?.AddDays(NetAppLifecycle.CertificateLifetimeDays - NetAppLifecycle.RenewableFromDay);

        internal static NetAppRenewalNotEligibleException From(string accountId, CmkException serviceError)
        {
            var entry = CmkErrorCatalogue.Get(Id);
            var said = serviceError.ServiceMessage ?? serviceError.Message;
            var eligible = NetAppLifecycle.ParseEligibleDate(said);
            var when = eligible is { } e
                ? $" It becomes eligible on {e.UtcDateTime:yyyy-MM-dd HH:mm} UTC; the certificate expires about {e.AddDays(NetAppLifecycle.CertificateLifetimeDays - NetAppLifecycle.RenewableFromDay).UtcDateTime:yyyy-MM-dd}."
                : " The service gave no date.";
            var message = $"{entry.Meaning}{when} Target: {accountId}. The service said: {(serviceError.ServiceCode != null ? serviceError.ServiceCode + ": " : "")}{said}";
            var fix = eligible is { } d
                ? $"Run Invoke-AzNetAppRenewCredential again on or after {d.UtcDateTime:yyyy-MM-dd HH:mm} UTC, and before {d.AddDays(NetAppLifecycle.CertificateLifetimeDays - NetAppLifecycle.RenewableFromDay).UtcDateTime:yyyy-MM-dd} or the account's customer-managed-key volumes go offline."
                : entry.RecommendedAction;
            return new NetAppRenewalNotEligibleException(entry, message, accountId, fix, eligible, serviceError.ServiceCode, said, serviceError)
            {
                ServiceError = serviceError.ServiceError,
            };
        }
    }

    /// <summary>
    /// The NetApp-only account operations of api-version 2026-01-01 beyond PATCH: renewCredentials, getKeyVaultStatus,
    /// transitiontocmk, and finding the key vault private endpoint of each virtual network (for changeKeyVault and
    /// transitiontocmk). Each write asks the host first and follows the long-running operation with progress.
    /// </summary>
    public sealed class NetAppLifecycle
    {
        /// <summary>The managed-identity certificate lives 90 days and can be renewed from day 46 (seed 000).</summary>
        public const int CertificateLifetimeDays = 90;
        public const int RenewableFromDay = 46;

        private readonly IAzureResources _azure;
        private readonly KeyVaultReader _reader;

        public NetAppLifecycle(IAzureResources azure)
        {
            _azure = azure ?? throw new ArgumentNullException(nameof(azure));
            _reader = new KeyVaultReader(azure);
        }

        /// <summary>An account id from -ResourceGroupName/-AccountName in the connected subscription.</summary>
        public static string AccountId(string subscriptionId, string resourceGroupName, string accountName)
            => $"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{new NetAppFilesAdapter().ResourceType}/{accountName}";

        // ---- reading ----------------------------------------------------------------------------------------------

        /// <summary>The account, or the typed ResourceNotFound error; the id must name a NetApp account.</summary>
        public async Task<JsonObject> ReadAccountAsync(string accountId, CancellationToken ct)
        {
            var adapter = new NetAppFilesAdapter();
            ArmScopes.ParseResourceId(accountId, adapter.ResourceType);
            return await _azure.GetAsync(accountId, ct).ConfigureAwait(false)
                ?? throw CmkErrors.Create("ResourceNotFound", accountId, $"No {adapter.DisplayName} account has this id.");
        }

        /// <summary>Every volume of the account, across its capacity pools.</summary>
        public static async Task<IReadOnlyList<JsonObject>> ReadVolumesAsync(Func<string, Task<IReadOnlyList<JsonObject>>> list, string accountId)
        {
            var volumes = new List<JsonObject>();
            foreach (var poolId in (await list(accountId.TrimEnd('/') + "/capacityPools").ConfigureAwait(false)).Select(p => p.Str("id")).Where(i => i != null))
                volumes.AddRange(await list(poolId! + "/volumes").ConfigureAwait(false));
            return volumes;
        }

        /// <summary>POST getKeyVaultStatus: the vault, key and private endpoints the account's CMK volumes use (no change).</summary>
        public async Task<NetAppKeyVaultStatus> GetKeyVaultStatusAsync(string accountId, CancellationToken ct)
        {
            var result = await _azure.SendAsync(HttpMethod.Post, accountId.TrimEnd('/') + "/getKeyVaultStatus", null, ct).ConfigureAwait(false);
            return NetAppKeyVaultStatus.FromJson(result);
        }

        /// <summary>
        /// For each virtual network, an approved private endpoint of the vault in that network and outside the subnets
        /// delegated to NetApp volumes (seed 000). Throws KeyVaultPrivateEndpointMissing naming the networks without one,
        /// before anything is written.
        /// </summary>
        public async Task<IReadOnlyList<NetAppKeyVaultPrivateEndpoint>> FindPrivateEndpointsAsync(string vaultResourceId,
            IReadOnlyCollection<string> virtualNetworkIds, IReadOnlyCollection<string> delegatedSubnetIds, string target, CancellationToken ct)
        {
            if (virtualNetworkIds.Count == 0) return Array.Empty<NetAppKeyVaultPrivateEndpoint>();
            var (vaultName, endpoints) = await ReadVaultEndpointsAsync(vaultResourceId, ct).ConfigureAwait(false);
            var found = new List<NetAppKeyVaultPrivateEndpoint>();
            var missing = new List<string>();
            foreach (var vnet in virtualNetworkIds.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var pe = endpoints.Where(e => string.Equals(e.VirtualNetworkId, vnet, StringComparison.OrdinalIgnoreCase)
                        && !delegatedSubnetIds.Contains(e.SubnetId ?? "", StringComparer.OrdinalIgnoreCase))
                    .OrderBy(e => e.Id, StringComparer.OrdinalIgnoreCase).FirstOrDefault();
                if (pe == null) missing.Add(vnet);
                else found.Add(new NetAppKeyVaultPrivateEndpoint(vnet, pe.Id));
            }
            if (missing.Count > 0)
            {
                throw CmkErrors.Create("KeyVaultPrivateEndpointMissing", target,
                    $"Key vault '{vaultName}' has no approved private endpoint outside the NetApp-delegated subnets in: {string.Join(", ", missing)}.");
            }
            return found;
        }

        // ---- renewCredentials -------------------------------------------------------------------------------------

        /// <summary>
        /// POST renewCredentials after the host agrees, following the operation. Not yet eligible: the typed
        /// <see cref="NetAppRenewalNotEligibleException"/> with the date the service gave. Null when the host declined.
        /// </summary>
        public async Task<NetAppCredentialStatus?> RenewCredentialsAsync(string accountId, ICmkHost host)
        {
            var ct = host.CancellationToken;
            await ReadAccountAsync(accountId, ct).ConfigureAwait(false);
            if (!host.ShouldProcess(accountId, "Renew the managed-identity credentials NetApp Files uses for the key vault (renewCredentials)"))
                return null;
            try
            {
                using var progress = new OperationProgressReporter(host, $"Renewing the credentials of {NetAppKeyVaultPrivateEndpoint.Name(accountId)}");
                await _azure.SendAsync(HttpMethod.Post, accountId.TrimEnd('/') + "/renewCredentials", null, ct, progress).ConfigureAwait(false);
            }
            catch (CmkException ex) when (IsNotEligible(ex))
            {
                throw NetAppRenewalNotEligibleException.From(accountId, ex);
            }
            var renewedOn = DateTimeOffset.UtcNow;
            var account = await ReadAccountAsync(accountId, ct).ConfigureAwait(false);
            var identity = new NetAppFilesAdapter().ReadIdentity(account);
            var status = new NetAppCredentialStatus(accountId, account.Str("identity", "type"), account.Str("identity", "principalId"),
                account.Str("properties", "encryption", "identity", "principalId"), identity.UserAssignedIdentityId, renewedOn);
            host.WriteVerbose($"Renewed the credentials of {accountId}; next renewal possible from {status.NextRenewalOn:yyyy-MM-dd}, expires {status.ExpiresOn:yyyy-MM-dd}.");
            if (status.PrincipalMismatch)
                host.WriteWarning($"{accountId}: encryption.identity.principalId ({status.EncryptionPrincipalId}) still differs from identity.principalId ({status.IdentityPrincipalId}) after the renewal.");
            return status;
        }

        private static readonly Regex NotEligible = new Regex(@"not\s+(yet\s+)?eligible|NotEligible", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static bool IsNotEligible(CmkException ex)
            => NotEligible.IsMatch(ex.ServiceCode ?? "") || NotEligible.IsMatch(ex.ServiceMessage ?? ex.Message);

        // ISO 8601 dates (with or without a time) and the US "M/d/yyyy h:mm:ss AM" form .NET services print.
        private static readonly Regex DateToken = new Regex(
            @"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?|\d{1,2}/\d{1,2}/\d{4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>
        /// The date a "not eligible" message says renewal opens: the first date after the last mention of eligibility,
        /// else the latest date in the message (an issue date comes before it). Times without a zone are UTC.
        /// </summary>
        public static DateTimeOffset? ParseEligibleDate(string? message)
        {
            if (string.IsNullOrEmpty(message)) return null;
            var text = message!;
            var anchor = text.LastIndexOf("eligib", StringComparison.OrdinalIgnoreCase);
            var dates = DateToken.Matches(text).Cast<Match>()
                .Select(m => (m.Index, Date: ParseDate(m.Value)))
                .Where(d => d.Date != null)
                .ToList();
            if (dates.Count == 0) return null;
            var after = anchor < 0 ? default : dates.FirstOrDefault(d => d.Index > anchor);
            return after.Date ?? dates.Max(d => d.Date);
        }

        private static DateTimeOffset? ParseDate(string value)
        {
            const DateTimeStyles styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowWhiteSpaces;
            var culture = value.Contains("/") ? CultureInfo.GetCultureInfo("en-US") : CultureInfo.InvariantCulture;
            return DateTimeOffset.TryParse(value, culture, styles, out var d) ? d : (DateTimeOffset?)null;
        }

        /// <summary>
        /// Whether the key principal NetApp uses differs from the system-assigned identity (renewCredentials fixes it).
        /// A user-assigned key identity has its own principal, so the comparison applies to the system-assigned case.
        /// </summary>
        public static bool PrincipalsDiffer(string? identityType, string? userAssignedIdentityId, string? identityPrincipalId, string? encryptionPrincipalId)
            => userAssignedIdentityId == null
               && (identityType ?? "").IndexOf("SystemAssigned", StringComparison.OrdinalIgnoreCase) >= 0
               && identityPrincipalId != null && encryptionPrincipalId != null
               && !string.Equals(identityPrincipalId, encryptionPrincipalId, StringComparison.OrdinalIgnoreCase);

        // ---- transitiontocmk --------------------------------------------------------------------------------------

        /// <summary>
        /// Moves the account's Microsoft.NetApp-keyed volumes to its customer-managed key, one POST transitiontocmk per
        /// virtual network with a private endpoint to the account's vault in it (given, or found). Everything is checked
        /// (account under CMK, volumes, endpoints) before the first write; each VNet is asked for separately.
        /// </summary>
        public async Task<IReadOnlyList<NetAppEncryptionTransition>> TransitionToCmkAsync(string accountId, string? virtualNetworkId,
            string? privateEndpointId, ICmkHost host)
        {
            var ct = host.CancellationToken;
            if (privateEndpointId != null && virtualNetworkId == null)
                throw new CmkInputException(CmkServiceAdapter.ParameterNotSupportedId, "PrivateEndpointId",
                    "-PrivateEndpointId names the endpoint of one virtual network: give -VirtualNetworkId with it.", accountId,
                    "Add -VirtualNetworkId, or leave both out to find an endpoint for every virtual network of the account's volumes.");
            var account = await ReadAccountAsync(accountId, ct).ConfigureAwait(false);
            var vaultId = account.Str("properties", "encryption", "keyVaultProperties", "keyVaultResourceId");
            if (!string.Equals(account.Str("properties", "encryption", "keySource"), NetAppFilesAdapter.CustomerKeySource, StringComparison.OrdinalIgnoreCase) || vaultId == null)
                throw CmkErrors.Create("NetAppAccountNotConfiguredForCmk", accountId,
                    "Put the account under a customer-managed key first (Set-AzCmkEncryption); transitiontocmk moves volumes to the account's key.");

            var volumes = (await ReadVolumesAsync(p => _azure.ListAsync(p, ct), accountId).ConfigureAwait(false)).Select(NetAppVolume.FromJson).ToList();
            var pending = volumes.Where(v => !v.CustomerManaged && v.VirtualNetworkId != null
                && (virtualNetworkId == null || string.Equals(v.VirtualNetworkId, virtualNetworkId.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))).ToList();
            if (pending.Count == 0)
            {
                host.WriteVerbose($"{accountId}: no volume{(virtualNetworkId != null ? " in " + virtualNetworkId : "")} uses Microsoft-managed keys; nothing to transition.");
                return Array.Empty<NetAppEncryptionTransition>();
            }
            var vnets = pending.Select(v => v.VirtualNetworkId!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var delegated = volumes.Select(v => v.SubnetId).Where(s => s != null).Select(s => s!).ToList();
            var endpoints = privateEndpointId != null
                ? new[] { await CheckGivenEndpointAsync(vaultId, vnets[0], privateEndpointId, delegated, accountId, ct).ConfigureAwait(false) }
                : await FindPrivateEndpointsAsync(vaultId, vnets, delegated, accountId, ct).ConfigureAwait(false);

            var results = new List<NetAppEncryptionTransition>();
            string StepOf(NetAppKeyVaultPrivateEndpoint e) => $"transition the volumes of {NetAppKeyVaultPrivateEndpoint.Name(e.VirtualNetworkId)}";
            var steps = new WriteSteps(host, accountId, endpoints.Select(StepOf));
            foreach (var endpoint in endpoints)
            {
                var names = pending.Where(v => string.Equals(v.VirtualNetworkId, endpoint.VirtualNetworkId, StringComparison.OrdinalIgnoreCase)).Select(v => v.Name).ToList();
                var action = $"Move volume(s) {string.Join(", ", names)} in {NetAppKeyVaultPrivateEndpoint.Name(endpoint.VirtualNetworkId)} to the account's customer-managed key "
                    + $"through private endpoint {NetAppKeyVaultPrivateEndpoint.Name(endpoint.PrivateEndpointId)} (transitiontocmk; cannot be undone)";
                if (!host.ShouldProcess(accountId, action)) { steps.NotNeeded(StepOf(endpoint)); continue; }
                try
                {
                    using (var progress = new OperationProgressReporter(host, $"Transitioning {NetAppKeyVaultPrivateEndpoint.Name(endpoint.VirtualNetworkId)} volumes to CMK"))
                        await _azure.SendAsync(HttpMethod.Post, accountId.TrimEnd('/') + "/transitiontocmk", endpoint.ToJson(), ct, progress).ConfigureAwait(false);
                }
                catch (CmkException failure)
                {
                    throw steps.Attach(failure);
                }
                steps.Completed(StepOf(endpoint));
                var after = (await ReadVolumesAsync(p => _azure.ListAsync(p, ct), accountId).ConfigureAwait(false)).Select(NetAppVolume.FromJson)
                    .Where(v => string.Equals(v.VirtualNetworkId, endpoint.VirtualNetworkId, StringComparison.OrdinalIgnoreCase)).ToList();
                var done = after.Where(v => v.CustomerManaged && names.Contains(v.Name, StringComparer.OrdinalIgnoreCase)).Select(v => v.Name).ToList();
                var left = after.Where(v => !v.CustomerManaged).Select(v => v.Name).ToList();
                if (left.Count > 0)
                    host.WriteWarning($"{accountId}: volume(s) {string.Join(", ", left)} in {endpoint.VirtualNetworkId} still use Microsoft-managed keys after transitiontocmk.");
                results.Add(new NetAppEncryptionTransition(accountId, endpoint.VirtualNetworkId, endpoint.PrivateEndpointId, done, left, changed: true));
            }
            return results;
        }

        /// <summary>A given -PrivateEndpointId must be one of the vault's approved endpoints, in the VNet, outside the delegated subnets.</summary>
        private async Task<NetAppKeyVaultPrivateEndpoint> CheckGivenEndpointAsync(string vaultId, string vnetId, string privateEndpointId,
            IReadOnlyCollection<string> delegated, string target, CancellationToken ct)
        {
            var (_, endpoints) = await ReadVaultEndpointsAsync(vaultId, ct).ConfigureAwait(false);
            var pe = endpoints.FirstOrDefault(e => string.Equals(e.Id, privateEndpointId.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
            if (pe == null || !string.Equals(pe.VirtualNetworkId, vnetId, StringComparison.OrdinalIgnoreCase)
                || delegated.Contains(pe.SubnetId ?? "", StringComparer.OrdinalIgnoreCase))
            {
                throw CmkErrors.Create("KeyVaultPrivateEndpointMissing", target,
                    $"'{privateEndpointId}' is not an approved private endpoint of the account's key vault in {vnetId} outside the NetApp-delegated subnet.");
            }
            return new NetAppKeyVaultPrivateEndpoint(vnetId, pe.Id);
        }

        /// <summary>The vault's name and its approved private endpoints (each read for its subnet).</summary>
        private async Task<(string VaultName, IReadOnlyList<PrivateEndpointResource> Endpoints)> ReadVaultEndpointsAsync(string vaultId, CancellationToken ct)
        {
            var vault = await _reader.GetVaultAsync(vaultId, ct).ConfigureAwait(false)
                ?? throw CmkErrors.Create("KeyVaultNotFound", vaultId, "The key vault could not be read.");
            var endpoints = new List<PrivateEndpointResource>();
            foreach (var connection in vault.PrivateEndpointConnections.Where(c => c.IsApproved && c.PrivateEndpointId != null))
            {
                if (await _reader.GetPrivateEndpointAsync(connection.PrivateEndpointId!, ct).ConfigureAwait(false) is { } pe) endpoints.Add(pe);
            }
            return (vault.Name, endpoints);
        }
    }
}
