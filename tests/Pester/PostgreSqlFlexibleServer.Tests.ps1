#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# PostgreSQL flexible servers, whose encryption mode is chosen at creation: the preflight before creation, Get, Set
# refused on a server created with system-managed keys (nothing written, -WhatIf says the same), a versionless key
# refused, Update moving a pinned server to the newest version by hand and then up to date, Disable refused.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'PostgreSQL flexible server customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
        $script:PgDemo = "$Rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-demo"
        $script:PgPlain = "$Rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-plain"
        $script:Newer = 'https://kv-good.vault.azure.net/keys/cmk/1a2b3c4d5e6f40718293a4b5c6d7e8f2'
        $script:Preflight = @{ Service = 'PostgreSqlFlexibleServer'; Location = 'westeurope'; UserAssignedIdentityId = (Get-DemoUaiId uai-pg) }
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    Context 'preflight before the server exists' {
        It 'passes a good key in the region with an identity that has get, list, wrapKey and unwrapKey' {
            Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-good) @Preflight -Quiet | Should -BeTrue
        }

        It 'fails <Check> for <Case>' -ForEach @(
            @{ Case = 'a vault without purge protection'; Key = 'https://kv-nopurge.vault.azure.net/keys/cmk'; Change = @{}; Check = 'KeyVault.PurgeProtection' }
            @{ Case = 'an EC key'; Key = 'https://kv-good.vault.azure.net/keys/ec-key'; Change = @{}; Check = 'Key.Type' }
            @{ Case = 'another region'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Change = @{ Location = 'eastus' }; Check = 'KeyVault.Region' }
            @{ Case = 'an identity without list'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Change = @{ UserAssignedIdentityId = 'uai-good' }; Check = 'Identity.Access' }
        ) {
            Assert-PreflightFailsExactly $Key $Preflight $Change $Check
        }
    }

    Context 'existing servers' {
        It 'reads the pinned key and the identity' {
            $status = Get-AzCmkEncryption -ResourceId $PgDemo
            $status.CustomerManaged | Should -BeTrue
            $status.KeyVersion | Should -Be '0a1b2c3d4e5f40718293a4b5c6d7e8f1'
            $status.UserAssignedIdentityId | Should -Be (Get-DemoUaiId uai-pg)
        }

        It 'refuses a key for a server created with system-managed keys before any write, and -WhatIf says the same' {
            $err = { Set-AzCmkEncryption $PgPlain $Newer -UserAssignedIdentityId (Get-DemoUaiId uai-pg) -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CmkOnlyAtCreation,$SetType"
            $err.ErrorDetails.RecommendedAction | Should -Match 'point-in-time restore'
            $whatIf = { Set-AzCmkEncryption $PgPlain $Newer -UserAssignedIdentityId (Get-DemoUaiId uai-pg) -WhatIf -ErrorAction Stop } | Should -Throw -PassThru
            $whatIf.FullyQualifiedErrorId | Should -BeExactly "CmkOnlyAtCreation,$SetType"
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'refuses a versionless key' {
            $err = { Set-AzCmkEncryption $PgDemo (Get-DemoKey kv-good) -UserAssignedIdentityId (Get-DemoUaiId uai-pg) -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CmkKeyVersionRequired,$SetType"
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'moves the pinned server to the newest version, then reports it up to date' {
            $result = Update-AzCmkKeyVersion -ResourceId $PgDemo
            $result.Status | Should -Be 'Updated'
            $result.NewKeyUri | Should -Be $Newer
            @(Get-EmulatorRequest -PathPrefix $PgDemo -Write).Count | Should -Be 1
            Clear-EmulatorRequestLog
            (Update-AzCmkKeyVersion -ResourceId $PgDemo).Status | Should -Be 'UpToDate'
            (Set-AzCmkEncryption $PgDemo $Newer -UserAssignedIdentityId (Get-DemoUaiId uai-pg) -PassThru).Changed | Should -BeFalse
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }

        It 'refuses Disable with the documented reason' {
            $err = { Disable-AzCmkEncryption $PgDemo -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CmkDisableNotSupported,$DisableType"
            Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        }
    }
}
