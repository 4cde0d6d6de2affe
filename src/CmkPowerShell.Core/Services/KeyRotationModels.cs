using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Requirements;

namespace CmkPowerShell.Core.Services
{
    /// <summary>What Update-AzCmkKeyVersion did to one resource.</summary>
    public enum CmkKeyRotationStatus
    {
        /// <summary>The resource was moved to another key version (or key).</summary>
        Updated,
        /// <summary>The resource already uses the newest valid version (or the asked one): nothing was written.</summary>
        UpToDate,
        /// <summary>The service follows the key's current version by itself (versionless): nothing to write.</summary>
        AutoRotating,
        /// <summary>-WhatIf, or -Confirm answered No: nothing was written.</summary>
        Skipped,
    }

    /// <summary>One resource's rotation request: by default the newest valid version of the key it already uses.</summary>
    public sealed record CmkKeyRotationRequest(string ResourceId)
    {
        /// <summary>Move to exactly this version (32 hex characters) instead of the newest valid one.</summary>
        public string? KeyVersion { get; init; }
        /// <summary>Another key in the same vault (NetApp Files: the documented rekey).</summary>
        public string? KeyName { get; init; }
        /// <summary>A key in another vault, with or without a version (NetApp Files: changeKeyVault).</summary>
        public string? KeyUri { get; init; }
        /// <summary>Only these Managed Cassandra data centers; null = all of them.</summary>
        public IReadOnlyList<string>? DataCenterNames { get; init; }
    }

    /// <summary>The output of Update-AzCmkKeyVersion: one resource, what it used before and what it uses now.</summary>
    public sealed class CmkKeyRotationResult
    {
        public CmkKeyRotationResult(CmkServiceAdapter adapter, string resourceId, CmkKeyRotationStatus status, KeyIdentifier? previousKey,
            KeyIdentifier? newKey, string message, IReadOnlyList<string> warnings, IReadOnlyList<string> actions, CmkEncryptionStatus? encryption)
        {
            ResourceId = resourceId;
            Name = resourceId.Substring(resourceId.TrimEnd('/').LastIndexOf('/') + 1);
            Service = adapter.Service;
            ServiceName = adapter.DisplayName;
            Status = status;
            PreviousKeyUri = previousKey?.Uri;
            PreviousKeyName = previousKey?.Name;
            PreviousKeyVersion = VersionText(previousKey);
            NewKeyUri = newKey?.Uri;
            NewKeyName = newKey?.Name;
            NewKeyVersion = VersionText(newKey);
            Message = message;
            Warnings = warnings.ToArray();
            Actions = actions.ToArray();
            Encryption = encryption;
        }

        public string ResourceId { get; }
        public string Name { get; }
        public CmkService Service { get; }
        public string ServiceName { get; }
        public CmkKeyRotationStatus Status { get; }
        /// <summary>True only when this call wrote to the resource.</summary>
        public bool Changed => Status == CmkKeyRotationStatus.Updated;
        public string? PreviousKeyUri { get; }
        public string? PreviousKeyName { get; }
        /// <summary>The version used before the call, or "versionless".</summary>
        public string? PreviousKeyVersion { get; }
        public string? NewKeyUri { get; }
        public string? NewKeyName { get; }
        /// <summary>The version used after the call (the intended one under -WhatIf), or "versionless".</summary>
        public string? NewKeyVersion { get; }
        /// <summary>One sentence: what happened and why (e.g. "up to date", or which newer version was refused).</summary>
        public string Message { get; }
        /// <summary>The warnings written for this resource (e.g. a newer version that is disabled).</summary>
        public string[] Warnings { get; }
        /// <summary>The writes made (or, under -WhatIf, that would have been made), in words.</summary>
        public string[] Actions { get; }
        /// <summary>The resource's encryption after the call (what -PassThru outputs).</summary>
        public CmkEncryptionStatus? Encryption { get; }

        private static string? VersionText(KeyIdentifier? key) => key == null ? null : key.Version ?? CmkEncryptionStatus.Versionless;

        public override string ToString() => $"{Name}: {Status} {Message}";
    }

    /// <summary>One version of a key as the management plane lists it (.../keys/{name}/versions): attributes only.</summary>
    public sealed record CmkKeyVersionInfo(string Version, DateTimeOffset? Created, bool? Enabled, DateTimeOffset? NotBefore,
        DateTimeOffset? Expires, bool IsCurrent)
    {
        /// <summary>Why the version cannot be used at <paramref name="now"/> (the same states Key.Enabled, Key.Active, Key.NotExpired fail); null when it can.</summary>
        public string? Unusable(DateTimeOffset now)
        {
            if (Enabled == false) return "disabled";
            if (NotBefore is { } nbf && nbf > now) return "not active until " + Date(nbf);
            if (Expires is { } exp && exp <= now) return "expired on " + Date(exp);
            return null;
        }

        /// <summary>The check that the state returned by <see cref="Unusable"/> fails.</summary>
        public string? FailedCheck(DateTimeOffset now)
        {
            if (Enabled == false) return CheckIds.KeyEnabled;
            if (NotBefore is { } nbf && nbf > now) return CheckIds.KeyActive;
            if (Expires is { } exp && exp <= now) return CheckIds.KeyNotExpired;
            return null;
        }

        /// <summary>
        /// Reads a version body. The version comes from keyUriWithVersion (or the resource name); created from the
        /// attributes; <paramref name="currentVersion"/> is the key's own keyUriWithVersion, which breaks created ties.
        /// </summary>
        public static CmkKeyVersionInfo? FromJson(JsonObject json, string? currentVersion)
        {
            var model = KeyVaultKey.FromJson(json);
            var version = model.Version ?? json.Str("name");
            if (version == null) return null;
            var attributes = model.Attributes;
            return new CmkKeyVersionInfo(version.ToLowerInvariant(), json.EpochSeconds("properties", "attributes", "created"),
                attributes.Enabled, attributes.NotBefore, attributes.Expires,
                string.Equals(version, currentVersion, StringComparison.OrdinalIgnoreCase));
        }

        internal static string Date(DateTimeOffset d) => d.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
    }

    /// <summary>Which version to rotate to, and the newer versions passed over (each with the reason).</summary>
    public sealed record CmkKeyVersionChoice(CmkKeyVersionInfo? Chosen, IReadOnlyList<(CmkKeyVersionInfo Version, string Reason)> PassedOver,
        IReadOnlyList<CmkKeyVersionInfo> NewestFirst)
    {
        /// <summary>
        /// Newest first: by attributes.created, then the key's current version (Key Vault's current version is the newest
        /// one created), then by name so that the order never depends on the list order. The chosen version is the newest
        /// usable one; every newer one is passed over with its reason.
        /// </summary>
        public static CmkKeyVersionChoice Select(IEnumerable<CmkKeyVersionInfo> versions, DateTimeOffset now)
        {
            var ordered = versions
                .OrderByDescending(v => v.Created ?? DateTimeOffset.MinValue)
                .ThenByDescending(v => v.IsCurrent)
                .ThenBy(v => v.Version, StringComparer.Ordinal)
                .ToList();
            var passed = new List<(CmkKeyVersionInfo, string)>();
            foreach (var version in ordered)
            {
                var reason = version.Unusable(now);
                if (reason == null) return new CmkKeyVersionChoice(version, passed, ordered);
                passed.Add((version, reason));
            }
            return new CmkKeyVersionChoice(null, passed, ordered);
        }

        /// <summary>True when <paramref name="a"/> comes after <paramref name="b"/> in key order (newer).</summary>
        public bool IsNewer(string a, string b)
        {
            var ia = NewestFirst.FindIndex(v => string.Equals(v.Version, a, StringComparison.OrdinalIgnoreCase));
            var ib = NewestFirst.FindIndex(v => string.Equals(v.Version, b, StringComparison.OrdinalIgnoreCase));
            return ia >= 0 && (ib < 0 || ia < ib);
        }
    }

    internal static class ListExtensions
    {
        public static int FindIndex<T>(this IReadOnlyList<T> list, Func<T, bool> match)
        {
            for (var i = 0; i < list.Count; i++)
                if (match(list[i])) return i;
            return -1;
        }
    }
}
