#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# One error of each family as a script meets it: the exact FullyQualifiedErrorId "<ErrorId>,<cmdlet type>", the
# catalogue's fix in ErrorDetails.RecommendedAction, the mapped category and the family's exception type. Each case
# uses the simplest cmdlet that can produce it; cases for cmdlets that have not landed yet are skipped until they do.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CmkModulePath) -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
    $script:HasSet = [bool](Get-Command Set-AzCmkEncryption -ErrorAction SilentlyContinue)
    $script:HasTest = [bool](Get-Command Test-AzCmkKeyVault -ErrorAction SilentlyContinue)
    $script:HasGet = [bool](Get-Command Get-AzCmkEncryption -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'EmulatorFaults.psm1') -Force
    Import-Module (Get-CmkModulePath) -Force

    function Assert-CmkErrorRecord {
        param(
            [Parameter(Mandatory)] [System.Management.Automation.ErrorRecord] $ErrorRecord,
            [Parameter(Mandatory)] [string] $ErrorId,
            [Parameter(Mandatory)] [string] $ExceptionType,
            [Parameter(Mandatory)] [string] $Command
        )
        $commandType = (Get-Command $Command).ImplementingType.FullName
        $entry = [CmkPowerShell.Core.Errors.CmkErrorCatalogue]::Get($ErrorId)
        $ErrorRecord.FullyQualifiedErrorId | Should -BeExactly "$ErrorId,$commandType"
        $ErrorRecord.ErrorDetails.RecommendedAction | Should -BeExactly $entry.RecommendedAction
        $ErrorRecord.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $ErrorRecord.CategoryInfo.Category.ToString() | Should -BeExactly $entry.Category.ToString()
        $ErrorRecord.Exception.GetType().FullName | Should -BeExactly "CmkPowerShell.Core.Errors.$ExceptionType"
        $ErrorRecord.Exception | Should -BeOfType ([CmkPowerShell.Core.Errors.CmkException])
    }
}

AfterAll {
    Disconnect-AzCmk -ErrorAction SilentlyContinue
}

Describe 'Input errors' {
    It 'names the parameter of an endpoint that is not https (Connect-AzCmk)' {
        $token = ConvertTo-SecureString 'not-used' -AsPlainText -Force
        $err = { Connect-AzCmk -ResourceManagerEndpoint 'http://127.0.0.1:1/' -AccessToken $token -ErrorAction Stop } | Should -Throw -PassThru
        Assert-CmkErrorRecord $err -ErrorId InsecureResourceManagerEndpoint -ExceptionType CmkInputException -Command Connect-AzCmk
        $err.Exception.ParameterName | Should -BeExactly 'ResourceManagerEndpoint'
        $err.TargetObject | Should -BeExactly 'http://127.0.0.1:1/'
    }

    It 'refuses a key URI that is not a Key Vault key identifier (Test-AzCmkKeyVault)' -Skip:(-not $HasTest) {
        $err = { Test-AzCmkKeyVault -KeyUri 'https://example.com/not-a-key' -ErrorAction Stop } | Should -Throw -PassThru
        Assert-CmkErrorRecord $err -ErrorId InvalidKeyUri -ExceptionType CmkInputException -Command Test-AzCmkKeyVault
        $err.Exception.ParameterName | Should -BeExactly 'KeyUri'
    }
}

Describe 'Errors against the emulator' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        $script:Emulator = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'errors-profile.json')
        $script:Endpoint = $Emulator.Profile.endpoint
        $script:Pin = $Emulator.Profile.certificateThumbprint
        $script:Rg = "/subscriptions/$($Emulator.Profile.subscriptionId)/resourceGroups/rg-cmk-demo"
        $script:Kusto = "$Rg/providers/Microsoft.Kusto/clusters/kusto-demo"
        # The listing Connect-AzCmk makes to pick the subscription: the one request every connection sends.
        $script:SubscriptionList = '^/subscriptions/?$'

        function script:Connect-Emulator {
            param([string] $Token = $Emulator.Profile.token, [string] $Thumbprint = $Pin)
            Connect-AzCmk -ResourceManagerEndpoint $Endpoint -TrustedCertificateThumbprint $Thumbprint `
                -AccessToken (ConvertTo-SecureString $Token -AsPlainText -Force) -ErrorAction Stop
        }
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }
    AfterEach {
        Clear-CmkEmulatorFault -Emulator $Emulator
    }

    Context 'Access' {
        It 'reports ARM AuthorizationFailed on the subscription listing (Connect-AzCmk)' {
            Add-CmkEmulatorFault -Emulator $Emulator -Method GET -PathPattern $SubscriptionList -Status 403 -ErrorCode AuthorizationFailed `
                -ErrorMessage "The client does not have authorization to perform action 'Microsoft.Resources/subscriptions/read'."
            $err = { Connect-Emulator } | Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId AuthorizationFailed -ExceptionType CmkAccessException -Command Connect-AzCmk
            $err.Exception.ServiceCode | Should -BeExactly 'AuthorizationFailed'
            @(Get-CmkEmulatorFault -Emulator $Emulator).Count | Should -Be 0
        }

        It 'reports the emulator''s own 401 for a token whose signature it rejects (Connect-AzCmk)' {
            $parts = $Emulator.Profile.token.Split('.')
            $err = { Connect-Emulator -Token ($parts[0] + '.' + $parts[1] + '.c2lnbmF0dXJl') } | Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId AuthenticationTokenInvalid -ExceptionType CmkAccessException -Command Connect-AzCmk
            $err.Exception.ServiceCode | Should -BeExactly 'InvalidAuthenticationToken'
        }
    }

    Context 'Network' {
        It 'refuses a server certificate that is not the pinned one (Connect-AzCmk)' {
            $err = { Connect-Emulator -Thumbprint ('A' * 40) } | Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId ServerCertificateNotTrusted -ExceptionType CmkNetworkException -Command Connect-AzCmk
        }
    }

    Context 'Unsupported operation' {
        It 'reports an api-version the endpoint does not offer (Connect-AzCmk)' {
            Add-CmkEmulatorFault -Emulator $Emulator -Method GET -PathPattern $SubscriptionList -Status 400 -ErrorCode InvalidApiVersionParameter `
                -ErrorMessage "The api-version '2022-12-01' is invalid."
            $err = { Connect-Emulator } | Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId InvalidApiVersionParameter -ExceptionType CmkUnsupportedOperationException -Command Connect-AzCmk
        }
    }

    Context 'Throttled' {
        It 'reports 429 after the bounded retries, typed so a script can back off (Connect-AzCmk)' {
            # 1 try + 4 retries, all throttled.
            Add-CmkEmulatorFault -Emulator $Emulator -Method GET -PathPattern $SubscriptionList -Count 5 -Status 429 -ErrorCode SubscriptionRequestsThrottled `
                -ErrorMessage "Number of 'read' requests for subscription exceeded."
            $err = { Connect-Emulator } | Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId RequestThrottled -ExceptionType CmkThrottledException -Command Connect-AzCmk
            $err.Exception.ServiceCode | Should -BeExactly 'SubscriptionRequestsThrottled'
        }
    }

    Context 'Service error' {
        It 'keeps the code and message of an error the catalogue does not know (Connect-AzCmk)' {
            Add-CmkEmulatorFault -Emulator $Emulator -Method GET -PathPattern $SubscriptionList -Status 400 -ErrorCode SomethingNobodyDocumented `
                -ErrorMessage 'A code the catalogue does not know.'
            $err = { Connect-Emulator } | Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId ServiceError -ExceptionType CmkServiceException -Command Connect-AzCmk
            $err.CategoryInfo.Category | Should -Be 'NotSpecified'
            $err.Exception.ServiceCode | Should -BeExactly 'SomethingNobodyDocumented'
            $err.Exception.ServiceMessage | Should -BeExactly 'A code the catalogue does not know.'
        }
    }

    Context 'Key vault configuration and key state (cmdlets that set a key)' {
        BeforeAll {
            if ($HasSet) { $null = Connect-Emulator }
        }

        It 'refuses a vault without purge protection before writing (Set-AzCmkEncryption)' -Skip:(-not $HasSet) {
            $err = { Set-AzCmkEncryption -ResourceId $Kusto -KeyUri 'https://kv-nopurge.vault.azure.net/keys/cmk' -Confirm:$false -ErrorAction Stop } |
                Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId KeyVaultNotPurgeProtected -ExceptionType KeyVaultConfigurationException -Command Set-AzCmkEncryption
            $err.TargetObject | Should -Not -BeNullOrEmpty
        }

        It 'refuses a disabled key (Set-AzCmkEncryption)' -Skip:(-not $HasSet) {
            $err = { Set-AzCmkEncryption -ResourceId $Kusto -KeyUri 'https://kv-good.vault.azure.net/keys/disabled-key' -Confirm:$false -ErrorAction Stop } |
                Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId KeyDisabled -ExceptionType KeyStateException -Command Set-AzCmkEncryption
        }

        It 'reads a failed operation''s service code the same as the check that predicts it (Set-AzCmkEncryption)' -Skip:(-not $HasSet) {
            # The key passes every check; the service then fails the operation with Data Explorer's own code.
            Add-CmkEmulatorFault -Emulator $Emulator -Method PATCH -PathPattern '/clusters/kusto-demo$' -FailLongRunningOperation `
                -Status 400 -ErrorCode KeyVaultNotPurgeProtected -ErrorMessage "KeyVault 'https://kv-good.vault.azure.net/' is not Purge Protected"
            $err = { Set-AzCmkEncryption -ResourceId $Kusto -KeyUri 'https://kv-good.vault.azure.net/keys/cmk' -Confirm:$false -ErrorAction Stop } |
                Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId KeyVaultNotPurgeProtected -ExceptionType KeyVaultConfigurationException -Command Set-AzCmkEncryption
            $err.Exception.ServiceCode | Should -BeExactly 'KeyVaultNotPurgeProtected'
        }

        It 'reports a resource that does not exist (Get-AzCmkEncryption)' -Skip:(-not $HasGet) {
            $err = { Get-AzCmkEncryption -ResourceId "$Rg/providers/Microsoft.Kusto/clusters/kusto-missing" -ErrorAction Stop } | Should -Throw -PassThru
            Assert-CmkErrorRecord $err -ErrorId ResourceNotFound -ExceptionType CmkServiceException -Command Get-AzCmkEncryption
        }
    }
}
