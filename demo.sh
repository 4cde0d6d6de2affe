#!/usr/bin/env bash
# One command for the 5-minute tour: restore the repo's own PowerShell (a local .NET tool, no install), build the
# module and the emulator, start the emulator with its demo scenario, and run tour.ps1 against it. Nothing leaves
# 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

profile="$(pwd)/out/emulator-profile.json"
mkdir -p out
rm -f "$profile"

echo "== Restoring the repo's PowerShell 7.6.10 (dotnet tool restore)"
dotnet tool restore
echo "== Building the module and the emulator (Release)"
dotnet build src/CmkPowerShell/CmkPowerShell.csproj -c Release -m:1 -v:q -nologo
dotnet build src/CmkPowerShell.Emulator/CmkPowerShell.Emulator.csproj -c Release -m:1 -v:q -nologo

echo "== Starting the emulator (demo scenario)"
dotnet src/CmkPowerShell.Emulator/bin/Release/net10.0/CmkPowerShell.Emulator.dll \
  --scenario demo --profile "$profile" > out/emulator.log 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true' EXIT

for _ in $(seq 1 300); do
  [ -s "$profile" ] && break
  if ! kill -0 "$emulator" 2>/dev/null; then
    echo "The emulator exited early; its log:"; cat out/emulator.log; exit 1
  fi
  sleep 0.2
done
[ -s "$profile" ] || { echo "The emulator wrote no profile in 60 s; see out/emulator.log"; exit 1; }
echo "   profile: $profile"

dotnet tool run pwsh -NoProfile -File ./tour.ps1 -EmulatorProfile "$profile"
echo
echo "Your turn: 'dotnet tool run pwsh' starts the repo's PowerShell; Import-Module ./out/CmkPowerShell."
echo "The emulator stops with this script; src/CmkPowerShell.Emulator/README.md shows how to run your own."
