# Shared helpers for the CmkPowerShell Pester suites: where the repository and the built module are, and a
# local emulator started for a suite (Start-CmkEmulator in BeforeAll, Stop-CmkEmulator in AfterAll).

Set-StrictMode -Version Latest

function Get-CmkRepoRoot {
    $dir = $PSScriptRoot
    while ($dir -and -not (Test-Path (Join-Path $dir 'CmkPowerShell.sln'))) { $dir = Split-Path $dir -Parent }
    if (-not $dir) { throw "CmkPowerShell.sln not found above $PSScriptRoot" }
    $dir
}

function Get-CmkModulePath {
    $path = Join-Path (Get-CmkRepoRoot) 'out/CmkPowerShell'
    if (-not (Test-Path (Join-Path $path 'CmkPowerShell.dll'))) {
        throw "The module is not built: run 'dotnet build src/CmkPowerShell' (or ./build.ps1) first."
    }
    $path
}

function Test-CmkEmulatorAvailable {
    <#
    .SYNOPSIS
    True when this checkout's emulator can write a connection profile (--profile), i.e. suites that need it can run.
    #>
    $project = Join-Path (Get-CmkRepoRoot) 'src/CmkPowerShell.Emulator'
    $sources = Get-ChildItem $project -Recurse -Filter *.cs |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' }
    [bool]($sources | Select-String -SimpleMatch -Pattern '"--profile"' -List)
}

function Start-CmkEmulator {
    <#
    .SYNOPSIS
    Starts the local emulator with a scenario and waits until it has written its profile.
    .OUTPUTS
    An object with Process, ProfilePath and Profile (the parsed JSON); pass it to Stop-CmkEmulator.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $ProfilePath,
        [string] $Scenario = 'demo',
        [string[]] $ExtraArguments = @(),
        [int] $TimeoutSeconds = 180
    )
    $root = Get-CmkRepoRoot
    Remove-Item $ProfilePath -ErrorAction SilentlyContinue
    $emulatorArgs = @('--scenario', $Scenario, '--profile', $ProfilePath) + $ExtraArguments

    # A built emulator starts in a second; `dotnet run` builds it first when nobody has.
    $built = Get-ChildItem (Join-Path $root 'src/CmkPowerShell.Emulator/bin') -Recurse -Filter CmkPowerShell.Emulator.dll -ErrorAction SilentlyContinue |
        Where-Object { $_.Directory.Name -like 'net*' } | Sort-Object LastWriteTime -Descending | Select-Object -First 1
    $dotnetArgs = if ($built) { @($built.FullName) + $emulatorArgs }
                  else { @('run', '--project', (Join-Path $root 'src/CmkPowerShell.Emulator'), '--') + $emulatorArgs }

    $log = [System.IO.Path]::ChangeExtension($ProfilePath, '.log')
    $process = Start-Process dotnet -ArgumentList $dotnetArgs -PassThru -NoNewWindow `
        -RedirectStandardOutput $log -RedirectStandardError "$log.err"
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (Test-Path $ProfilePath)) {
        if ($process.HasExited) {
            throw "The emulator exited with code $($process.ExitCode) before writing $ProfilePath.`n$(Get-Content $log, "$log.err" -Raw -ErrorAction SilentlyContinue)"
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
            throw "The emulator wrote no profile within $TimeoutSeconds s.`n$(Get-Content $log -Raw -ErrorAction SilentlyContinue)"
        }
        Start-Sleep -Milliseconds 200
    }
    # The file may appear before it is completely written.
    $profile = $null
    for ($i = 0; $i -lt 25 -and -not $profile; $i++) {
        try { $profile = Get-Content $ProfilePath -Raw | ConvertFrom-Json -ErrorAction Stop } catch { Start-Sleep -Milliseconds 200 }
    }
    [pscustomobject]@{ Process = $process; ProfilePath = $ProfilePath; Profile = $profile; Log = $log }
}

function Stop-CmkEmulator {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] [AllowNull()] $Emulator)
    process {
        if ($null -eq $Emulator -or $Emulator.Process.HasExited) { return }
        # Only the process this helper started (and, with `dotnet run`, the child it spawned).
        if ($PSVersionTable.PSEdition -eq 'Core') { $Emulator.Process.Kill($true) } else { $Emulator.Process.Kill() }
        $null = $Emulator.Process.WaitForExit(10000)
    }
}

function Invoke-CmkPwsh {
    <#
    .SYNOPSIS
    Runs a script in a new process of the pwsh running this suite and returns its output; throws with that output
    when it exits non-zero.
    .DESCRIPTION
    The repo's pwsh is a .NET tool, which runs as `dotnet pwsh.dll`: the new process is started the same way.
    -Environment sets variables for that process only.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $File,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{}
    )
    $exe = (Get-Process -Id $PID).Path
    $prefix = @(if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Environment[$name])
    }
    try { $output = & $exe @prefix -NoProfile -NonInteractive -File $File @ArgumentList 2>&1 }
    finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
    if ($LASTEXITCODE -ne 0) { throw "pwsh -File $File $ArgumentList exited with $LASTEXITCODE`:`n$($output -join "`n")" }
    $output
}

function Get-BrokenRequirementCase {
    <# The demo scenario's three keys that break one requirement each, for the per-service suites' -ForEach (discovery
       time): a vault without purge protection, an EC key, and a user-assigned identity without access. #>
    @{ Case = 'a vault without purge protection'; Key = 'https://kv-nopurge.vault.azure.net/keys/cmk'; Uai = $null; Check = 'KeyVault.PurgeProtection' }
    @{ Case = 'an EC key'; Key = 'https://kv-good.vault.azure.net/keys/ec-key'; Uai = $null; Check = 'Key.Type' }
    @{ Case = 'an identity without access'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Uai = 'uai-noaccess'; Check = 'Identity.Access' }
}

Export-ModuleMember -Function Get-CmkRepoRoot, Get-CmkModulePath, Test-CmkEmulatorAvailable, Start-CmkEmulator, Stop-CmkEmulator, Invoke-CmkPwsh, Get-BrokenRequirementCase
