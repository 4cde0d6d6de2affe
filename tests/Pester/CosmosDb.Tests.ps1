#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# A Cosmos DB account (cosmos-demo: API for NoSQL, Microsoft-managed keys, system-assigned identity with key access) and an
# API for Apache Cassandra account (cosmos-cassandra) as a script tests, sets and rotates their key and is refused Disable:
# exact error ids, and the emulator's request log to show what was (not) written.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Cosmos DB account customer-managed keys' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
        $script:UpdateType = 'CmkPowerShell.Cmdlets.UpdateAzCmkKeyVersionCommand'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    BeforeEach { Clear-EmulatorRequestLog }

    It 'Test fails exactly <Check> for <Case>' -ForEach @(
        @{ Case = 'a vault without purge protection'; Key = 'https://kv-nopurge.vault.azure.net/keys/cmk'; Uai = $null; Check = 'KeyVault.PurgeProtection' }
        @{ Case = 'an EC key'; Key = 'https://kv-good.vault.azure.net/keys/ec-key'; Uai = $null; Check = 'Key.Type' }
        @{ Case = 'an identity without access'; Key = 'https://kv-good.vault.azure.net/keys/cmk'; Uai = 'uai-noaccess'; Check = 'Identity.Access' }
        @{ Case = 'a vault whose firewall shuts out trusted services'; Key = 'https://kv-firewall.vault.azure.net/keys/cmk'; Uai = $null; Check = 'KeyVault.Firewall' }
    ) {
        $results = if ($Uai) {
            Test-AzCmkKeyVault -KeyUri $Key -Service CosmosDbAccount -Location westeurope -UserAssignedIdentityId (Get-DemoUaiId $Uai)
        } else {
            Test-AzCmkKeyVault -KeyUri $Key -ResourceId $Cosmos
        }
        Get-FailedCheck $results | Should -Be @($Check)
    }

    It 'Test accepts a vault in another region and warns that a key version is not stored' {
        Get-FailedCheck (Test-AzCmkKeyVault -KeyUri (Get-DemoKey kv-eastus) -ResourceId $Cosmos) | Should -BeNullOrEmpty
        $versioned = Test-AzCmkKeyVault -KeyUri "$(Get-DemoKey kv-good)/0a1b2c3d4e5f40718293a4b5c6d7e8f1" -ResourceId $Cosmos
        ($versioned | Where-Object Check -eq 'KeyUri.Format').Status | Should -Be 'Warning'
    }

    It 'Set -WhatIf sends nothing' {
        Set-AzCmkEncryption $Cosmos (Get-DemoKey kv-good) -WhatIf
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        (Get-AzCmkEncryption $Cosmos).CustomerManaged | Should -BeFalse
    }

    It 'Set enables the versionless key with the system-assigned default identity in one PATCH' {
        $status = Set-AzCmkEncryption -ResourceId $Cosmos -KeyUri (Get-DemoKey kv-good) -PassThru
        $status.CustomerManaged | Should -BeTrue
        $status.KeyVersion | Should -Be 'versionless'
        $status.IdentityType | Should -Be 'SystemAssigned'
        $status.Details['defaultIdentity'] | Should -Be 'SystemAssignedIdentity'
        $write = @(Get-EmulatorRequest -PathPrefix $Cosmos -Write)
        $write.Count | Should -Be 1
        $write[0].method | Should -Be 'PATCH'
        $body = $write[0].requestBody | ConvertFrom-Json
        $body.properties.keyVaultKeyUri | Should -Be (Get-DemoKey kv-good)
        $body.properties.defaultIdentity | Should -Be 'SystemAssignedIdentity'
    }

    It 'a second Set writes nothing, with or without a key version' {
        (Set-AzCmkEncryption $Cosmos (Get-DemoKey kv-good) -PassThru).Changed | Should -BeFalse
        (Set-AzCmkEncryption $Cosmos "$(Get-DemoKey kv-good)/0a1b2c3d4e5f40718293a4b5c6d7e8f1" -PassThru).Changed | Should -BeFalse
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Update reports the account as AutoRotating without writing, and refuses a key version' {
        $result = Update-AzCmkKeyVersion -ResourceId $Cosmos -Confirm:$false
        $result.Status | Should -Be 'AutoRotating'
        $err = { Update-AzCmkKeyVersion -ResourceId $Cosmos -KeyVersion 0a1b2c3d4e5f40718293a4b5c6d7e8f1 -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "ParameterNotSupportedByService,$UpdateType"
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Update moves the account to a key in another vault' {
        $result = Update-AzCmkKeyVersion -ResourceId $Cosmos -KeyUri (Get-DemoKey kv-rbac) -Confirm:$false
        $result.Status | Should -Be 'Updated'
        $write = @(Get-EmulatorRequest -PathPrefix $Cosmos -Write)
        $write.Count | Should -Be 1
        ($write[0].requestBody | ConvertFrom-Json).properties.keyVaultKeyUri | Should -Be (Get-DemoKey kv-rbac)
        (Get-AzCmkEncryption $Cosmos).KeyUri | Should -Be (Get-DemoKey kv-rbac)
    }

    It 'Set refuses a vault without purge protection before any write' {
        $err = { Set-AzCmkEncryption $Cosmos (Get-DemoKey kv-nopurge) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultNotPurgeProtected,$SetType"
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.KeyVaultConfigurationException'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Set -SkipValidation gets the service''s documented refusal, typed' {
        $err = { Set-AzCmkEncryption $Cosmos (Get-DemoKey kv-good nope) -SkipValidation -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "CosmosDbKeyNotFound,$SetType"
        $err.Exception.ServiceMessage | Should -Match 'Customer Managed Key does not exist'
        (Get-AzCmkEncryption $Cosmos).KeyUri | Should -Be (Get-DemoKey kv-rbac)
    }

    It 'Set refuses an existing API for Apache Cassandra account, even under -WhatIf' {
        foreach ($whatIf in $true, $false) {
            $err = { Set-AzCmkEncryption $CosmosCassandra (Get-DemoKey kv-good) -WhatIf:$whatIf -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "CosmosDbCassandraAccountNotSupported,$SetType"
        }
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Disable is refused as irreversible and writes nothing' {
        $err = { Disable-AzCmkEncryption $Cosmos -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "CmkDisableNotSupported,$DisableType"
        $err.Exception.Message | Should -Match 'cannot be reversed'
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        (Get-AzCmkEncryption $Cosmos).CustomerManaged | Should -BeTrue
    }
}
