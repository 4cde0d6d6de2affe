#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Fleet work as a platform team writes it, against the emulator's "fleet" scenario (120 Data Explorer clusters and Batch
# accounts over three subscriptions, two of them in management group mg-fleet, two vaults, resources pinned to an older
# key version; every 10th on Microsoft-managed keys, every 7th on kv-fleet-1's key 'expiring'):
# discovery through Resource Graph with the fleet filters, then concurrent rotation with -WhatIf, a failure and a 429 storm.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'EmulatorFaults.psm1') -Force
    Import-Module (Get-CmkModulePath) -Force
    $script:Subs = '22222222-2222-2222-2222-222222222222', '44444444-4444-4444-4444-000000000001', '44444444-4444-4444-4444-000000000002'
    $script:NewVersion = '1f1e2d3c4b5a49687766554433221101'
    $script:Numbers = 1..120

    # The emulator's request log through its admin endpoint (self-signed certificate: test plumbing only).
    function Invoke-EmulatorLog([string] $Method) {
        Invoke-RestMethod -Method $Method -Uri ($Emulator.Profile.endpoint.TrimEnd('/') + '/_emulator/requests') -SkipCertificateCheck
    }
    function Get-EmulatorRequest { @((Invoke-EmulatorLog GET).value) }
    function Clear-EmulatorRequest { $null = Invoke-EmulatorLog DELETE }
}

Describe 'Fleet discovery and rotation against the emulator' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        $script:Emulator = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'profile.json') -Scenario 'fleet:120:3:2' `
            -ExtraArguments @('--lro-delay', '200', '--retry-after', '0')
        $null = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    Context 'Get-AzCmkEncryption -Scope' {
        It 'finds every supported resource of several subscriptions through Resource Graph, one query each, no GET per resource' {
            Clear-EmulatorRequest
            $all = Get-AzCmkEncryption -Scope $Subs
            $all.Count | Should -Be 120
            ($all | Where-Object ServiceName -eq 'Azure Data Explorer').Count | Should -Be 60
            $requests = Get-EmulatorRequest
            @($requests | Where-Object { $_.method -eq 'POST' -and $_.path -like '*Microsoft.ResourceGraph*' }).Count | Should -Be 3
            @($requests | Where-Object { $_.method -eq 'GET' -and $_.path -match 'Microsoft\.(Kusto|Batch)/' }).Count | Should -Be 0
        }

        It 'searches the connected subscription without -Scope, and a management group with the subscriptions below it' {
            (Get-AzCmkEncryption).Count | Should -Be 40
            (Get-AzCmkEncryption -Scope /providers/Microsoft.Management/managementGroups/mg-fleet).Count | Should -Be 80
            (Get-AzCmkEncryption -Scope "/subscriptions/$($Subs[1])/resourceGroups/rg-fleet").Count | Should -Be 40
        }

        It 'answers the fleet questions with the filters' {
            $mg = '/providers/Microsoft.Management/managementGroups/mg-root'
            (Get-AzCmkEncryption -Scope $mg -MicrosoftManaged).Count | Should -Be 12
            $onVault2 = Get-AzCmkEncryption -Scope $mg -KeyVaultName kv-fleet-2
            $onVault2.Count | Should -Be @($Numbers | Where-Object { $_ % 2 -eq 0 -and $_ % 10 -ne 0 -and $_ % 7 -ne 0 }).Count
            $onVault2.KeyUri | Should -BeLike 'https://kv-fleet-2.vault.azure.net/keys/cmk/*'
            $expiring = @($Numbers | Where-Object { $_ % 10 -ne 0 -and $_ % 7 -eq 0 }).Count
            (Get-AzCmkEncryption -Scope $mg -KeyExpiresWithinDays 30).Count | Should -Be $expiring
            (Get-AzCmkEncryption -Scope $mg -KeyUri https://kv-fleet-1.vault.azure.net/keys/expiring).Count | Should -Be $expiring
            (Get-AzCmkEncryption -Scope $mg -NotLatestVersion).Count | Should -Be (120 - 12 - $expiring)
        }

        It 'refuses a scope Resource Graph cannot query with a typed input error' {
            { Get-AzCmkEncryption -Scope rg-fleet -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidScope,CmkPowerShell.Cmdlets.GetAzCmkEncryptionCommand'
        }

        It 'reads piped ids concurrently and applies the same filters' {
            $ids = Get-AzCmkEncryption -Scope $Subs[0]
            ($ids | Get-AzCmkEncryption -MicrosoftManaged).Count | Should -Be 4
        }
    }

    Context 'Update-AzCmkKeyVersion over the fleet' {
        BeforeAll {
            $script:Pinned = @(Get-AzCmkEncryption -Scope $Subs -NotLatestVersion | Sort-Object ResourceId)
        }

        It '-WhatIf over the fleet writes nothing' {
            Clear-EmulatorRequest
            $out = $Pinned | Update-AzCmkKeyVersion -WhatIf
            $out.Status | Sort-Object -Unique | Should -Be 'Skipped'
            @(Get-EmulatorRequest | Where-Object method -ne 'GET').Count | Should -Be 0
        }

        It 'a failure on one resource leaves the others updated' {
            $batch = $Pinned[0..9]
            $broken = $batch[3].ResourceId
            Add-CmkEmulatorFault -Emulator $Emulator -Method PATCH -PathPattern ([regex]::Escape($broken) + '$') -Status 409 `
                -ErrorCode Conflict -ErrorMessage 'Another operation is in progress.'
            $results = $batch | Update-AzCmkKeyVersion -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures.Count | Should -Be 1
            $failures[0].TargetObject | Should -Be $broken
            $results.Count | Should -Be 9
            $results.Status | Sort-Object -Unique | Should -Be 'Updated'
            ($batch | Where-Object ResourceId -ne $broken | Get-AzCmkEncryption).KeyVersion | Sort-Object -Unique | Should -Be $NewVersion
        }

        It 'updates 50 resources through one 429 storm with no error, each exactly once' {
            $fifty = $Pinned[10..59]
            Clear-EmulatorRequest
            Add-CmkEmulatorFault -Emulator $Emulator -Method PATCH -PathPattern 'Microsoft\.(Kusto|Batch)/' -Count 40 -Status 429
            $results = $fifty | Update-AzCmkKeyVersion -Confirm:$false -ErrorVariable failures
            $failures.Count | Should -Be 0
            $results.Count | Should -Be 50
            $results.Status | Sort-Object -Unique | Should -Be 'Updated'
            $requests = Get-EmulatorRequest
            @($requests | Where-Object status -eq 429).Count | Should -Be 40
            foreach ($r in $fifty) {
                @($requests | Where-Object { $_.method -eq 'PATCH' -and $_.path -eq $r.ResourceId -and $_.status -lt 300 }).Count | Should -Be 1
            }
            ($fifty | Get-AzCmkEncryption).KeyVersion | Sort-Object -Unique | Should -Be $NewVersion
        }
    }
}
