<#
.SYNOPSIS
Builds, tests, documents and packages CmkPowerShell. A thin layer over dotnet for people with pwsh.

.DESCRIPTION
Runs with any pwsh 7, including the repo's own: `dotnet tool restore`, then `dotnet tool run pwsh ./build.ps1`.

.EXAMPLE
./build.ps1                      # Build: lays out out/CmkPowerShell, with the committed help in en-US/
./build.ps1 -Task Test           # the same test run as .ci/run
./build.ps1 -Task Help           # regenerates src/CmkPowerShell/en-US from docs/help (needs platyPS 0.14)
./build.ps1 -Task Package        # out/packages/CmkPowerShell.<version>.nupkg (PSResourceGet) and .zip
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Help', 'Package')]
    [string[]] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Package: where the .nupkg and .zip go.
    [string] $PackagePath = (Join-Path $PSScriptRoot 'out/packages'),
    # Package: take out/CmkPowerShell as it is (the Pester package test builds once for the whole run).
    [switch] $NoBuild
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$module = Join-Path $root 'out/CmkPowerShell'
# Generated from docs/help, committed, and copied into the module by every build: no build needs platyPS.
$committedHelp = Join-Path $root 'src/CmkPowerShell/en-US'

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    # The project's LayoutModule target writes out/CmkPowerShell.
    Invoke-Dotnet build (Join-Path $root 'src/CmkPowerShell/CmkPowerShell.csproj') -c $Configuration -m:1
}

function Invoke-Help {
    # platyPS 0.14 writes the classic MAML (CmkPowerShell.dll-Help.xml) and about_*.help.txt from docs/help, which
    # is in its format. It is not in the package registries this project uses: build it from its public source
    # (PowerShell/platyPS, tag 0.14.2) and put it on PSModulePath.
    $platyPS = Get-Module -ListAvailable platyPS | Where-Object Version -lt ([version]'1.0') |
        Sort-Object Version -Descending | Select-Object -First 1
    if (-not $platyPS) {
        throw 'The Help task needs platyPS 0.14 on PSModulePath (Import-Module platyPS must find it).'
    }
    Import-Module $platyPS -Force
    # Start empty, so a topic removed from docs/help leaves the module too.
    Remove-Item (Join-Path $committedHelp '*') -ErrorAction SilentlyContinue
    $null = New-ExternalHelp -Path (Join-Path $root 'docs/help') -OutputPath $committedHelp -Force
    if (Test-Path $module) {
        $null = New-Item -ItemType Directory -Force (Join-Path $module 'en-US')
        Remove-Item (Join-Path $module 'en-US/*') -ErrorAction SilentlyContinue
        Copy-Item (Join-Path $committedHelp '*') (Join-Path $module 'en-US')
    }
    Write-Host "Help written to $committedHelp; commit it."
}

function Invoke-Test {
    & bash (Join-Path $root '.ci/run')
    if ($LASTEXITCODE -ne 0) { throw ".ci/run failed with exit code $LASTEXITCODE" }
}

function Invoke-Package {
    if (-not $NoBuild) { Invoke-Build }
    # Throws on a manifest PowerShell would refuse (missing files, bad fields).
    $version = (Test-ModuleManifest (Join-Path $module 'CmkPowerShell.psd1')).Version
    $null = New-Item -ItemType Directory -Force $PackagePath
    $nupkg = Join-Path $PackagePath "CmkPowerShell.$version.nupkg"
    $zip = Join-Path $PackagePath "CmkPowerShell.$version.zip"
    Remove-Item $nupkg, $zip -ErrorAction SilentlyContinue
    # PSResourceGet (shipped with PowerShell 7.4+) makes the .nupkg the PowerShell Gallery and any NuGet feed
    # take, offline: nothing is registered or published here.
    Compress-PSResource -Path $module -DestinationPath $PackagePath
    if (-not (Test-Path $nupkg)) { throw "Compress-PSResource wrote no $nupkg" }
    # ZipFile rather than Compress-Archive: the Archive module is not in every PowerShell install.
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    [System.IO.Compression.ZipFile]::CreateFromDirectory($module, $zip)
    Write-Host "Package: $nupkg"
    Write-Host "Package: $zip"
}

foreach ($t in $Task) {
    & "Invoke-$t"
}
