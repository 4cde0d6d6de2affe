# Fault injection through the emulator's admin endpoint (POST /_emulator/faults), for suites that make the emulator
# answer with a chosen error. Cmdlet-free: it talks HTTP to the emulator only, never through CmkPowerShell.

Set-StrictMode -Version Latest

function Invoke-CmkEmulatorAdmin {
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $Method,
        [Parameter(Mandatory)] [string] $Route,
        [hashtable] $Body
    )
    $uri = ($Emulator.Profile.endpoint.TrimEnd('/')) + '/_emulator/' + $Route
    $request = @{ Uri = $uri; Method = $Method; ContentType = 'application/json' }
    if ($Body) { $request.Body = $Body | ConvertTo-Json -Compress }
    # The emulator's certificate is self-signed; this admin call is test plumbing, the module itself trusts it
    # only by its pinned thumbprint.
    if ($PSVersionTable.PSEdition -eq 'Core') { $request.SkipCertificateCheck = $true }
    Invoke-RestMethod @request
}

function Add-CmkEmulatorFault {
    <#
    .SYNOPSIS
    Makes the emulator fail the next -Count requests whose method and path match: with an error body
    (-Status, -ErrorCode, -ErrorMessage), a dropped connection, or an accepted write whose operation then fails.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $PathPattern,
        [string] $Method = '*',
        [int] $Count = 1,
        [int] $Status = 500,
        [string] $ErrorCode,
        [string] $ErrorMessage,
        [switch] $DropConnection,
        [switch] $FailLongRunningOperation
    )
    $body = @{
        method = $Method; pathPattern = $PathPattern; count = $Count; status = $Status
        dropConnection = [bool]$DropConnection; failLongRunningOperation = [bool]$FailLongRunningOperation
    }
    if ($ErrorCode) { $body.errorCode = $ErrorCode }
    if ($ErrorMessage) { $body.errorMessage = $ErrorMessage }
    $null = Invoke-CmkEmulatorAdmin -Emulator $Emulator -Method POST -Route faults -Body $body
}

function Clear-CmkEmulatorFault {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-CmkEmulatorAdmin -Emulator $Emulator -Method DELETE -Route faults
}

function Get-CmkEmulatorFault {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    @((Invoke-CmkEmulatorAdmin -Emulator $Emulator -Method GET -Route faults).value)
}

Export-ModuleMember -Function Add-CmkEmulatorFault, Clear-CmkEmulatorFault, Get-CmkEmulatorFault
