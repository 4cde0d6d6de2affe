# Dot-sourced by the Set/Get/Disable/Grant suites: imports the built module, starts a demo emulator for the suite
# (short long-running operations) and connects to it; names of the demo resources.

Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
Import-Module (Get-CmkModulePath) -Force
$script:Emulator = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'profile.json') -ExtraArguments @('--lro-delay', '50', '--retry-after', '0')
$null = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
$script:Rg = '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-cmk-demo'
$script:Kusto = "$Rg/providers/Microsoft.Kusto/clusters/kusto-demo"
$script:Batch = "$Rg/providers/Microsoft.Batch/batchAccounts/batchdemo"
$script:Cassandra = "$Rg/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo"
$script:NetApp = "$Rg/providers/Microsoft.NetApp/netAppAccounts/anf-demo"
function Get-DemoUaiId([string] $Name) { "$Rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/$Name" }
function Get-DemoKey([string] $Vault, [string] $Key = 'cmk') { "https://$Vault.vault.azure.net/keys/$Key" }
$script:DataBox = "$Rg/providers/Microsoft.DataBox/jobs/databox-demo"

function Clear-EmulatorRequestLog {
    $null = Invoke-RestMethod -Method Delete -Uri "$($Emulator.Profile.endpoint)_emulator/requests" -SkipCertificateCheck
}

function Get-EmulatorRequest {
    <# The ARM requests the emulator answered since the last Clear-EmulatorRequestLog; -Write keeps PUT/PATCH/POST/DELETE only. #>
    param([string] $PathPrefix = '', [switch] $Write)
    (Invoke-RestMethod -Uri "$($Emulator.Profile.endpoint)_emulator/requests" -SkipCertificateCheck).value |
        Where-Object { $_.path -like "$PathPrefix*" -and (-not $Write -or $_.method -notin 'GET', 'HEAD') }
}

function Assert-PreflightFailsExactly {
    <# A pre-creation Test-AzCmkKeyVault for the base arguments with the changes applied (an UserAssignedIdentityId change
       names a demo identity): -Quiet says no, exactly $Check fails, and nothing was written. #>
    param([string] $KeyUri, [hashtable] $Base, [hashtable] $Change, [string] $Check)
    $arguments = $Base.Clone()
    foreach ($name in $Change.Keys) {
        $arguments[$name] = if ($name -eq 'UserAssignedIdentityId') { Get-DemoUaiId $Change[$name] } else { $Change[$name] }
    }
    Test-AzCmkKeyVault -KeyUri $KeyUri @arguments -Quiet | Should -BeFalse
    @(Test-AzCmkKeyVault -KeyUri $KeyUri @arguments | Where-Object Status -eq Failed).Check | Should -Be @($Check)
    Get-EmulatorRequest -Write | Should -BeNullOrEmpty
}

$script:Sql = "$Rg/providers/Microsoft.Sql/servers/sql-demo"
$script:Des = "$Rg/providers/Microsoft.Compute/diskEncryptionSets/des-demo"
$script:Storage = "$Rg/providers/Microsoft.Storage/storageAccounts/stcmkdemo"
$script:LaCluster = "$Rg/providers/Microsoft.OperationalInsights/clusters/la-cluster-demo"
$script:Cosmos = "$Rg/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-demo"
$script:CosmosCassandra = "$Rg/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-cassandra"

function Get-FailedCheck($Results) {
    <# The ids of the checks a Test-AzCmkKeyVault run failed, as an array (empty when none failed). #>
    @($Results | Where-Object Status -eq 'Failed' | ForEach-Object Check)
}

function Get-FailedCheckFor {
    <# The checks Test-AzCmkKeyVault fails for a key: against the resource itself, or, with a demo user-assigned identity
       (-Uai) or a principal id, for the resource's service in westeurope before creation. #>
    param([string] $Key, [string] $ResourceId, [string] $Service, [string] $Uai, [string] $Principal)
    $results = if ($Uai) {
        Test-AzCmkKeyVault -KeyUri $Key -Service $Service -Location westeurope -UserAssignedIdentityId (Get-DemoUaiId $Uai)
    } elseif ($Principal) {
        Test-AzCmkKeyVault -KeyUri $Key -Service $Service -Location westeurope -IdentityPrincipalId $Principal
    } else {
        Test-AzCmkKeyVault -KeyUri $Key -ResourceId $ResourceId
    }
    Get-FailedCheck $results
}
