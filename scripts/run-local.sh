#!/usr/bin/env bash
# Serves the relay on http://127.0.0.1:${RELAY_PORT:-7071} over Azurite, from a fresh clone:
# installs Azurite (npm, inside the repo), starts it unless one already listens, builds and runs the
# self-hosted runner (the function classes the Functions app runs, on Kestrel). Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

port=${RELAY_PORT:-7071}
public_url=${RELAY_PUBLIC_URL:-http://127.0.0.1:$port}
table_port=10002

command -v dotnet >/dev/null || { echo "run-local: the .NET 10 SDK is required (dotnet not found)." >&2; exit 1; }
command -v npm >/dev/null || { echo "run-local: Node.js 20 and npm are required (npm not found)." >&2; exit 1; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -x node_modules/.bin/azurite-table ]; then
  echo "run-local: installing Azurite (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

if listening "$table_port"; then
  echo "run-local: using the Table service already listening on 127.0.0.1:$table_port." >&2
else
  mkdir -p .azurite
  node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$table_port" --location .azurite \
    --skipApiVersionCheck --disableTelemetry --silent &
  pids+=("$!")
  for _ in $(seq 1 100); do listening "$table_port" && break; sleep 0.1; done
  listening "$table_port" || { echo "run-local: Azurite did not start on port $table_port." >&2; exit 1; }
  echo "run-local: Azurite Table service on 127.0.0.1:$table_port (data in .azurite/)." >&2
fi

# A stable claim-hash key for this clone, so mailboxes survive a restart of the relay. Never committed.
mkdir -p .local
if [ ! -s .local/claim-hash-key ]; then
  head -c 32 /dev/urandom | base64 > .local/claim-hash-key
  chmod 600 .local/claim-hash-key
fi
if [ ! -s .local/token-encryption-key ]; then
  head -c 32 /dev/urandom | base64 > .local/token-encryption-key
  chmod 600 .local/token-encryption-key
fi

echo "run-local: building the relay..." >&2
dotnet build src/ScTransfer.SelfHost -c Release --nologo -v quiet -clp:ErrorsOnly

settings=()
if [ -f local.settings.json ]; then
  # The same file `func start` reads: it is the configuration, as it would be under Core Tools.
  settings=(--LocalSettings "$root/local.settings.json")
  echo "run-local: using local.settings.json." >&2
else
  export Relay__PublicBaseUrl="${Relay__PublicBaseUrl:-$public_url}"
  export Relay__ClaimHashKey="${Relay__ClaimHashKey:-$(cat .local/claim-hash-key)}"
  export Relay__TokenEncryptionKey="${Relay__TokenEncryptionKey:-$(cat .local/token-encryption-key)}"
  export Storage__ConnectionString="${Storage__ConnectionString:-UseDevelopmentStorage=true}"
  export PurgeSchedule="${PurgeSchedule:-0 */1 * * * *}"
  export PushRetrySchedule="${PushRetrySchedule:-*/10 * * * * *}"
fi

dotnet src/ScTransfer.SelfHost/bin/Release/net10.0/ScTransfer.SelfHost.dll --urls "http://127.0.0.1:$port" "${settings[@]}" &
pids+=("$!")
echo "run-local: relay on http://127.0.0.1:$port. Ctrl-C stops it." >&2
wait "${pids[-1]}"
