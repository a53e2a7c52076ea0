#!/usr/bin/env bash
# The README's test command: prepares a fresh Debian machine for the tests, builds the whole
# solution (which also runs the nanoFramework gate) and runs every test.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/install-test-deps.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Watchdog.sln -c Release -nologo -v q

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# One test assembly at a time (-m:1): the rack tests load both cores with namespaces, brokers and
# agents, and timing tests in a parallel assembly then measured the load instead of the code
# (CI saw a heartbeat stop 1351 ms after its check failed, against a 550 ms design bound).
dotnet test Watchdog.sln -c Release --no-build -nologo -m:1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over every test assembly, in the plain form CI reads.
awk '
  /(Passed|Failed)! +- +Failed:/ {
    gsub(",", ""); for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
    }
    n++
  }
  END {
    if (n == 0) { print "Tests: no test assembly reported a result"; exit 1 }
    printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s
    if (p == 0) exit 1
  }' "$log" || status=1
exit "$status"
