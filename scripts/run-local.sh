#!/usr/bin/env bash
# Serves the relay on http://127.0.0.1:${RELAY_PORT:-7071} over Azurite, from a fresh clone:
# installs Azurite (npm, inside the repo), starts it unless one already listens, builds and runs the
# self-hosted runner (the function classes the Functions app runs, on Kestrel).
# What it starts ends together: Ctrl-C or SIGTERM stops everything, and when Azurite or the relay ends on its own the
# script stops the other and says which ended (a relay without its storage would only answer 503). That holds when
# SIGINT cannot reach the relay too: a background job of a non-interactive shell ignores it, Azurite does not.
# AZURITE_TABLE_PORT picks another port for the Azurite it starts (10002 by default); RUN_LOCAL_BUILD=0 skips the build
# (the relay is already built in Release, as its tests do).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

port=${RELAY_PORT:-7071}
public_url=${RELAY_PUBLIC_URL:-http://127.0.0.1:$port}
table_port=${AZURITE_TABLE_PORT:-10002}

command -v dotnet >/dev/null || { echo "run-local: the .NET 10 SDK is required (dotnet not found)." >&2; exit 1; }
command -v npm >/dev/null || { echo "run-local: Node.js 20 and npm are required (npm not found)." >&2; exit 1; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# What this script started: names[i] is pids[i]'s, for the line that says which one ended.
names=()
pids=()
start() {
  local name=$1
  shift
  "$@" &
  pids+=("$!")
  names+=("$name")
}

cleanup() {
  trap - INT TERM EXIT
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
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
  start "Azurite" node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$table_port" --location .azurite \
    --skipApiVersionCheck --disableTelemetry --silent
  for _ in $(seq 1 100); do listening "$table_port" && break; sleep 0.1; done
  listening "$table_port" || { echo "run-local: Azurite did not start on port $table_port." >&2; exit 1; }
  echo "run-local: Azurite Table service on 127.0.0.1:$table_port (data in .azurite/, pid ${pids[0]})." >&2
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

if [ "${RUN_LOCAL_BUILD:-1}" != 0 ]; then
  echo "run-local: building the relay..." >&2
  dotnet build src/ScTransfer.SelfHost -c Release --nologo -v quiet -clp:ErrorsOnly
fi

settings=()
if [ -f local.settings.json ]; then
  # The same file `func start` reads: it is the configuration, as it would be under Core Tools.
  settings=(--LocalSettings "$root/local.settings.json")
  echo "run-local: using local.settings.json." >&2
else
  # The development account's well-known key (Azurite's documentation): not a secret.
  development_storage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;"
  [ "$table_port" = 10002 ] && development_storage="UseDevelopmentStorage=true"
  export Relay__PublicBaseUrl="${Relay__PublicBaseUrl:-$public_url}"
  export Relay__ClaimHashKey="${Relay__ClaimHashKey:-$(cat .local/claim-hash-key)}"
  export Relay__TokenEncryptionKey="${Relay__TokenEncryptionKey:-$(cat .local/token-encryption-key)}"
  export Storage__ConnectionString="${Storage__ConnectionString:-$development_storage}"
  export PurgeSchedule="${PurgeSchedule:-0 */1 * * * *}"
  export PushRetrySchedule="${PushRetrySchedule:-*/10 * * * * *}"
fi

start "the relay" dotnet src/ScTransfer.SelfHost/bin/Release/net10.0/ScTransfer.SelfHost.dll --urls "http://127.0.0.1:$port" ${settings[@]+"${settings[@]}"}
echo "run-local: relay on http://127.0.0.1:$port (pid ${pids[${#pids[@]}-1]}). Ctrl-C stops it." >&2

# Whichever ends first, the rest follow, with a line that says which and how (macOS's bash 3.2 has no `wait -n`:
# look once a second).
while :; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      code=0
      wait "${pids[$i]}" || code=$?
      echo "run-local: ${names[$i]} ended (exit status $code); stopping everything else this script started." >&2
      exit $((code == 0 ? 1 : code))
    fi
  done
  sleep 1
done
