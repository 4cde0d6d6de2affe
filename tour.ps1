<#
.SYNOPSIS
A short tour of CmkPowerShell against the local emulator (started by ./demo.sh, which passes its profile).
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $EmulatorProfile)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'out/CmkPowerShell') -Force

function Step([string] $Title, [scriptblock] $Body) {
    Write-Host "`n== $Title" -ForegroundColor Cyan
    Write-Host ("PS> " + $Body.ToString().Trim()) -ForegroundColor DarkGray
    try { & $Body | Out-Host }
    catch { Write-Host "$($_.FullyQualifiedErrorId): $($_.Exception.Message)`n   fix: $($_.ErrorDetails.RecommendedAction)" -ForegroundColor Yellow }
}

# Steps whose cmdlet this build does not have yet are announced and skipped.
function CmdletStep([string] $Cmdlet, [string] $Title, [scriptblock] $Body) {
    if (Get-Command $Cmdlet -Module CmkPowerShell -ErrorAction SilentlyContinue) { Step $Title $Body }
    else { Write-Host "`n== $Title`n   ($Cmdlet is not in this build yet)" -ForegroundColor DarkGray }
}

$demo = Get-Content $EmulatorProfile -Raw | ConvertFrom-Json
$vaultSuffix = if ($demo.PSObject.Properties['keyVaultSuffix']) { $demo.keyVaultSuffix } else { 'vault.azure.net' }
$goodKey = "https://kv-good.$vaultSuffix/keys/cmk"
$noPurgeKey = "https://kv-nopurge.$vaultSuffix/keys/cmk"
$rg = '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-cmk-demo'

Step 'Connect to the emulator (endpoint, pinned certificate, tenant, subscription and token from its profile)' {
    Connect-AzCmk -EmulatorProfile $EmulatorProfile
}
CmdletStep Get-AzCmkEncryption 'Which resources in rg-cmk-demo use a customer-managed key?' {
    Get-AzCmkEncryption -Scope $rg
}
CmdletStep Test-AzCmkKeyVault 'Every documented requirement for a good key' {
    Test-AzCmkKeyVault -KeyUri $goodKey
}
CmdletStep Test-AzCmkKeyVault 'A vault without purge protection fails before any service is touched' {
    Test-AzCmkKeyVault -KeyUri $noPurgeKey
}
Step 'Errors are typed: exact id, category, target and the fix' {
    try { Connect-AzCmk -EmulatorProfile (Join-Path $PSScriptRoot 'no-such-profile.json') }
    catch { $_ | Select-Object FullyQualifiedErrorId, @{ n = 'Category'; e = { $_.CategoryInfo.Category } }, TargetObject, @{ n = 'Fix'; e = { $_.ErrorDetails.RecommendedAction } } | Format-List }
}
Step 'Disconnect' { Disconnect-AzCmk -PassThru }
