#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# A Log Analytics dedicated cluster (la-cluster-demo, Microsoft-managed keys, system-assigned identity with key access,
# two linked workspaces) as a script tests, sets and rotates its key, and is refused Disable: exact error ids, and the
# emulator's request log to show what was (not) written.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Log Analytics dedicated cluster customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
        $script:Versions = '0a1b2c3d4e5f40718293a4b5c6d7e8f1', '1a2b3c4d5e6f40718293a4b5c6d7e8f2'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    It 'Test fails exactly <Check> for <Case>' -ForEach @(@(Get-BrokenRequirementCase) + @(
        @{ Case = 'a vault in another region'; Key = 'https://kv-eastus.vault.azure.net/keys/cmk'; Uai = $null; Check = 'KeyVault.Region' }
    )) {
        Get-FailedCheckFor -Key $Key -Uai $Uai -ResourceId $LaCluster -Service LogAnalyticsCluster | Should -Be @($Check)
    }

    It 'Test fails a closed vault for the cluster (not a trusted service) where Storage only gets a warning' {
        $cluster = Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-firewall) -ResourceId $LaCluster
        Get-FailedCheck $cluster | Should -Contain 'KeyVault.Firewall'
        ($cluster | Where-Object Check -eq 'KeyVault.Firewall').Message | Should -Match 'not a trusted Microsoft service'
        $storage = Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-firewall) -ResourceId $Storage
        ($storage | Where-Object Check -eq 'KeyVault.Firewall').Status | Should -Be 'Warning'
    }

    It 'Set -WhatIf sends nothing' {
        Set-AzCmkEncryption $LaCluster (Get-DemoKey kv-good) -WhatIf
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        (Get-AzCmkEncryption $LaCluster).CustomerManaged | Should -BeFalse
    }

    It 'Set enables the key versionless through the system-assigned identity in one PATCH of keyVaultProperties' {
        $status = Set-AzCmkEncryption -ResourceId $LaCluster -KeyUri (Get-DemoKey kv-good) -PassThru
        $status.CustomerManaged | Should -BeTrue
        $status.KeyVersion | Should -Be 'versionless'
        $status.IdentityType | Should -Be 'SystemAssigned'
        $status.Notes | Should -Contain ([CmkPowerShell.Core.Services.LogAnalyticsClusterAdapter]::LinkedWorkspacesNote)
        $write = @(Get-EmulatorRequest -PathPrefix $LaCluster -Write)
        $write.Count | Should -Be 1
        $write[0].method | Should -Be 'PATCH'
        $body = $write[0].requestBody | ConvertFrom-Json
        $body.identity | Should -BeNullOrEmpty
        $body.properties.keyVaultProperties.keyName | Should -Be 'cmk'
        $body.properties.keyVaultProperties.keyVersion | Should -Be ''
    }

    It 'a second Set writes nothing' {
        (Set-AzCmkEncryption $LaCluster (Get-DemoKey kv-good) -PassThru).Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Update reports the versionless cluster as AutoRotating without writing' {
        $result = Update-AzCmkKeyVersion -ResourceId $LaCluster -Confirm:$false
        $result.Status | Should -Be 'AutoRotating'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Update moves a pinned cluster to the newest version' {
        $null = Set-AzCmkEncryption $LaCluster "$(Get-DemoKey kv-good)/$($Versions[0])"
        Clear-EmulatorRequestLog
        $result = Update-AzCmkKeyVersion -ResourceId $LaCluster -Confirm:$false
        $result.Status | Should -Be 'Updated'
        $result.NewKeyVersion | Should -Be $Versions[1]
        $write = @(Get-EmulatorRequest -PathPrefix $LaCluster -Write)
        $write.Count | Should -Be 1
        ($write[0].requestBody | ConvertFrom-Json).properties.keyVaultProperties.keyVersion | Should -Be $Versions[1]
    }

    It 'Set refuses a vault without purge protection before any write' {
        $err = { Set-AzCmkEncryption $LaCluster (Get-DemoKey kv-nopurge) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultNotPurgeProtected,$SetType"
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.KeyVaultConfigurationException'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Set -SkipValidation gets the service''s documented refusal, typed' {
        $err = { Set-AzCmkEncryption $LaCluster (Get-DemoKey kv-nopurge) -SkipValidation -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "LogAnalyticsKeyNotRecoverable,$SetType"
        $err.Exception.ServiceMessage | Should -Match "Key isn't recoverable"
        (Get-AzCmkEncryption $LaCluster).KeyVersion | Should -Be $Versions[1]
    }

    It 'Disable is refused with the documented reason and writes nothing' {
        $err = { Disable-AzCmkEncryption $LaCluster -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "CmkDisableNotSupported,$DisableType"
        $err.Exception.Message | Should -Match 'Unlink the workspaces'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        (Get-AzCmkEncryption $LaCluster).CustomerManaged | Should -BeTrue
    }
}
