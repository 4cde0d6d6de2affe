#
# Module manifest for CmkPowerShell. Adding a cmdlet: add its name to CmdletsToExport (the contract tests
# compare this list with the cmdlet classes in CmkPowerShell.dll).
#
@{
    RootModule           = 'CmkPowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '7cf25286-e55a-4d6a-a178-af953c5182b7'
    Author               = 'CmkPowerShell contributors'
    CompanyName          = 'CmkPowerShell contributors'
    Copyright            = '(c) CmkPowerShell contributors. MIT License.'
    Description          = 'Configure, validate, rotate and audit customer-managed keys (CMK) in Azure Key Vault for Azure NetApp Files, Data Box, Data Explorer, Managed Instance for Apache Cassandra and Batch.'
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('CmkPowerShell.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-AzCmk'
        'Convert-AzNetAppVolumeEncryption'
        'Disable-AzCmkEncryption'
        'Disconnect-AzCmk'
        'Get-AzCmkEncryption'
        'Grant-AzCmkKeyVaultAccess'
        'Invoke-AzNetAppRenewCredential'
        'Set-AzCmkEncryption'
        'Test-AzCmkKeyVault'
        'Update-AzCmkKeyVersion'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Azure', 'KeyVault', 'CMK', 'Encryption', 'CustomerManagedKey', 'NetApp', 'DataBox', 'Kusto', 'Cassandra', 'Batch', 'PSEdition_Desktop', 'PSEdition_Core')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/cmkpowershell/CmkPowerShell'
            ReleaseNotes = 'First version: connect, test a key against every documented requirement, enable/disable/read CMK, grant key access, rotate key versions, NetApp Files credential renewal and CMK transition, for NetApp Files, Data Box, Data Explorer, Managed Cassandra and Batch.'
        }
    }
}
