#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Get-AzCmkEncryption' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:GetType = 'CmkPowerShell.Cmdlets.GetAzCmkEncryptionCommand'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    It 'reads every demo service in one shape from the pipeline' {
        $all = @($NetApp, $Kusto, $Cassandra, $Batch) | ForEach-Object { [pscustomobject]@{ Id = $_ } } | Get-AzCmkEncryption
        $all.Count | Should -Be 4
        # Piped resources are read concurrently and written as each is read: the set, not the order, is the contract.
        $all.Service | ForEach-Object { "$_" } | Sort-Object | Should -Be @('Batch', 'DataExplorer', 'ManagedCassandra', 'NetAppFiles')
        $all.CustomerManaged | Should -Not -Contain $true
        ($all | Where-Object Service -eq 'Batch').KeySource | Should -Be 'Microsoft.Batch'
        # Kusto and Cassandra have no key-source field of their own.
        $all | Where-Object Service -in 'DataExplorer', 'ManagedCassandra' | ForEach-Object { $_.KeySource | Should -BeNullOrEmpty }
    }

    It 'shows a table with one KeyManagedBy column for every service' {
        $text = @($Batch, $Kusto) | ForEach-Object { [pscustomobject]@{ Id = $_ } } | Get-AzCmkEncryption | Out-String -Width 250
        $text | Should -Match 'KeyManagedBy'
        $text | Should -Not -Match 'KeySource'
        $text | Should -Match 'batchdemo\s+Batch\s+Microsoft\s'
        $text | Should -Match 'kusto-demo\s+DataExplorer\s+Microsoft\s'
    }

    It 'reports a missing resource as ResourceNotFound and goes on' {
        $missing = "$Rg/providers/Microsoft.Kusto/clusters/nope"
        $out = @($missing, $Kusto) | ForEach-Object { [pscustomobject]@{ ResourceId = $_ } } |
            Get-AzCmkEncryption -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.FullyQualifiedErrorId | Should -Be "ResourceNotFound,$GetType"
        $errs.TargetObject | Should -Be $missing
        $out.Name | Should -Be 'kusto-demo'
    }

    It 'rejects a resource type the module does not manage as InvalidResourceId' {
        $err = { Get-AzCmkEncryption "$Rg/providers/Microsoft.Web/sites/web-demo" -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidResourceId,$GetType"
    }
}
