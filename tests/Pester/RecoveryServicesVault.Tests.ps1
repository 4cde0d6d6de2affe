#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Recovery Services vaults, which take a key only if they never protected an item: the preflight before creation, Get,
# Set refused on a vault that protects items (nothing written, -WhatIf says the same), Set on an unused vault and its
# idempotent re-run, Update reporting AutoRotating, Disable refused.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Recovery Services vault customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
        $script:RsvDemo = "$Rg/providers/Microsoft.RecoveryServices/vaults/rsv-demo"
        $script:RsvBusy = "$Rg/providers/Microsoft.RecoveryServices/vaults/rsv-busy"
        $script:Preflight = @{ Service = 'RecoveryServicesVault'; Location = 'westeurope'; UserAssignedIdentityId = (Get-DemoUaiId uai-pg) }
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    Context 'preflight before the vault exists' {
        It 'passes a good key in the region with an identity that has get, list, wrapKey and unwrapKey' {
            Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-good) @Preflight -Quiet | Should -BeTrue
        }

        It 'fails <Check> for <Case>' -ForEach @(
            @{ Case = 'a vault without purge protection'; Key = 'https://kv-nopurge.vault.azure.net/keys/cmk'; Change = @{}; Check = 'KeyVault.PurgeProtection' }
            @{ Case = 'an EC key'; Key = 'https://kv-good.vault.azure.net/keys/ec-key'; Change = @{}; Check = 'Key.Type' }
            @{ Case = 'another region'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Change = @{ Location = 'eastus' }; Check = 'KeyVault.Region' }
            @{ Case = 'an identity without access'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Change = @{ UserAssignedIdentityId = 'uai-noaccess' }; Check = 'Identity.Access' }
        ) {
            Assert-PreflightFailsExactly $Key $Preflight $Change $Check
        }
    }

    Context 'existing vaults' {
        It 'reads a vault under platform-managed keys' {
            $status = Get-AzCmkEncryption -ResourceId $RsvBusy
            $status.CustomerManaged | Should -BeFalse
            $status.Service | Should -Be 'RecoveryServicesVault'
        }

        It 'refuses a key for a vault that protects items before any write, and -WhatIf says the same' {
            $err = { Set-AzCmkEncryption $RsvBusy (Get-DemoKey kv-good) -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CmkOnlyOnUnusedVault,$SetType"
            $err.Exception.Message | Should -Match 'vm1'
            $whatIf = { Set-AzCmkEncryption $RsvBusy (Get-DemoKey kv-good) -WhatIf -ErrorAction Stop } | Should -Throw -PassThru
            $whatIf.FullyQualifiedErrorId | Should -BeExactly "CmkOnlyOnUnusedVault,$SetType"
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'sets the key on a vault that never protected an item; a second Set writes nothing' {
            $status = Set-AzCmkEncryption $RsvDemo (Get-DemoKey kv-good) -PassThru
            $status.CustomerManaged | Should -BeTrue
            $status.IdentityType | Should -Be 'SystemAssigned'
            @(Get-EmulatorRequest -PathPrefix $RsvDemo -Write).Count | Should -Be 1
            Clear-EmulatorRequestLog
            (Set-AzCmkEncryption $RsvDemo (Get-DemoKey kv-good) -PassThru).Changed | Should -BeFalse
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'reports AutoRotating for the versionless key' {
            (Update-AzCmkKeyVersion -ResourceId $RsvDemo).Status | Should -Be 'AutoRotating'
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'refuses Disable with the documented reason' {
            $err = { Disable-AzCmkEncryption $RsvDemo -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CmkDisableNotSupported,$DisableType"
            $err.Exception.Message | Should -Match 'reverted'
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }
    }
}
