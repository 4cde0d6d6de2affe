using System;
using System.Collections.Generic;

namespace CmkPowerShell.Core.Errors
{
    /// <summary>The families a script can catch by type; each maps to one exception class.</summary>
    public enum CmkErrorFamily
    {
        KeyVaultConfiguration,
        KeyState,
        Access,
        Network,
        UnsupportedOperation,
        Throttled,
        Service,
        Input,
    }

    /// <summary>Which services document (or return) an error.</summary>
    [Flags]
    public enum CmkErrorServices
    {
        None = 0,
        ResourceManager = 1,
        KeyVault = 2,
        NetAppFiles = 4,
        DataBox = 8,
        DataExplorer = 16,
        ManagedCassandra = 32,
        Batch = 64,
        EventHubs = 128,
        ServiceBus = 256,
        ContainerRegistry = 512,
        PostgreSqlFlexibleServer = 1024,
        RecoveryServicesVault = 2048,
        LogAnalyticsClusters = 4096,
        CosmosDb = 8192,
        /// <summary>The services whose keys the module manages.</summary>
        AllCmkServices = NetAppFiles | DataBox | DataExplorer | ManagedCassandra | Batch | EventHubs | ServiceBus | ContainerRegistry | PostgreSqlFlexibleServer | RecoveryServicesVault | LogAnalyticsClusters | CosmosDb,
        Any = ResourceManager | KeyVault | AllCmkServices,
    }

    /// <summary>
    /// One entry of the error catalogue: what a failure means and what to do about it, and how it is recognised —
    /// by the service's code, by its message (services such as NetApp Files document messages, not codes), by a
    /// requirement check id, or as the answer for an HTTP status nothing more specific matched. An entry with none
    /// of these is raised by the engine itself by id (<see cref="CmkErrors.Create"/>), e.g. a documented state.
    /// </summary>
    public sealed record CmkErrorEntry(
        string ErrorId,
        CmkErrorFamily Family,
        CmkErrorCategory Category,
        CmkErrorServices Services,
        string Meaning,
        string RecommendedAction,
        string Source)
    {
        public bool UserCanFix { get; init; } = true;
        /// <summary>The service codes (case-insensitive) this entry stands for.</summary>
        public IReadOnlyList<string> ServiceCodes { get; init; } = Array.Empty<string>();
        /// <summary>Regular expressions (case-insensitive) over the service's message, for services that document messages.</summary>
        public IReadOnlyList<string> MessagePatterns { get; init; } = Array.Empty<string>();
        /// <summary>Requirement check ids (the requirement engine's) whose failure this entry stands for.</summary>
        public IReadOnlyList<string> CheckIds { get; init; } = Array.Empty<string>();
        /// <summary>HTTP statuses this entry answers when no code or message matched (0 = no answer at all).</summary>
        public IReadOnlyList<int> FallbackForStatus { get; init; } = Array.Empty<int>();
        /// <summary>For the input family: the cmdlet parameter the user should correct.</summary>
        public string? Parameter { get; init; }
    }
}
