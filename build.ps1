<#
.SYNOPSIS
Builds, tests, documents and packages CmkPowerShell. A thin layer over dotnet for people with pwsh.

.EXAMPLE
./build.ps1                      # Build: lays out out/CmkPowerShell
./build.ps1 -Task Test           # the same test run as .ci/run
./build.ps1 -Task Help           # en-US/CmkPowerShell.dll-Help.xml from docs/help (needs platyPS)
./build.ps1 -Task Package        # out/CmkPowerShell.<version>.zip (and .nupkg with PSResourceGet)
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Help', 'Package')]
    [string[]] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$module = Join-Path $root 'out/CmkPowerShell'

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    # The project's LayoutModule target writes out/CmkPowerShell.
    Invoke-Dotnet build (Join-Path $root 'src/CmkPowerShell/CmkPowerShell.csproj') -c $Configuration
}

function Invoke-Help {
    if (-not (Get-Module -ListAvailable platyPS)) {
        throw 'The Help task needs platyPS: Install-Module platyPS -Scope CurrentUser'
    }
    Import-Module platyPS
    $null = New-ExternalHelp -Path (Join-Path $root 'docs/help') -OutputPath (Join-Path $module 'en-US') -Force
    Write-Host "Help written to $(Join-Path $module 'en-US')"
}

function Invoke-Test {
    & bash (Join-Path $root '.ci/run')
    if ($LASTEXITCODE -ne 0) { throw ".ci/run failed with exit code $LASTEXITCODE" }
}

function Invoke-Package {
    Invoke-Build
    if (Get-Module -ListAvailable platyPS) { Invoke-Help } else { Write-Warning 'platyPS not installed: packaging without en-US help.' }
    $version = (Import-PowerShellDataFile (Join-Path $module 'CmkPowerShell.psd1')).ModuleVersion
    $packages = Join-Path $root 'out/packages'
    $null = New-Item -ItemType Directory -Force $packages
    $zip = Join-Path $packages "CmkPowerShell.$version.zip"
    Remove-Item $zip -ErrorAction SilentlyContinue
    # ZipFile rather than Compress-Archive: the Archive module is not in every PowerShell install.
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    [System.IO.Compression.ZipFile]::CreateFromDirectory($module, $zip)
    Write-Host "Package: $zip"
    if (Get-Command Publish-PSResource -ErrorAction SilentlyContinue) {
        # A throw-away local repository turns the folder into the .nupkg the PowerShell Gallery takes.
        $repo = "CmkPowerShellBuild-$PID"
        Register-PSResourceRepository -Name $repo -Uri $packages -Trusted
        try { Publish-PSResource -Path $module -Repository $repo }
        finally { Unregister-PSResourceRepository -Name $repo }
        Write-Host "Package: $(Join-Path $packages "CmkPowerShell.$version.nupkg")"
    }
}

foreach ($t in $Task) {
    & "Invoke-$t"
}
