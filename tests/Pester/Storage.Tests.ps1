#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Azure Storage (stcmkdemo, Microsoft-managed keys, system-assigned identity with key access) as a script tests, sets,
# rotates and removes its key: exact error ids, and the emulator's request log to show what was (not) written.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Azure Storage customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:Versions = '0a1b2c3d4e5f40718293a4b5c6d7e8f1', '1a2b3c4d5e6f40718293a4b5c6d7e8f2'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    It 'Test fails exactly <Check> for <Case>' -ForEach @(Get-BrokenRequirementCase) {
        Get-FailedCheckFor -Key $Key -Uai $Uai -ResourceId $Storage -Service StorageAccount | Should -Be @($Check)
    }

    It 'Test passes a vault in another region (Storage allows it)' {
        $results = Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-eastus) -ResourceId $Storage
        Get-FailedCheck $results | Should -BeNullOrEmpty
        $results.Check | Should -Not -Contain 'KeyVault.Region'
    }

    It 'Set -WhatIf sends nothing' {
        Set-AzCmkEncryption $Storage (Get-DemoKey kv-good) -WhatIf
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        (Get-AzCmkEncryption $Storage).CustomerManaged | Should -BeFalse
    }

    It 'Set enables the key versionless (auto-rotation) through the system-assigned identity in one PATCH' {
        $status = Set-AzCmkEncryption -ResourceId $Storage -KeyUri (Get-DemoKey kv-good) -PassThru
        $status.CustomerManaged | Should -BeTrue
        $status.KeySource | Should -Be 'Microsoft.Keyvault'
        $status.KeyVersion | Should -Be 'versionless'
        $status.IdentityType | Should -Be 'SystemAssigned'
        $write = @(Get-EmulatorRequest -PathPrefix $Storage -Write)
        $write.Count | Should -Be 1
        $write[0].method | Should -Be 'PATCH'
        $kv = ($write[0].requestBody | ConvertFrom-Json).properties.encryption.keyvaultproperties
        $kv.keyname | Should -Be 'cmk'
        $kv.keyversion | Should -Be ''
    }

    It 'a second Set writes nothing' {
        (Set-AzCmkEncryption $Storage (Get-DemoKey kv-good) -PassThru).Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Update reports the versionless account as AutoRotating without writing' {
        $result = Update-AzCmkKeyVersion -ResourceId $Storage -Confirm:$false
        $result.Status | Should -Be 'AutoRotating'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Update moves a pinned account to the newest version' {
        $null = Set-AzCmkEncryption $Storage "$(Get-DemoKey kv-good)/$($Versions[0])"
        Clear-EmulatorRequestLog
        $result = Update-AzCmkKeyVersion -ResourceId $Storage -Confirm:$false
        $result.Status | Should -Be 'Updated'
        $result.NewKeyVersion | Should -Be $Versions[1]
        @(Get-EmulatorRequest -PathPrefix $Storage -Write).Count | Should -Be 1
    }

    It 'Set refuses a cross-tenant key without a user-assigned identity, typed, before any write' {
        $err = { Set-AzCmkEncryption $Storage (Get-DemoKey kv-good) -FederatedClientId ([guid]::NewGuid()) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "IdentityTypeNotSupported,$SetType"
        $err.TargetObject | Should -Be $Storage
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Set refuses a vault without purge protection before any write' {
        $err = { Set-AzCmkEncryption $Storage (Get-DemoKey kv-nopurge) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultNotPurgeProtected,$SetType"
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.KeyVaultConfigurationException'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Disable goes back to Microsoft.Storage, and a second run writes nothing' {
        $status = Disable-AzCmkEncryption $Storage -Confirm:$false -PassThru
        $status.CustomerManaged | Should -BeFalse
        $status.KeySource | Should -Be 'Microsoft.Storage'
        Clear-EmulatorRequestLog
        (Disable-AzCmkEncryption $Storage -Confirm:$false -PassThru).Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }
}
