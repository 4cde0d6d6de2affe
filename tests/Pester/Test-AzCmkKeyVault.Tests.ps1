#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Test-AzCmkKeyVault as a user runs it against the emulator's demo scenario: results per check, exactly the broken
# check failing, -Quiet, pipeline input by property name, and the exact errors for input that cannot be parsed.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
    $script:IsCore = $PSVersionTable.PSEdition -eq 'Core'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CmkModulePath) -Force
    $script:CommandType = 'CmkPowerShell.Cmdlets.TestAzCmkKeyVaultCommand'
    $script:Rg = '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-cmk-demo'
    $script:Kusto = "$Rg/providers/Microsoft.Kusto/clusters/kusto-demo"
    $script:DataBox = "$Rg/providers/Microsoft.DataBox/jobs/databox-demo"
    $script:Batch = "$Rg/providers/Microsoft.Batch/batchAccounts/batchdemo"
    $script:NetApp = "$Rg/providers/Microsoft.NetApp/netAppAccounts/anf-demo"

    function script:KeyUri([string] $Vault, [string] $Key = 'cmk') { "https://$Vault.vault.azure.net/keys/$Key" }
    function script:UaiId([string] $Name) { "$Rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/$Name" }
    function script:Failed($Results) { @($Results | Where-Object Status -eq 'Failed' | ForEach-Object Check | Sort-Object) }
    function script:Warned($Results) { @($Results | Where-Object Status -eq 'Warning' | ForEach-Object Check | Sort-Object) }
}

AfterAll {
    Remove-Module CmkPowerShell -ErrorAction SilentlyContinue
}

Describe 'Test-AzCmkKeyVault input that cannot be parsed' {
    # These fail before anything connects, so they need no emulator.

    It 'stops on a key URI that is not https, naming it' {
        $err = { Test-AzCmkKeyVault -KeyUri 'http://kv-good.vault.azure.net/keys/cmk' -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidKeyUri,$CommandType"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -BeExactly 'http://kv-good.vault.azure.net/keys/cmk'
        $err.ErrorDetails.RecommendedAction | Should -Match 'vault\.azure\.net/keys'
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.CmkException'
    }

    It 'stops on a key URI <Uri>' -ForEach @(
        @{ Uri = 'https://kv-good.vault.azure.net/secrets/cmk' }
        @{ Uri = 'https://kv-good.vault.azure.net/keys/cmk/not-a-version' }
        @{ Uri = 'kv-good/cmk' }
    ) {
        $err = { Test-AzCmkKeyVault -KeyUri $Uri } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidKeyUri,$CommandType"
        $err.TargetObject | Should -BeExactly $Uri
    }

    It 'is a terminating error that stops the statement' {
        $after = $false
        try { Test-AzCmkKeyVault -KeyUri 'not a uri'; $after = $true } catch { }
        $after | Should -BeFalse
    }

    It 'stops on a -ResourceId of a type the module does not manage' {
        $storage = "$Rg/providers/Microsoft.Web/sites/web-demo"
        $err = { Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -ResourceId $storage } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidResourceId,$CommandType"
        $err.TargetObject | Should -BeExactly $storage
    }

    It 'stops on a -ResourceId that is not a resource id' {
        $err = { Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -ResourceId 'kusto-demo' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidResourceId,$CommandType"
        $err.TargetObject | Should -BeExactly 'kusto-demo'
    }

    It 'stops on an invalid vault name and key name' {
        $err = { Test-AzCmkKeyVault -KeyVaultName 'no_underscores' -KeyName cmk } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidKeyVaultName,$CommandType"
        $err.TargetObject | Should -BeExactly 'no_underscores'

        $err = { Test-AzCmkKeyVault -KeyVaultName kv-good -KeyName 'bad/name' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidKeyName,$CommandType"
    }

    It 'names the parameter a bad <Parameter> came through' -ForEach @(
        @{ Parameter = 'KeyUri'; Id = 'InvalidKeyUri'; Call = { Test-AzCmkKeyVault -KeyUri 'https://kv-good.vault.azure.net/keys' } }
        @{ Parameter = 'KeyVersion'; Id = 'InvalidKeyUri'; Call = { Test-AzCmkKeyVault -KeyVaultName kv-good -KeyName cmk -KeyVersion 'v1' } }
        @{ Parameter = 'KeyVaultResourceId'; Id = 'InvalidResourceId'; Call = { Test-AzCmkKeyVault -KeyVaultResourceId "$Rg/providers/Microsoft.Kusto/clusters/kusto-demo" -KeyName cmk } }
        @{ Parameter = 'IdentityPrincipalId'; Id = 'InvalidResourceId'; Call = { Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -Service Batch -Location westeurope -IdentityPrincipalId 'not-a-guid' } }
        @{ Parameter = 'UserAssignedIdentityId'; Id = 'InvalidResourceId'; Call = { Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -Service Batch -Location westeurope -UserAssignedIdentityId "$Rg/providers/Microsoft.Kusto/clusters/kusto-demo" } }
    ) {
        $err = $Call | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "$Id,$CommandType"
        $err.Exception.ParameterName | Should -BeExactly $Parameter
        $err.Exception.Message | Should -BeLike "*-$Parameter*"
    }

    It 'refuses both -IdentityPrincipalId and -UserAssignedIdentityId' {
        $err = { Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -Service DataBox -Location westeurope `
                -IdentityPrincipalId '66666666-6666-6666-6666-000000000001' -UserAssignedIdentityId (UaiId uai-good) } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "TestParameterConflict,$CommandType"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'accepts only the supported services, and names them' {
        $err = { Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -Service AppService -Location westeurope } | Should -Throw -PassThru
        $err.Exception | Should -BeOfType 'System.Management.Automation.ParameterBindingException'
        # Every service the module supports is named (the list grows with each adapter, so it is not spelled out here).
        foreach ($service in [enum]::GetNames([CmkPowerShell.Core.Requirements.CmkService])) {
            $err.Exception.Message | Should -Match "\b$service\b"
        }
        $err.Exception.Message | Should -Match 'NetAppFiles, DataBox, DataExplorer, ManagedCassandra, Batch'
    }

    It 'declares both of its output types' {
        $types = (Get-Command Test-AzCmkKeyVault).OutputType.Name
        $types | Should -Contain 'CmkPowerShell.Core.Requirements.CmkRequirementResult'
        $types | Should -Contain 'System.Boolean'
    }
}

Describe 'Test-AzCmkKeyVault against the emulator' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        $script:Emulator = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'profile.json')
        $null = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath

        # The emulator's request log, through its admin endpoint on loopback. Certificate checks are skipped for
        # these test-only calls because Invoke-RestMethod cannot pin a thumbprint; the module itself pins it.
        function script:Clear-EmulatorLog {
            $null = Invoke-RestMethod -Method Delete -Uri "$($Emulator.Profile.endpoint)_emulator/requests" -SkipCertificateCheck
        }
        function script:Get-EmulatorLog {
            (Invoke-RestMethod -Uri "$($Emulator.Profile.endpoint)_emulator/requests" -SkipCertificateCheck).value
        }
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    Context 'one key, one target' {
        It 'passes every check for the good key and the Kusto cluster' {
            $results = Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -ResourceId $Kusto
            $results | Should -Not -BeNullOrEmpty
            $results | ForEach-Object { $_ | Should -BeOfType 'CmkPowerShell.Core.Requirements.CmkRequirementResult' }
            $results | Where-Object Status -ne 'Passed' | ForEach-Object { "$($_.Check) $($_.Status): $($_.Message)" } |
                Should -BeNullOrEmpty
            $results.Check | Should -Contain 'KeyVault.PurgeProtection'
            $results.Check | Should -Contain 'Identity.Access'
            @($results.Check | Select-Object -Unique).Count | Should -Be @($results).Count
            $results | ForEach-Object { $_.TestedFor | Should -BeExactly $Kusto }
        }

        It 'passes every check for the good key and the NetApp account, private endpoint included' {
            $results = Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -ResourceId $NetApp
            Failed $results | Should -BeNullOrEmpty
            Warned $results | Should -BeNullOrEmpty
            ($results | Where-Object Check -eq 'KeyVault.PrivateEndpoint').Status | Should -Be 'Passed'
        }

        It '<Vault>/<Key> fails exactly <Expected>' -ForEach @(
            @{ Vault = 'kv-nopurge'; Key = 'cmk'; Expected = @('KeyVault.PurgeProtection') }
            @{ Vault = 'kv-nosoftdelete'; Key = 'cmk'; Expected = @('KeyVault.PurgeProtection', 'KeyVault.SoftDelete') }
            @{ Vault = 'kv-eastus'; Key = 'cmk'; Expected = @('KeyVault.Region') }
            @{ Vault = 'kv-good'; Key = 'ec-key'; Expected = @('Key.Type') }
            @{ Vault = 'kv-good'; Key = 'rsa-1024'; Expected = @('Key.Size') }
            @{ Vault = 'kv-good'; Key = 'disabled-key'; Expected = @('Key.Enabled') }
            @{ Vault = 'kv-good'; Key = 'expired-key'; Expected = @('Key.NotExpired') }
            @{ Vault = 'kv-good'; Key = 'future-key'; Expected = @('Key.Active') }
            @{ Vault = 'kv-good'; Key = 'noops-key'; Expected = @('Key.Operations') }
            @{ Vault = 'kv-good'; Key = 'no-such-key'; Expected = @('Key.Exists') }
            @{ Vault = 'kv-nowhere'; Key = 'cmk'; Expected = @('KeyVault.Exists') }
        ) {
            $results = Test-AzCmkKeyVault -KeyUri (KeyUri $Vault $Key) -ResourceId $Kusto
            Failed $results | Should -Be $Expected
            Warned $results | Should -BeNullOrEmpty
            $results | Where-Object Status -eq 'Failed' | ForEach-Object { $_.RecommendedAction | Should -Not -BeNullOrEmpty }
        }

        It 'warns, without failing, about a firewall that shuts out trusted services' {
            $results = Test-AzCmkKeyVault -KeyUri (KeyUri kv-firewall) -ResourceId $Kusto
            Failed $results | Should -BeNullOrEmpty
            Warned $results | Should -Be @('KeyVault.Firewall')
        }

        It 'fails Identity.Access for an identity with <Identity> on <Vault>' -ForEach @(
            @{ Vault = 'kv-good'; Identity = 'uai-noaccess' }
            @{ Vault = 'kv-rbac'; Identity = 'uai-contributor' }
        ) {
            $results = Test-AzCmkKeyVault -KeyUri (KeyUri $Vault) -Service DataBox -Location westeurope -UserAssignedIdentityId (UaiId $Identity)
            Failed $results | Should -Be @('Identity.Access')
            $results[0].TestedFor | Should -BeLike "DataBox in westeurope, identity *$Identity"
        }

        It 'fails Identity.Type for a user-assigned identity on Managed Cassandra' {
            $results = Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -Service ManagedCassandra -Location westeurope -UserAssignedIdentityId (UaiId uai-good)
            Failed $results | Should -Be @('Identity.Type')
        }

        It 'tests an explicit principal id against the access policies' {
            $results = Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -Service DataExplorer -Location westeurope `
                -IdentityPrincipalId '66666666-6666-6666-6666-000000000001'
            Failed $results | Should -BeNullOrEmpty
            ($results | Where-Object Check -eq 'Identity.Access').Status | Should -Be 'Passed'
        }

        It 'skips the target checks, with the reason, when only the key is given' {
            $results = Test-AzCmkKeyVault -KeyVaultName kv-good -KeyName cmk
            Failed $results | Should -BeNullOrEmpty
            $skipped = $results | Where-Object Status -eq 'Skipped'
            $skipped.Check | Should -Contain 'Identity.Access'
            $skipped.Check | Should -Contain 'KeyVault.Region'
            $skipped | ForEach-Object { $_.Message | Should -Not -BeNullOrEmpty }
            $results | ForEach-Object { $_.TestedFor | Should -BeNullOrEmpty }
        }

        It 'finds the key by vault resource id and tests the version given' {
            $results = Test-AzCmkKeyVault -KeyVaultResourceId "$Rg/providers/Microsoft.KeyVault/vaults/kv-good" -KeyName cmk `
                -KeyVersion 0a1b2c3d4e5f40718293a4b5c6d7e8f1 -ResourceId $Kusto
            Failed $results | Should -BeNullOrEmpty
            ($results | Where-Object Check -eq 'Key.Exists').Message | Should -Match '0a1b2c3d4e5f40718293a4b5c6d7e8f1'
        }

        It 'fails Key.Exists for a version the key does not have' {
            $results = Test-AzCmkKeyVault -KeyVaultName kv-good -KeyName cmk -KeyVersion ffffffffffffffffffffffffffffffff -ResourceId $Kusto
            Failed $results | Should -Be @('Key.Exists')
        }

        It 'reads a versioned key URI' {
            $results = Test-AzCmkKeyVault -KeyUri "$(KeyUri kv-good)/1a2b3c4d5e6f40718293a4b5c6d7e8f2" -ResourceId $Kusto
            Failed $results | Should -BeNullOrEmpty
            ($results | Where-Object Check -eq 'KeyUri.Format').Message | Should -Match 'versioned'
        }
    }

    Context '-Quiet' {
        It 'gives $true for the good key' {
            $answer = Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -ResourceId $Kusto -Quiet
            $answer | Should -BeOfType [bool]
            $answer | Should -BeTrue
        }

        It 'gives $false for a vault without purge protection' {
            $answer = Test-AzCmkKeyVault -KeyUri (KeyUri kv-nopurge) -ResourceId $Kusto -Quiet
            $answer | Should -BeOfType [bool]
            $answer | Should -BeFalse
        }

        It 'gives $true when checks only warn' {
            Test-AzCmkKeyVault -KeyUri (KeyUri kv-firewall) -ResourceId $Kusto -Quiet | Should -BeTrue
        }

        It 'gives one answer per piped object, in order' {
            # kv-eastus is in another region: Data Explorer requires the same region, Data Box does not.
            $answers = @(
                [pscustomobject]@{ ResourceId = $Kusto }
                [pscustomobject]@{ Id = $DataBox }
            ) | Test-AzCmkKeyVault -KeyUri (KeyUri kv-eastus) -Quiet
            $answers.Count | Should -Be 2
            $answers[0] | Should -BeFalse
            $answers[1] | Should -BeTrue
        }
    }

    Context 'pipeline input' {
        It 'binds ResourceId and Id by property name and tests each object' {
            $results = @(
                [pscustomobject]@{ ResourceId = $Kusto; Name = 'kusto-demo' }
                [pscustomobject]@{ Id = $DataBox; Name = 'databox-demo' }
                [pscustomobject]@{ Id = $Batch; Name = 'batchdemo' }
            ) | Test-AzCmkKeyVault -KeyUri (KeyUri kv-eastus)
            @($results.TestedFor | Select-Object -Unique) | Should -Be @($Kusto, $DataBox, $Batch)
            Failed ($results | Where-Object TestedFor -eq $Kusto) | Should -Be @('KeyVault.Region')
            Failed ($results | Where-Object TestedFor -eq $DataBox) | Should -BeNullOrEmpty
            Failed ($results | Where-Object TestedFor -eq $Batch) | Should -BeNullOrEmpty
        }

        It 'takes -ResourceId as an array' {
            $answers = Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -ResourceId $Kusto, $Batch -Quiet
            $answers | Should -Be @($true, $true)
        }

        It 'reports a piped object it cannot test as a non-terminating error and tests the others' {
            $storage = "$Rg/providers/Microsoft.Web/sites/web-demo"
            $answers = @(
                [pscustomobject]@{ Id = $storage }
                [pscustomobject]@{ Id = $Kusto }
            ) | Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -Quiet -ErrorVariable errors -ErrorAction SilentlyContinue
            $answers | Should -Be @($false, $true)
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeExactly "InvalidResourceId,$CommandType"
            $errors[0].TargetObject | Should -BeExactly $storage
        }

        It 'reads the vault and the key once for many piped resources, and writes nothing' -Skip:(-not $IsCore) {
            Clear-EmulatorLog
            $results = @($Kusto, $DataBox, $Batch, $NetApp) | ForEach-Object { [pscustomobject]@{ Id = $_ } } |
                Test-AzCmkKeyVault -KeyUri (KeyUri kv-good)
            Failed $results | Should -BeNullOrEmpty
            $log = @(Get-EmulatorLog)
            @($log | Where-Object path -like '*/vaults/kv-good').Count | Should -Be 1
            @($log | Where-Object path -like '*/vaults/kv-good/keys/cmk').Count | Should -Be 1
            @($log | Where-Object path -like '*/clusters/kusto-demo').Count | Should -Be 1
            $log | Where-Object method -ne 'GET' | Should -BeNullOrEmpty
        }
    }

    Context 'console view' {
        BeforeAll {
            if ($IsCore) { $PSStyle.OutputRendering = 'PlainText' } # no ANSI codes in the text compared
        }

        It 'shows Check, Status and Message, grouped by what was tested' {
            $text = @(
                [pscustomobject]@{ Id = $Kusto }
                [pscustomobject]@{ Id = $Batch }
            ) | Test-AzCmkKeyVault -KeyUri (KeyUri kv-nopurge) | Out-String -Width 200
            $text | Should -Match 'Check\s+Status\s+Message'
            $text | Should -Match 'KeyVault\.PurgeProtection\s+Failed\s+Key vault .kv-nopurge. does not have purge protection'
            ([regex]::Matches($text, 'Tested for: ')).Count | Should -Be 2
            $text | Should -Match ([regex]::Escape("Tested for: $Kusto"))
            $text | Should -Match ([regex]::Escape("Tested for: $Batch"))
        }

        It 'says when only the key was tested' {
            $text = Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) | Out-String -Width 200
            $text | Should -Match 'Tested for: the key and its vault \(no target resource\)'
        }
    }
}

Describe 'What Test-AzCmkKeyVault promises' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        $script:Emulator = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'promise-profile.json')
        $null = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
        function script:Invoke-Emulator([string] $Method, [string] $Path, [string] $ApiVersion, $Body) {
            $request = @{
                Method = $Method; Uri = $Emulator.Profile.endpoint.TrimEnd('/') + $Path + "?api-version=$ApiVersion"
                SkipCertificateCheck = $true; ContentType = 'application/json'
                Headers = @{ Authorization = "Bearer $($Emulator.Profile.token)" }
            }
            if ($null -ne $Body) { $request.Body = $Body | ConvertTo-Json -Depth 10 }
            Invoke-RestMethod @request
        }
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    It 'answers -Quiet $false for a Data Explorer cluster without any managed identity, so the guard does not pass it' -Skip:(-not $IsCore) {
        $null = Invoke-Emulator PATCH $Kusto '2023-08-15' @{ identity = @{ type = 'None' } }
        # The PATCH is a long-running operation: wait until the cluster reads back without an identity.
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ((Invoke-Emulator GET $Kusto '2023-08-15').identity.type -ne 'None' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $guarded = $false
        if (Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -ResourceId $Kusto -Quiet) { $guarded = $true }
        $guarded | Should -BeFalse
        $present = Test-AzCmkKeyVault -KeyUri (KeyUri kv-good) -ResourceId $Kusto | Where-Object Check -eq 'Identity.Present'
        $present.Status | Should -Be 'Failed'
        $present.Message | Should -Match 'Set-AzCmkEncryption -GrantAccess'
    }

    It 'shows a key URI whose host is no key vault as a failed KeyUri.CloudHost result, not a terminating error' {
        $results = Test-AzCmkKeyVault -KeyUri 'https://kv-good.example.com/keys/cmk' -ResourceId $Batch -ErrorAction Stop
        Failed $results | Should -Be @('KeyUri.CloudHost')
        ($results | Where-Object Check -eq 'KeyUri.CloudHost').Message | Should -Match 'not a key vault or Managed HSM host'
        ($results | Where-Object Check -eq 'KeyVault.Exists').Status | Should -Be 'Skipped'
        Test-AzCmkKeyVault -KeyUri 'https://kv-good.example.com/keys/cmk' -Quiet | Should -BeFalse
    }

    It 'refuses a key URI that System.Uri would rewrite, naming the character and its position' -ForEach @(
        @{ Uri = 'https://kv-good.vault.azure.net/secrets/../keys/cmk'; Says = "dot segment '..' at position 41" }
        @{ Uri = 'https://kv-good.vault.azure.net/k%65ys/cmk'; Says = 'percent-escape at position 34' }
        @{ Uri = "https://kv-$([char]0x202E)good.vault.azure.net/keys/cmk"; Says = 'U+202E (RIGHT-TO-LEFT OVERRIDE) at position 12' }
        @{ Uri = 'https://kv-good.vault.azure.net/keys/cmk/'; Says = "ends with '/'" }
    ) {
        $err = { Test-AzCmkKeyVault -KeyUri $Uri -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "InvalidKeyUri,$CommandType"
        $err.Exception.ParameterName | Should -BeExactly 'KeyUri'
        $err.Exception.Message | Should -Match ([regex]::Escape($Says))
    }
}
