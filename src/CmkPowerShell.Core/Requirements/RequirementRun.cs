using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Core.Requirements
{
    /// <summary>One request's evaluation: gathers what the checks need (through the cached reader), then runs them in catalogue order.</summary>
    internal sealed class RequirementRun
    {
        private readonly RequirementEngine _engine;
        private readonly RequirementRequest _request;
        private readonly CancellationToken _ct;
        private readonly List<CmkRequirementResult> _results = new();
        private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
        private readonly AzureCloud _cloud;
        private readonly DateTimeOffset _now;
        private readonly ServiceRequirements _profile;
        private readonly CmkServiceAdapter? _serviceTarget;

        private KeyIdentifier _key = null!;
        private KeyVaultResource? _vault;
        private string? _vaultProblem;      // why the vault could not be read (not "not found")
        private KeyVaultKey? _keyModel;
        private string? _keyProblem;

        private string? _targetId;
        private JsonObject? _resource;
        private string? _targetMissing;     // the target resource does not exist
        private string? _location;
        private string? _sku;               // the resource's SKU, or the one the future resource will have
        private TargetIdentity _identity = TargetIdentity.None;
        private string? _identityMissing;   // a user-assigned identity that does not exist
        private string? _notInCloud;        // the key's host is not the connected cloud's: nothing about it is read here

        public RequirementRun(RequirementEngine engine, RequirementRequest request, CancellationToken cancellationToken)
        {
            _engine = engine;
            _request = request;
            _ct = cancellationToken;
            if (request.ExpiryWarningDays < 0)
                throw new ArgumentOutOfRangeException(nameof(request), request.ExpiryWarningDays, "ExpiryWarningDays cannot be negative.");
            _cloud = request.Cloud ?? engine.Reader.Azure.Cloud;
            _now = (request.Clock ?? (() => DateTimeOffset.UtcNow))();
            _serviceTarget = request.Target == null ? null : CmkServiceAdapter.For(request.Target.Service);
            _profile = _serviceTarget?.Requirements ?? ServiceProfiles.Generic;
        }

        public IReadOnlyList<CmkRequirementResult> Results => _results;

        private KeyVaultReader Reader => _engine.Reader;
        private CmkService? Service => _request.Target?.Service;

        public async Task ExecuteAsync()
        {
            await ResolveKeyAsync().ConfigureAwait(false);
            await ResolveTargetAsync().ConfigureAwait(false);
            FillValues();

            CheckKeyUriFormat();
            CheckCloudHost();
            CheckSku();
            CheckVaultExists();
            CheckVaultFlag(CheckIds.KeyVaultSoftDelete, _profile.SoftDeleteRequired, v => v.SoftDeleteEnabled, "soft delete");
            CheckVaultFlag(CheckIds.KeyVaultPurgeProtection, _profile.PurgeProtectionRequired, v => v.PurgeProtectionEnabled, "purge protection",
                _profile.PurgeProtectionRecommended);
            CheckRegion();
            CheckTenant();
            CheckFirewall();
            await CheckPrivateEndpointAsync().ConfigureAwait(false);
            CheckKeyExists();
            CheckKeyType();
            CheckKeySize();
            CheckKeyEnabled();
            CheckKeyNotExpired();
            CheckKeyActive();
            CheckExpiryWindow();
            CheckKeyOperations();
            CheckIdentityPresent();
            CheckIdentityType();
            await CheckIdentityAccessAsync().ConfigureAwait(false);
        }

        // ---- gathering -------------------------------------------------------------------------

        private async Task ResolveKeyAsync()
        {
            var reference = _request.Key;
            if (reference.VaultResourceId != null)
            {
                (_vault, _vaultProblem) = await TryRead(() => Reader.GetVaultAsync(reference.VaultResourceId, _ct)).ConfigureAwait(false);
                _key = KeyFromVaultUri(_vault, reference) ?? KeyIdentifier.FromParts(reference.VaultName!, reference.KeyName, reference.Version, _cloud);
            }
            else
            {
                _key = reference.Identifier ?? KeyIdentifier.FromParts(reference.VaultName!, reference.KeyName, reference.Version, _cloud);
                // Parsed without the cloud (a custom one has its own suffixes): read the host again against it.
                if (!_key.IsKeyVaultHost && KeyIdentifier.TryParse(_key.Uri, out var inCloud, _cloud)) _key = inCloud!;
                if (!_key.IsInCloud(_cloud))
                {
                    // A same-named vault of the connected cloud is another vault: no request is sent on its behalf.
                    _notInCloud = $"The key's host {_key.Host} is not a key vault of the connected cloud {_cloud.Name} (see {CheckIds.KeyUriCloudHost}); nothing was read.";
                    return;
                }
                _engine.Verbose($"Looking up key vault '{_key.VaultName}' in subscription {Reader.Azure.SubscriptionId}.");
                (_vault, _vaultProblem) = await TryRead(() => Reader.FindVaultAsync(_key, _ct)).ConfigureAwait(false);
            }
            if (_vault != null)
                (_keyModel, _keyProblem) = await TryRead(() => Reader.GetKeyAsync(_vault, _key.Name, _key.Version, _ct)).ConfigureAwait(false);
        }

        /// <summary>A vault read by id names its own host in vaultUri, which beats guessing it from the cloud.</summary>
        private static KeyIdentifier? KeyFromVaultUri(KeyVaultResource? vault, KeyReference reference)
        {
            if (vault?.VaultUri == null) return null;
            var uri = KeyIdentifier.Compose(vault.VaultUri, reference.KeyName, reference.Version);
            return KeyIdentifier.TryParse(uri, out var id) ? id : null;
        }

        private async Task ResolveTargetAsync()
        {
            var target = _request.Target;
            if (target == null || _serviceTarget == null) return;
            _targetId = target.ResourceId;
            if (_notInCloud != null) return;
            if (target.ResourceId != null)
            {
                _resource = target.Resource;
                if (_resource == null)
                {
                    string? problem;
                    (_resource, problem) = await TryRead(() => Reader.GetAsync(target.ResourceId, _ct, _serviceTarget.ReadQuery)).ConfigureAwait(false);
                    if (_resource == null) { _targetMissing = problem ?? $"Resource {target.ResourceId} was not found."; return; }
                }
                _location = _resource.Str("location");
                _sku = _serviceTarget.ReadSku(_resource);
                _identity = target.IntendedIdentity ?? _serviceTarget.ReadIdentity(_resource);
                if (target.IntendedIdentity == null && _identity.Type == null && _identity.PrincipalId == null
                    && CmkServiceAdapter.CarriedIdentity(_resource) is { Type: { } carried } identity
                    && !_profile.SupportedIdentityTypes.Contains(carried))
                {
                    // An identity the service cannot use is still the resource's identity: report it so Identity.Type says why
                    // it does not count, instead of "no identity yet".
                    _identity = identity;
                }
            }
            else
            {
                _location = target.Location;
                _sku = target.Sku;
                _identity = target.UserAssignedIdentityId != null
                    ? new TargetIdentity(CmkIdentityType.UserAssigned, null, null, target.UserAssignedIdentityId)
                    : new TargetIdentity(null, target.PrincipalId, null, null);
            }

            if (_identity.UserAssignedIdentityId != null && (_identity.PrincipalId == null || target.ResourceId == null))
            {
                var (uai, problem) = await TryRead(() => Reader.GetUserAssignedIdentityAsync(_identity.UserAssignedIdentityId, _ct)).ConfigureAwait(false);
                if (uai == null) _identityMissing = problem ?? $"User-assigned identity {_identity.UserAssignedIdentityId} was not found.";
                else _identity = _identity with { PrincipalId = uai.PrincipalId ?? _identity.PrincipalId, TenantId = uai.TenantId };
            }
        }

        /// <summary>Reads that fail for any reason but cancellation become a problem text for the checks that needed them.</summary>
        private static async Task<(T? Value, string? Problem)> TryRead<T>(Func<Task<T?>> read) where T : class
        {
            try { return (await read().ConfigureAwait(false), null); }
            catch (CmkException ex) { return (null, $"could not be read: {ex.Message}"); }
        }

        private void FillValues()
        {
            _values["key"] = _key.Name;
            _values["keyUri"] = _key.Uri;
            _values["vault"] = _key.VaultName;
            _values["vaultId"] = _vault?.Id;
            _values["service"] = _profile.DisplayName;
            _values["location"] = _location;
            _values["vaultLocation"] = _vault?.Location;
            _values["principal"] = _identity.PrincipalId ?? _identity.UserAssignedIdentityId;
            _values["identity"] = _identity.UserAssignedIdentityId ?? _identity.PrincipalId ?? _targetId;
            _values["types"] = _profile.SupportedIdentityTypes.Count == 1 ? _profile.SupportedIdentityTypes[0].ToString()
                : string.Join(" or ", _profile.SupportedIdentityTypes);
            _values["keyTypes"] = string.Join(" or ", _profile.AllowedKeyTypes);
            _values["sizes"] = _profile.KeySizeRule;
            _values["skus"] = _profile.SupportedSkus == null ? "any SKU" : string.Join(" or ", _profile.SupportedSkus);
            _values["operations"] = string.Join(" + ", _profile.KeyOperations);
            _values["days"] = _request.ExpiryWarningDays.ToString(CultureInfo.InvariantCulture);
            var model = _vault?.PermissionModel ?? KeyVaultPermissionModel.AccessPolicy;
            _values["permissions"] = (model == KeyVaultPermissionModel.AccessPolicy ? "the key permissions " : "the data actions ")
                + string.Join(", ", _profile.Access.PermissionsFor(model));
        }

        // ---- recording -------------------------------------------------------------------------

        private void Add(string checkId, RequirementStatus status, string message, string? target = null, string? action = null)
        {
            var check = RequirementCatalogue.Get(checkId);
            if (!check.AppliesTo(Service)) return;
            var recommended = status == RequirementStatus.Failed || status == RequirementStatus.Warning
                ? action ?? RequirementCheck.Render(check.RecommendedAction, _values)
                : null;
            _results.Add(new CmkRequirementResult(check.Id, status, message, recommended, target ?? _key.Uri, check.Source));
        }

        /// <summary>The check's own failure message with {detail} filled in.</summary>
        private string Failure(string checkId, string? detail = null)
        {
            _values["detail"] = detail;
            return RequirementCheck.Render(RequirementCatalogue.Get(checkId).FailureMessage, _values);
        }

        /// <summary>Failed, or Warning for checks whose catalogue severity is a warning.</summary>
        private void Unmet(string checkId, string? detail = null, string? target = null)
        {
            var severity = RequirementCatalogue.Get(checkId).Severity;
            Add(checkId, severity == RequirementSeverity.Warning ? RequirementStatus.Warning : RequirementStatus.Failed,
                Failure(checkId, detail), target);
        }

        private bool SkipWithoutVault(string checkId)
        {
            if (SkipNotInCloud(checkId)) return true;
            if (_vault != null) return false;
            Add(checkId, RequirementStatus.Skipped, _vaultProblem != null
                ? $"Key vault '{_key.VaultName}' {_vaultProblem}"
                : $"Key vault '{_key.VaultName}' was not found.");
            return true;
        }

        private bool SkipWithoutKey(string checkId)
        {
            if (SkipWithoutVault(checkId)) return true;
            if (_keyModel != null) return false;
            Add(checkId, RequirementStatus.Skipped, _keyProblem != null ? $"Key '{_key.Name}' {_keyProblem}" : $"Key '{_key.Name}' was not found.");
            return true;
        }

        private bool KeyTypeSupported => _keyModel?.Kty != null
            && _profile.AllowedKeyTypes.Contains(_keyModel.Kty, StringComparer.OrdinalIgnoreCase);

        private bool SkipUnlessSupportedKey(string checkId)
        {
            if (SkipWithoutKey(checkId)) return true;
            if (KeyTypeSupported) return false;
            Add(checkId, RequirementStatus.Skipped, $"Key '{_key.Name}' is not of a supported type (see {CheckIds.KeyType}).");
            return true;
        }

        private bool SkipWithoutTarget(string checkId)
        {
            if (_request.Target == null)
            {
                Add(checkId, RequirementStatus.Skipped, "No target resource or identity was given.");
                return true;
            }
            if (SkipNotInCloud(checkId)) return true;
            if (_targetMissing != null)
            {
                Add(checkId, RequirementStatus.Skipped, _targetMissing, _targetId);
                return true;
            }
            return false;
        }

        private bool SkipNotInCloud(string checkId)
        {
            if (_notInCloud == null) return false;
            Add(checkId, RequirementStatus.Skipped, _notInCloud);
            return true;
        }

        private string IdentityTarget => _targetId ?? _identity.UserAssignedIdentityId ?? _identity.PrincipalId ?? _key.Uri;

        private static string Date(DateTimeOffset d) => d.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

        // ---- checks ----------------------------------------------------------------------------

        private void CheckKeyUriFormat()
        {
            var kind = _key.Kind == KeyVaultKind.ManagedHsm ? "Managed HSM" : "key vault";
            var form = _key.IsVersioned ? "versioned" : "versionless";
            if (_profile.UsesCurrentVersionOnly && _key.IsVersioned)
            {
                Add(CheckIds.KeyUriFormat, RequirementStatus.Warning,
                    $"{_profile.DisplayName} stores only the key name and always uses the key's current version; version {_key.Version} is ignored.",
                    action: $"Pass the versionless key URI {_key.VersionlessUri}.");
                return;
            }
            Add(CheckIds.KeyUriFormat, RequirementStatus.Passed, $"{_key.Uri} is a {form} {kind} key identifier.");
        }

        private void CheckCloudHost()
        {
            if (_key.IsInCloud(_cloud))
            {
                Add(CheckIds.KeyUriCloudHost, RequirementStatus.Passed, $"{_key.Host} belongs to the connected cloud {_cloud.Name}.");
                return;
            }
            if (!_key.IsKeyVaultHost)
            {
                Add(CheckIds.KeyUriCloudHost, RequirementStatus.Failed,
                    $"The key URI host {_key.Host} is not a key vault or Managed HSM host; the connected cloud {_cloud.Name} uses *.{_cloud.KeyVaultSuffix} and *.{_cloud.ManagedHsmSuffix}.");
                return;
            }
            var expected = _key.Kind == KeyVaultKind.Vault ? _cloud.KeyVaultSuffix : _cloud.ManagedHsmSuffix;
            Unmet(CheckIds.KeyUriCloudHost, $"{_key.Host} (the connected cloud {_cloud.Name} uses *.{expected})");
        }

        private void CheckVaultExists()
        {
            if (SkipNotInCloud(CheckIds.KeyVaultExists)) return;
            if (_vault != null)
            {
                Add(CheckIds.KeyVaultExists, RequirementStatus.Passed, $"Key vault '{_vault.Name}' exists ({_vault.Id}).");
                return;
            }
            if (_vaultProblem != null)
            {
                Add(CheckIds.KeyVaultExists, RequirementStatus.Warning, $"Key vault '{_key.VaultName}' {_vaultProblem}");
                return;
            }
            Unmet(CheckIds.KeyVaultExists, _request.Key.VaultResourceId != null
                ? $"at {_request.Key.VaultResourceId}"
                : $"in subscription {Reader.Azure.SubscriptionId}");
        }

        private void CheckVaultFlag(string checkId, bool required, Func<KeyVaultResource, bool> enabled, string what, bool recommended = false)
        {
            if (SkipWithoutVault(checkId)) return;
            if (!required && recommended && !enabled(_vault!))
                Add(checkId, RequirementStatus.Warning, Failure(checkId) + $" {_profile.DisplayName} recommends it (it does not require it).");
            else if (!required) Add(checkId, RequirementStatus.Passed, $"{_profile.DisplayName} does not require {what}.");
            else if (enabled(_vault!)) Add(checkId, RequirementStatus.Passed, $"Key vault '{_vault!.Name}' has {what} enabled.");
            else Unmet(checkId);
        }

        /// <summary>
        /// Only for services whose documentation limits the SKU: the SKU of the resource, or the -Sku of one still to be
        /// created; a preflight without -Sku says what it could not check rather than pass.
        /// </summary>
        private void CheckSku()
        {
            const string id = CheckIds.ResourceSku;
            if (!RequirementCatalogue.Get(id).AppliesTo(Service) || SkipWithoutTarget(id)) return;
            if (_sku == null)
            {
                Add(id, RequirementStatus.Skipped, _targetId != null
                    ? $"The resource has no SKU to compare with {_values["skus"]}."
                    : $"No -Sku was given; {_profile.DisplayName} takes a customer-managed key only under {_values["skus"]}.", IdentityTarget);
                return;
            }
            if (_profile.IsSkuSupported(_sku))
                Add(id, RequirementStatus.Passed, $"{_profile.DisplayName} takes a customer-managed key under SKU {_sku}.", IdentityTarget);
            else Unmet(id, $"the SKU is {_sku}", IdentityTarget);
        }

        private void CheckRegion()
        {
            const string id = CheckIds.KeyVaultRegion;
            if (!RequirementCatalogue.Get(id).AppliesTo(Service)) return;
            if (SkipWithoutTarget(id) || SkipWithoutVault(id)) return;
            if (_location == null || _vault!.Location == null)
            {
                Add(id, RequirementStatus.Skipped, "The resource's or the vault's region is not known.", IdentityTarget);
                return;
            }
            if (string.Equals(NormalizeLocation(_location), NormalizeLocation(_vault.Location), StringComparison.Ordinal))
                Add(id, RequirementStatus.Passed, $"Key vault '{_vault.Name}' is in the resource's region {_vault.Location}.", IdentityTarget);
            else Unmet(id, target: IdentityTarget);
        }

        /// <summary>The vault's tenant against the identity's: a user-assigned identity's as read, else the resource's identity's.</summary>
        private void CheckTenant()
        {
            const string id = CheckIds.KeyVaultTenant;
            if (!RequirementCatalogue.Get(id).AppliesTo(Service)) return;
            if (SkipWithoutTarget(id) || SkipWithoutVault(id)) return;
            var tenant = _identity.TenantId ?? _resource.Str("identity", "tenantId");
            if (tenant == null || _vault!.TenantId == null)
            {
                Add(id, RequirementStatus.Skipped, "The identity's or the vault's tenant is not known.", IdentityTarget);
                return;
            }
            if (string.Equals(tenant, _vault.TenantId, StringComparison.OrdinalIgnoreCase))
                Add(id, RequirementStatus.Passed, $"Key vault '{_vault.Name}' is in the identity's tenant {tenant}.", IdentityTarget);
            else Unmet(id, $"{_vault.TenantId}, the identity in {tenant}", IdentityTarget);
        }

        private static string NormalizeLocation(string location) => location.Replace(" ", "").ToLowerInvariant();

        private void CheckFirewall()
        {
            const string id = CheckIds.KeyVaultFirewall;
            if (SkipWithoutVault(id)) return;
            var acls = _vault!.NetworkAcls;
            var publicDisabled = string.Equals(_vault.PublicNetworkAccess, "Disabled", StringComparison.OrdinalIgnoreCase);
            var denies = publicDisabled || (acls?.DeniesByDefault ?? false);
            if (!denies)
            {
                Add(id, RequirementStatus.Passed, $"Key vault '{_vault.Name}' allows public network access.");
                return;
            }
            if (_profile.Firewall == FirewallRule.NotTrustedService)
            {
                CheckFirewallForUntrustedService(id);
                return;
            }
            if (!publicDisabled && acls!.BypassesAzureServices)
            {
                Add(id, RequirementStatus.Passed, $"Key vault '{_vault.Name}' denies public access but lets trusted Azure services in.");
                return;
            }
            switch (_profile.Firewall)
            {
                case FirewallRule.PrivateEndpoint:
                    Add(id, RequirementStatus.Passed,
                        $"Key vault '{_vault.Name}' denies public access; {_profile.DisplayName} reaches it through a private endpoint (see {CheckIds.KeyVaultPrivateEndpoint}).");
                    return;
                case FirewallRule.PublicOrTrustedServices:
                    Add(id, RequirementStatus.Failed,
                        Failure(id, publicDisabled
                            ? $" (public network access is disabled); {_profile.DisplayName} cannot use a vault reachable only through private endpoints"
                            : $"; {_profile.DisplayName} reaches the key only over public access or through that bypass"),
                        action: $"Allow trusted Microsoft services on '{_vault.Name}' with public network access enabled (Update-AzKeyVault -PublicNetworkAccess Enabled; Update-AzKeyVaultNetworkRuleSet -VaultName {_vault.Name} -Bypass AzureServices).");
                    return;
                case FirewallRule.FailWithUserAssignedIdentity when _identity.Type == CmkIdentityType.UserAssigned:
                    Add(id, RequirementStatus.Failed,
                        Failure(id, $"; {_profile.DisplayName} cannot reach the key through it with a user-assigned identity"),
                        action: $"Use the system-assigned identity of the resource, or allow trusted Microsoft services on '{_vault.Name}'.");
                    return;
                default:
                    Unmet(id, publicDisabled ? " (public network access is disabled)" : null);
                    return;
            }
        }

        /// <summary>
        /// A service the trusted-services bypass does not cover reaches a closed vault only through an approved private
        /// endpoint connection, and (Log Analytics) only with its system-assigned identity there.
        /// </summary>
        private void CheckFirewallForUntrustedService(string id)
        {
            var vault = _vault!.Name;
            var service = _profile.DisplayName;
            if (!_vault.PrivateEndpointConnections.Any(c => c.IsApproved))
            {
                Add(id, RequirementStatus.Failed,
                    $"Key vault '{vault}' denies public network access and has no approved private endpoint connection; {service} is not a trusted Microsoft service, so the trusted-services bypass does not let it in.",
                    action: $"Give '{vault}' a private endpoint (Private Link) that {service} can use, or allow public network access to it.");
                return;
            }
            if (_profile.PrivateLinkNeedsSystemAssignedIdentity && _identity.Type == CmkIdentityType.UserAssigned)
            {
                Add(id, RequirementStatus.Failed,
                    $"Key vault '{vault}' is reached through Private Link, where {service} cannot use a user-assigned identity.",
                    action: "Use the resource's system-assigned identity (-UserAssignedIdentityId left out).");
                return;
            }
            Add(id, RequirementStatus.Passed, $"Key vault '{vault}' denies public access; {service} reaches it through an approved private endpoint connection.");
        }

        private async Task CheckPrivateEndpointAsync()
        {
            const string id = CheckIds.KeyVaultPrivateEndpoint;
            if (!RequirementCatalogue.Get(id).AppliesTo(Service)) return;
            if (SkipWithoutTarget(id) || SkipWithoutVault(id)) return;
            var approved = _vault!.PrivateEndpointConnections.Where(c => c.IsApproved && c.PrivateEndpointId != null).ToList();
            if (approved.Count == 0)
            {
                Unmet(id, "has no approved private endpoint connection.");
                return;
            }
            var endpoints = new List<PrivateEndpointResource>();
            foreach (var connection in approved)
            {
                var (pe, _) = await TryRead(() => Reader.GetPrivateEndpointAsync(connection.PrivateEndpointId!, _ct)).ConfigureAwait(false);
                if (pe != null) endpoints.Add(pe);
            }
            IReadOnlyList<string> delegated = Array.Empty<string>();
            string? subnetProblem = null;
            if (_targetId != null && _resource != null && _serviceTarget != null)
            {
                try { delegated = await _serviceTarget.ReadDelegatedSubnetIdsAsync(Reader, _targetId, _ct).ConfigureAwait(false); }
                catch (CmkException ex) { subnetProblem = ex.Message; }
            }
            var names = string.Join(", ", approved.Select(c => c.PrivateEndpointId!.Substring(c.PrivateEndpointId.LastIndexOf('/') + 1)));
            if (delegated.Count == 0)
            {
                Add(id, RequirementStatus.Warning,
                    $"Key vault '{_vault.Name}' has approved private endpoint(s) {names}, but "
                    + (subnetProblem != null ? $"the account's volumes could not be read ({subnetProblem})"
                        : _targetId == null ? "no NetApp account was given" : "the account has no volumes yet")
                    + ", so their virtual network could not be compared.", _targetId);
                return;
            }
            var vnets = new HashSet<string>(delegated.Select(PrivateEndpointResource.VirtualNetworkOf).Where(v => v != null).Select(v => v!),
                StringComparer.OrdinalIgnoreCase);
            var good = endpoints.FirstOrDefault(pe => pe.VirtualNetworkId != null && vnets.Contains(pe.VirtualNetworkId)
                && !delegated.Contains(pe.SubnetId ?? "", StringComparer.OrdinalIgnoreCase));
            if (good != null)
            {
                Add(id, RequirementStatus.Passed, $"Private endpoint {good.Id} reaches key vault '{_vault.Name}' from subnet {good.SubnetId}, in the volumes' virtual network.", _targetId);
                return;
            }
            var inDelegated = endpoints.Any(pe => delegated.Contains(pe.SubnetId ?? "", StringComparer.OrdinalIgnoreCase));
            Unmet(id, inDelegated
                ? $"has a private endpoint only in the subnet delegated to NetApp volumes ({names}); it must be in another subnet of the same virtual network."
                : $"has no private endpoint in the virtual network of the account's volumes ({string.Join(", ", vnets)}); found: {names}.", _targetId);
        }

        private void CheckKeyExists()
        {
            const string id = CheckIds.KeyExists;
            if (SkipWithoutVault(id)) return;
            if (_keyModel != null)
            {
                var version = _keyModel.Version ?? _key.Version;
                Add(id, RequirementStatus.Passed, $"Key '{_key.Name}' exists" + (version == null ? "." : _key.IsVersioned ? $" (version {version})." : $" (current version {version})."));
                return;
            }
            if (_keyProblem != null) Add(id, RequirementStatus.Warning, $"Key '{_key.Name}' {_keyProblem}");
            else Unmet(id, VersionSuffix);
        }

        private void CheckKeyType()
        {
            const string id = CheckIds.KeyType;
            if (SkipWithoutKey(id)) return;
            if (KeyTypeSupported) Add(id, RequirementStatus.Passed, $"Key '{_key.Name}' is of type {_keyModel!.Kty}.");
            else Unmet(id, _keyModel!.Kty ?? "unknown");
        }

        private void CheckKeySize()
        {
            const string id = CheckIds.KeySize;
            if (SkipUnlessSupportedKey(id)) return;
            var size = _keyModel!.KeySize;
            if (size == null) Add(id, RequirementStatus.Warning, $"Key '{_key.Name}' does not report its size; {_profile.DisplayName} needs {_profile.KeySizeRule}.");
            else if (_profile.IsKeySizeAllowed(size.Value)) Add(id, RequirementStatus.Passed, $"Key '{_key.Name}' has {size} bits ({_profile.KeySizeRule} required).");
            else Unmet(id, size.Value.ToString(CultureInfo.InvariantCulture));
        }

        private string VersionSuffix => _key.IsVersioned ? $" (version {_key.Version})" : "";

        private void CheckKeyEnabled()
        {
            const string id = CheckIds.KeyEnabled;
            if (SkipWithoutKey(id)) return;
            if (_keyModel!.Attributes.Enabled == false) Unmet(id, VersionSuffix);
            else Add(id, RequirementStatus.Passed, $"Key '{_key.Name}'{VersionSuffix} is enabled.");
        }

        private void CheckKeyNotExpired()
        {
            const string id = CheckIds.KeyNotExpired;
            if (SkipWithoutKey(id)) return;
            var exp = _keyModel!.Attributes.Expires;
            if (exp == null) Add(id, RequirementStatus.Passed, $"Key '{_key.Name}'{VersionSuffix} has no expiry date.");
            else if (exp.Value > _now) Add(id, RequirementStatus.Passed, $"Key '{_key.Name}'{VersionSuffix} expires {Date(exp.Value)}.");
            else Unmet(id, $"{VersionSuffix} expired on {Date(exp.Value)}");
        }

        private void CheckKeyActive()
        {
            const string id = CheckIds.KeyActive;
            if (SkipWithoutKey(id)) return;
            var nbf = _keyModel!.Attributes.NotBefore;
            if (nbf == null || nbf.Value <= _now) Add(id, RequirementStatus.Passed, $"Key '{_key.Name}'{VersionSuffix} is active.");
            else Unmet(id, $"{VersionSuffix} is not active before {Date(nbf.Value)}");
        }

        private void CheckExpiryWindow()
        {
            const string id = CheckIds.KeyExpiryWindow;
            if (SkipWithoutKey(id)) return;
            var exp = _keyModel!.Attributes.Expires;
            if (exp == null) Add(id, RequirementStatus.Passed, $"Key '{_key.Name}'{VersionSuffix} has no expiry date.");
            else if (exp.Value <= _now) Add(id, RequirementStatus.Skipped, $"Key '{_key.Name}' has already expired (see {CheckIds.KeyNotExpired}).");
            else if (exp.Value <= _now.AddDays(_request.ExpiryWarningDays)) Unmet(id, Date(exp.Value));
            else Add(id, RequirementStatus.Passed, $"Key '{_key.Name}'{VersionSuffix} expires {Date(exp.Value)}, after the {_request.ExpiryWarningDays}-day warning window.");
        }

        private void CheckKeyOperations()
        {
            const string id = CheckIds.KeyOperations;
            if (SkipUnlessSupportedKey(id)) return;
            var ops = _keyModel!.KeyOps;
            if (ops.Count == 0)
            {
                Add(id, RequirementStatus.Warning, $"Key '{_key.Name}' does not report its permitted operations; {_profile.DisplayName} needs {_values["operations"]}.");
                return;
            }
            var missing = _profile.KeyOperations.Where(o => !ops.Contains(o, StringComparer.OrdinalIgnoreCase)).ToList();
            if (missing.Count == 0) Add(id, RequirementStatus.Passed, $"Key '{_key.Name}' permits {string.Join(" + ", _profile.KeyOperations)}.");
            else Unmet(id, ops.Count == 0 ? "no operations" : string.Join(", ", ops));
        }

        private void CheckIdentityPresent()
        {
            const string id = CheckIds.IdentityPresent;
            if (SkipWithoutTarget(id)) return;
            if (_identityMissing != null)
            {
                Add(id, RequirementStatus.Failed, _identityMissing, IdentityTarget,
                    "Create the user-assigned identity or give an existing one (-UserAssignedIdentityId).");
                return;
            }
            if (_identity.Type == null && _identity.PrincipalId == null && _targetId == null)
            {
                Add(id, RequirementStatus.Skipped, "No identity was given (a principal id or a user-assigned identity).", IdentityTarget);
                return;
            }
            if (_identity.Type == null && _identity.PrincipalId == null)
            {
                // Failed, not a warning: a resource without an identity cannot use the key, so a "-Quiet" guard must not pass it.
                // Set-AzCmkEncryption, which is about to enable the identity, leaves this result out itself.
                var canEnable = _profile.SupportedIdentityTypes.Contains(CmkIdentityType.SystemAssigned);
                Add(id, RequirementStatus.Failed,
                    $"{_targetId} has no managed identity that can reach the key"
                    + (canEnable ? "; Set-AzCmkEncryption -GrantAccess enables its system-assigned identity and grants it access to the key." : "."),
                    IdentityTarget);
                return;
            }
            if (_identity.PrincipalId == null && _identity.Type != CmkIdentityType.UserAssigned)
            {
                Add(id, RequirementStatus.Failed, $"{_targetId} has a {_identity.Type} identity without a principal id.", IdentityTarget);
                return;
            }
            var what = _identity.UserAssignedIdentityId != null ? $"user-assigned identity {_identity.UserAssignedIdentityId}"
                : _identity.Type == CmkIdentityType.SystemAssigned ? "system-assigned identity" : "identity";
            Add(id, RequirementStatus.Passed,
                _identity.PrincipalId != null ? $"The {what} has principal id {_identity.PrincipalId}." : $"The resource uses a {what}.",
                IdentityTarget);
        }

        private void CheckIdentityType()
        {
            const string id = CheckIds.IdentityType;
            if (SkipWithoutTarget(id)) return;
            if (_identity.Type == null)
            {
                Add(id, RequirementStatus.Skipped, _identity.PrincipalId != null
                    ? "Only a principal id was given, so the identity type is not known."
                    : "The resource has no identity yet.", IdentityTarget);
                return;
            }
            if (_profile.SupportedIdentityTypes.Contains(_identity.Type.Value))
                Add(id, RequirementStatus.Passed, $"{_profile.DisplayName} supports a {_identity.Type} identity.", IdentityTarget);
            else Unmet(id, _identity.Type.ToString(), IdentityTarget);
        }

        private async Task CheckIdentityAccessAsync()
        {
            const string id = CheckIds.IdentityAccess;
            if (SkipWithoutTarget(id)) return;
            var principal = _identity.PrincipalId;
            if (principal == null || _identityMissing != null)
            {
                Add(id, RequirementStatus.Skipped, "There is no identity whose access could be evaluated.", IdentityTarget);
                return;
            }
            if (SkipWithoutVault(id)) return;
            var vault = _vault!;
            KeyAccessEvaluation evaluation;
            switch (vault.PermissionModel)
            {
                case KeyVaultPermissionModel.ManagedHsmLocalRbac when !(Reader.Azure is IManagedHsmDataPlane):
                    Add(id, RequirementStatus.Skipped,
                        $"Managed HSM '{vault.Name}' authorizes through its local RBAC, which is not visible through Azure Resource Manager; check it with 'az keyvault role assignment list --hsm-name {vault.Name} --scope /keys'.",
                        IdentityTarget);
                    return;
                case KeyVaultPermissionModel.AccessPolicy:
                    evaluation = KeyVaultAccessEvaluator.EvaluateAccessPolicies(vault, principal, _profile.Access);
                    break;
                default:
                    var rbac = await EvaluateRbacAsync(vault, principal).ConfigureAwait(false);
                    if (rbac == null) return;
                    evaluation = rbac;
                    break;
            }
            var model = evaluation.Model switch
            {
                KeyVaultPermissionModel.Rbac => "Azure RBAC (access policies are ignored)",
                KeyVaultPermissionModel.ManagedHsmLocalRbac => "its local RBAC (Managed HSM role assignments at /, /keys or /keys/" + _key.Name + ")",
                _ => "access policies (role assignments are ignored)",
            };
            if (evaluation.Granted)
                Add(id, RequirementStatus.Passed,
                    $"Identity {principal} holds {_values["permissions"]} on key '{_key.Name}' through {string.Join("; ", evaluation.GrantedBy)}; vault '{vault.Name}' uses {model}.",
                    IdentityTarget);
            else
                Add(id, RequirementStatus.Failed,
                    Failure(id, string.Join(", ", evaluation.Missing)) + $" Vault '{vault.Name}' uses {model}.", IdentityTarget,
                    evaluation.Model == KeyVaultPermissionModel.ManagedHsmLocalRbac ? ManagedHsmGrantAction(vault, principal) : null);
        }

        /// <summary>
        /// The fix for a missing Managed HSM local role: the built-in role that carries
        /// the data actions (Crypto Service Encryption User for wrap/unwrap, Crypto User when encrypt/decrypt are needed),
        /// per https://learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles.
        /// </summary>
        private string ManagedHsmGrantAction(KeyVaultResource hsm, string principal)
        {
            var role = _profile.Access.DataActions.Any(a => a.EndsWith("/encrypt/action", StringComparison.OrdinalIgnoreCase) || a.EndsWith("/decrypt/action", StringComparison.OrdinalIgnoreCase))
                ? "Managed HSM Crypto User" : "Managed HSM Crypto Service Encryption User";
            return $"Assign the identity the Managed HSM local role '{role}' on the key: Grant-AzCmkKeyVaultAccess -PrincipalId {principal} -KeyUri {_key.VersionlessUri}, or az keyvault role assignment create --hsm-name {hsm.Name} --role \"{role}\" --assignee-object-id {principal} --scope /keys/{_key.Name}.";
        }

        /// <summary>Null when the role assignments could not be read (the Warning result is already added).</summary>
        private async Task<KeyAccessEvaluation?> EvaluateRbacAsync(KeyVaultResource vault, string principal)
        {
            const string id = CheckIds.IdentityAccess;
            var hsm = vault.PermissionModel == KeyVaultPermissionModel.ManagedHsmLocalRbac;
            var where = hsm ? $"The local role assignments of Managed HSM '{vault.Name}'" : $"The role assignments on key vault '{vault.Name}'";
            try
            {
                return await KeyVaultAccessGranter.EvaluateAsync(Reader, vault, _key.Name, principal, _profile.Access, _ct).ConfigureAwait(false);
            }
            catch (CmkException ex) when (KeyVaultReader.IsAuthorizationFailure(ex))
            {
                Add(id, RequirementStatus.Warning,
                    $"{where} could not be read ({ex.ServiceCode ?? ex.ErrorId}), so the access of identity {principal} was not evaluated.",
                    IdentityTarget,
                    hsm
                        ? $"Run the test as a principal holding a Managed HSM local role that may read role assignments and definitions (Microsoft.KeyVault/managedHsm/roleAssignments/read/action, e.g. Managed HSM Crypto Auditor), or check with 'az keyvault role assignment list --hsm-name {vault.Name} --scope /keys'."
                        : "Run the test as a principal allowed to read role assignments (Microsoft.Authorization/roleAssignments/read, e.g. Reader), or check the identity's roles yourself.");
                return null;
            }
            catch (CmkException ex)
            {
                Add(id, RequirementStatus.Warning, $"{where} could not be read: {ex.Message}", IdentityTarget);
                return null;
            }
        }
    }
}
