#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Disable-AzCmkEncryption' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:DisableType = 'CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
        Set-AzCmkEncryption $Batch (Get-DemoKey kv-good)
        Set-AzCmkEncryption $Kusto (Get-DemoKey kv-good)
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    It 'declares ConfirmImpact High' {
        $meta = [System.Management.Automation.CommandMetadata]::new((Get-Command Disable-AzCmkEncryption))
        $meta.ConfirmImpact | Should -Be 'High'
    }

    It 'changes nothing under -WhatIf' {
        Disable-AzCmkEncryption $Batch -WhatIf
        (Get-AzCmkEncryption $Batch).CustomerManaged | Should -BeTrue
    }

    It 'takes Batch back to keySource Microsoft.Batch' {
        $status = Disable-AzCmkEncryption $Batch -Confirm:$false -PassThru
        $status.CustomerManaged | Should -BeFalse
        $status.KeySource | Should -Be 'Microsoft.Batch'
    }

    It 'takes Data Explorer back by emptying keyVaultProperties, and a second run writes nothing' {
        (Disable-AzCmkEncryption $Kusto -Confirm:$false -PassThru).Changed | Should -BeTrue
        (Disable-AzCmkEncryption $Kusto -Confirm:$false -PassThru).Changed | Should -BeFalse
        (Get-AzCmkEncryption $Kusto).CustomerManaged | Should -BeFalse
    }
}
