#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Azure SQL TDE protector (sql-demo: service-managed TDE, system-assigned identity with key access) as a script tests,
# sets, rotates and removes its customer-managed key: exact error ids, and the emulator's request log.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Azure SQL TDE protector customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:Older = '0a1b2c3d4e5f40718293a4b5c6d7e8f1'
        $script:Current = '1a2b3c4d5e6f40718293a4b5c6d7e8f2'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    It 'Test fails exactly <Check> for <Case>' -ForEach @(Get-BrokenRequirementCase) {
        Get-FailedCheckFor -Key $Key -Uai $Uai -ResourceId $Sql -Service SqlServer | Should -Be @($Check)
    }

    It 'Set -WhatIf sends nothing' {
        Set-AzCmkEncryption $Sql (Get-DemoKey kv-good) -WhatIf
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        (Get-AzCmkEncryption $Sql).CustomerManaged | Should -BeFalse
    }

    It 'Set adds the server key, then makes it the protector (two writes)' {
        $status = Set-AzCmkEncryption -ResourceId $Sql -KeyUri "$(Get-DemoKey kv-good)/$Older" -PassThru
        $status.CustomerManaged | Should -BeTrue
        $status.KeySource | Should -Be 'AzureKeyVault'
        $status.KeyVersion | Should -Be $Older
        $writes = @(Get-EmulatorRequest -PathPrefix $Sql -Write)
        $writes.path | Should -Be @("$Sql/keys/kv-good_cmk_$Older", "$Sql/encryptionProtector/current")
    }

    It 'a second Set writes nothing' {
        (Set-AzCmkEncryption $Sql "$(Get-DemoKey kv-good)/$Older" -PassThru).Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Update moves the pinned protector to the newest version; with -AutoRotate it reports AutoRotating' {
        $result = Update-AzCmkKeyVersion -ResourceId $Sql -Confirm:$false
        $result.Status | Should -Be 'Updated'
        $result.NewKeyVersion | Should -Be $Current

        $null = Set-AzCmkEncryption $Sql (Get-DemoKey kv-good) -AutoRotate
        Clear-EmulatorRequestLog
        (Update-AzCmkKeyVersion -ResourceId $Sql -Confirm:$false).Status | Should -Be 'AutoRotating'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Set refuses a vault without purge protection before any write' {
        $err = { Set-AzCmkEncryption $Sql (Get-DemoKey kv-nopurge) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultNotPurgeProtected,$SetType"
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Disable puts the service-managed protector back, and a second run writes nothing' {
        $status = Disable-AzCmkEncryption $Sql -Confirm:$false -PassThru
        $status.CustomerManaged | Should -BeFalse
        $status.KeySource | Should -Be 'ServiceManaged'
        Clear-EmulatorRequestLog
        (Disable-AzCmkEncryption $Sql -Confirm:$false -PassThru).Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }
}
