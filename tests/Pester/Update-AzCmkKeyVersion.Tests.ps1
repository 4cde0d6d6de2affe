#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Update-AzCmkKeyVersion as a user meets it, against the emulator's demo scenario: rotation, "up to date" re-runs,
# refusals with their exact FullyQualifiedErrorIds, -WhatIf, -PassThru and a pipeline where one resource fails.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CmkModulePath) -Force
    $script:UpdateType = 'CmkPowerShell.Cmdlets.UpdateAzCmkKeyVersionCommand'
    $script:Rg = '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-cmk-demo'
    $script:Batch = "$Rg/providers/Microsoft.Batch/batchAccounts/batchdemo"
    $script:DataBox = "$Rg/providers/Microsoft.DataBox/jobs/databox-demo"
    $script:GoodKey = "$Rg/providers/Microsoft.KeyVault/vaults/kv-good/keys/cmk"

    # Test set-up goes straight to the emulator's ARM surface, so that only Update-AzCmkKeyVersion is under test.
    function Invoke-Emulator([string] $Method, [string] $Path, [string] $ApiVersion, $Body) {
        $uri = $Emulator.Profile.endpoint.TrimEnd('/') + $Path + $(if ($ApiVersion) { "?api-version=$ApiVersion" })
        $request = @{
            Method = $Method; Uri = $uri; SkipCertificateCheck = $true; ContentType = 'application/json'
            Headers = @{ Authorization = "Bearer $($Emulator.Profile.token)" }
        }
        if ($null -ne $Body) { $request.Body = $Body | ConvertTo-Json -Depth 10 }
        Invoke-RestMethod @request
    }

    function Set-BatchKey([string] $KeyIdentifier) {
        $body = @{ properties = @{ encryption = @{ keySource = 'Microsoft.KeyVault'; keyVaultProperties = @{ keyIdentifier = $KeyIdentifier } } } }
        $null = Invoke-Emulator PATCH $Batch '2024-02-01' $body
    }

    function Clear-RequestLog { $null = Invoke-Emulator DELETE '/_emulator/requests' }
    function Get-Writes { @((Invoke-Emulator GET '/_emulator/requests').value | Where-Object method -ne 'GET') }
}

Describe 'Update-AzCmkKeyVersion against the emulator' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        $script:Emulator = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'profile.json')
        $null = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
        # kv-good/cmk has two versions; the key body names the current (newer) one.
        $current = (Invoke-Emulator GET $GoodKey '2026-02-01').properties.keyUriWithVersion
        $script:NewVersion = ($current -split '/')[-1]
        $script:OldVersion = ((Invoke-Emulator GET "$GoodKey/versions" '2026-02-01').value.name | Where-Object { $_ -ne $NewVersion }) | Select-Object -First 1
        $script:KeyBase = 'https://kv-good.vault.azure.net/keys'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    BeforeEach {
        Set-BatchKey "$KeyBase/cmk/$OldVersion"
        Clear-RequestLog
    }

    It 'moves the account to the newest version, then says up to date without writing' {
        $result = Update-AzCmkKeyVersion -ResourceId $Batch -Confirm:$false
        $result | Should -BeOfType 'CmkPowerShell.Core.Services.CmkKeyRotationResult'
        $result.Status | Should -Be 'Updated'
        $result.PreviousKeyVersion | Should -Be $OldVersion
        $result.NewKeyVersion | Should -Be $NewVersion
        @(Get-Writes).Count | Should -Be 1

        Clear-RequestLog
        $again = Update-AzCmkKeyVersion -ResourceId $Batch -Confirm:$false
        $again.Status | Should -Be 'UpToDate'
        $again.Message | Should -Match 'Up to date'
        Get-Writes | Should -BeNullOrEmpty
    }

    It 'shows the result as a table with the status and both versions' {
        if ($PSVersionTable.PSEdition -eq 'Core') { $PSStyle.OutputRendering = 'PlainText' }
        $table = Update-AzCmkKeyVersion -ResourceId $Batch -Confirm:$false | Format-Table | Out-String -Width 400
        $table | Should -Match 'Name\s+Service\s+Status\s+Previous\s+New\s+Message'
        $table | Should -Match "batchdemo\s+Batch\s+Updated\s+cmk/$OldVersion\s+cmk/$NewVersion"
    }

    It 'pins a given version, and -PassThru outputs the resulting encryption' {
        Set-BatchKey "$KeyBase/cmk/$NewVersion"
        $status = Update-AzCmkKeyVersion -ResourceId $Batch -KeyVersion $OldVersion -PassThru -Confirm:$false
        $status | Should -BeOfType 'CmkPowerShell.Core.Services.CmkEncryptionStatus'
        $status.KeyVersion | Should -Be $OldVersion
        $status.Changed | Should -BeTrue
    }

    It 'changes nothing under -WhatIf and reports Skipped' {
        $result = Update-AzCmkKeyVersion -ResourceId $Batch -WhatIf
        $result.Status | Should -Be 'Skipped'
        $result.NewKeyVersion | Should -Be $NewVersion
        Get-Writes | Should -BeNullOrEmpty
    }

    It 'refuses a key whose only version is <Key> with <ErrorId>, naming the version, and writes nothing' -ForEach @(
        @{ Key = 'disabled-key'; ErrorId = 'KeyDisabled' }
        @{ Key = 'expired-key'; ErrorId = 'KeyExpired' }
        @{ Key = 'future-key'; ErrorId = 'KeyNotActive' }
    ) {
        $err = { Update-AzCmkKeyVersion -ResourceId $Batch -KeyName $Key -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "$ErrorId,$UpdateType"
        $err.TargetObject | Should -Match "^$([regex]::Escape("$KeyBase/$Key/"))[0-9a-f]{32}$"
        $version = ($err.TargetObject -split '/')[-1]
        $err.Exception.Message | Should -Match $version
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.KeyStateException'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-Writes | Should -BeNullOrEmpty
    }

    It 'refuses a version that does not exist with KeyNotFound' {
        $err = { Update-AzCmkKeyVersion -ResourceId $Batch -KeyVersion ('0' * 32) -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyNotFound,$UpdateType"
        Get-Writes | Should -BeNullOrEmpty
    }

    It 'refuses a malformed version before reading anything' {
        $err = { Update-AzCmkKeyVersion -ResourceId $Batch -KeyVersion 'v2' -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidKeyUri,$UpdateType"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses -KeyUri together with -KeyVersion by parameter set' {
        { Update-AzCmkKeyVersion -ResourceId $Batch -KeyUri "$KeyBase/cmk" -KeyVersion $OldVersion } |
            Should -Throw -ErrorId "AmbiguousParameterSet,$UpdateType"
    }

    It 'writes one non-terminating error for a resource without a customer key and goes on with the rest' {
        $results = $DataBox, $Batch | Update-AzCmkKeyVersion -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeExactly "CmkNotConfigured,$UpdateType"
        $failed[0].TargetObject | Should -Be $DataBox
        @($results).Count | Should -Be 1
        $results.Status | Should -Be 'Updated'
    }

    It 'binds ResourceId by property name from piped objects' {
        $result = [pscustomobject]@{ ResourceId = $Batch } | Update-AzCmkKeyVersion -Confirm:$false
        $result.Status | Should -Be 'Updated'
        $again = [pscustomobject]@{ Id = $Batch } | Update-AzCmkKeyVersion -Confirm:$false
        $again.Status | Should -Be 'UpToDate'
    }
}
