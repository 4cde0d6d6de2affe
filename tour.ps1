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

$demo = Get-Content $EmulatorProfile -Raw | ConvertFrom-Json
$goodKey = 'https://kv-good.vault.azure.net/keys/cmk'
$noPurgeKey = 'https://kv-nopurge.vault.azure.net/keys/cmk'
$rg = "/subscriptions/$($demo.subscriptionId)/resourceGroups/rg-cmk-demo"
$kusto = "$rg/providers/Microsoft.Kusto/clusters/kusto-demo"
$resources = 'Microsoft.NetApp/netAppAccounts/anf-demo', 'Microsoft.DataBox/jobs/databox-demo', 'Microsoft.Kusto/clusters/kusto-demo',
             'Microsoft.DocumentDB/cassandraClusters/cassandra-demo', 'Microsoft.Batch/batchAccounts/batchdemo' |
    ForEach-Object { [pscustomobject]@{ ResourceId = "$rg/providers/$_" } }

Step 'Connect to the emulator (endpoint, pinned certificate, tenant, subscription and token from its profile)' {
    Connect-AzCmk -EmulatorProfile $EmulatorProfile
}
Step 'The encryption of one resource of each service (piped by property name)' {
    $resources | Get-AzCmkEncryption
}
Step 'Every documented requirement for a good key and a Data Explorer cluster' {
    Test-AzCmkKeyVault -KeyUri $goodKey -ResourceId $kusto
}
Step 'A vault without purge protection fails before any service is touched' {
    Test-AzCmkKeyVault -KeyUri $noPurgeKey -ResourceId $kusto | Where-Object Status -ne Passed
}
Step 'Set refuses that key with a typed error and writes nothing' {
    Set-AzCmkEncryption -ResourceId $kusto -KeyUri $noPurgeKey
}
Step 'Put the cluster under the good key (versionless: always the current version)' {
    Set-AzCmkEncryption -ResourceId $kusto -KeyUri $goodKey -PassThru
}
Step 'Run it again: nothing to change, no write' {
    Set-AzCmkEncryption -ResourceId $kusto -KeyUri $goodKey -PassThru | Select-Object Name, Changed, Notes
}
Step 'Rotation: a versionless cluster already follows the current version' {
    Update-AzCmkKeyVersion -ResourceId $kusto
}
Step 'Errors are typed: exact id, category, target and the fix' {
    try { Test-AzCmkKeyVault -KeyUri 'https://kv-good.vault.azure.net/secrets/cmk' }
    catch { $_ | Select-Object FullyQualifiedErrorId, @{ n = 'Category'; e = { $_.CategoryInfo.Category } }, TargetObject, @{ n = 'Fix'; e = { $_.ErrorDetails.RecommendedAction } } | Format-List }
}
Step 'Disconnect' { Disconnect-AzCmk -PassThru }
