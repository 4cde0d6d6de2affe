#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Event Hubs and Service Bus namespaces, whose key is chosen at creation or while the namespace is empty: the preflight
# before creation, Get, Set refused on a namespace with entities (nothing written, -WhatIf says the same), Set on an
# empty one and its idempotent re-run, Update reporting AutoRotating, Disable refused.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
    $script:Services = @(
        @{ Service = 'EventHubs'; Provider = 'Microsoft.EventHub'; Prefix = 'evhns'; Entity = 'telemetry' }
        @{ Service = 'ServiceBus'; Provider = 'Microsoft.ServiceBus'; Prefix = 'sbns'; Entity = 'orders' }
    )
}

Describe '<Service> namespaces' -ForEach $Services -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
        $script:Empty = "$Rg/providers/$Provider/namespaces/$Prefix-demo"
        $script:Busy = "$Rg/providers/$Provider/namespaces/$Prefix-busy"
        $script:Preflight = @{ Service = $Service; Location = 'westeurope'; UserAssignedIdentityId = (Get-DemoUaiId uai-good); Sku = 'Premium' }
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    Context 'preflight before the namespace exists' {
        It 'passes a good key, Premium and an identity with access' {
            Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-good) @Preflight -Quiet | Should -BeTrue
        }

        It 'fails <Check> for <Case>' -ForEach @(
            @{ Case = 'a vault without purge protection'; Key = 'https://kv-nopurge.vault.azure.net/keys/cmk'; Change = @{}; Check = 'KeyVault.PurgeProtection' }
            @{ Case = 'an EC key'; Key = 'https://kv-good.vault.azure.net/keys/ec-key'; Change = @{}; Check = 'Key.Type' }
            @{ Case = 'the Standard tier'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Change = @{ Sku = 'Standard' }; Check = 'Resource.Sku' }
            @{ Case = 'an identity without access'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Change = @{ UserAssignedIdentityId = 'uai-noaccess' }; Check = 'Identity.Access' }
        ) {
            Assert-PreflightFailsExactly $Key $Preflight $Change $Check
        }

        It 'skips the SKU check without -Sku rather than pass it' {
            $arguments = $Preflight.Clone(); $arguments.Remove('Sku')
            (Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-good) @arguments | Where-Object Check -eq 'Resource.Sku').Status | Should -Be 'Skipped'
        }
    }

    Context 'an existing namespace' {
        It 'reads a namespace under Microsoft-managed keys' {
            $status = Get-AzCmkEncryption -ResourceId $Busy
            $status.CustomerManaged | Should -BeFalse
            $status.Service | Should -Be $Service
            $status.ServiceStatus | Should -Be 'Active'
        }

        It 'refuses a key for a namespace with entities before any write, and -WhatIf says the same' {
            $err = { Set-AzCmkEncryption $Busy (Get-DemoKey kv-good) -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CmkOnlyOnEmptyNamespace,$SetType"
            $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.CmkUnsupportedOperationException'
            $err.Exception.Message | Should -Match $Entity
            $err.ErrorDetails.RecommendedAction | Should -Match 'new namespace'
            $err.TargetObject | Should -Be $Busy

            $whatIf = { Set-AzCmkEncryption $Busy (Get-DemoKey kv-good) -WhatIf -ErrorAction Stop } | Should -Throw -PassThru
            $whatIf.FullyQualifiedErrorId | Should -BeExactly "CmkOnlyOnEmptyNamespace,$SetType"
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'sets the key on an empty namespace in one write; a second Set writes nothing' {
            $status = Set-AzCmkEncryption $Empty (Get-DemoKey kv-good) -PassThru
            $status.CustomerManaged | Should -BeTrue
            $status.KeyVersion | Should -Be 'versionless'
            $status.IdentityType | Should -Be 'SystemAssigned'
            @(Get-EmulatorRequest -PathPrefix $Empty -Write).Count | Should -Be 1

            Clear-EmulatorRequestLog
            (Set-AzCmkEncryption $Empty (Get-DemoKey kv-good) -PassThru).Changed | Should -BeFalse
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
            (Get-AzCmkEncryption $Empty).KeyUri | Should -Be (Get-DemoKey kv-good)
        }

        It 'reports AutoRotating for the versionless key' {
            (Update-AzCmkKeyVersion -ResourceId $Empty).Status | Should -Be 'AutoRotating'
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'refuses Disable with the documented reason' {
            $err = { Disable-AzCmkEncryption $Empty -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CmkDisableNotSupported,$DisableType"
            $err.Exception.Message | Should -Match 'keySource'
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }
    }
}
