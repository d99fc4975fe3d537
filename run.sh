#!/usr/bin/env bash
# One command to run OrleansBreaker locally (API.md §1).
#
#   ./run.sh                      one silo on the embedded default (in-memory), with the demo workspace
#   ./run.sh --postgres           durable: a local PostgreSQL in .data/pg (started here), state survives restarts
#   ./run.sh --postgres --silos 3 three silos forming one cluster through PostgreSQL
#   ./run.sh --reset              wipe .data/ first (with --postgres)
#   ./run.sh --no-demo            no seeded demo workspace
#
# Stops every process it started on Ctrl-C or SIGTERM.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

silos=1 postgres=0 reset=0 demo=true
while [ $# -gt 0 ]; do
    case "$1" in
        --silos) silos=${2:?--silos needs a number}; shift 2 ;;
        --postgres) postgres=1; shift ;;
        --reset) reset=1; shift ;;
        --no-demo) demo=false; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see ./run.sh --help)" >&2; exit 2 ;;
    esac
done
[[ "$silos" =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: --silos takes a number from 1 to 99" >&2; exit 2; }
if [ "$silos" -gt 1 ] && [ "$postgres" -eq 0 ]; then
    echo "run.sh: several silos share state, reminders and membership through PostgreSQL: adding --postgres"
    postgres=1
fi

# The simulation profile: demo workspace, fast 24/7 pacing (Silo/appsettings.Development.json).
export DOTNET_ENVIRONMENT=${DOTNET_ENVIRONMENT:-Development}
export Auth__AdminKey=${Auth__AdminKey:-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')}
pids=()
stop_all() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

for project in Simulator Silo Client; do dotnet build "$project" -c Release -v quiet -nologo; done

# The LinkedIn simulator: one stand-in shared by every silo (API.md §4).
dotnet Simulator/bin/Release/net10.0/OrleansBreaker.Simulator.dll --urls http://127.0.0.1:5090 &
pids+=($!)
export Upstream__Provider=Http Upstream__BaseUrl=http://127.0.0.1:5090

# The dashboard and REST API (API.md §2-3) on :5080; once it reaches the cluster, the demo workspace's key.
start_dashboard() {
    dotnet Client/bin/Release/net10.0/OrleansBreaker.Client.dll --urls http://127.0.0.1:5080 &
    pids+=($!)
    for _ in $(seq 1 90); do
        curl -fsS http://127.0.0.1:5080/healthz >/dev/null 2>&1 && break
        sleep 1
    done
    if [ "$demo" = true ]; then
        demo_key=$(curl -fsS -X POST http://127.0.0.1:5080/api/workspaces -H "Authorization: Bearer $Auth__AdminKey" \
            -H 'Content-Type: application/json' -d '{"id":"demo"}' 2>/dev/null | sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p')
    fi
}

if [ "$postgres" -eq 1 ]; then
    echo "OrleansBreaker: $silos silo(s) on PostgreSQL; simulator http://127.0.0.1:5090; admin key: $Auth__AdminKey"
    args=(--silos "$silos"); [ "$reset" -eq 1 ] && args+=(--reset); [ "$demo" = false ] && args+=(--no-demo)
    deploy/local-cluster.sh "${args[@]}" &
    pids+=($!)
    export Storage__Provider=Postgres
    export Storage__ConnectionString=${Storage__ConnectionString:-Host=127.0.0.1;Port=${BREAKER_PG_PORT:-55432};Database=orleansbreaker;Username=postgres}
    start_dashboard
    echo
    echo "  dashboard:   http://127.0.0.1:5080  (demo workspace key: ${demo_key:-created on an earlier run; see the admin key})"
    echo "  admin key:   $Auth__AdminKey"
    wait -n "${pids[@]}"
    exit
fi

Orleans__SiloPort=11111 Orleans__GatewayPort=30000 Demo__Enabled=$demo dotnet Silo/bin/Release/net10.0/OrleansBreaker.Silo.dll &
pids+=($!)
start_dashboard

echo
echo "OrleansBreaker: 1 silo, in-memory storage"
echo "  dashboard:   http://127.0.0.1:5080  (sign in with the demo workspace key)"
echo "  demo key:    ${demo_key:-none (--no-demo)}"
echo "  admin key:   $Auth__AdminKey"
echo "  gateway:     127.0.0.1:30000"
echo "  simulator:   http://127.0.0.1:5090 (e.g. curl http://127.0.0.1:5090/sim/accounts/alice)"
echo "  API:         curl -H \"Authorization: Bearer \$KEY\" http://127.0.0.1:5080/api/workspaces/demo/accounts"
echo "Ctrl-C stops everything."
wait -n "${pids[@]}"
