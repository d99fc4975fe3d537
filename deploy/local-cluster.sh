#!/usr/bin/env bash
# A local durable cluster: PostgreSQL (deploy/postgres.sh, data in .data/pg), the schema applied,
# N silos forming one cluster through the ADO.NET membership table, then the client once against it.
#
#   deploy/local-cluster.sh [--silos N] [--reset] [--no-demo]
#
# Expects a Release build (./run.sh builds first). Stops the silos it started on Ctrl-C or SIGTERM,
# and the PostgreSQL server too; the data folder stays, so state survives a restart.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

silos=1 reset=0 demo=true
while [ $# -gt 0 ]; do
    case "$1" in
        --silos) silos=${2:?--silos needs a number}; shift 2 ;;
        --reset) reset=1; shift ;;
        --no-demo) demo=false; shift ;;
        *) echo "local-cluster.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

silo_dll=Silo/bin/Release/net10.0/OrleansBreaker.Silo.dll
client_dll=Client/bin/Release/net10.0/OrleansBreaker.Client.dll
[ -f "$silo_dll" ] || { echo "local-cluster.sh: build first (dotnet build -c Release)" >&2; exit 1; }

pids=()
stop_all() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    deploy/postgres.sh stop >/dev/null 2>&1 || true
}
trap stop_all INT TERM EXIT

[ "$reset" -eq 1 ] && deploy/postgres.sh reset
deploy/postgres.sh start
export Storage__Provider=Postgres
export Storage__ConnectionString=${Storage__ConnectionString:-$(deploy/postgres.sh status | grep '^Host=')}
export Orleans__ClusterId=${Orleans__ClusterId:-local}

for i in $(seq 0 $((silos - 1))); do
    seed=$demo; [ "$i" -gt 0 ] && seed=false
    Orleans__SiloPort=$((11111 + i)) Orleans__GatewayPort=$((30000 + i)) Demo__Enabled=$seed dotnet "$silo_dll" &
    pids+=($!)
done

# The client joins through the same membership table once a gateway is up.
for _ in $(seq 1 60); do
    (exec 3<>/dev/tcp/127.0.0.1/30000) 2>/dev/null && break
    sleep 1
done
sleep 15
dotnet "$client_dll" demo || echo "local-cluster.sh: the client could not reach the cluster yet; run: dotnet $client_dll demo"
echo "$silos silo(s) running on PostgreSQL ($Storage__ConnectionString). Ctrl-C stops them."
wait -n "${pids[@]}"
