using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>What Set-AzCmkEncryption was asked for one resource (raw inputs: parsing happens in the manager, typed).</summary>
    public sealed record CmkSetOptions(string ResourceId, string KeyUri)
    {
        public CmkIdentityType? IdentityType { get; init; }
        public string? UserAssignedIdentityId { get; init; }
        public string? FederatedClientId { get; init; }
        /// <summary>The service's own automatic-rotation switch (-AutoRotate); null leaves it as it is.</summary>
        public bool? AutoRotate { get; init; }
        public IReadOnlyList<string>? DataCenterNames { get; init; }
        public string? BackupKeyUri { get; init; }
        public bool GrantAccess { get; init; }
        public CmkGrantMode GrantMode { get; init; } = CmkGrantMode.Auto;
        public bool SkipValidation { get; init; }
    }

    /// <summary>
    /// The shared orchestration of Set / Disable / Get / Grant, once for every service: read through the adapter, validate
    /// with the requirement engine before any write, ask ShouldProcess, write the identity, grant, write the key, follow the
    /// long-running operation with progress, read back. Adapters only say what to read and write.
    /// </summary>
    public sealed class CmkEncryptionManager
    {
        private readonly IAzureResources _azure;
        private readonly ICmkHost _host;
        private readonly CmkGrantOptions? _grantOptions;
        private readonly KeyVaultReader _reader;

        /// <param name="reader">
        /// The run's cached reader for what is read before any write (vaults, keys, identities, role assignments), shared
        /// by every resource of one pipeline so each vault and key is read once; null gives this manager its own.
        /// Evaluations after a write (grant visibility, a new principal's access) always read afresh.
        /// </param>
        public CmkEncryptionManager(IAzureResources azure, ICmkHost host, CmkGrantOptions? grantOptions = null, KeyVaultReader? reader = null)
        {
            _azure = azure ?? throw new ArgumentNullException(nameof(azure));
            _host = host ?? throw new ArgumentNullException(nameof(host));
            _grantOptions = grantOptions;
            _reader = reader ?? new KeyVaultReader(azure);
        }

        private CancellationToken Token(CancellationToken ct) => ct.CanBeCanceled ? ct : _host.CancellationToken;

        // ---- Get --------------------------------------------------------------------------------------------------

        public async Task<CmkEncryptionStatus> GetAsync(string resourceId, CancellationToken cancellationToken = default)
        {
            var adapter = CmkServiceAdapter.ForResourceId(resourceId);
            var ct = Token(cancellationToken);
            var resource = await ReadResourceAsync(adapter, resourceId, ct).ConfigureAwait(false);
            var state = await adapter.ReadDetailedStateAsync(_azure, resource, _host, ct).ConfigureAwait(false);
            return new CmkEncryptionStatus(adapter.Service, adapter.DisplayName, resource.Id, state, false, Array.Empty<string>());
        }

        // ---- Set --------------------------------------------------------------------------------------------------

        /// <summary>
        /// Puts a resource under a customer-managed key. Returns its status read back (Changed false when it already had
        /// exactly this configuration: nothing is written), or null when ShouldProcess declined.
        /// </summary>
        public async Task<CmkEncryptionStatus?> SetAsync(CmkSetOptions options, CancellationToken cancellationToken = default)
        {
            if (options is null) throw new ArgumentNullException(nameof(options));
            var ct = Token(cancellationToken);

            // Inputs first: -SkipValidation skips the checks, never the parsing.
            var adapter = CmkServiceAdapter.ForResourceId(options.ResourceId);
            var resourceId = ArmScopes.ParseResourceId(options.ResourceId).ToString();
            var key = KeyIdentifier.Parse(options.KeyUri, _azure.Cloud);
            var backupKey = options.BackupKeyUri == null ? null : KeyIdentifier.Parse(options.BackupKeyUri, _azure.Cloud);
            var uai = options.UserAssignedIdentityId == null ? null
                : ArmScopes.ParseResourceId(options.UserAssignedIdentityId, ArmScopes.UserAssignedIdentityType).ToString();
            if (options.IdentityType == CmkIdentityType.UserAssigned && uai == null)
                throw CmkErrors.InvalidInput("InvalidResourceId", "UserAssignedIdentityId", null, "-IdentityType UserAssigned needs -UserAssignedIdentityId.");
            if (options.IdentityType == CmkIdentityType.SystemAssigned && uai != null)
                throw CmkErrors.InvalidInput("InvalidResourceId", "UserAssignedIdentityId", uai, "a user-assigned identity was given with -IdentityType SystemAssigned.");

            adapter.ValidateRequest(resourceId, uai != null ? CmkIdentityType.UserAssigned : options.IdentityType);

            var resource = await ReadResourceAsync(adapter, resourceId, ct).ConfigureAwait(false);
            var selection = ChooseIdentity(adapter, resource, options.IdentityType, uai);
            var request = new CmkEnableRequest(key, selection)
            {
                FederatedClientId = options.FederatedClientId,
                AutoRotate = options.AutoRotate,
                DataCenterNames = options.DataCenterNames,
                BackupKey = backupKey,
            };
            adapter.ValidateEnable(resource, request);

            var identityWrites = adapter.PlanIdentity(resource, selection);
            var intended = adapter.IdentityFor(resource, selection);
            if (!options.SkipValidation)
            {
                await ValidateAsync(adapter, resource, key, intended, identityWrites.Count > 0, options.GrantAccess, ct).ConfigureAwait(false);
                if (backupKey != null && !backupKey.Equals(key))
                    await ValidateAsync(adapter, resource, backupKey, intended, identityWrites.Count > 0, options.GrantAccess, ct).ConfigureAwait(false);
            }
            var vault = await _reader.FindVaultAsync(key, ct).ConfigureAwait(false);
            if (adapter.Requirements.RequiresVersionedKey && !key.IsVersioned)
                key = await CurrentVersionAsync(adapter, vault, key, resourceId, ct).ConfigureAwait(false);
            request = request with { Key = key, KeyVaultResourceId = vault?.Id, KeyVaultTenantId = vault?.TenantId, PrincipalId = intended.PrincipalId };

            var enableWrites = adapter.PlanEnable(resource, request);
            var needsGrant = options.GrantAccess && await NeedsGrantAsync(adapter, vault, key, backupKey, intended, ct).ConfigureAwait(false);
            if (identityWrites.Count == 0 && enableWrites.Count == 0 && !needsGrant)
            {
                _host.WriteVerbose($"{resourceId} already uses {key.Uri} with its {selection.Type} identity: nothing to change.");
                return StatusOf(adapter, resource, changed: false, Array.Empty<string>());
            }

            var grantStep = $"grant the identity access to {key.VersionlessUri}";
            var planned = identityWrites.Select(w => w.Description)
                .Concat(needsGrant ? new[] { grantStep } : Array.Empty<string>())
                .Concat(enableWrites.Select(w => w.Description)).ToList();
            if (!_host.ShouldProcess(resourceId, $"Set customer-managed key: {string.Join("; ", planned)}")) return null;

            var steps = new WriteSteps(_host, resourceId, planned);
            try
            {
                if (identityWrites.Count > 0)
                {
                    await SendAllAsync(resource, identityWrites, steps, ct).ConfigureAwait(false);
                    resource = await ReadResourceAsync(adapter, resourceId, ct).ConfigureAwait(false);
                    intended = adapter.IdentityFor(resource, selection);
                    if (intended.PrincipalId == null)
                        throw CmkErrors.Create("IdentityNotFound", resourceId, $"The {selection.Type} identity was written but the resource reports no principal id for it.");
                    request = request with { PrincipalId = intended.PrincipalId };
                }

                if (options.GrantAccess)
                {
                    var principal = intended.PrincipalId ?? await UserAssignedPrincipalAsync(uai, ct).ConfigureAwait(false);
                    var granter = new KeyVaultAccessGranter(_azure, _host, _grantOptions);
                    var granted = new List<string>();
                    foreach (var grantKey in DistinctKeys(key, backupKey))
                    {
                        var grant = await granter.GrantAsync(grantKey, principal, KeyGrantRequirement.For(adapter), options.GrantMode, confirm: false, ct).ConfigureAwait(false);
                        if (grant.Changed) granted.Add($"granted {principal} {grant.GrantedBy}");
                    }
                    if (granted.Count > 0) steps.Completed(grantStep, string.Join("; ", granted));
                    else steps.NotNeeded(grantStep);
                }
                else if (identityWrites.Count > 0 && !options.SkipValidation)
                {
                    await RequireAccessAsync(adapter, vault, key, intended, resourceId, ct).ConfigureAwait(false);
                }

                // Planned again on the resource as it is now: the identity write may have changed what the key write must carry.
                var replanned = adapter.PlanEnable(resource, request);
                steps.Replan(enableWrites.Select(w => w.Description), replanned.Select(w => w.Description));
                await SendAllAsync(resource, replanned, steps, ct).ConfigureAwait(false);
            }
            catch (CmkException failure)
            {
                throw steps.Attach(failure);
            }
            var final = await ReadResourceAsync(adapter, resourceId, ct).ConfigureAwait(false);
            return StatusOf(adapter, final, changed: steps.Done.Count > 0, steps.Done);
        }

        /// <summary>
        /// -IdentityType / -UserAssignedIdentityId when given; otherwise the user-assigned identity the resource already uses
        /// for its key (so a re-run or a key change keeps it), else the system-assigned identity.
        /// </summary>
        private static CmkIdentitySelection ChooseIdentity(CmkServiceAdapter adapter, CmkResource resource, CmkIdentityType? type, string? uai)
        {
            if (uai != null) return new CmkIdentitySelection(CmkIdentityType.UserAssigned, uai);
            if (type == CmkIdentityType.SystemAssigned) return CmkIdentitySelection.SystemAssigned;
            var state = adapter.ReadState(resource);
            if (state.CustomerManaged && state.IdentityType == CmkIdentityType.UserAssigned && state.UserAssignedIdentityId != null)
                return new CmkIdentitySelection(CmkIdentityType.UserAssigned, state.UserAssignedIdentityId);
            return CmkIdentitySelection.SystemAssigned;
        }

        /// <summary>
        /// Runs the requirement checks for the resource with the identity it is about to use. Failed checks stop the call
        /// before any write, listed in one typed error. Identity.Access is left to the grant when -GrantAccess is given; a
        /// system-assigned identity still to be enabled cannot have access yet, so without -GrantAccess that fails here too.
        /// Reads through the run's reader, whose vault and key reads the rest of the call reuses.
        /// </summary>
        public async Task ValidateAsync(CmkServiceAdapter adapter, CmkResource resource, KeyIdentifier key, TargetIdentity intended,
            bool identityWillBeWritten, bool grantAccess, CancellationToken cancellationToken)
        {
            var engine = new RequirementEngine(_reader, _host);
            var request = new RequirementRequest(KeyReference.FromIdentifier(key), RequirementTarget.FromResource(WithType(resource, adapter), intended))
            {
                Cloud = _azure.Cloud,
            };
            var results = await engine.RunAsync(request, cancellationToken).ConfigureAwait(false);
            var failed = results.Where(r => r.Status == RequirementStatus.Failed)
                .Where(r => !(grantAccess && r.Check == CheckIds.IdentityAccess))
                // The missing identity is exactly what this call is about to enable.
                .Where(r => !(identityWillBeWritten && r.Check == CheckIds.IdentityPresent))
                .Select(r => new CmkFailedCheck(r.Check, r.Message, r.RecommendedAction, r.Target))
                .ToList();
            if (identityWillBeWritten && intended.Type == null && !grantAccess)
            {
                failed.Add(new CmkFailedCheck(CheckIds.IdentityAccess,
                    $"The system-assigned identity about to be enabled on {resource.Name} will have no access to key '{key.Name}' of vault '{key.VaultName}'.",
                    "Pass -GrantAccess to grant it least-privilege access in the same call.", resource.Id));
            }
            if (failed.Count > 0) throw CmkErrors.FromFailedChecks(failed);
            foreach (var warning in results.Where(r => r.Status == RequirementStatus.Warning))
            {
                // The missing identity is exactly what this call is about to enable: not worth a warning.
                if (identityWillBeWritten && warning.Check == CheckIds.IdentityPresent) { _host.WriteVerbose(warning.Message); continue; }
                _host.WriteWarning($"[{warning.Check}] {warning.Message}" + (warning.RecommendedAction == null ? "" : " " + warning.RecommendedAction));
            }
        }

        /// <summary>
        /// The key's current version, for a service that takes only versioned key URLs (the requirement checks have just run
        /// on that same version, through the same cached reader). The typed KeyNotFound error when it cannot be read.
        /// </summary>
        private async Task<KeyIdentifier> CurrentVersionAsync(CmkServiceAdapter adapter, KeyVaultResource? vault, KeyIdentifier key, string resourceId,
            CancellationToken ct)
        {
            var model = vault == null ? null : await _reader.GetKeyAsync(vault, key.Name, null, ct).ConfigureAwait(false);
            if (model?.Version == null)
                throw CmkErrors.Create("KeyNotFound", key.Uri, $"{adapter.DisplayName} takes only a versioned key URL and the current version of '{key.Name}' could not be read; pass the key URI with its version.");
            _host.WriteVerbose($"{adapter.DisplayName} takes a versioned key URL: using the current version {model.Version} of '{key.Name}' for {resourceId}.");
            return key.WithVersion(model.Version);
        }

        /// <summary>The engine decides the service from the body's type; a GET body always has it, but keep it explicit.</summary>
        private static System.Text.Json.Nodes.JsonObject WithType(CmkResource resource, CmkServiceAdapter adapter)
        {
            if (resource.Json.Str("type") != null && resource.Json.Str("id") != null) return resource.Json;
            var copy = (System.Text.Json.Nodes.JsonObject)resource.Json.DeepClone();
            copy["type"] = adapter.ResourceType;
            copy["id"] = resource.Id;
            return copy;
        }

        private async Task<bool> NeedsGrantAsync(CmkServiceAdapter adapter, KeyVaultResource? vault, KeyIdentifier key, KeyIdentifier? backupKey,
            TargetIdentity identity, CancellationToken ct)
        {
            // No principal yet (identity to be enabled) or an unknown vault: the granter will find out, so plan a grant.
            if (vault == null || identity.PrincipalId == null) return true;
            foreach (var k in DistinctKeys(key, backupKey))
            {
                var keyVault = k.VaultName == key.VaultName ? vault : await _reader.FindVaultAsync(k, ct).ConfigureAwait(false);
                if (keyVault == null) return true;
                var evaluation = await KeyVaultAccessGranter.EvaluateAsync(_reader, keyVault, k.Name, identity.PrincipalId,
                    adapter.Requirements.Access, ct).ConfigureAwait(false);
                if (!evaluation.Granted) return true;
            }
            return false;
        }

        /// <summary>After an identity write without -GrantAccess: the new principal must already have access (a user-assigned identity may).</summary>
        private async Task RequireAccessAsync(CmkServiceAdapter adapter, KeyVaultResource? vault, KeyIdentifier key, TargetIdentity identity, string resourceId,
            CancellationToken ct)
        {
            if (vault == null || identity.PrincipalId == null) return;
            var evaluation = await KeyVaultAccessGranter.EvaluateAsync(new KeyVaultReader(_azure), vault, key.Name, identity.PrincipalId,
                adapter.Requirements.Access, ct).ConfigureAwait(false);
            if (evaluation.Granted) return;
            throw CmkErrors.FromFailedChecks(new[]
            {
                new CmkFailedCheck(CheckIds.IdentityAccess,
                    $"Identity {identity.PrincipalId} of {resourceId} lacks {string.Join(", ", evaluation.Missing)} on key '{key.Name}'; the identity is in place but the key was not set.",
                    $"Grant access (Grant-AzCmkKeyVaultAccess -ResourceId {resourceId} -KeyUri {key.VersionlessUri}) or re-run with -GrantAccess.", resourceId),
            });
        }

        private async Task<string> UserAssignedPrincipalAsync(string? uai, CancellationToken ct)
        {
            var identity = uai == null ? null : await _reader.GetUserAssignedIdentityAsync(uai, ct).ConfigureAwait(false);
            return identity?.PrincipalId ?? throw CmkErrors.Create("IdentityNotFound", uai, "The identity's principal id could not be read.");
        }

        private static IEnumerable<KeyIdentifier> DistinctKeys(KeyIdentifier key, KeyIdentifier? backupKey)
        {
            yield return key;
            if (backupKey != null && !string.Equals(backupKey.VersionlessUri, key.VersionlessUri, StringComparison.OrdinalIgnoreCase)) yield return backupKey;
        }

        // ---- Disable ----------------------------------------------------------------------------------------------

        /// <summary>
        /// Back to Microsoft-managed keys where the service allows it (the typed CmkDisableNotSupported error elsewhere, before
        /// any write). Changed false when the resource had no customer key; null when ShouldProcess declined.
        /// </summary>
        public async Task<CmkEncryptionStatus?> DisableAsync(string resourceId, CancellationToken cancellationToken = default)
        {
            var ct = Token(cancellationToken);
            var adapter = CmkServiceAdapter.ForResourceId(resourceId);
            resourceId = ArmScopes.ParseResourceId(resourceId).ToString();
            var resource = await ReadResourceAsync(adapter, resourceId, ct).ConfigureAwait(false);
            var writes = adapter.PlanDisable(resource);
            if (writes.Count == 0)
            {
                _host.WriteVerbose($"{resourceId} does not use a customer-managed key: nothing to disable.");
                return StatusOf(adapter, resource, changed: false, Array.Empty<string>());
            }
            return await ApplyAsync(adapter, resource, writes, "Disable customer-managed key", ct).ConfigureAwait(false);
        }

        // ---- shared by Set, Disable and Update-AzCmkKeyVersion ------------------------------------------------------

        /// <summary>
        /// Asks ShouldProcess for the whole change, sends the writes in order (following each long-running operation with
        /// progress) and reads the resource back. Null when declined.
        /// </summary>
        public async Task<CmkEncryptionStatus?> ApplyAsync(CmkServiceAdapter adapter, CmkResource resource, IReadOnlyList<ResourceWrite> writes, string action,
            CancellationToken cancellationToken = default)
        {
            var ct = Token(cancellationToken);
            if (writes.Count == 0) return StatusOf(adapter, resource, changed: false, Array.Empty<string>());
            if (!_host.ShouldProcess(resource.Id, $"{action}: {string.Join("; ", writes.Select(w => w.Description))}")) return null;
            var steps = new WriteSteps(_host, resource.Id, writes.Select(w => w.Description));
            JsonObject? answer;
            try
            {
                answer = await SendAllAsync(resource, writes, steps, ct).ConfigureAwait(false);
            }
            catch (CmkException failure)
            {
                throw steps.Attach(failure);
            }
            var final = WrittenState(adapter, resource, writes, answer) ?? await ReadResourceAsync(adapter, resource.Id, ct).ConfigureAwait(false);
            return StatusOf(adapter, final, changed: true, steps.Done);
        }

        /// <summary>
        /// The resource as the last write's answer (its 200 body, or the operation's final GET) describes it, when that answer
        /// is the whole resource: a PATCH/PUT of the resource itself by a service read with one plain GET. Null when a GET
        /// must tell (an action such as NetApp's rekey, children, a $expand, or no body), saving one read per resource.
        /// </summary>
        private static CmkResource? WrittenState(CmkServiceAdapter adapter, CmkResource resource, IReadOnlyList<ResourceWrite> writes, JsonObject? answer)
        {
            var last = writes[writes.Count - 1];
            if (answer == null || !adapter.StateFromResourceGraph || last.Method == HttpMethod.Post || last.Method == HttpMethod.Delete) return null;
            var path = last.Path.Split('?')[0].TrimEnd('/');
            if (!string.Equals(path, resource.Id.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)) return null;
            if (!string.Equals(answer.Str("id"), resource.Id, StringComparison.OrdinalIgnoreCase) || !(answer["properties"] is JsonObject)) return null;
            return new CmkResource(resource.Id, answer);
        }

        /// <summary>Reads a resource through its adapter; the typed ResourceNotFound error when it does not exist.</summary>
        public async Task<CmkResource> ReadResourceAsync(CmkServiceAdapter adapter, string resourceId, CancellationToken cancellationToken = default)
            => await adapter.ReadAsync(_azure, resourceId, Token(cancellationToken)).ConfigureAwait(false)
               ?? throw CmkErrors.Create("ResourceNotFound", resourceId);

        /// <summary>Sends the writes in order; returns the last one's answer (the final resource body, when the service sends it).</summary>
        private async Task<JsonObject?> SendAllAsync(CmkResource resource, IReadOnlyList<ResourceWrite> writes, WriteSteps steps, CancellationToken ct)
        {
            JsonObject? answer = null;
            foreach (var write in writes)
            {
                _host.WriteVerbose($"{write.Method.Method} {write.Path}: {write.Description}");
                using (var progress = new OperationProgressReporter(_host, $"{resource.Name}: {write.Description}"))
                {
                    answer = await _azure.SendAsync(write.Method, write.Path, write.Body, ct, progress).ConfigureAwait(false);
                }
                steps.Completed(write.Description);
            }
            return answer;
        }

        public static CmkEncryptionStatus StatusOf(CmkServiceAdapter adapter, CmkResource resource, bool changed, IReadOnlyList<string> actions)
            => new CmkEncryptionStatus(adapter.Service, adapter.DisplayName, resource.Id, adapter.ReadState(resource), changed, actions);

        // ---- Grant ------------------------------------------------------------------------------------------------

        /// <summary>Grants the identity a resource uses for its key (its key identity, else its system-assigned one).</summary>
        public async Task<CmkAccessGrant> GrantForResourceAsync(string resourceId, string keyUri, CmkGrantMode mode, CancellationToken cancellationToken = default)
        {
            var ct = Token(cancellationToken);
            var adapter = CmkServiceAdapter.ForResourceId(resourceId);
            var key = KeyIdentifier.Parse(keyUri, _azure.Cloud);
            var resource = await ReadResourceAsync(adapter, ArmScopes.ParseResourceId(resourceId).ToString(), ct).ConfigureAwait(false);
            var identity = adapter.ReadIdentity(resource.Json);
            var principal = identity.PrincipalId
                ?? (identity.UserAssignedIdentityId != null ? await UserAssignedPrincipalAsync(identity.UserAssignedIdentityId, ct).ConfigureAwait(false) : null)
                ?? throw CmkErrors.Create("IdentityNotFound", resource.Id, "Enable its identity first (Set-AzCmkEncryption -GrantAccess does both).");
            return await new KeyVaultAccessGranter(_azure, _host, _grantOptions)
                .GrantAsync(key, principal, KeyGrantRequirement.For(adapter), mode, confirm: true, ct).ConfigureAwait(false);
        }

        /// <summary>Grants a principal what <paramref name="service"/> needs (the common wrap/unwrap set when no service is given).</summary>
        public Task<CmkAccessGrant> GrantForPrincipalAsync(string principalId, CmkService? service, string keyUri, CmkGrantMode mode,
            CancellationToken cancellationToken = default)
        {
            var key = KeyIdentifier.Parse(keyUri, _azure.Cloud);
            var requirement = service == null
                ? new KeyGrantRequirement(ServiceProfiles.Generic.Access, null)
                : KeyGrantRequirement.For(CmkServiceAdapter.For(service.Value));
            return new KeyVaultAccessGranter(_azure, _host, _grantOptions)
                .GrantAsync(key, principalId, requirement, mode, confirm: true, Token(cancellationToken));
        }
    }
}
