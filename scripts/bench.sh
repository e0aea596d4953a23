#!/usr/bin/env bash
# The side-by-side benchmark of docs/capacity.md: full transfers through the self-hosted relay over
# HTTP against the same transfers as raw Azure.Data.Tables calls (the old layout) and as the relay's 6 floor operations
# on its own layout, on one Azurite started here for the run alone (in memory, on its own port, so no test or other run
# shares it), then the purge, and the purge's cost against store size (none, then --purge-store stored not-due
# mailboxes, 20,000 by default). Concurrency 1, 8, 32, 64; about 7 minutes. The line before the last is floor-ratio=R
# (relay ÷ floor transfers/s at concurrency 32), the last transfer-ratio=R (relay ÷ raw). Extra arguments go to the
# driver (e.g. --seconds 4 --rounds 4 --levels 1,8,32,64 --payload-bytes 1024 --purge-mailboxes 5000
# --purge-store 20000, or --compare NAME:SETTING=value). --purge-store 500000 takes most of an hour more to seed
# on a loaded 2-core machine and over 2 GB of Azurite's memory (docs/capacity.md).
set -euo pipefail
cd "$(dirname "$0")/.."

table_port=${BENCH_TABLE_PORT:-10012}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

azurite_pid=""
cleanup() { [ -n "$azurite_pid" ] && kill "$azurite_pid" 2>/dev/null || true; }
trap cleanup EXIT

if [ ! -x node_modules/.bin/azurite-table ]; then
  echo "bench: installing Azurite (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

if listening "$table_port"; then
  echo "bench: something already listens on 127.0.0.1:$table_port; set BENCH_TABLE_PORT to a free port." >&2
  exit 1
fi
# A large --purge-store holds a million entities in Azurite's memory: more than Node's default heap allows.
NODE_OPTIONS="--max-old-space-size=8192" node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$table_port" --inMemoryPersistence \
  --skipApiVersionCheck --disableTelemetry --silent &
azurite_pid=$!
for _ in $(seq 1 100); do listening "$table_port" && break; sleep 0.1; done
listening "$table_port" || { echo "bench: Azurite did not start on port $table_port." >&2; exit 1; }

dotnet build bench/ScTransfer.Bench -c Release --nologo -clp:ErrorsOnly
dotnet bench/ScTransfer.Bench/bin/Release/net10.0/ScTransfer.Bench.dll --storage-port "$table_port" --storage-pid "$azurite_pid" "$@"
