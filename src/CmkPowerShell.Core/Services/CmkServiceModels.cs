using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>The identity a resource uses (or will use) for its key, as read from the resource body.</summary>
    public sealed record TargetIdentity(CmkIdentityType? Type, string? PrincipalId, string? TenantId, string? UserAssignedIdentityId)
    {
        public static TargetIdentity None { get; } = new TargetIdentity(null, null, null, null);
    }

    /// <summary>
    /// A resource as its adapter read it: the resource body (read with the adapter's query) and, for services whose
    /// key settings live on child resources (Managed Cassandra data centers), those children.
    /// </summary>
    public sealed record CmkResource(string Id, JsonObject Json, IReadOnlyList<JsonObject> Children)
    {
        public CmkResource(string id, JsonObject json) : this(id, json, Array.Empty<JsonObject>()) { }

        public string Name => Id.Substring(Id.TrimEnd('/').LastIndexOf('/') + 1);
        public string? Location => Json.Str("location");
    }

    /// <summary>
    /// One request the orchestrator sends, as data: method, ARM path (api-version added by the transport), the
    /// minimal body shaped like the pinned spec, and what it does in words (for -WhatIf, verbose and progress).
    /// </summary>
    public sealed record ResourceWrite(HttpMethod Method, string Path, JsonObject? Body, string Description)
    {
        public static HttpMethod PatchMethod { get; } = new HttpMethod("PATCH");

        public static ResourceWrite Patch(string path, JsonObject body, string description) => new ResourceWrite(PatchMethod, path, body, description);
        public static ResourceWrite Put(string path, JsonObject body, string description) => new ResourceWrite(HttpMethod.Put, path, body, description);
        public static ResourceWrite Post(string path, JsonObject? body, string description) => new ResourceWrite(HttpMethod.Post, path, body, description);

        public override string ToString() => $"{Method.Method} {Path}: {Description}";
    }

    /// <summary>Which identity the resource must use for its key (resolved from -IdentityType / -UserAssignedIdentityId).</summary>
    public sealed record CmkIdentitySelection(CmkIdentityType Type, string? UserAssignedIdentityId)
    {
        public static CmkIdentitySelection SystemAssigned { get; } = new CmkIdentitySelection(CmkIdentityType.SystemAssigned, null);
    }

    /// <summary>
    /// What Set-AzCmkEncryption asks of one resource. The orchestrator fills <see cref="KeyVaultResourceId"/> and
    /// <see cref="KeyVaultTenantId"/> from the vault it found, so adapters whose body names the vault (NetApp, Data Box)
    /// need no reads of their own.
    /// </summary>
    public sealed record CmkEnableRequest(KeyIdentifier Key, CmkIdentitySelection Identity)
    {
        /// <summary>The application (client) id for a key in another tenant (NetApp Files).</summary>
        public string? FederatedClientId { get; init; }
        /// <summary>The service's automatic-rotation switch (disk encryption sets, SQL); null leaves it as it is.</summary>
        public bool? AutoRotate { get; init; }
        /// <summary>Only these child scopes (Managed Cassandra data centers); null = all of them.</summary>
        public IReadOnlyList<string>? DataCenterNames { get; init; }
        /// <summary>Another key for backups (Managed Cassandra); null = the same key.</summary>
        public KeyIdentifier? BackupKey { get; init; }
        public string? KeyVaultResourceId { get; init; }
        public string? KeyVaultTenantId { get; init; }
        /// <summary>The principal the chosen identity has, once known (after any identity write).</summary>
        public string? PrincipalId { get; init; }
    }

    /// <summary>How Update-AzCmkKeyVersion writes a key change, where a service has choices (Cassandra backup key, vault move).</summary>
    public sealed record CmkKeyChangeOptions
    {
        /// <summary>Move the backup key too where the service has one (Managed Cassandra); the default.</summary>
        public bool IncludeBackupKey { get; init; } = true;
        /// <summary>Only these child scopes (Managed Cassandra data centers); null = all of them.</summary>
        public IReadOnlyList<string>? DataCenterNames { get; init; }
        public string? KeyVaultResourceId { get; init; }
        public string? KeyVaultTenantId { get; init; }
    }

    /// <summary>
    /// A resource's encryption as the service reports it, in one shape for every service. KeyUri is the key as
    /// configured (versionless when the service was given no version); ServiceStatus is the service's own field.
    /// </summary>
    public sealed record CmkEncryptionState
    {
        public bool CustomerManaged { get; init; }
        /// <summary>
        /// The service's own key-source value (Microsoft.KeyVault, Microsoft.Batch, MicrosoftManaged...); null for services
        /// that have no such field (Data Explorer, Managed Cassandra), rather than a value the service never reports.
        /// </summary>
        public string? KeySource { get; init; }
        public string? KeyUri { get; init; }
        public string? KeyVaultUri { get; init; }
        public string? KeyName { get; init; }
        /// <summary>Null when the service follows the key's current version.</summary>
        public string? KeyVersion { get; init; }
        public CmkIdentityType? IdentityType { get; init; }
        public string? PrincipalId { get; init; }
        public string? UserAssignedIdentityId { get; init; }
        public string? ServiceStatus { get; init; }
        /// <summary>Service-specific facts (e.g. each Cassandra data center's disk and backup key).</summary>
        public IReadOnlyDictionary<string, string?> Details { get; init; } = new Dictionary<string, string?>();
        /// <summary>Sentences worth telling the user (e.g. "always uses the key's current version").</summary>
        public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
        /// <summary>
        /// True when the service itself moves a pinned key version to the newest one (disk encryption sets'
        /// rotationToLatestKeyVersionEnabled, SQL's autoRotationEnabled): Update-AzCmkKeyVersion then has nothing to do.
        /// </summary>
        public bool ServiceRotatesKey { get; init; }

        public static CmkEncryptionState MicrosoftManaged(string? keySource) => new CmkEncryptionState { KeySource = keySource };

        /// <summary>The key's versionless identifier, when it parses.</summary>
        public KeyIdentifier? Key => KeyIdentifier.TryParse(KeyUri, out var id) ? id : null;
    }

    /// <summary>The output of Get/Set/Disable-AzCmkEncryption: one resource's encryption.</summary>
    public sealed class CmkEncryptionStatus
    {
        public const string Versionless = "versionless";

        public CmkEncryptionStatus(CmkService service, string serviceName, string resourceId, CmkEncryptionState state, bool changed,
            IReadOnlyList<string> actions)
        {
            Service = service;
            ServiceName = serviceName;
            ResourceId = resourceId;
            Name = resourceId.Substring(resourceId.TrimEnd('/').LastIndexOf('/') + 1);
            CustomerManaged = state.CustomerManaged;
            KeySource = state.KeySource;
            KeyUri = state.KeyUri;
            KeyVersion = !state.CustomerManaged ? null : state.KeyVersion ?? Versionless;
            IdentityType = state.IdentityType?.ToString();
            PrincipalId = state.PrincipalId;
            UserAssignedIdentityId = state.UserAssignedIdentityId;
            ServiceStatus = state.ServiceStatus;
            Details = state.Details;
            Notes = state.Notes.ToArray();
            Changed = changed;
            Actions = actions.ToArray();
        }

        public CmkService Service { get; }
        public string ServiceName { get; }
        public string ResourceId { get; }
        public string Name { get; }
        public bool CustomerManaged { get; }
        /// <summary>The service's own key-source value; null when the service has none (Data Explorer, Managed Cassandra).</summary>
        public string? KeySource { get; }
        public string? KeyUri { get; }
        /// <summary>The pinned version, "versionless" when the service follows the current version, null without a customer key.</summary>
        public string? KeyVersion { get; }
        public string? IdentityType { get; }
        public string? PrincipalId { get; }
        public string? UserAssignedIdentityId { get; }
        public string? ServiceStatus { get; }
        public IReadOnlyDictionary<string, string?> Details { get; }
        public string[] Notes { get; }
        /// <summary>True when this call wrote to the resource (Set/Disable/Update); false for Get and for idempotent re-runs.</summary>
        public bool Changed { get; }
        /// <summary>The writes this call made (or, under -WhatIf, would have made), in words.</summary>
        public string[] Actions { get; }

        public override string ToString() => $"{Name}: {(CustomerManaged ? KeyUri : KeySource ?? "Microsoft-managed keys")}";
    }
}
