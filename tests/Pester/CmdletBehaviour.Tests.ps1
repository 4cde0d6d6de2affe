#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# What only a running PowerShell shows, for every cmdlet at once: objects shaped like Az's output bind by property
# name (Id, ResourceId) and -WhatIf writes nothing; ConfirmImpact High really asks; Ctrl+C (StopProcessing) stops a
# cmdlet waiting for an HTTP answer at once (a confirmed write in flight is left to finish: xunit FleetTests).
# Per-service behaviour lives in the cmdlets' own suites.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
    $rg = '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-cmk-demo'
    # Shaped like Get-AzKustoCluster / Get-AzNetAppFilesAccount (Id) and Get-AzResource (ResourceId and Id) output.
    $kustoId = "$rg/providers/Microsoft.Kusto/clusters/kusto-demo"
    $netAppId = "$rg/providers/Microsoft.NetApp/netAppAccounts/anf-demo"
    $kustoCluster = @{ Id = $kustoId; Name = 'kusto-demo'; ResourceGroupName = 'rg-cmk-demo'; Location = 'westeurope'; Type = 'Microsoft.Kusto/Clusters' }
    $azResource = @{ ResourceId = $kustoId; Id = $kustoId; Name = 'kusto-demo'; ResourceGroupName = 'rg-cmk-demo'; ResourceType = 'Microsoft.Kusto/clusters'; Location = 'westeurope' }
    $netAppAccount = @{ Id = $netAppId; Name = 'anf-demo'; ResourceGroupName = 'rg-cmk-demo'; Location = 'westeurope'; Type = 'Microsoft.NetApp/netAppAccounts' }
    $key = 'https://kv-good.vault.azure.net/keys/cmk'
    $script:PipedUnderWhatIf = @(
        @{ Cmdlet = 'Set-AzCmkEncryption'; Shape = 'Get-AzKustoCluster'; Object = $kustoCluster; Arguments = @{ KeyUri = $key } }
        @{ Cmdlet = 'Set-AzCmkEncryption'; Shape = 'Get-AzResource'; Object = $azResource; Arguments = @{ KeyUri = $key } }
        @{ Cmdlet = 'Grant-AzCmkKeyVaultAccess'; Shape = 'Get-AzKustoCluster'; Object = $kustoCluster; Arguments = @{ KeyUri = $key } }
        @{ Cmdlet = 'Update-AzCmkKeyVersion'; Shape = 'Get-AzResource'; Object = $azResource; Arguments = @{} }
        @{ Cmdlet = 'Disable-AzCmkEncryption'; Shape = 'Get-AzResource'; Object = $azResource; Arguments = @{} }
        @{ Cmdlet = 'Invoke-AzNetAppRenewCredential'; Shape = 'Get-AzNetAppFilesAccount'; Object = $netAppAccount; Arguments = @{} }
        @{ Cmdlet = 'Convert-AzNetAppVolumeEncryption'; Shape = 'Get-AzNetAppFilesAccount'; Object = $netAppAccount; Arguments = @{} }
    )
}

Describe 'Cmdlet behaviour in a running PowerShell' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:ModulePath = Get-CmkModulePath
        # Kusto and the NetApp account under the good key first, so that every cmdlet of the table has something
        # it would write (Disable, Update) and gets past its checks to ShouldProcess.
        Set-AzCmkEncryption $Kusto (Get-DemoKey kv-good) -Confirm:$false
        Set-AzCmkEncryption $NetApp (Get-DemoKey kv-good) -Confirm:$false

        function Invoke-InNewRunspace([string] $Script, [object[]] $Arguments = @()) {
            # A runspace of this process without a host UI: a prompt cannot be answered there, it fails. The module
            # keeps one connection per process, so the runspace uses this session's.
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$ModulePath'").AddStatement().AddScript($Script)
                foreach ($argument in $Arguments) { $null = $ps.AddArgument($argument) }
                $output = $ps.Invoke()
                [pscustomobject]@{ Output = $output; Errors = @($ps.Streams.Error); HadErrors = $ps.HadErrors }
            }
            finally { $ps.Dispose() }
        }
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    It '<Cmdlet> binds a <Shape> object by property name and writes nothing under -WhatIf' -ForEach $PipedUnderWhatIf {
        $resourceId = if ($Object.ContainsKey('ResourceId')) { $Object.ResourceId } else { $Object.Id }
        Clear-EmulatorRequestLog
        [pscustomobject]$Object | & $Cmdlet @Arguments -WhatIf
        # The cmdlet read the piped resource (so it was bound) and stopped at ShouldProcess.
        @(Get-EmulatorRequest -PathPrefix $resourceId | Where-Object method -eq 'GET') | Should -Not -BeNullOrEmpty
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
    }

    It 'Disable-AzCmkEncryption (ConfirmImpact High) asks first: where nobody can answer, it fails and writes nothing' {
        Clear-EmulatorRequestLog
        $run = Invoke-InNewRunspace 'param($id) Disable-AzCmkEncryption -ResourceId $id' $Kusto
        $run.HadErrors | Should -BeTrue
        $run.Errors[0].Exception | Should -BeOfType [System.Management.Automation.Host.HostException]
        Get-EmulatorRequest -Write | Should -BeNullOrEmpty
        (Get-AzCmkEncryption $Kusto).CustomerManaged | Should -BeTrue
    }

    It 'Disable-AzCmkEncryption -Confirm:$false runs without asking, as a runbook needs' {
        $run = Invoke-InNewRunspace 'param($id) Disable-AzCmkEncryption -ResourceId $id -Confirm:$false -PassThru' $Kusto
        $run.Errors | Should -BeNullOrEmpty
        $run.Output[0].CustomerManaged | Should -BeFalse
        (Get-AzCmkEncryption $Kusto).CustomerManaged | Should -BeFalse
    }
}

Describe 'Ctrl+C' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-Module (Get-CmkModulePath) -Force
        # An emulator of its own, made slow below (its latency applies to every request).
        $script:Slow = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'slow.json')
        $null = Connect-AzCmk -EmulatorProfile $Slow.ProfilePath
        $script:Kusto = '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-cmk-demo/providers/Microsoft.Kusto/clusters/kusto-demo'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Slow
    }

    It 'stops a cmdlet waiting for an HTTP answer at once, without waiting for the answer' {
        # Every answer now takes 10 s: only cancelling the call in flight (StopProcessing) stops the cmdlet sooner.
        $null = Invoke-RestMethod -Method Post -Uri "$($Slow.Profile.endpoint)_emulator/latency" -SkipCertificateCheck `
            -ContentType 'application/json' -Body '{ "fixedMs": 10000 }'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-CmkModulePath)'").AddStatement().
                AddCommand('Get-AzCmkEncryption').AddParameter('ResourceId', $Kusto)
            $async = $ps.BeginInvoke()
            Start-Sleep -Seconds 2
            $ps.InvocationStateInfo.State | Should -Be 'Running'

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $ps.EndInvoke($async) | Should -BeNullOrEmpty
        }
        finally {
            $ps.Dispose()
            $null = Invoke-RestMethod -Method Post -Uri "$($Slow.Profile.endpoint)_emulator/latency" -SkipCertificateCheck `
                -ContentType 'application/json' -Body '{ "fixedMs": 0 }'
        }
    }
}
