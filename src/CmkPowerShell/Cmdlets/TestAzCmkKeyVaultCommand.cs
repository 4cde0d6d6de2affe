using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Cmdlets
{
    /// <summary>
    /// Runs the requirement engine for a key and an optional target, writing one result per check (or one bool per
    /// input with -Quiet). Nothing is written to Azure, so there is no ShouldProcess.
    /// <para>
    /// Parameter sets: the key comes as a URI, a vault name or a vault resource id; each has a twin "ForService" set
    /// for an explicit target (-Service -Location [identity]) instead of -ResourceId.
    /// </para>
    /// <para>
    /// Every target of the pipeline is collected and run in EndProcessing as one engine batch: the vault and its
    /// keys are read once per invocation and the resources are read concurrently. The price is that results appear
    /// when the input ends rather than per record.
    /// </para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "AzCmkKeyVault", DefaultParameterSetName = ByKeyUri)]
    [OutputType(typeof(CmkRequirementResult))]
    [OutputType(typeof(bool))]
    public sealed class TestAzCmkKeyVaultCommand : CmkCmdlet
    {
        public const string ParameterConflictErrorId = "TestParameterConflict";

        /// <summary>The note property naming what a result was tested for; the table view groups by it.</summary>
        public const string TestedForProperty = "TestedFor";

        private const string ByKeyUri = "KeyUri";
        private const string ByKeyUriForService = "KeyUriForService";
        private const string ByVaultName = "KeyVaultName";
        private const string ByVaultNameForService = "KeyVaultNameForService";
        private const string ByVaultId = "KeyVaultResourceId";
        private const string ByVaultIdForService = "KeyVaultResourceIdForService";

        /// <summary>Every input in order: a request, or the error that kept a piped object from becoming one.</summary>
        private readonly List<Input> _inputs = new List<Input>();
        private KeyReference _key = null!;
        private RequirementTarget? _serviceTarget;

        // Boxed on purpose: a field of an enum type from CmkPowerShell.Core would make the runtime load Core to lay
        // out this class while PowerShell scans the module for cmdlets, before the dependency resolver exists.
        private object? _service;

        [Parameter(ParameterSetName = ByKeyUri, Mandatory = true, Position = 0,
            HelpMessage = "The key identifier, versioned or versionless: https://{vault}.vault.azure.net/keys/{key}[/{version}] (or a Managed HSM URI).")]
        [Parameter(ParameterSetName = ByKeyUriForService, Mandatory = true, Position = 0,
            HelpMessage = "The key identifier, versioned or versionless: https://{vault}.vault.azure.net/keys/{key}[/{version}] (or a Managed HSM URI).")]
        [ValidateNotNullOrEmpty]
        public string? KeyUri { get; set; }

        [Parameter(ParameterSetName = ByVaultName, Mandatory = true, HelpMessage = "The name of the key vault, found in the connected subscription.")]
        [Parameter(ParameterSetName = ByVaultNameForService, Mandatory = true, HelpMessage = "The name of the key vault, found in the connected subscription.")]
        [Alias("VaultName")]
        [ValidateNotNullOrEmpty]
        public string? KeyVaultName { get; set; }

        [Parameter(ParameterSetName = ByVaultId, Mandatory = true, HelpMessage = "The resource id of the key vault (Microsoft.KeyVault/vaults).")]
        [Parameter(ParameterSetName = ByVaultIdForService, Mandatory = true, HelpMessage = "The resource id of the key vault (Microsoft.KeyVault/vaults).")]
        [ValidateNotNullOrEmpty]
        public string? KeyVaultResourceId { get; set; }

        [Parameter(ParameterSetName = ByVaultName, Mandatory = true, HelpMessage = "The name of the key in the vault.")]
        [Parameter(ParameterSetName = ByVaultNameForService, Mandatory = true, HelpMessage = "The name of the key in the vault.")]
        [Parameter(ParameterSetName = ByVaultId, Mandatory = true, HelpMessage = "The name of the key in the vault.")]
        [Parameter(ParameterSetName = ByVaultIdForService, Mandatory = true, HelpMessage = "The name of the key in the vault.")]
        [ValidateNotNullOrEmpty]
        public string? KeyName { get; set; }

        [Parameter(ParameterSetName = ByVaultName, HelpMessage = "A key version (32 hexadecimal characters); without it the current version is tested.")]
        [Parameter(ParameterSetName = ByVaultNameForService, HelpMessage = "A key version (32 hexadecimal characters); without it the current version is tested.")]
        [Parameter(ParameterSetName = ByVaultId, HelpMessage = "A key version (32 hexadecimal characters); without it the current version is tested.")]
        [Parameter(ParameterSetName = ByVaultIdForService, HelpMessage = "A key version (32 hexadecimal characters); without it the current version is tested.")]
        [ValidateNotNullOrEmpty]
        public string? KeyVersion { get; set; }

        [Parameter(ParameterSetName = ByKeyUri, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource that would use the key (NetApp account, Data Box job, Kusto cluster, Cassandra cluster, Batch account, Event Hubs or Service Bus namespace, container registry); its service, region and identity are read from it.")]
        [Parameter(ParameterSetName = ByVaultName, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource that would use the key (NetApp account, Data Box job, Kusto cluster, Cassandra cluster, Batch account, Event Hubs or Service Bus namespace, container registry); its service, region and identity are read from it.")]
        [Parameter(ParameterSetName = ByVaultId, ValueFromPipelineByPropertyName = true,
            HelpMessage = "The resource that would use the key (NetApp account, Data Box job, Kusto cluster, Cassandra cluster, Batch account, Event Hubs or Service Bus namespace, container registry); its service, region and identity are read from it.")]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string[]? ResourceId { get; set; }

        [Parameter(ParameterSetName = ByKeyUriForService, Mandatory = true, HelpMessage = "The service that would use the key, when there is no resource yet.")]
        [Parameter(ParameterSetName = ByVaultNameForService, Mandatory = true, HelpMessage = "The service that would use the key, when there is no resource yet.")]
        [Parameter(ParameterSetName = ByVaultIdForService, Mandatory = true, HelpMessage = "The service that would use the key, when there is no resource yet.")]
        public CmkService Service
        {
            get => (CmkService)(_service ?? default(CmkService));
            set => _service = value;
        }

        [Parameter(ParameterSetName = ByKeyUriForService, Mandatory = true, HelpMessage = "The Azure region of the future resource, such as westeurope.")]
        [Parameter(ParameterSetName = ByVaultNameForService, Mandatory = true, HelpMessage = "The Azure region of the future resource, such as westeurope.")]
        [Parameter(ParameterSetName = ByVaultIdForService, Mandatory = true, HelpMessage = "The Azure region of the future resource, such as westeurope.")]
        [ValidateNotNullOrEmpty]
        public string? Location { get; set; }

        [Parameter(ParameterSetName = ByKeyUriForService, HelpMessage = "The object (principal) id of the identity that would reach the key.")]
        [Parameter(ParameterSetName = ByVaultNameForService, HelpMessage = "The object (principal) id of the identity that would reach the key.")]
        [Parameter(ParameterSetName = ByVaultIdForService, HelpMessage = "The object (principal) id of the identity that would reach the key.")]
        [Alias("PrincipalId", "ObjectId")]
        [ValidateNotNullOrEmpty]
        public string? IdentityPrincipalId { get; set; }

        [Parameter(ParameterSetName = ByKeyUriForService, HelpMessage = "The resource id of the user-assigned identity that would reach the key.")]
        [Parameter(ParameterSetName = ByVaultNameForService, HelpMessage = "The resource id of the user-assigned identity that would reach the key.")]
        [Parameter(ParameterSetName = ByVaultIdForService, HelpMessage = "The resource id of the user-assigned identity that would reach the key.")]
        [ValidateNotNullOrEmpty]
        public string? UserAssignedIdentityId { get; set; }

        [Parameter(ParameterSetName = ByKeyUriForService, HelpMessage = "The SKU (tier) the future resource will have, such as Premium; checked where the service takes a key only under some SKUs (Event Hubs, Service Bus).")]
        [Parameter(ParameterSetName = ByVaultNameForService, HelpMessage = "The SKU (tier) the future resource will have, such as Premium; checked where the service takes a key only under some SKUs (Event Hubs, Service Bus).")]
        [Parameter(ParameterSetName = ByVaultIdForService, HelpMessage = "The SKU (tier) the future resource will have, such as Premium; checked where the service takes a key only under some SKUs (Event Hubs, Service Bus).")]
        [ValidateNotNullOrEmpty]
        public string? Sku { get; set; }

        [Parameter(HelpMessage = "Warn when the key expires within this many days (default 30).")]
        [ValidateRange(0, 36500)]
        public int ExpiryWarningDays { get; set; } = 30;

        [Parameter(HelpMessage = "Output only $true (no check failed) or $false, one per input.")]
        public SwitchParameter Quiet { get; set; }

        private bool ForService => ParameterSetName.EndsWith("ForService", System.StringComparison.Ordinal);

        protected override void BeginProcessing()
        {
            // The key and an explicit target do not come from the pipeline: a bad one fails the whole call, before
            // anything connects.
            _key = Precondition(BuildKey);
            _serviceTarget = ForService ? Precondition(BuildServiceTarget) : null;
        }

        protected override void ProcessRecord()
        {
            if (ResourceId is null || ResourceId.Length == 0)
            {
                _inputs.Add(new Input(NewRequest(_serviceTarget), _serviceTarget is null ? null : DescribeServiceTarget(), null));
                return;
            }
            foreach (var id in ResourceId)
            {
                RequirementTarget target;
                try
                {
                    target = RequirementTarget.FromResourceId(id);
                }
                catch (CmkException ex) when (MyInvocation.ExpectingInput)
                {
                    // One unusable object of many piped in: reported in its place, the others are still tested.
                    _inputs.Add(new Input(null, id, ex));
                    continue;
                }
                catch (CmkException ex)
                {
                    ThrowCmkError(ex);
                    return;
                }
                _inputs.Add(new Input(NewRequest(target), target.ResourceId, null));
            }
        }

        protected override void EndProcessing()
        {
            var requests = _inputs.Where(i => i.Request != null).Select(i => i.Request!).ToList();
            IReadOnlyList<RequirementRunResult>? runs = new RequirementRunResult[0];
            if (requests.Count > 0)
            {
                runs = Run(async host =>
                {
                    var session = await GetSessionAsync(host).ConfigureAwait(false);
                    return await RequirementEngine.RunAsync(requests, session, host, host.CancellationToken).ConfigureAwait(false);
                });
                if (runs is null)
                {
                    return; // stopped by the user
                }
            }

            // The engine answers in request order; inputs without a request are interleaved back in their place.
            var next = 0;
            foreach (var input in _inputs)
            {
                var error = input.Error;
                IReadOnlyList<CmkRequirementResult> results = new CmkRequirementResult[0];
                if (input.Request != null)
                {
                    var run = runs[next++];
                    error = run.Error;
                    results = run.Results;
                }
                if (error != null)
                {
                    WriteCmkError(error);
                }
                if (Quiet)
                {
                    // One bool per input, so a script can pair answers with what it piped in.
                    WriteObject(error is null && results.All(r => r.Status != RequirementStatus.Failed));
                    continue;
                }
                foreach (var result in results)
                {
                    var output = PSObject.AsPSObject(result);
                    output.Properties.Add(new PSNoteProperty(TestedForProperty, input.TestedFor));
                    WriteObject(output);
                }
            }
        }

        private RequirementRequest NewRequest(RequirementTarget? target)
            => new RequirementRequest(_key, target) { ExpiryWarningDays = ExpiryWarningDays };

        private KeyReference BuildKey()
        {
            if (KeyUri != null)
            {
                return KeyReference.FromUri(KeyUri);
            }
            return KeyVaultResourceId != null
                ? KeyReference.FromVaultResourceId(KeyVaultResourceId, KeyName!, KeyVersion)
                : KeyReference.FromVaultName(KeyVaultName!, KeyName!, KeyVersion);
        }

        private RequirementTarget BuildServiceTarget()
        {
            if (IdentityPrincipalId != null && UserAssignedIdentityId != null)
            {
                throw new CmkException(ParameterConflictErrorId, CmkErrorCategory.InvalidArgument,
                    "Pass either -IdentityPrincipalId or -UserAssignedIdentityId, not both.", target: null,
                    recommendedAction: "Give the principal id of a system-assigned identity, or the resource id of a user-assigned one.");
            }
            return RequirementTarget.ForService(Service, Location, IdentityPrincipalId, UserAssignedIdentityId, Sku);
        }

        private string DescribeServiceTarget()
        {
            var identity = UserAssignedIdentityId ?? IdentityPrincipalId;
            var what = Sku is null ? $"{Service} in {Location}" : $"{Service} {Sku} in {Location}";
            return identity is null ? what : $"{what}, identity {identity}";
        }

        private sealed class Input
        {
            public Input(RequirementRequest? request, string? testedFor, CmkException? error)
            {
                Request = request;
                TestedFor = testedFor;
                Error = error;
            }

            public RequirementRequest? Request { get; }
            /// <summary>The resource id, or the explicit service target, or null when only the key is tested.</summary>
            public string? TestedFor { get; }
            public CmkException? Error { get; }
        }
    }
}
