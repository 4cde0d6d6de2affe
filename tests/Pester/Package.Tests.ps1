#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The module as it ships: ./build.ps1 -Task Package makes the .nupkg, which is published to a local file repository,
# saved into an empty folder with PSResourceGet, and imported and used in a new pwsh process.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = Get-CmkRepoRoot
    $null = Get-CmkModulePath   # fails here when the module is not built
    $script:Version = (Import-PowerShellDataFile (Join-Path $Root 'CmkPowerShell.psd1')).ModuleVersion
    $script:Packages = Join-Path $TestDrive 'packages'
    $script:Repository = New-Item -ItemType Directory (Join-Path $TestDrive 'repository')
    $script:Installed = New-Item -ItemType Directory (Join-Path $TestDrive 'installed')
    # PSResourceGet keeps its repository list in the user's data folder: give the child processes their own, so a
    # run registers nothing for the user. The folders must exist: .NET ignores a data folder that does not.
    $script:Private = @{ XDG_DATA_HOME = (Join-Path $TestDrive 'xdg'); LOCALAPPDATA = (Join-Path $TestDrive 'localappdata') }
    $Private.Values | ForEach-Object { $null = New-Item -ItemType Directory -Force $_ }

    $script:PackageOutput = Invoke-CmkPwsh -File (Join-Path $Root 'build.ps1') -Environment $Private `
        -ArgumentList '-Task', 'Package', '-NoBuild', '-PackagePath', $Packages
    $script:Nupkg = Join-Path $Packages "CmkPowerShell.$Version.nupkg"

    $publish = Join-Path $TestDrive 'publish.ps1'
    Set-Content $publish @'
param($Nupkg, $Repository, $Installed)
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name CmkPowerShellTest -Uri $Repository -Trusted
Publish-PSResource -NupkgPath $Nupkg -Repository CmkPowerShellTest
Save-PSResource -Name CmkPowerShell -Repository CmkPowerShellTest -Path $Installed -TrustRepository
'@
    Invoke-CmkPwsh -File $publish -Environment $Private -ArgumentList $Nupkg, $Repository, $Installed | Out-Null
}

Describe 'The package' {
    It 'is CmkPowerShell.<version>.nupkg, made by ./build.ps1 -Task Package' {
        $Nupkg | Should -Exist
        ($PackageOutput -join "`n") | Should -Match ([regex]::Escape($Nupkg))
    }

    It 'carries the module, its dependencies and its help, and never System.Management.Automation' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Nupkg)
        try { $entries = $zip.Entries.FullName } finally { $zip.Dispose() }
        $entries | Should -Contain 'CmkPowerShell.psd1'
        $entries | Should -Contain 'CmkPowerShell.dll'
        $entries | Should -Contain 'dependencies/CmkPowerShell.Core.dll'
        $entries | Should -Contain 'en-US/CmkPowerShell.dll-Help.xml'
        $entries | Should -Contain 'en-US/about_CmkPowerShell.help.txt'
        $entries | Where-Object { $_ -like '*System.Management.Automation.dll' } | Should -BeNullOrEmpty
    }

    It 'was published to the local repository and saved into the empty folder as CmkPowerShell/<version>' {
        Join-Path $Repository "CmkPowerShell.$Version.nupkg" | Should -Exist
        Join-Path $Installed "CmkPowerShell/$Version/CmkPowerShell.psd1" | Should -Exist
    }

    It 'registered its repository only in the private data folder' {
        Get-ChildItem $Private.XDG_DATA_HOME, $Private.LOCALAPPDATA -Recurse -Filter PSResourceRepository.xml |
            Select-String -SimpleMatch CmkPowerShellTest | Should -Not -BeNullOrEmpty
        Join-Path $Root 'PSResourceGet' | Should -Not -Exist
    }
}

Describe 'The installed module in a new pwsh process' {
    BeforeAll {
        $script:Emulator = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'profile.json')
        $script:Report = Join-Path $TestDrive 'installed.json'
        $use = Join-Path $TestDrive 'use.ps1'
        Set-Content $use @'
param($Installed, $ProfilePath, $Report)
$ErrorActionPreference = 'Stop'
$manifest = Get-ChildItem $Installed -Recurse -Filter CmkPowerShell.psd1 | Select-Object -First 1
$tested = Test-ModuleManifest $manifest.FullName
Import-Module CmkPowerShell
$module = Get-Module CmkPowerShell
$examples = Get-Help Update-AzCmkKeyVersion -Examples
$null = Connect-AzCmk -EmulatorProfile $ProfilePath
$status = Get-AzCmkEncryption -ResourceId '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-cmk-demo/providers/Microsoft.Kusto/clusters/kusto-demo'
[pscustomobject]@{
    ManifestVersion = "$($tested.Version)"
    ModuleBase      = $module.ModuleBase
    Commands        = @(Get-Command -Module CmkPowerShell | ForEach-Object Name)
    Examples        = @($examples.examples.example | ForEach-Object { $_.title.Trim('-', ' ') })
    ResourceId      = $status.ResourceId
    ServiceName     = $status.ServiceName
} | ConvertTo-Json | Set-Content $Report
'@
        # Only the empty folder the package was saved into (pwsh adds its own module folders).
        Invoke-CmkPwsh -File $use -Environment @{ PSModulePath = "$Installed" } -ArgumentList $Installed, $Emulator.ProfilePath, $Report | Out-Null
        $script:Result = Get-Content $Report -Raw | ConvertFrom-Json
    }
    AfterAll { Stop-CmkEmulator $Emulator }

    It 'passes Test-ModuleManifest' {
        $Result.ManifestVersion | Should -Be $Version
    }

    It 'is imported by name from the folder it was saved into' {
        $Result.ModuleBase | Should -Be (Join-Path $Installed "CmkPowerShell/$Version")
    }

    It 'exports the cmdlets of its manifest' {
        $expected = (Import-PowerShellDataFile (Join-Path $Root 'CmkPowerShell.psd1')).CmdletsToExport
        $Result.Commands | Sort-Object | Should -Be ($expected | Sort-Object)
    }

    It 'has its help: the examples of Update-AzCmkKeyVersion' {
        $Result.Examples.Count | Should -BeGreaterOrEqual 2
        $Result.Examples[0] | Should -BeLike 'Example 1:*'
    }

    It 'reads a resource from the emulator' {
        $Result.ResourceId | Should -BeLike '*/Microsoft.Kusto/clusters/kusto-demo'
        $Result.ServiceName | Should -Not -BeNullOrEmpty
    }
}
