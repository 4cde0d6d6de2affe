#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Container registries, whose key is chosen when the registry is created: the preflight before creation, Get, Set refused
# on a registry created without a key (nothing written, -WhatIf says the same), a key change on one created with a key
# and its idempotent re-run, Update reporting AutoRotating, Disable refused.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Container Registry customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
        $script:AcrDemo = "$Rg/providers/Microsoft.ContainerRegistry/registries/acrdemo"
        $script:AcrPlain = "$Rg/providers/Microsoft.ContainerRegistry/registries/acrplain"
        $script:Preflight = @{ Service = 'ContainerRegistry'; Location = 'westeurope'; UserAssignedIdentityId = (Get-DemoUaiId uai-good); Sku = 'Premium' }
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    Context 'preflight before the registry exists' {
        It 'passes a good key, Premium and an identity with access' {
            Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-good) @Preflight -Quiet | Should -BeTrue
        }

        It 'fails <Check> for <Case>' -ForEach @(
            @{ Case = 'an EC key'; Key = 'https://kv-good.vault.azure.net/keys/ec-key'; Change = @{}; Check = 'Key.Type' }
            @{ Case = 'the Standard tier'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Change = @{ Sku = 'Standard' }; Check = 'Resource.Sku' }
            @{ Case = 'an identity without access'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Change = @{ UserAssignedIdentityId = 'uai-noaccess' }; Check = 'Identity.Access' }
        ) {
            Assert-PreflightFailsExactly $Key $Preflight $Change $Check
        }

        It 'warns about a vault without purge protection (recommended, not required)' {
            $result = Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-nopurge) @Preflight | Where-Object Check -eq 'KeyVault.PurgeProtection'
            $result.Status | Should -Be 'Warning'
            $result.RecommendedAction | Should -Match 'EnablePurgeProtection'
        }
    }

    Context 'existing registries' {
        It 'reads the key, the identity found by its client id, and that the key is versionless' {
            $status = Get-AzCmkEncryption -ResourceId $AcrDemo
            $status.CustomerManaged | Should -BeTrue
            $status.KeyVersion | Should -Be 'versionless'
            $status.UserAssignedIdentityId | Should -Be (Get-DemoUaiId uai-good)
        }

        It 'refuses a key for a registry created without one before any write, and -WhatIf says the same' {
            $err = { Set-AzCmkEncryption $AcrPlain (Get-DemoKey kv-good) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CmkOnlyAtCreation,$SetType"
            $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.CmkUnsupportedOperationException'
            $err.ErrorDetails.RecommendedAction | Should -Match 'Create a new resource with the key'
            $whatIf = { Set-AzCmkEncryption $AcrPlain (Get-DemoKey kv-good) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -WhatIf -ErrorAction Stop } | Should -Throw -PassThru
            $whatIf.FullyQualifiedErrorId | Should -BeExactly "CmkOnlyAtCreation,$SetType"
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'reports AutoRotating for the versionless key' {
            (Update-AzCmkKeyVersion -ResourceId $AcrDemo).Status | Should -Be 'AutoRotating'
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'changes the key of a registry created with one; a second Set writes nothing' {
            $status = Set-AzCmkEncryption $AcrDemo (Get-DemoKey kv-rbac) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -PassThru
            $status.KeyUri | Should -Be (Get-DemoKey kv-rbac)
            @(Get-EmulatorRequest -PathPrefix $AcrDemo -Write).Count | Should -Be 1
            Clear-EmulatorRequestLog
            (Set-AzCmkEncryption $AcrDemo (Get-DemoKey kv-rbac) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -PassThru).Changed | Should -BeFalse
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'refuses Disable with the documented reason' {
            $err = { Disable-AzCmkEncryption $AcrDemo -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CmkDisableNotSupported,$DisableType"
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }
    }
}
