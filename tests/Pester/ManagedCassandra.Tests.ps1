#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Managed Cassandra (cassandra-demo: identity None, data centers dc1 and dc2) as a script sets and reads its keys: exact
# error ids for the documented limits, and the emulator's request log to show what was (not) sent.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Managed Cassandra customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
        $script:Dc1 = "$Cassandra/dataCenters/dc1"
        $script:Dc2 = "$Cassandra/dataCenters/dc2"
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    It 'refuses a user-assigned identity without sending a single request' {
        $err = { Set-AzCmkEncryption $Cassandra (Get-DemoKey kv-good) -IdentityType UserAssigned -UserAssignedIdentityId (Get-DemoUaiId uai-good) -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "ManagedCassandraUserAssignedIdentityNotSupported,$SetType"
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.CmkUnsupportedOperationException'
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.TargetObject | Should -Be $Cassandra
        Get-EmulatorRequest | Should -BeNullOrEmpty
    }

    It 'refuses without -GrantAccess: the identity it would enable has no access yet' {
        $err = { Set-AzCmkEncryption $Cassandra (Get-DemoKey kv-good) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "IdentityDoesNotHaveAccessToKeyVault,$SetType"
        $err.Exception.FailedChecks.CheckId | Should -Be 'Identity.Access'
        $err.Exception.FailedChecks.RecommendedAction | Should -Match 'GrantAccess'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'names an unknown data center as the parameter to correct' {
        $err = { Set-AzCmkEncryption $Cassandra (Get-DemoKey kv-good) -DataCenterName dc9 -GrantAccess -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "ManagedCassandraDataCenterNotFound,$SetType"
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.ParameterName | Should -Be 'DataCenterName'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'checks a separate backup key too, before any write' {
        $err = { Set-AzCmkEncryption $Cassandra (Get-DemoKey kv-good) -BackupKeyUri (Get-DemoKey kv-nopurge) -GrantAccess -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultNotPurgeProtected,$SetType"
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'enables the cluster identity, grants it and sets both keys on one data center' {
        $status = Set-AzCmkEncryption $Cassandra (Get-DemoKey kv-good) -DataCenterName dc1 -GrantAccess -PassThru
        $status.CustomerManaged | Should -BeTrue
        $status.IdentityType | Should -Be 'SystemAssigned'
        $status.PrincipalId | Should -Not -BeNullOrEmpty
        $status.Details['dc1.managedDiskCustomerKeyUri'] | Should -Be (Get-DemoKey kv-good)
        $status.Details['dc1.backupStorageCustomerKeyUri'] | Should -Be (Get-DemoKey kv-good)
        $status.Details['dc2.managedDiskCustomerKeyUri'] | Should -BeNullOrEmpty
        (Get-EmulatorRequest -PathPrefix $Cassandra -Write)[0].path | Should -Be $Cassandra
        Get-EmulatorRequest -PathPrefix $Dc2 -Write | Should -BeNullOrEmpty
    }

    It 'puts every data center under the key with another key for backups, keeping both URIs in each body' {
        $status = Set-AzCmkEncryption $Cassandra (Get-DemoKey kv-good) -BackupKeyUri (Get-DemoKey kv-eastus) -GrantAccess -PassThru
        foreach ($dc in 'dc1', 'dc2') {
            $status.Details["$dc.managedDiskCustomerKeyUri"] | Should -Be (Get-DemoKey kv-good)
            $status.Details["$dc.backupStorageCustomerKeyUri"] | Should -Be (Get-DemoKey kv-eastus)
        }
        foreach ($write in Get-EmulatorRequest -PathPrefix "$Cassandra/dataCenters" -Write) {
            $properties = ($write.requestBody | ConvertFrom-Json).properties
            $properties.managedDiskCustomerKeyUri | Should -Be (Get-DemoKey kv-good)
            $properties.backupStorageCustomerKeyUri | Should -Be (Get-DemoKey kv-eastus)
        }
    }

    It 'writes nothing the second time and reads the same back' {
        $again = Set-AzCmkEncryption $Cassandra (Get-DemoKey kv-good) -BackupKeyUri (Get-DemoKey kv-eastus) -GrantAccess -PassThru
        $again.Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        (Get-AzCmkEncryption $Cassandra).Details['dc2.backupStorageCustomerKeyUri'] | Should -Be (Get-DemoKey kv-eastus)
    }

    It 'cannot go back to Microsoft-managed keys, and says why' {
        $err = { Disable-AzCmkEncryption $Cassandra -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "CmkDisableNotSupported,$DisableType"
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.CmkUnsupportedOperationException'
        $err.Exception.Message | Should -Match 'documents a way back'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        (Get-AzCmkEncryption $Cassandra).CustomerManaged | Should -BeTrue
    }
}
