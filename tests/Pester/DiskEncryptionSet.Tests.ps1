#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Disk encryption sets (des-demo: pinned to kv-good/cmk's older version, used by disk-demo) as a script tests, points,
# rotates and (fails to) disable them: exact error ids, and the emulator's request log to show what was (not) written.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Disk encryption set customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
        $script:Older = '0a1b2c3d4e5f40718293a4b5c6d7e8f1'
        $script:Current = '1a2b3c4d5e6f40718293a4b5c6d7e8f2'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    It 'Test fails exactly <Check> for <Case>' -ForEach @(
        @{ Case = 'a vault without purge protection'; Key = 'https://kv-nopurge.vault.azure.net/keys/cmk'; Principal = $null; Check = 'KeyVault.PurgeProtection' }
        @{ Case = 'an EC key'; Key = 'https://kv-good.vault.azure.net/keys/ec-key'; Principal = $null; Check = 'Key.Type' }
        @{ Case = 'a vault in another region'; Key = 'https://kv-eastus.vault.azure.net/keys/cmk'; Principal = $null; Check = 'KeyVault.Region' }
        @{ Case = 'an identity without access'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Principal = '66666666-6666-6666-6666-000000000002'; Check = 'Identity.Access' }
    ) {
        Get-FailedCheckFor -Key $Key -Principal $Principal -ResourceId $Des -Service DiskEncryptionSet | Should -Be @($Check)
    }

    It 'Get reads the pinned version and how many disks use the set' {
        $status = Get-AzCmkEncryption $Des
        $status.KeyVersion | Should -Be $Older
        $status.Details['associatedResources'] | Should -Be '1'
    }

    It 'Set -WhatIf sends nothing' {
        Set-AzCmkEncryption $Des (Get-DemoKey kv-rbac) -WhatIf
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Set points the set at the current version of a versionless key, in one PATCH' {
        $status = Set-AzCmkEncryption -ResourceId $Des -KeyUri (Get-DemoKey kv-good) -PassThru
        $status.Changed | Should -BeTrue
        $status.KeyVersion | Should -Be $Current
        $write = @(Get-EmulatorRequest -PathPrefix $Des -Write)
        $write.Count | Should -Be 1
        ($write[0].requestBody | ConvertFrom-Json).properties.activeKey.keyUrl | Should -Be "$(Get-DemoKey kv-good)/$Current"
    }

    It 'a second Set writes nothing' {
        (Set-AzCmkEncryption $Des (Get-DemoKey kv-good) -PassThru).Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Update moves a pinned set to the newest version, then -AutoRotate makes it AutoRotating' {
        $null = Set-AzCmkEncryption $Des "$(Get-DemoKey kv-good)/$Older"
        Clear-EmulatorRequestLog
        $result = Update-AzCmkKeyVersion -ResourceId $Des -Confirm:$false
        $result.Status | Should -Be 'Updated'
        $result.NewKeyVersion | Should -Be $Current

        $null = Set-AzCmkEncryption $Des "$(Get-DemoKey kv-good)/$Current" -AutoRotate
        Clear-EmulatorRequestLog
        (Update-AzCmkKeyVersion -ResourceId $Des -Confirm:$false).Status | Should -Be 'AutoRotating'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Set refuses a user-assigned identity, typed, before any write' {
        $err = { Set-AzCmkEncryption $Des (Get-DemoKey kv-good) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "IdentityTypeNotSupported,$SetType"
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Disable is refused with the documented reason, before any write' {
        $err = { Disable-AzCmkEncryption $Des -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "CmkDisableNotSupported,$DisableType"
        $err.Exception.Message | Should -Match 'incremental snapshots'
        $err.TargetObject | Should -Be $Des
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }
}
