#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Set-AzCmkEncryption as a script writes it: enable, re-run, failed checks with exact error ids, pipelines, -WhatIf.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Set-AzCmkEncryption' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:SetType = 'CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    It 'refuses a key in a vault without purge protection, naming the check, and writes nothing' {
        $err = { Set-AzCmkEncryption -ResourceId $Kusto -KeyUri (Get-DemoKey kv-nopurge) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultNotPurgeProtected,$SetType"
        $err.TargetObject | Should -Not -BeNullOrEmpty
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.KeyVaultConfigurationException'
        $err.Exception.FailedChecks.CheckId | Should -Be 'KeyVault.PurgeProtection'
        (Get-AzCmkEncryption -ResourceId $Kusto).CustomerManaged | Should -BeFalse
    }

    It 'lists several failed checks in one CmkRequirementFailed error' {
        $err = { Set-AzCmkEncryption $Kusto (Get-DemoKey kv-eastus) -UserAssignedIdentityId (Get-DemoUaiId uai-noaccess) -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "CmkRequirementFailed,$SetType"
        $err.Exception.FailedChecks.CheckId | Should -Be @('KeyVault.Region', 'Identity.Access')
        $err.ErrorDetails.RecommendedAction | Should -Match 'Identity.Access'
    }

    It 'rejects an unparseable key URI as InvalidKeyUri, even with -SkipValidation' {
        $err = { Set-AzCmkEncryption $Kusto 'https://kv-good.vault.azure.net/secrets/x' -SkipValidation -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidKeyUri,$SetType"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses a user-assigned identity for Batch as IdentityTypeNotSupported' {
        $err = { Set-AzCmkEncryption $Batch (Get-DemoKey kv-good) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "IdentityTypeNotSupported,$SetType"
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.CmkAccessException'
    }

    It 'changes nothing under -WhatIf' {
        Set-AzCmkEncryption $Kusto (Get-DemoKey kv-good) -WhatIf
        (Get-AzCmkEncryption $Kusto).CustomerManaged | Should -BeFalse
    }

    It 'enables a versionless key on a Data Explorer cluster and says it follows the current version' {
        $status = Set-AzCmkEncryption -ResourceId $Kusto -KeyUri (Get-DemoKey kv-good) -PassThru -Confirm:$false
        $status | Should -BeOfType 'CmkPowerShell.Core.Services.CmkEncryptionStatus'
        $status.CustomerManaged | Should -BeTrue
        $status.Changed | Should -BeTrue
        $status.KeyVersion | Should -Be 'versionless'
        $status.Notes | Should -Match 'current version'
        $status.IdentityType | Should -Be 'SystemAssigned'
    }

    It 'writes nothing the second time' {
        $again = Set-AzCmkEncryption -ResourceId $Kusto -KeyUri (Get-DemoKey kv-good) -PassThru
        $again.Changed | Should -BeFalse
    }

    It 'enables a Batch account through its system-assigned identity' {
        $status = [pscustomobject]@{ Id = $Batch } | Set-AzCmkEncryption -KeyUri (Get-DemoKey kv-good) -PassThru
        $status.CustomerManaged | Should -BeTrue
        $status.KeySource | Should -Be 'Microsoft.KeyVault'
        $status.KeyUri | Should -Be (Get-DemoKey kv-good)
    }

    It 'keeps going through one pipeline of several resources with a non-terminating error per failure' {
        $results = @($Cassandra, $Kusto) | ForEach-Object { [pscustomobject]@{ ResourceId = $_ } } |
            Set-AzCmkEncryption -KeyUri (Get-DemoKey kv-good) -UserAssignedIdentityId (Get-DemoUaiId uai-good) -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.FullyQualifiedErrorId | Should -Be "ManagedCassandraUserAssignedIdentityNotSupported,$SetType"
        $results.Name | Should -Be 'kusto-demo'
        $results.IdentityType | Should -Be 'UserAssigned'
    }
}
