#!/usr/bin/env bash
# One command to run OrleansBreaker locally (API.md §1).
#
#   ./run.sh                      one silo on the embedded default (in-memory), with the demo workspace
#   ./run.sh --postgres           durable: a local PostgreSQL in .data/pg (started here), state survives restarts
#   ./run.sh --postgres --silos 3 three silos forming one cluster through PostgreSQL
#   ./run.sh --reset              wipe .data/ first (with --postgres)
#   ./run.sh --no-demo            no seeded demo workspace
#
# Stops every process it started on Ctrl-C or SIGTERM, PostgreSQL included. Environment:
# BREAKER_PG_DATA / BREAKER_PG_PORT / BREAKER_PG_MAX_CONNECTIONS (deploy/postgres.sh), Orleans__ClusterId
# (default "local"), Storage__MaxPoolSize (default: each silo and the dashboard an equal share of the
# server's connections, `deploy/postgres.sh budget`), RUN_STOP_TIMEOUT (seconds a process may take to
# stop before it is killed, default 30).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

silos=1 postgres=0 reset=0 demo=true
while [ $# -gt 0 ]; do
    case "$1" in
        --silos) silos=${2:?--silos needs a number}; shift 2 ;;
        --postgres) postgres=1; shift ;;
        --reset) reset=1; shift ;;
        --no-demo) demo=false; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see ./run.sh --help)" >&2; exit 2 ;;
    esac
done
[[ "$silos" =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: --silos takes a number from 1 to 99" >&2; exit 2; }
if [ "$silos" -gt 1 ] && [ "$postgres" -eq 0 ]; then
    echo "run.sh: several silos share state, reminders and membership through PostgreSQL: adding --postgres"
    postgres=1
fi
stop_timeout=${RUN_STOP_TIMEOUT:-30}
[[ "$stop_timeout" =~ ^[0-9]+$ ]] || { echo "run.sh: RUN_STOP_TIMEOUT takes a number of seconds" >&2; exit 2; }

# The simulation profile: demo workspace, fast 24/7 pacing (Silo/appsettings.Development.json).
export DOTNET_ENVIRONMENT=${DOTNET_ENVIRONMENT:-Development}
export Auth__AdminKey=${Auth__AdminKey:-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')}
# The one place that names the cluster: every silo and the dashboard inherit it, so they cannot disagree.
export Orleans__ClusterId=${Orleans__ClusterId:-local}

# Everything started here, so that a stop reaches each of them; PostgreSQL is stopped through its script.
pids=() names=() pg_started=0
alive() { kill -0 "$1" 2>/dev/null; }
stop_all() {
    local status=$?
    trap - INT TERM EXIT
    local i pid deadline
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    # Bounded: a silo slow to stop under load is killed, so PostgreSQL below is always stopped too.
    deadline=$((SECONDS + stop_timeout))
    for pid in "${pids[@]}"; do
        while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    done
    for i in "${!pids[@]}"; do
        pid=${pids[$i]}
        if [ -n "$pid" ] && alive "$pid"; then
            echo "run.sh: the ${names[$i]} (pid $pid) did not stop within ${stop_timeout}s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    wait 2>/dev/null || true
    if [ "$pg_started" -eq 1 ]; then
        deploy/postgres.sh stop || echo "run.sh: could not stop PostgreSQL (see above)" >&2
    fi
    exit "$status"
}
trap 'exit 130' INT
trap 'exit 143' TERM
trap stop_all EXIT

# $1: a name for messages; the rest: the command.
start() {
    local name=$1; shift
    "$@" &
    pids+=($!) names+=("$name")
}

# Waits for a TCP port to accept connections, as long as the process that should open it lives.
wait_for_port() {
    local port=$1 pid=$2 name=$3 seconds=${4:-120}
    local deadline=$((SECONDS + seconds))
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        alive "$pid" || { echo "run.sh: $name exited before it listened on 127.0.0.1:$port (see its output above)" >&2; exit 1; }
        [ "$SECONDS" -lt "$deadline" ] || { echo "run.sh: $name did not listen on 127.0.0.1:$port within ${seconds}s" >&2; exit 1; }
        sleep 0.5
    done
}

# Ports this run needs; a leftover process from an earlier run would make a silo or the dashboard fail later.
ports=(5080 5090)
for i in $(seq 0 $((silos - 1))); do ports+=($((11111 + i)) $((30000 + i)) $((5100 + i))); done
for port in "${ports[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "run.sh: port 127.0.0.1:$port is already in use (an earlier run still running?); stop that process first" >&2
        exit 1
    fi
done

# PostgreSQL first: when it cannot start, say so before spending time on a build.
if [ "$postgres" -eq 1 ]; then
    [ "$reset" -eq 1 ] && deploy/postgres.sh reset
    # The script's last line is the connection string; it fails with its own message when the server cannot start.
    pg_started=1
    pg_output=$(deploy/postgres.sh start) || { echo "run.sh: PostgreSQL did not start (see above); stopping" >&2; exit 1; }
    printf '%s\n' "$pg_output" | sed '$d'
    export Storage__Provider=Postgres
    export Storage__ConnectionString=${Storage__ConnectionString:-$(printf '%s\n' "$pg_output" | tail -n 1)}
    # One pool per process (each silo and the dashboard), together within the server's max_connections
    # (docs/operations.md, "Connection pools"); a connection string that sizes its pool itself is kept.
    export Storage__ExpectedProcesses=${Storage__ExpectedProcesses:-$((silos + 1))}
    if [ -z "${Storage__MaxPoolSize:-}" ] && ! printf '%s' "$Storage__ConnectionString" | grep -qiE 'max(imum)? *pool *size'; then
        Storage__MaxPoolSize=$(deploy/postgres.sh budget "$Storage__ExpectedProcesses") || { echo "run.sh: no pool budget fits the server (see above); stopping" >&2; exit 1; }
        export Storage__MaxPoolSize
    fi
fi

for project in Simulator Silo Client; do dotnet build "$project" -c Release -v quiet -nologo; done

# The LinkedIn simulator: one stand-in shared by every silo (API.md §4).
start simulator dotnet Simulator/bin/Release/net10.0/OrleansBreaker.Simulator.dll --urls http://127.0.0.1:5090
export Upstream__Provider=Http Upstream__BaseUrl=http://127.0.0.1:5090

# The silos: the first seeds the demo workspace. On PostgreSQL they find each other through the membership table.
# Each serves /healthz and /metrics on its own HTTP port, 5100+i.
for i in $(seq 0 $((silos - 1))); do
    seed=$demo; [ "$i" -gt 0 ] && seed=false
    Orleans__SiloPort=$((11111 + i)) Orleans__GatewayPort=$((30000 + i)) Orleans__HttpPort=$((5100 + i)) Demo__Enabled=$seed \
        start "silo $((i + 1))" dotnet Silo/bin/Release/net10.0/OrleansBreaker.Silo.dll
done

# The dashboard and REST API (API.md §2-3) on :5080, once the first gateway is up.
wait_for_port 30000 "${pids[1]}" "silo 1"
start dashboard dotnet Client/bin/Release/net10.0/OrleansBreaker.Client.dll --urls http://127.0.0.1:5080
client_pid=${pids[-1]}
deadline=$((SECONDS + 120))
until curl -fsS -o /dev/null http://127.0.0.1:5080/healthz 2>/dev/null; do
    alive "$client_pid" || { echo "run.sh: the dashboard exited during start (see its output above)" >&2; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "run.sh: the dashboard did not reach the cluster within 120s (/healthz is not 200)" >&2; exit 1; }
    sleep 1
done

# The admin key goes to curl through stdin, never on a command line `ps` would show.
demo_key=
if [ "$demo" = true ]; then
    demo_key=$(printf 'header = "Authorization: Bearer %s"\n' "$Auth__AdminKey" \
        | curl -fsS -K - -X POST http://127.0.0.1:5080/api/workspaces -H 'Content-Type: application/json' -d '{"id":"demo"}' 2>/dev/null \
        | sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p') || true
fi

echo
if [ "$postgres" -eq 1 ]; then
    echo "OrleansBreaker: $silos silo(s) on PostgreSQL (cluster id $Orleans__ClusterId)"
    echo "  dashboard:   http://127.0.0.1:5080  (sign in with the demo workspace key)"
    if [ "$demo" = false ]; then demo_key="none (--no-demo)"; fi
    echo "  demo key:    ${demo_key:-created on an earlier run (a key is shown once; create another workspace with the admin key)}"
    echo "  database:    $Storage__ConnectionString"
    echo "  pools:       ${Storage__MaxPoolSize:-from the connection string} connections per process, $Storage__ExpectedProcesses processes"
else
    echo "OrleansBreaker: 1 silo, in-memory storage"
    echo "  dashboard:   http://127.0.0.1:5080  (sign in with the demo workspace key)"
    echo "  demo key:    ${demo_key:-none (--no-demo)}"
fi
echo "  admin key:   $Auth__AdminKey"
echo "  gateways:    127.0.0.1:30000$([ "$silos" -gt 1 ] && echo "-$((30000 + silos - 1))")"
echo "  silo HTTP:   http://127.0.0.1:5100$([ "$silos" -gt 1 ] && echo "-$((5100 + silos - 1))") (/healthz, /metrics: each silo its own; the dashboard's at :5080/metrics)"
echo "  simulator:   http://127.0.0.1:5090 (e.g. curl http://127.0.0.1:5090/sim/accounts/alice)"
echo "  API:         curl -H \"Authorization: Bearer \$KEY\" http://127.0.0.1:5080/api/workspaces/demo/accounts"
echo "Ctrl-C stops everything."

# Runs until stopped. A silo that dies (a crash, kill -9) leaves the others serving; its grains and
# reminders come back on them. The run ends when the simulator or the dashboard exits, or the last silo.
while true; do
    sleep 1 & wait $! || true
    silos_alive=0
    for i in "${!pids[@]}"; do
        pid=${pids[$i]} name=${names[$i]}
        [ -n "$pid" ] || continue
        if alive "$pid"; then
            [[ "$name" == silo* ]] && silos_alive=$((silos_alive + 1))
            continue
        fi
        code=0; wait "$pid" 2>/dev/null || code=$?
        pids[$i]=
        if [[ "$name" != silo* ]]; then
            echo "run.sh: the $name exited (code $code); stopping everything" >&2
            exit 1
        fi
        echo "run.sh: $name (pid $pid) exited (code $code); the other silos keep serving" >&2
    done
    if [ "$silos_alive" -eq 0 ]; then
        echo "run.sh: no silo is left; stopping everything" >&2
        exit 1
    fi
done
