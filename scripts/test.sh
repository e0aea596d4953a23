#!/usr/bin/env bash
# Runs every test of the solution from a fresh clone: installs what the tests need (Azurite through npm,
# Chromium from Debian packages for the browser tests), starts Azurite, builds once, then tests in three stages: the
# in-process tests of every project (Needs=Nothing: no emulator, no relay, no child process), stopping there if one
# fails; every other test on the self-hosted runner; the end-to-end tests again under the Functions host emulator (see
# below). It prints one line per stage and the total they add up to.
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

# Formatting first, as it needs no build (about 15 s on 2 cores): whitespace, indentation, final newlines, line endings
# and charset as .editorconfig sets them. Code style and analyzer rules fail the build itself (EnforceCodeStyleInBuild,
# TreatWarningsAsErrors). `dotnet format ScTransfer.Functions.sln` fixes all of it locally, using order included (about
# 3 minutes on 2 cores: it loads every project, which is why CI checks whitespace alone here).
if ! dotnet format whitespace --folder --verify-no-changes --exclude node_modules; then
  echo "test: formatting differs from .editorconfig; run: dotnet format whitespace --folder" >&2
  exit 1
fi

dotnet build ScTransfer.Functions.sln -c Release --nologo -clp:ErrorsOnly

# totals, report (one line per stage and their total) and quiet (the runner's output without its noise).
# shellcheck source=scripts/test-report.sh
. scripts/test-report.sh

# The end-to-end tests (a real relay process over HTTP): every endpoint and error path, the push flow through the
# Notification Hubs stand-in, the purge, and `sct check` passing against the relay (docs/cli.md). They run once per
# host; RelayHost (tests/ScTransfer.Testing) picks the host from RELAY_TEST_HOST. The other projects (the proof tests
# that probe the runner's own Kestrel limits, the client and infra tests) run on the self-hosted runner only, and the
# in-process tests (Needs=Nothing) need no host at all.
push_e2e_filter='FullyQualifiedName~PushEndToEndTests|FullyQualifiedName~OutboxEndToEndTests|FullyQualifiedName~PushConfigurationTests'
# Of the client tests, the one that holds the relay to `sct check`: the others test the client and the check's own
# logic, which does not depend on the host.
check_e2e_filter='FullyQualifiedName~ScTransfer.Client.Tests.CheckAgainstTheRelayTests'

# A test that runs this long is hung: the test host is stopped, the test fails with its name, and the run goes on, in
# minutes rather than at CI's limit. The longest tests (the proof and benchmark smoke tests) take about 2 minutes.
hang=(--blame-hang-timeout 10m --blame-hang-dump-type none)

fast_log=$(mktemp)
log=$(mktemp)
functions_log=$(mktemp)
status=0

# Stage 1, in process (seconds): every test class that says [Trait("Needs", "Nothing")], across the solution. A failure
# here stops the run before the stages that start relays, emulators and browsers.
dotnet test ScTransfer.Functions.sln -c Release --no-build --nologo --filter "Needs=Nothing" "${hang[@]}" "$@" 2>&1 \
  | tee "$fast_log" | quiet || status=$?
if [ "$status" -ne 0 ]; then
  echo "test: the in-process stage failed; the stages that start processes did not run." >&2
  report "in-process" "$fast_log"
  rm -f "$fast_log" "$log" "$functions_log"
  exit "$status"
fi

# Stage 2, the self-hosted runner: every other test of every project.
RELAY_TEST_HOST=selfhost dotnet test ScTransfer.Functions.sln -c Release --no-build --nologo --filter "Needs!=Nothing" \
  "${hang[@]}" "$@" 2>&1 | tee "$log" | quiet || status=$?

# Stage 3, the Functions app's real isolated worker under the Functions host emulator (not part of this project:
# ../shared/tools/functions-host beside the checkout, as CI lays it out, or FUNCTIONS_HOST_EMULATOR).
emulator=${FUNCTIONS_HOST_EMULATOR:-$PWD/../shared/tools/functions-host}
functions_leg=""
if [ "${RELAY_TEST_FUNCTIONS:-1}" = 0 ]; then
  functions_leg="skipped: RELAY_TEST_FUNCTIONS=0"
elif [ ! -f "$emulator/FunctionsHost.csproj" ]; then
  functions_leg="skipped: no Functions host emulator at $emulator (set FUNCTIONS_HOST_EMULATOR to its folder)"
else
  export FUNCTIONS_HOST_EMULATOR
  FUNCTIONS_HOST_EMULATOR=$(cd "$emulator" && pwd)
  echo "test: end-to-end tests again under the Functions host emulator ($FUNCTIONS_HOST_EMULATOR)..." >&2
  RELAY_TEST_HOST=functions dotnet test tests/ScTransfer.IntegrationTests -c Release --no-build --nologo --filter "Needs!=Nothing" \
    "${hang[@]}" "$@" 2>&1 | tee -a "$functions_log" | quiet || status=$?
  RELAY_TEST_HOST=functions dotnet test tests/ScTransfer.Push.Tests -c Release --no-build --nologo --filter "$push_e2e_filter" \
    "${hang[@]}" "$@" 2>&1 | tee -a "$functions_log" | quiet || status=$?
  RELAY_TEST_HOST=functions dotnet test tests/ScTransfer.Client.Tests -c Release --no-build --nologo --filter "$check_e2e_filter" \
    "${hang[@]}" "$@" 2>&1 | tee -a "$functions_log" | quiet || status=$?
fi

# One line per stage, then the total they add up to (each test run counted once).
report "in-process" "$fast_log" "self-hosted runner" "$log" "Functions host" "${functions_leg:-$functions_log}"
rm -f "$fast_log" "$log" "$functions_log"
exit "$status"
