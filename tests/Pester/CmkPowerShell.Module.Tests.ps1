#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The module as a user meets it: import, discover, read help, connect, and the exact shape of its errors.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
    $script:IsCore = $PSVersionTable.PSEdition -eq 'Core'
    # Every exported cmdlet gets the per-cmdlet tests: the list is the built module's manifest, not a copy of it here.
    $script:ExportedCmdlets = @((Import-PowerShellDataFile (Join-Path (Get-CmkModulePath) 'CmkPowerShell.psd1')).CmdletsToExport)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-CmkModulePath
    Import-Module $ModulePath -Force
    $script:Manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'CmkPowerShell.psd1')
    $script:ConnectType = 'CmkPowerShell.Cmdlets.ConnectAzCmkCommand'
}

AfterAll {
    Remove-Module CmkPowerShell -ErrorAction SilentlyContinue
}

Describe 'The module' {
    It 'exports exactly the cmdlets of its manifest' {
        $exported = (Get-Module CmkPowerShell).ExportedCmdlets.Keys | Sort-Object
        $exported | Should -Be ($Manifest.CmdletsToExport | Sort-Object)
        # An empty manifest list would make every per-cmdlet test below vanish instead of fail.
        $exported.Count | Should -BeGreaterThan 1
    }

    It 'has a help page in docs/help for every exported cmdlet and none for a cmdlet it does not export' {
        $pages = Get-ChildItem (Join-Path (Get-CmkRepoRoot) 'docs/help') -Filter '*-*.md' | ForEach-Object BaseName | Sort-Object
        $pages | Should -Be ($Manifest.CmdletsToExport | Sort-Object)
    }

    It 'makes its engine types usable in scripts (catch [type], -is)' {
        # Type literals resolve only for assemblies in the default load context, so the engine lives there.
        $core = [CmkPowerShell.Core.Errors.CmkException].Assembly
        $core.Location | Should -BeLike (Join-Path $ModulePath 'dependencies*')
        if ($IsCore) {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($core).Name | Should -Be 'Default'
        }
    }

    It 'never loads a second copy of itself on re-import' {
        Import-Module $ModulePath -Force
        @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'CmkPowerShell.Core' }).Count | Should -Be 1
    }

    It 'imports again with -Force' {
        { Import-Module $ModulePath -Force -ErrorAction Stop } | Should -Not -Throw
        Get-Command Connect-AzCmk -Module CmkPowerShell | Should -Not -BeNullOrEmpty
    }
}

Describe '<_>' -ForEach $ExportedCmdlets {
    It 'is a binary cmdlet of the module' {
        $command = Get-Command $_ -Module CmkPowerShell -ErrorAction Stop
        $command.CommandType | Should -Be 'Cmdlet'
        $command.ImplementingType.Assembly.GetName().Name | Should -Be 'CmkPowerShell'
    }

    It 'follows the Verb-AzNoun naming with an approved verb' {
        $verb, $noun = $_ -split '-', 2
        (Get-Verb).Verb | Should -Contain $verb
        $noun | Should -BeLike 'Az*'
    }
}

Describe 'Help that ships with the module' {
    # Every build copies the committed help (src/CmkPowerShell/en-US, generated from docs/help) into the module:
    # a module built from source has its help without platyPS.
    It 'has the MAML help beside the module' {
        Join-Path $ModulePath 'en-US/CmkPowerShell.dll-Help.xml' | Should -Exist
    }

    It 'has the about topic <_>' -ForEach 'about_CmkPowerShell', 'about_CmkPowerShell_Errors' {
        $topic = Get-Help $_
        $topic | Should -BeOfType [string]   # an about topic is text; a missing one is a search result object
        $topic | Should -Match 'SHORT DESCRIPTION'
    }

    # platyPS 0.14 drops '*' and '_' it takes for emphasis; docs/help is written so that it takes none.
    It 'shows <Text> in <Topic> as written' -ForEach @(
        @{ Topic = 'about_CmkPowerShell'; Text = 'VaultName_KeyName_KeyVersion' }
        @{ Topic = 'about_CmkPowerShell_Errors'; Text = '*.vault.azure.net in the public cloud, *.vault.usgovcloudapi.net' }
        @{ Topic = 'about_CmkPowerShell_Errors'; Text = '`^\s*Could not fetch the passkey\.?\s*$`' }
    ) {
        $shown = (Get-Help $Topic) -replace '\s+', ' '
        $shown | Should -BeLike ('*' + [WildcardPattern]::Escape(($Text -replace '\s+', ' ')) + '*')
    }
}

Describe 'Help of <_>' -ForEach $ExportedCmdlets {
    BeforeAll {
        $script:Name = $_
        $script:Help = Get-Help $Name -Full
    }

    It 'has a synopsis and a description' {
        $Help.Synopsis | Should -Not -BeLike "$Name *"   # the auto-generated syntax means there is no help
        $Help.description.Text | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = @($Help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty -Because $example.title
            ($example.remarks.Text -join '') | Should -Not -BeNullOrEmpty -Because $example.title
        }
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $parameters = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $common }
        foreach ($parameter in $parameters) {
            $entry = $Help.parameters.parameter | Where-Object name -eq $parameter
            $entry | Should -Not -BeNullOrEmpty -Because "-$parameter must be documented"
            ($entry.description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }
}

Describe 'Connect-AzCmk errors' {
    It 'reports a missing emulator profile as ObjectNotFound on that path' {
        $path = Join-Path $TestDrive 'absent.json'
        $err = { Connect-AzCmk -EmulatorProfile $path -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "EmulatorProfileNotFound,$ConnectType"
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be $path
        $err.ErrorDetails.RecommendedAction | Should -Match '--profile'
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.CmkException'
    }

    It 'reports a broken emulator profile as InvalidData' {
        $path = Join-Path $TestDrive 'broken.json'
        Set-Content $path '{ "endpoint": "http://127.0.0.1:1/" }'
        $err = { Connect-AzCmk -EmulatorProfile $path -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "EmulatorProfileInvalid,$ConnectType"
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'refuses -Environment together with -ResourceManagerEndpoint before signing in' {
        $err = { Connect-AzCmk -Environment AzureCloud -ResourceManagerEndpoint https://127.0.0.1:1/ -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "ConnectParameterConflict,$ConnectType"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -BeNullOrEmpty
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'is a terminating error that stops the statement' {
        $after = $false
        try { Connect-AzCmk -EmulatorProfile (Join-Path $TestDrive 'absent.json'); $after = $true } catch { }
        $after | Should -BeFalse
    }

    It 'only accepts the three named clouds' {
        { Connect-AzCmk -Environment Moon } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CmkPowerShell.Cmdlets.ConnectAzCmkCommand'
    }
}

Describe 'Against the emulator' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        $script:Emulator = Start-CmkEmulator -ProfilePath (Join-Path $TestDrive 'profile.json')
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    It 'loads its Azure SDK dependencies into its own load context, beside whatever Az.Accounts loaded' -Skip:(-not $IsCore) {
        $null = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
        $ours = [AppDomain]::CurrentDomain.GetAssemblies() |
            Where-Object { -not $_.IsDynamic -and $_.Location -like (Join-Path $ModulePath 'dependencies*') -and $_.GetName().Name -notlike 'CmkPowerShell.*' }
        $ours.GetName().Name | Should -Contain 'Azure.Core'
        foreach ($assembly in $ours) {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name | Should -Be 'CmkPowerShell' -Because $assembly.GetName().Name
        }
    }

    It 'connects with the emulator profile and outputs the demo subscription' {
        $connection = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
        $connection | Should -BeOfType 'CmkPowerShell.Core.Azure.CmkConnectionInfo'
        $connection.TenantId | Should -Be '11111111-1111-1111-1111-111111111111'
        $connection.SubscriptionId | Should -Be '22222222-2222-2222-2222-222222222222'
        $connection.SubscriptionName | Should -Be 'CMK Demo'
        $connection.CredentialKind | Should -Be 'AccessToken'
    }

    It 'shows the connection as a table' {
        if ($IsCore) { $PSStyle.OutputRendering = 'PlainText' } # no ANSI codes between the column headers
        $table = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath | Format-Table | Out-String -Width 250
        $table | Should -Match 'Environment\s+Account\s+Tenant\s+Subscription'
        $table | Should -Match 'CMK Demo \(22222222-2222-2222-2222-222222222222\)'
    }

    It 'connects as a service principal against the custom endpoint, pinning its certificate' {
        $secret = ConvertTo-SecureString 'emulator-secret' -AsPlainText -Force
        $connection = Connect-AzCmk -ResourceManagerEndpoint $Emulator.Profile.endpoint `
            -TrustedCertificateThumbprint $Emulator.Profile.certificateThumbprint -ServicePrincipal `
            -Tenant '11111111-1111-1111-1111-111111111111' -ApplicationId '55555555-5555-5555-5555-555555555555' -ClientSecret $secret
        $connection.CredentialKind | Should -Be 'ServicePrincipalSecret'
        $connection.SubscriptionId | Should -Be '22222222-2222-2222-2222-222222222222'
    }

    Context '-Tenant in every credential set the help documents it for' {
        BeforeAll {
            $script:Tenant = '11111111-1111-1111-1111-111111111111'
            $script:Endpoint = @{
                ResourceManagerEndpoint     = $Emulator.Profile.endpoint
                TrustedCertificateThumbprint = $Emulator.Profile.certificateThumbprint
            }
            $script:SavedEnvironment = @{}
            foreach ($name in 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET') {
                $SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
            }
        }
        AfterEach {
            foreach ($name in $SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $SavedEnvironment[$name]) }
        }

        It 'binds the <Set> set with -Tenant and connects in that tenant' -ForEach @(
            @{ Set = 'EmulatorProfile' }
            @{ Set = 'AccessToken' }
            @{ Set = 'ManagedIdentity' }
            @{ Set = 'DefaultCredential' }
        ) {
            $connection = switch ($Set) {
                'EmulatorProfile' { Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath -Tenant $Tenant -ErrorAction Stop }
                'AccessToken' {
                    $token = ConvertTo-SecureString $Emulator.Profile.token -AsPlainText -Force
                    Connect-AzCmk @Endpoint -AccessToken $token -Tenant $Tenant -ErrorAction Stop
                }
                'ManagedIdentity' {
                    # The App Service style endpoint Azure.Identity reads from the environment, served by the emulator.
                    $env:IDENTITY_ENDPOINT = $Emulator.Profile.identityEndpoint
                    $env:IDENTITY_HEADER = $Emulator.Profile.identityHeader
                    Connect-AzCmk @Endpoint -Identity -Tenant $Tenant -ErrorAction Stop
                }
                'DefaultCredential' {
                    # DefaultAzureCredential's first link: the service principal in the environment.
                    $env:AZURE_TENANT_ID = $Tenant
                    $env:AZURE_CLIENT_ID = '55555555-5555-5555-5555-555555555555'
                    $env:AZURE_CLIENT_SECRET = 'emulator-secret'
                    Connect-AzCmk @Endpoint -Tenant $Tenant -ErrorAction Stop
                }
            }
            $connection.TenantId | Should -Be $Tenant
            $connection.SubscriptionId | Should -Be '22222222-2222-2222-2222-222222222222'
        }

        It 'still requires -Tenant with -ServicePrincipal' {
            foreach ($name in 'ServicePrincipalSecret', 'ServicePrincipalCertificateFile', 'ServicePrincipalCertificateStore') {
                $set = (Get-Command Connect-AzCmk).ParameterSets | Where-Object Name -eq $name
                ($set.Parameters | Where-Object Name -eq 'Tenant').IsMandatory | Should -BeTrue -Because $name
            }
        }
    }

    It 'names a subscription that does not exist in the error' {
        $missing = '99999999-9999-9999-9999-999999999999'
        $err = { Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath -Subscription $missing -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "SubscriptionNotFound,$ConnectType"
        $err.TargetObject | Should -Match $missing
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'keeps the connection under -WhatIf and closes it otherwise' {
        $null = Connect-AzCmk -EmulatorProfile $Emulator.ProfilePath
        Disconnect-AzCmk -WhatIf
        $closed = Disconnect-AzCmk -PassThru
        $closed.SubscriptionId | Should -Be '22222222-2222-2222-2222-222222222222'
        Disconnect-AzCmk -PassThru | Should -BeNullOrEmpty
    }
}
