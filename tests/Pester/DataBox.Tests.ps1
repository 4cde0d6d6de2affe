#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Data Box (databox-demo, status DeviceOrdered) as a script sets, reads and removes its key: exact error ids, and the
# emulator's request log to show what was (not) written.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Data Box customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    It 'refuses a vault without purge protection before attaching the identity' {
        $err = { Set-AzCmkEncryption $DataBox (Get-DemoKey kv-nopurge) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultNotPurgeProtected,$SetType"
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.KeyVaultConfigurationException'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'refuses a firewalled vault with a user-assigned identity (SsemUserErrorKeyVaultBadRequestException) before any write' {
        $err = { Set-AzCmkEncryption $DataBox (Get-DemoKey kv-firewall) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultFirewallBlocksService,$SetType"
        $err.Exception.FailedChecks.CheckId | Should -Contain 'KeyVault.Firewall'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'warns about a firewalled vault with the system identity and reports the service''s own error typed' {
        # In this scope (not a script block's) so that -WarningVariable is readable afterwards.
        $err = $null
        try { Set-AzCmkEncryption $DataBox (Get-DemoKey kv-firewall) -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeExactly "DataBoxKeyVaultBadRequestException,$SetType"
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.CmkAccessException'
        $err.Exception.ServiceCode | Should -Be 'SsemUserErrorKeyVaultBadRequestException'
        $err.TargetObject | Should -Be $DataBox
        $warnings | Should -Match 'KeyVault.Firewall'
        (Get-AzCmkEncryption $DataBox).CustomerManaged | Should -BeFalse
    }

    It 'enables the key through the system-assigned identity in one write' {
        $status = Set-AzCmkEncryption -ResourceId $DataBox -KeyUri (Get-DemoKey kv-good) -PassThru
        $status.CustomerManaged | Should -BeTrue
        $status.KeySource | Should -Be 'CustomerManaged'
        $status.IdentityType | Should -Be 'SystemAssigned'
        $status.ServiceStatus | Should -Be 'DeviceOrdered'
        $write = @(Get-EmulatorRequest -PathPrefix $DataBox -Write)
        $write.Count | Should -Be 1
        ($write[0].requestBody | ConvertFrom-Json).properties.details.keyEncryptionKey.kekType | Should -Be 'CustomerManaged'
    }

    It 'reads it back, with the vault the job names' {
        $read = Get-AzCmkEncryption -ResourceId $DataBox
        $read.KeyUri | Should -Be (Get-DemoKey kv-good)
        $read.Details['kekVaultResourceID'] | Should -Be "$Rg/providers/Microsoft.KeyVault/vaults/kv-good"
        $read.PrincipalId | Should -Be '88888888-8888-8888-8888-000000000002'
    }

    It 'writes nothing the second time' {
        (Set-AzCmkEncryption $DataBox (Get-DemoKey kv-good) -PassThru).Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'moves to a user-assigned identity in one call: the identity first, then the key' {
        $status = Set-AzCmkEncryption $DataBox (Get-DemoKey kv-good) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -PassThru
        $status.IdentityType | Should -Be 'UserAssigned'
        $status.UserAssignedIdentityId | Should -Be (Get-DemoUaiId uai-good)
        $writes = @(Get-EmulatorRequest -PathPrefix $DataBox -Write)
        $writes.Count | Should -Be 2
        ($writes[0].requestBody | ConvertFrom-Json).identity.type | Should -Be 'SystemAssigned,UserAssigned'
        ($writes[1].requestBody | ConvertFrom-Json).properties.details.keyEncryptionKey.identityProperties.type | Should -Be 'UserAssigned'
    }

    It 'goes back to kekType MicrosoftManaged, and a second run writes nothing' {
        $status = Disable-AzCmkEncryption $DataBox -Confirm:$false -PassThru
        $status.CustomerManaged | Should -BeFalse
        $status.KeySource | Should -Be 'MicrosoftManaged'
        Clear-EmulatorRequestLog
        (Disable-AzCmkEncryption $DataBox -Confirm:$false -PassThru).Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }
}
