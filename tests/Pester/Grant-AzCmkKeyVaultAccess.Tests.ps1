#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:EmulatorAvailable = Test-CmkEmulatorAvailable
}

Describe 'Grant-AzCmkKeyVaultAccess' -Skip:(-not $EmulatorAvailable) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'CmkEncryption.Common.ps1')
        $script:GrantType = 'CmkPowerShell.Cmdlets.GrantAzCmkKeyVaultAccessCommand'
        $script:NoAccess = '66666666-6666-6666-6666-000000000002'
    }
    AfterAll {
        Disconnect-AzCmk -ErrorAction SilentlyContinue
        Stop-CmkEmulator $Emulator
    }

    It 'adds an access policy once on an access-policy vault' {
        $first = Grant-AzCmkKeyVaultAccess -PrincipalId $NoAccess -Service DataExplorer -KeyUri (Get-DemoKey kv-good) -PassThru -Confirm:$false
        $first | Should -BeOfType 'CmkPowerShell.Core.Services.CmkAccessGrant'
        $first.PermissionModel | Should -Be 'AccessPolicy'
        $first.Changed | Should -BeTrue
        $first.Permissions | Should -Be @('get', 'wrapKey', 'unwrapKey')
        (Grant-AzCmkKeyVaultAccess -PrincipalId $NoAccess -Service DataExplorer -KeyUri (Get-DemoKey kv-good) -PassThru).Changed | Should -BeFalse
    }

    It 'assigns a key-scoped role once on an RBAC vault' {
        $first = Grant-AzCmkKeyVaultAccess -PrincipalId $NoAccess -KeyUri (Get-DemoKey kv-rbac) -Mode Rbac -PassThru
        $first.PermissionModel | Should -Be 'Rbac'
        $first.Changed | Should -BeTrue
        $first.GrantedBy | Should -Match 'keys/cmk'
        (Grant-AzCmkKeyVaultAccess -PrincipalId $NoAccess -KeyUri (Get-DemoKey kv-rbac) -PassThru).Changed | Should -BeFalse
    }

    It "grants a resource's own identity from the pipeline, and nothing when it already has access" {
        $grant = [pscustomobject]@{ ResourceId = $Kusto } | Grant-AzCmkKeyVaultAccess -KeyUri (Get-DemoKey kv-good) -PassThru
        $grant.Changed | Should -BeFalse
        $grant.PrincipalId | Should -Be '88888888-8888-8888-8888-000000000003'
    }

    It 'refuses a mode that does not fit the vault as KeyVaultPermissionModelMismatch' {
        $err = { Grant-AzCmkKeyVaultAccess -PrincipalId $NoAccess -KeyUri (Get-DemoKey kv-rbac) -Mode AccessPolicy -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "KeyVaultPermissionModelMismatch,$GrantType"
        $err.Exception | Should -BeOfType 'CmkPowerShell.Core.Errors.KeyVaultConfigurationException'
    }

    It 'reports a resource without an identity as IdentityNotFound' {
        $err = { Grant-AzCmkKeyVaultAccess -ResourceId $Cassandra -KeyUri (Get-DemoKey kv-good) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "IdentityNotFound,$GrantType"
        $err.TargetObject | Should -Be $Cassandra
    }
}
