using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// Update-AzCmkKeyVersion's engine, for every service: find the version to use (the newest enabled, active, unexpired
    /// one, or the one asked for), run the same requirement checks as Set-AzCmkEncryption on that exact version, and only
    /// then write through the adapter's key-change plan. Nothing about a particular service lives here: what a key change
    /// writes (Kusto keyVersion, Batch keyIdentifier, both Cassandra data center URIs, Data Box kekUrl, NetApp rekey or
    /// changeKeyVault) is <see cref="CmkServiceAdapter.PlanKeyChangeAsync"/>.
    /// <para>
    /// One instance is one run (one cmdlet invocation, however many resources arrive through the pipeline): its
    /// requirement engine's reader caches every vault, key and version list, so resources sharing a key read it once.
    /// </para>
    /// </summary>
    public sealed class KeyRotation
    {
        public const string ActivityName = "Update-AzCmkKeyVersion";

        private readonly IAzureResources _azure;
        private readonly RequirementEngine _engine;
        private readonly ForwardingHost _engineHost = new ForwardingHost();
        private readonly Func<DateTimeOffset> _clock;
        private int _processed;

        public KeyRotation(IAzureResources azure, Func<DateTimeOffset>? clock = null)
        {
            _azure = azure ?? throw new ArgumentNullException(nameof(azure));
            // The engine outlives each item, the host does not (a cmdlet hands out one per pipeline item): it reports
            // through whichever host the current item brought.
            _engine = new RequirementEngine(azure, _engineHost);
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>The run's cached reader: vaults, keys and version lists are read once for all resources.</summary>
        public KeyVaultReader Reader => _engine.Reader;

        /// <summary>
        /// Rotates one resource. Failures (bad input, a version that fails a check, a service error) throw the typed
        /// <see cref="CmkException"/> before any write, or as the service reported it; the caller decides whether that
        /// ends the run (one failed pipeline item does not).
        /// </summary>
        public async Task<CmkKeyRotationResult> RotateAsync(CmkKeyRotationRequest request, ICmkHost host, CancellationToken cancellationToken)
        {
            if (request is null) throw new ArgumentNullException(nameof(request));
            if (host is null) throw new ArgumentNullException(nameof(host));
            var adapter = CmkServiceAdapter.ForResourceId(request.ResourceId);
            var resourceId = ArmScopes.ParseResourceId(request.ResourceId).ToString();
            var activityId = ProgressActivityId;
            var item = Interlocked.Increment(ref _processed);
            void Progress(string status) => host.WriteProgress(new CmkProgress(activityId, ActivityName, $"[{item}] {Name(resourceId)}: {status}"));
            var manager = new CmkEncryptionManager(_azure, host);
            _engineHost.Target = host;
            var warnings = new List<string>();
            void Warn(string text)
            {
                warnings.Add(text);
                host.WriteWarning($"{Name(resourceId)}: {text}");
            }

            try
            {
                Progress("reading the resource");
                var resource = await manager.ReadResourceAsync(adapter, resourceId, cancellationToken).ConfigureAwait(false);
                var state = adapter.ReadState(resource);
                if (!state.CustomerManaged)
                {
                    throw CmkErrors.Create(CmkServiceAdapter.NotCustomerManagedId, resourceId,
                        $"{adapter.DisplayName} resource {resource.Name} uses Microsoft-managed keys.");
                }
                var current = state.Key ?? throw CmkErrors.Create(CmkServiceAdapter.NotCustomerManagedId, resourceId,
                    $"Its configured key '{state.KeyUri}' is not a key identifier this module can read.");
                var previous = state.KeyVersion == null ? current.WithVersion(null) : current.WithVersion(state.KeyVersion);

                var (baseKey, explicitVersion) = ResolveTargetKey(adapter, request, current, resourceId);
                var keyChanged = !baseKey.Equals(current.WithVersion(null));
                // A service that stores only the key name, or a resource configured without a version, keeps following the
                // key's current version: pinning it would switch automatic rotation off behind the user's back.
                var pins = explicitVersion != null
                    || (state.KeyVersion != null && !adapter.Requirements.UsesCurrentVersionOnly && !state.ServiceRotatesKey)
                    // Another key for a service that takes only versioned URLs: its newest usable version.
                    || (keyChanged && adapter.Requirements.RequiresVersionedKey);

                KeyIdentifier target;
                if (!pins)
                {
                    target = baseKey;
                    if (!keyChanged)
                    {
                        await WarnWhenCurrentVersionUnusable(baseKey, Warn, cancellationToken).ConfigureAwait(false);
                        var auto = adapter.Requirements.UsesCurrentVersionOnly
                            ? $"{adapter.DisplayName} always uses the current version of key '{baseKey.Name}': nothing to update."
                            : state.ServiceRotatesKey
                            ? $"{adapter.DisplayName} moves to the newest version of key '{baseKey.Name}' by itself (automatic rotation is on): nothing to update. Pass -KeyVersion to set one now."
                            : $"The resource is configured without a key version, so it always uses the current version of key '{baseKey.Name}': nothing to update. Pass -KeyVersion to pin one.";
                        return await Finish(adapter, resource, CmkKeyRotationStatus.AutoRotating, previous, previous, auto, warnings,
                            Array.Empty<ResourceWrite>(), cancellationToken).ConfigureAwait(false);
                    }
                }
                else if (explicitVersion != null)
                {
                    target = baseKey.WithVersion(explicitVersion);
                }
                else
                {
                    Progress($"listing the versions of key '{baseKey.Name}'");
                    var choice = await ChooseNewestAsync(baseKey, cancellationToken).ConfigureAwait(false);
                    if (choice.Chosen == null)
                    {
                        // Nothing usable: the checks of the newest version say why (naming the version and the check).
                        var newest = choice.NewestFirst.FirstOrDefault();
                        await ValidateAsync(adapter, resource, newest == null ? baseKey : baseKey.WithVersion(newest.Version), host, cancellationToken)
                            .ConfigureAwait(false);
                        throw CmkErrors.Create("KeyNotFound", baseKey.Uri, "The key has no enabled, active and unexpired version.");
                    }
                    foreach (var (version, reason) in choice.PassedOver)
                        Warn($"Key version {version.Version} of '{baseKey.Name}' is newer but {reason}; it was not used.");

                    if (!keyChanged && current.Version != null && !choice.IsNewer(choice.Chosen.Version, current.Version)
                        && !string.Equals(choice.Chosen.Version, current.Version, StringComparison.OrdinalIgnoreCase))
                    {
                        // Never move backwards on our own: the configured version is newer than every usable one.
                        var configured = choice.NewestFirst.FirstOrDefault(v => string.Equals(v.Version, current.Version, StringComparison.OrdinalIgnoreCase));
                        var why = configured?.Unusable(_clock()) is { } reason ? $" (it is {reason})" : "";
                        Warn($"The configured version {current.Version}{why} is newer than every usable version; pass -KeyVersion to choose an older one.");
                        return await Finish(adapter, resource, CmkKeyRotationStatus.UpToDate, previous, previous,
                            $"No usable version is newer than {current.Version}.", warnings, Array.Empty<ResourceWrite>(), cancellationToken).ConfigureAwait(false);
                    }
                    target = baseKey.WithVersion(choice.Chosen.Version);
                }

                if (!keyChanged && target.Equals(previous))
                {
                    var upToDate = $"Up to date: already uses {(target.Version == null ? "the current version of key '" + target.Name + "'" : "version " + target.Version)}.";
                    if (warnings.Count > 0) upToDate += " A newer version exists but is not usable (see the warnings).";
                    return await Finish(adapter, resource, CmkKeyRotationStatus.UpToDate, previous, previous, upToDate, warnings,
                        Array.Empty<ResourceWrite>(), cancellationToken).ConfigureAwait(false);
                }

                // The adapter's own rules for this resource (e.g. -DataCenterName only where there are data centers).
                adapter.ValidateKeyChange(resource, new CmkEnableRequest(target,
                    new CmkIdentitySelection(state.IdentityType ?? CmkIdentityType.SystemAssigned, state.UserAssignedIdentityId))
                {
                    DataCenterNames = request.DataCenterNames,
                });
                Progress($"checking {target.Uri}");
                var vault = await ValidateAsync(adapter, resource, target, host, cancellationToken).ConfigureAwait(false);

                var writes = await adapter.PlanKeyChangeAsync(_azure, resource, target, new CmkKeyChangeOptions
                {
                    DataCenterNames = request.DataCenterNames,
                    KeyVaultResourceId = vault?.Id,
                    KeyVaultTenantId = vault?.TenantId,
                }, cancellationToken).ConfigureAwait(false);
                if (writes.Count == 0)
                {
                    return await Finish(adapter, resource, CmkKeyRotationStatus.UpToDate, previous, target,
                        $"Up to date: already uses {target.Uri}.", warnings, writes, cancellationToken).ConfigureAwait(false);
                }

                var actions = writes.Select(w => w.Description).ToList();
                Progress($"updating to {target.Uri}");
                var encryption = await manager.ApplyAsync(adapter, resource, writes,
                    $"Change the customer-managed key from {previous.Uri} to {target.Uri}", cancellationToken).ConfigureAwait(false);
                if (encryption == null)
                {
                    return new CmkKeyRotationResult(adapter, resourceId, CmkKeyRotationStatus.Skipped, previous, target,
                        $"Skipped: would change the key from {previous.Uri} to {target.Uri}.", warnings, actions, null);
                }
                var message = target.Version == null
                    ? $"Updated to key '{target.Name}' (versionless: the service keeps using its current version)."
                    : $"Updated from {previous.Version ?? CmkEncryptionStatus.Versionless} to {target.Version}" + (keyChanged ? $" of key '{target.Name}'." : ".");
                return new CmkKeyRotationResult(adapter, resourceId, CmkKeyRotationStatus.Updated, previous, target, message, warnings,
                    encryption.Actions, encryption);
            }
            finally
            {
                host.WriteProgress(new CmkProgress(activityId, ActivityName, $"[{item}] {Name(resourceId)}: done", 100, Completed: true));
            }
        }

        private static readonly int ProgressActivityId = Math.Abs(ActivityName.GetHashCode() % 100000) + 1;

        /// <summary>The versionless key to use and the version asked for, from -KeyUri, -KeyName and -KeyVersion.</summary>
        private (KeyIdentifier Key, string? Version) ResolveTargetKey(CmkServiceAdapter adapter, CmkKeyRotationRequest request,
            KeyIdentifier current, string resourceId)
        {
            if (request.KeyUri != null && request.KeyName != null)
                throw CmkErrors.InvalidInput("InvalidKeyUri", "KeyName", request.KeyName, "give either -KeyUri (a key in another vault) or -KeyName (a key in the same vault), not both.");

            string? version = null;
            if (request.KeyVersion != null)
            {
                if (!KeyIdentifier.IsVersion(request.KeyVersion))
                    throw CmkErrors.InvalidInput("InvalidKeyUri", "KeyVersion", request.KeyVersion, "a key version is 32 hexadecimal characters.");
                version = request.KeyVersion.ToLowerInvariant();
            }

            KeyIdentifier key;
            if (request.KeyUri != null)
            {
                var uri = KeyIdentifier.Parse(request.KeyUri, _azure.Cloud);
                if (uri.Version != null && version != null && !string.Equals(uri.Version, version, StringComparison.OrdinalIgnoreCase))
                    throw CmkErrors.InvalidInput("InvalidKeyUri", "KeyVersion", request.KeyVersion,
                        $"-KeyUri already names version {uri.Version}.");
                version ??= uri.Version;
                key = uri.WithVersion(null);
            }
            else if (request.KeyName != null)
            {
                var nameError = KeyIdentifier.KeyNameError(request.KeyName);
                if (nameError != null) throw KeyVaultInputErrors.InvalidKeyName(request.KeyName, nameError);
                key = KeyIdentifier.Parse(current.VaultUri + "keys/" + request.KeyName);
            }
            else key = current.WithVersion(null);

            if (version != null && adapter.Requirements.UsesCurrentVersionOnly)
            {
                throw new CmkInputException(CmkServiceAdapter.ParameterNotSupportedId, "KeyVersion",
                    $"{adapter.DisplayName} stores no key version: it always uses the key's current version ({resourceId}).", resourceId,
                    "Leave out -KeyVersion (and the version in -KeyUri); to use another version, make it the key's current version in Key Vault.",
                    CmkErrorCategory.InvalidArgument);
            }
            return (key, version);
        }

        /// <summary>The key's versions through the run's cache, newest first, and the one to use.</summary>
        private async Task<CmkKeyVersionChoice> ChooseNewestAsync(KeyIdentifier key, CancellationToken cancellationToken)
        {
            var vault = await Reader.FindVaultAsync(key, cancellationToken).ConfigureAwait(false);
            if (vault == null) return CmkKeyVersionChoice.Select(Array.Empty<CmkKeyVersionInfo>(), _clock());
            var keyPath = vault.Id + "/keys/" + key.Name;
            var keyModel = await Reader.GetKeyAsync(vault, key.Name, null, cancellationToken).ConfigureAwait(false);
            if (keyModel == null) return CmkKeyVersionChoice.Select(Array.Empty<CmkKeyVersionInfo>(), _clock());
            var items = await Reader.ListAsync(keyPath + "/versions", cancellationToken).ConfigureAwait(false);
            var versions = items.Select(i => CmkKeyVersionInfo.FromJson(i, keyModel.Version)).Where(v => v != null).Select(v => v!);
            return CmkKeyVersionChoice.Select(versions, _clock());
        }

        /// <summary>A versionless resource follows the key's current version: say so when that version cannot be used.</summary>
        private async Task WarnWhenCurrentVersionUnusable(KeyIdentifier key, Action<string> warn, CancellationToken cancellationToken)
        {
            var vault = await Reader.FindVaultAsync(key, cancellationToken).ConfigureAwait(false);
            var model = vault == null ? null : await Reader.GetKeyAsync(vault, key.Name, null, cancellationToken).ConfigureAwait(false);
            if (model == null) return;
            var info = new CmkKeyVersionInfo(model.Version ?? "", null, model.Attributes.Enabled, model.Attributes.NotBefore, model.Attributes.Expires, true);
            if (info.Unusable(_clock()) is { } reason)
                warn($"The current version {model.Version} of key '{key.Name}' is {reason}: the service cannot use it.");
        }

        /// <summary>
        /// Set-AzCmkEncryption's checks for this resource and this exact key version. A failed check throws
        /// <see cref="CmkErrors.FromFailedChecks(IEnumerable{CmkFailedCheck})"/>, each message naming the version; warnings go
        /// to the host. Returns the vault the key lives in.
        /// </summary>
        private async Task<KeyVaultResource?> ValidateAsync(CmkServiceAdapter adapter, CmkResource resource, KeyIdentifier key, ICmkHost host,
            CancellationToken cancellationToken)
        {
            var request = new RequirementRequest(KeyReference.FromIdentifier(key), RequirementTarget.FromResource(resource.Json))
            {
                Cloud = _azure.Cloud,
                Clock = _clock,
            };
            var results = await _engine.RunAsync(request, cancellationToken).ConfigureAwait(false);
            var what = key.Version == null ? $"Key '{key.Name}'" : $"Key version {key.Version} of '{key.Name}'";
            var failed = results.Where(r => r.Status == RequirementStatus.Failed).ToList();
            if (failed.Count > 0)
            {
                throw CmkErrors.FromFailedChecks(failed.Select(r =>
                    new CmkFailedCheck(r.Check, $"{what} cannot be used by {adapter.DisplayName}: {r.Message}", r.RecommendedAction, key.Uri)));
            }
            foreach (var warning in results.Where(r => r.Status == RequirementStatus.Warning))
                host.WriteWarning($"{resource.Name}: [{warning.Check}] {warning.Message}" + (warning.RecommendedAction == null ? "" : " " + warning.RecommendedAction));
            return await Reader.FindVaultAsync(key, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>A result without a write: the resource as read, Changed false.</summary>
        private static Task<CmkKeyRotationResult> Finish(CmkServiceAdapter adapter, CmkResource resource, CmkKeyRotationStatus status,
            KeyIdentifier previous, KeyIdentifier next, string message, IReadOnlyList<string> warnings, IReadOnlyList<ResourceWrite> writes,
            CancellationToken cancellationToken)
        {
            _ = cancellationToken;
            var encryption = CmkEncryptionManager.StatusOf(adapter, resource, changed: false, Array.Empty<string>());
            return Task.FromResult(new CmkKeyRotationResult(adapter, resource.Id, status, previous, next, message, warnings,
                writes.Select(w => w.Description).ToList(), encryption));
        }

        private static string Name(string resourceId) => resourceId.Substring(resourceId.TrimEnd('/').LastIndexOf('/') + 1);

        /// <summary>An ICmkHost that passes everything to the current item's host (none between items).</summary>
        private sealed class ForwardingHost : ICmkHost
        {
            public ICmkHost? Target { get; set; }
            public CancellationToken CancellationToken => Target?.CancellationToken ?? CancellationToken.None;
            public void WriteVerbose(string message) => Target?.WriteVerbose(message);
            public void WriteWarning(string message) => Target?.WriteWarning(message);
            public void WriteProgress(CmkProgress progress) => Target?.WriteProgress(progress);
            public bool ShouldProcess(string target, string action) => Target?.ShouldProcess(target, action) ?? false;
        }
    }
}
