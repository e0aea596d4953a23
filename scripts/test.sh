#!/usr/bin/env bash
# Runs every test of the solution from a fresh clone: installs what the tests need (Azurite through npm,
# Chromium from Debian packages for the browser tests), starts Azurite, builds once, tests every project.
set -euo pipefail
cd "$(dirname "$0")/.."

table_port=10002
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

azurite_pid=""
cleanup() {
  # An EXIT trap's own status would replace the script's under `set -e`: this one must always succeed.
  if [ -n "$azurite_pid" ]; then kill "$azurite_pid" 2>/dev/null || true; fi
  if [ -n "${azurite_dir:-}" ]; then rm -rf "$azurite_dir"; fi
  return 0
}
trap cleanup EXIT

if [ ! -x node_modules/.bin/azurite-table ] || [ ! -x node_modules/.bin/redocly ]; then
  echo "test: installing Azurite and test tools (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ -f scripts/install-chromium.sh ]; then
  bash scripts/install-chromium.sh
fi

if listening "$table_port"; then
  echo "test: using the Table service already listening on 127.0.0.1:$table_port." >&2
else
  azurite_dir=$(mktemp -d)
  node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$table_port" --location "$azurite_dir" \
    --skipApiVersionCheck --disableTelemetry --silent &
  azurite_pid=$!
  for _ in $(seq 1 100); do listening "$table_port" && break; sleep 0.1; done
  listening "$table_port" || { echo "test: Azurite did not start on port $table_port." >&2; exit 1; }
fi

dotnet build ScTransfer.Functions.sln -c Release --nologo -clp:ErrorsOnly

log=$(mktemp)
status=0
dotnet test ScTransfer.Functions.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line for the whole run, summed over the test projects.
awk '
  /(Passed|Failed)!/ && /Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { f += $(i+1) + 0 }
      if ($i == "Passed:")  { p += $(i+1) + 0 }
      if ($i == "Skipped:") { s += $(i+1) + 0 }
    }
  }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }
' "$log"
rm -f "$log"
exit "$status"
