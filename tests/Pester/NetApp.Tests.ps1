#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The NetApp Files lifecycle cmdlets as a user runs them against the emulator's demo account anf-demo:
# Invoke-AzNetAppRenewCredential and Convert-AzNetAppVolumeEncryption, with their exact FullyQualifiedErrorIds.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CmkModulePath) -Force
    $script:RenewType = 'CmkPowerShell.Cmdlets.InvokeAzNetAppRenewCredentialCommand'
    $script:ConvertType = 'CmkPowerShell.Cmdlets.ConvertAzNetAppVolumeEncryptionCommand'

    # The emulator's own view, for "nothing was written" and for reading a volume.
    function Invoke-Emulator([string] $Method, [string] $Path, $Body) {
        $params = @{ Method = $Method; Uri = ($Emulator.Profile.endpoint.TrimEnd('/') + $Path); SkipCertificateCheck = $true
                     Headers = @{ Authorization = "Bearer $($Emulator.Profile.token)" }; ContentType = 'application/json' }
        if ($null -ne $Body) { $params.Body = $Body | ConvertTo-Json -Depth 10 }
        Invoke-RestMethod @params
    }
    function Get-Writes([string] $Under) {
        @((Invoke-Emulator GET '/_emulator/requests').value |
            Where-Object { $_.method -ne 'GET' -and $_.path -like "$Under*" })
    }
    function Clear-Requests { $null = Invoke-Emulator DELETE '/_emulator/requests' }
}

Describe 'NetApp Files lifecycle against the emulator' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        $script:Emulator = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'profile.json') -ExtraArguments @('--lro-delay', '50')
        $null = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
        $rg = "/subscriptions/$($Emulator.Profile.subscriptionId)/resourceGroups/rg-cmk-demo"
        $script:Account = "$rg/providers/Microsoft.NetApp/netAppAccounts/anf-demo"
        $script:KvGood = "$rg/providers/Microsoft.KeyVault/vaults/kv-good"
        $script:Vnet = "$rg/providers/Microsoft.Network/virtualNetworks/vnet-demo"
        $script:PeKvGood = "$rg/providers/Microsoft.Network/privateEndpoints/pe-kv-good"
    }

    AfterAll {
        Disconnect-AzCmk -Confirm:$false
        $Emulator | Stop-CmkEmulator
    }

    Context 'Invoke-AzNetAppRenewCredential' {
        It 'sends nothing under -WhatIf' {
            Clear-Requests
            Invoke-AzNetAppRenewCredential -ResourceId $Account -WhatIf
            Get-Writes $Account | Should -BeNullOrEmpty
        }

        It 'renews an eligible account (its certificate is 50 days old) and outputs the new dates with -PassThru' {
            Clear-Requests
            $status = Invoke-AzNetAppRenewCredential -ResourceGroupName rg-cmk-demo -AccountName anf-demo -Confirm:$false -PassThru
            $status | Should -BeOfType ([CmkPowerShell.Core.Services.NetAppCredentialStatus])
            $status.Name | Should -Be 'anf-demo'
            $status.ExpiresOn.UtcDateTime | Should -BeGreaterThan ([DateTime]::UtcNow.AddDays(89))
            $status.NextRenewalOn.UtcDateTime | Should -BeLessThan ([DateTime]::UtcNow.AddDays(47))
            (Get-Writes "$Account/renewCredentials").Count | Should -Be 1
            ($status | Format-Table | Out-String -Width 200) | Should -Match 'anf-demo\s+SystemAssigned'
        }

        It 'then says it is not eligible, with the date it will be' {
            $err = { Invoke-AzNetAppRenewCredential -ResourceId $Account -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "NetAppCredentialRenewalNotEligible,$RenewType"
            $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
            $err.TargetObject | Should -Be $Account
            $err.Exception | Should -BeOfType ([CmkPowerShell.Core.Services.NetAppRenewalNotEligibleException])
            $eligible = $err.Exception.EligibleOn.UtcDateTime
            $eligible | Should -BeGreaterThan ([DateTime]::UtcNow.AddDays(45))
            $err.ErrorDetails.RecommendedAction | Should -BeLike "*$($eligible.ToString('yyyy-MM-dd HH:mm'))*"
        }

        It 'binds accounts from the pipeline by Id and goes on after one that fails' {
            $items = @(
                [pscustomobject]@{ Id = $Account -replace 'anf-demo$', 'anf-missing' }
                [pscustomobject]@{ Id = $Account }
            )
            $errors = $null
            $items | Invoke-AzNetAppRenewCredential -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors.Count | Should -Be 2
            $errors[0].FullyQualifiedErrorId | Should -BeExactly "ResourceNotFound,$RenewType"
            $errors[1].FullyQualifiedErrorId | Should -BeExactly "NetAppCredentialRenewalNotEligible,$RenewType"
        }

        It 'refuses an id of another resource type' {
            $kusto = $Account -replace 'Microsoft.NetApp/netAppAccounts/anf-demo', 'Microsoft.Kusto/clusters/kusto-demo'
            $err = { Invoke-AzNetAppRenewCredential -ResourceId $kusto -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "InvalidResourceId,$RenewType"
        }
    }

    Context 'Convert-AzNetAppVolumeEncryption' {
        It 'refuses an account without a customer-managed key, writing nothing' {
            Clear-Requests
            $err = { Convert-AzNetAppVolumeEncryption -ResourceId $Account -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "NetAppAccountNotConfiguredForCmk,$ConvertType"
            $err.Exception | Should -BeOfType ([CmkPowerShell.Core.Errors.CmkUnsupportedOperationException])
            Get-Writes $Account | Should -BeNullOrEmpty
        }

        It 'puts the account under kv-good/cmk with Set-AzCmkEncryption, and Get-AzCmkEncryption shows the private endpoint in use' {
            $set = Set-AzCmkEncryption -ResourceId $Account -KeyUri 'https://kv-good.vault.azure.net/keys/cmk' -Confirm:$false -PassThru
            $set.CustomerManaged | Should -BeTrue
            $set.KeyVersion | Should -Be 'versionless'
            $status = Get-AzCmkEncryption -ResourceId $Account -WarningVariable warnings
            $status.Details['keyVaultPrivateEndpoints'] | Should -Be "$Vnet -> $PeKvGood"
            $status.Details['principalMismatch'] | Should -Be 'False'
            $warnings | Should -BeNullOrEmpty
        }

        It 'refuses to move the account to another vault through Set-AzCmkEncryption' {
            Clear-Requests
            $err = { Set-AzCmkEncryption -ResourceId $Account -KeyUri 'https://kv-rbac.vault.azure.net/keys/cmk' -Confirm:$false -ErrorAction Stop } |
                Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly 'NetAppKeyVaultChangeNeedsChangeKeyVault,CmkPowerShell.Cmdlets.SetAzCmkEncryptionCommand'
            Get-Writes $Account | Should -BeNullOrEmpty
        }

        It 'needs -VirtualNetworkId with -PrivateEndpointId' {
            $err = { Convert-AzNetAppVolumeEncryption -ResourceId $Account -PrivateEndpointId $PeKvGood -Confirm:$false -ErrorAction Stop } |
                Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "ParameterNotSupportedByService,$ConvertType"
        }

        It 'refuses a private endpoint that does not reach the vault from the network' {
            Clear-Requests
            $other = $PeKvGood -replace 'pe-kv-good$', 'pe-nowhere'
            $err = { Convert-AzNetAppVolumeEncryption -ResourceId $Account -VirtualNetworkId $Vnet -PrivateEndpointId $other -Confirm:$false -ErrorAction Stop } |
                Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultPrivateEndpointMissing,$ConvertType"
            Get-Writes $Account | Should -BeNullOrEmpty
        }

        It 'changes nothing under -WhatIf' {
            Clear-Requests
            Convert-AzNetAppVolumeEncryption -ResourceGroupName rg-cmk-demo -AccountName anf-demo -WhatIf
            Get-Writes $Account | Should -BeNullOrEmpty
        }

        It 'moves vol1 to the account key through pe-kv-good, found in vnet-demo' {
            Clear-Requests
            $result = Convert-AzNetAppVolumeEncryption -ResourceId $Account -Confirm:$false -PassThru
            $result | Should -BeOfType ([CmkPowerShell.Core.Services.NetAppEncryptionTransition])
            $result.Volumes | Should -Be @('vol1')
            $result.PrivateEndpointId | Should -Be $PeKvGood
            $post = Get-Writes "$Account/transitiontocmk"
            $post.Count | Should -Be 1
            ($post[0].requestBody | ConvertFrom-Json).virtualNetworkId | Should -Be $Vnet
            (Invoke-Emulator GET "$Account/capacityPools/pool1/volumes/vol1?api-version=2026-01-01").properties.encryptionKeySource | Should -Be 'Microsoft.KeyVault'
            ($result | Format-Table | Out-String -Width 200) | Should -Match 'vnet-demo\s+pe-kv-good\s+vol1'
        }

        It 'then refuses Disable-AzCmkEncryption: a CMK volume cannot change its key source' {
            Clear-Requests
            $err = { Disable-AzCmkEncryption -ResourceId $Account -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeExactly 'NetAppEncryptionKeySourceCannotBeChanged,CmkPowerShell.Cmdlets.DisableAzCmkEncryptionCommand'
            $err.Exception | Should -BeOfType ([CmkPowerShell.Core.Errors.CmkUnsupportedOperationException])
            Get-Writes $Account | Should -BeNullOrEmpty
        }

        It 'has nothing left to move on a second run' {
            Clear-Requests
            Convert-AzNetAppVolumeEncryption -ResourceId $Account -Confirm:$false -PassThru | Should -BeNullOrEmpty
            Get-Writes $Account | Should -BeNullOrEmpty
        }
    }
}
