<#
.SYNOPSIS
Runs tests/Pester under one Pester version and writes "passed failed skipped discovered" to -CountsPath and
the names of what failed to -CountsPath.failed.
.DESCRIPTION
Started by .ci/run with the repo's pwsh and PSModulePath=.tools/pester/<version>. Exits non-zero when Pester
cannot be imported at exactly that version, when any test, block or file fails, or when no test is discovered.
#>
param(
    [Parameter(Mandatory)] [string] $Version,
    [Parameter(Mandatory)] [string] $CountsPath
)
$ErrorActionPreference = 'Stop'
Import-Module Pester -RequiredVersion $Version
$config = New-PesterConfiguration
$config.Run.Path = 'tests/Pester'
$config.Run.PassThru = $true
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = "TestResults/pester-$Version.xml"
$config.Output.CIFormat = 'Auto'
$result = Invoke-Pester -Configuration $config
if (-not $result) { throw 'Invoke-Pester returned no result.' }
# A file that fails discovery or a block whose BeforeAll/AfterAll throws fails no single test: count it too.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
'{0} {1} {2} {3}' -f $result.PassedCount, $failed, $result.SkippedCount, $result.TotalCount | Set-Content $CountsPath
# What failed, by name, for .ci/run's closing summary.
@(@($result.Failed) + @($result.FailedBlocks) | ForEach-Object { $_.ExpandedPath }) +
    @($result.FailedContainers | ForEach-Object { "$($_.Item)" }) | Set-Content "$CountsPath.failed"
exit [int]($result.Result -ne 'Passed' -or $result.TotalCount -eq 0)
