#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Emulator scenarios that imitate more of Azure (issue 11): a scenario that imitates Azure Government, connected through
# Connect-AzCmk -EmulatorProfile, and a Managed HSM whose key Data Explorer takes when the cluster holds a local HSM role.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CmkModulePath) -Force
    $script:Admin = '33333333-3333-3333-3333-333333333333'

    function script:Start-ScenarioEmulator([string] $Json) {
        $file = Join-Path $TestDrive "scenario-$([guid]::NewGuid().ToString('N')).json"
        Set-Content -Path $file -Value $Json
        Start-CmkEmulator -ProfilePath (Join-Path $TestDrive "profile-$([guid]::NewGuid().ToString('N')).json") -ExtraArguments @('--scenario-file', $file)
    }
    function script:Status($Results, [string] $Check) { ($Results | Where-Object Check -eq $Check).Status.ToString() }
}

AfterAll {
    Remove-Module CmkPowerShell -ErrorAction SilentlyContinue
}

Describe 'An emulator imitating Azure Government' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        $script:Emulator = Start-ScenarioEmulator @"
{
  "cloud": "AzureUSGovernment",
  "adminPrincipalId": "$Admin",
  "roleAssignments": [{ "scope": "/subscriptions/{subscriptionId}", "role": "Owner", "principalId": "$Admin" }],
  "resourceGroups": [{ "name": "rg-gov", "location": "usgovvirginia" }],
  "vaults": [{ "name": "kv-gov", "resourceGroup": "rg-gov", "location": "usgovvirginia", "enablePurgeProtection": true, "keys": [{ "name": "cmk" }] }]
}
"@
        $script:Connection = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
    }
    AfterAll { $Emulator | Stop-CmkEmulator }

    It 'connects as that cloud' {
        $Connection.Environment | Should -Be 'Custom (AzureUSGovernment)'
    }

    It 'passes KeyUri.CloudHost for its own vault hosts' {
        $results = Test-AzCmkKeyVault -KeyUri 'https://kv-gov.vault.usgovcloudapi.net/keys/cmk'
        Status $results 'KeyUri.CloudHost' | Should -Be 'Passed'
        Status $results 'KeyVault.Exists' | Should -Be 'Passed'
    }

    It 'fails KeyUri.CloudHost for the public cloud''s hosts' {
        $results = Test-AzCmkKeyVault -KeyUri 'https://kv-gov.vault.azure.net/keys/cmk'
        Status $results 'KeyUri.CloudHost' | Should -Be 'Failed'
    }
}

Describe 'A Managed HSM key on a Data Explorer cluster' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        $script:Emulator = Start-ScenarioEmulator @"
{
  "adminPrincipalId": "$Admin",
  "roleAssignments": [{ "scope": "/subscriptions/{subscriptionId}", "role": "Owner", "principalId": "$Admin" }],
  "resourceGroups": [{ "name": "rg-hsm", "location": "westeurope" }],
  "managedHsms": [{ "name": "hsm-cmk", "resourceGroup": "rg-hsm", "location": "westeurope", "enablePurgeProtection": true,
                    "keys": [{ "name": "cmk", "kty": "RSA-HSM", "keySize": 3072 }],
                    "localRoleAssignments": [{ "principalId": "88888888-8888-8888-8888-000000000003", "role": "Managed HSM Crypto Service Encryption User", "scope": "/keys" }] }],
  "resources": [{
    "id": "/subscriptions/{subscriptionId}/resourceGroups/rg-hsm/providers/Microsoft.Kusto/clusters/kusto-hsm",
    "location": "westeurope", "sku": { "name": "Standard_E8ads_v5", "tier": "Standard", "capacity": 2 },
    "identity": { "type": "SystemAssigned", "principalId": "88888888-8888-8888-8888-000000000003" },
    "properties": { "state": "Running", "enableDiskEncryption": false, "engineType": "V3" }
  }]
}
"@
        $null = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
        $script:Kusto = "/subscriptions/$($Emulator.Profile.subscriptionId)/resourceGroups/rg-hsm/providers/Microsoft.Kusto/clusters/kusto-hsm"
        $script:HsmKey = 'https://hsm-cmk.managedhsm.azure.net/keys/cmk'
    }
    AfterAll { $Emulator | Stop-CmkEmulator }

    It 'passes Test-AzCmkKeyVault' {
        $results = Test-AzCmkKeyVault -KeyUri $HsmKey -ResourceId $Kusto
        @($results | Where-Object Status -eq 'Failed') | Should -BeNullOrEmpty
        Status $results 'KeyVault.Exists' | Should -Be 'Passed'
        Test-AzCmkKeyVault -KeyUri $HsmKey -ResourceId $Kusto -Quiet | Should -BeTrue
    }

    It 'reads the HSM local role of the cluster identity for Identity.Access' {
        # The caller (the scenario admin) is the HSM's initial administrator, so it may read the HSM's local RBAC.
        $access = Test-AzCmkKeyVault -KeyUri $HsmKey -ResourceId $Kusto | Where-Object Check -eq 'Identity.Access'
        $access.Status | Should -Be 'Passed'
        $access.Message | Should -BeLike '*Managed HSM Crypto Service Encryption User at /keys*'
    }

    It 'fails Identity.Access for an identity without a local role on the key' {
        $access = Test-AzCmkKeyVault -KeyUri $HsmKey -Service DataExplorer -Location westeurope -IdentityPrincipalId '88888888-8888-8888-8888-0000000000ff' |
            Where-Object Check -eq 'Identity.Access'
        $access.Status | Should -Be 'Failed'
        $access.Message | Should -BeLike '*Microsoft.KeyVault/managedHsm/keys/wrap/action*'
        $access.RecommendedAction | Should -BeLike "*Managed HSM Crypto Service Encryption User*--scope /keys/cmk*"
    }

    It 'grants that identity the local role with Grant-AzCmkKeyVaultAccess, once' {
        $other = '88888888-8888-8888-8888-0000000000ff'
        $grant = Grant-AzCmkKeyVaultAccess -PrincipalId $other -Service DataExplorer -KeyUri $HsmKey -PassThru -Confirm:$false
        $grant.Changed | Should -BeTrue
        $grant.PermissionModel | Should -Be 'ManagedHsmLocalRbac'
        $grant.GrantedBy | Should -Be 'Managed HSM Crypto Service Encryption User at /keys/cmk'
        (Grant-AzCmkKeyVaultAccess -PrincipalId $other -Service DataExplorer -KeyUri $HsmKey -PassThru -Confirm:$false).Changed | Should -BeFalse
        $access = Test-AzCmkKeyVault -KeyUri $HsmKey -Service DataExplorer -Location westeurope -IdentityPrincipalId $other |
            Where-Object Check -eq 'Identity.Access'
        $access.Status | Should -Be 'Passed'
    }

    It 'is set on the cluster by Set-AzCmkEncryption' {
        $status = Set-AzCmkEncryption -ResourceId $Kusto -KeyUri $HsmKey -PassThru -Confirm:$false
        $status.CustomerManaged | Should -BeTrue
        $status.KeyUri | Should -Be $HsmKey
    }
}
