#!/usr/bin/env bash
# A local PostgreSQL for OrleansBreaker, run from a data folder without any system service.
#
#   deploy/postgres.sh start    initdb if needed, start on 127.0.0.1, create the database, apply deploy/sql
#   deploy/postgres.sh stop     stop the server (fast shutdown)
#   deploy/postgres.sh status   say whether it runs, and print the connection string
#   deploy/postgres.sh apply    apply deploy/sql/*.sql in order to the running server (safe to repeat)
#   deploy/postgres.sh reset    stop the server and delete the data folder
#   deploy/postgres.sh budget P the connection pool size each of P processes (silos + dashboard) may
#                               have on the running server: (max_connections - reserved - 5) / P
#
# Options (or environment): --data DIR (BREAKER_PG_DATA, default .data/pg in the repo),
# --port N (BREAKER_PG_PORT, default 55432). A new start uses max_connections=BREAKER_PG_MAX_CONNECTIONS
# (default 100, PostgreSQL's own default, kept explicit: the pools are sized against it; a server
# already running keeps its value). Authentication is "trust" and the server listens on
# the loopback address only: this is a developer's database, not a production one.
# PostgreSQL refuses to run as root; when invoked as root the server runs as BREAKER_PG_USER
# (default "postgres", the user the Debian package creates), which then owns the data folder.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir=${BREAKER_PG_DATA:-$repo_root/.data/pg}
port=${BREAKER_PG_PORT:-55432}
os_user=${BREAKER_PG_USER:-postgres}
max_connections=${BREAKER_PG_MAX_CONNECTIONS:-100}
# Connections left out of every pool, for an operator's psql and this script's own.
pool_headroom=5
database=orleansbreaker
db_user=postgres

die() { echo "postgres.sh: $*" >&2; exit 1; }

usage() {
    # The header comment, without its "# ".
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
    exit "${1:-0}"
}

command=${1:-}
[ -n "$command" ] || usage 1
shift
processes=
if [ "$command" = budget ]; then
    processes=${1:-}
    [[ "$processes" =~ ^[1-9][0-9]*$ ]] || die "budget needs the number of processes sharing the server, e.g.: $0 budget 4"
    shift
fi
while [ $# -gt 0 ]; do
    case "$1" in
        --data) data_dir=${2:?--data needs a folder}; shift 2 ;;
        --port) port=${2:?--port needs a number}; shift 2 ;;
        -h|--help) usage 0 ;;
        *) die "unknown option: $1" ;;
    esac
done
[[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number: $port"
[[ "$max_connections" =~ ^[0-9]+$ ]] || die "BREAKER_PG_MAX_CONNECTIONS must be a number: $max_connections"
mkdir -p "$(dirname "$data_dir")"
data_dir=$(cd "$(dirname "$data_dir")" && pwd)/$(basename "$data_dir")

# Server binaries: pg_config's bindir when it holds initdb (a libpq-only pg_config does not),
# else the newest /usr/lib/postgresql/<version>/bin.
find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"; return
        fi
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"; return
        fi
    done
    die "PostgreSQL server binaries not found (no initdb). Install them: apt-get update && apt-get install -y postgresql"
}

bindir=$(find_bindir)

# Runs a server-side command (initdb, pg_ctl) as the data folder's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        id "$os_user" >/dev/null 2>&1 || die "running as root, but user '$os_user' does not exist (set BREAKER_PG_USER)"
        runuser -u "$os_user" -- "$@"
    else
        "$@"
    fi
}

connection_string() {
    echo "Host=127.0.0.1;Port=$1;Database=$database;Username=$db_user"
}

is_running() {
    [ -f "$data_dir/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$data_dir" status >/dev/null 2>&1
}

# The port the running server listens on, from postmaster.pid (line 4), in case it differs from --port.
running_port() {
    sed -n '4p' "$data_dir/postmaster.pid" 2>/dev/null || echo "$port"
}

psql_run() {
    local p=$1; shift
    PGCONNECT_TIMEOUT=10 PGOPTIONS="-c client_min_messages=warning" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$p" -U "$db_user" "$@"
}

init_cluster() {
    [ -f "$data_dir/PG_VERSION" ] && return
    echo "Initialising a new cluster in $data_dir"
    mkdir -p "$data_dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown "$os_user": "$data_dir"
    fi
    chmod 700 "$data_dir"
    as_owner "$bindir/initdb" -D "$data_dir" -U "$db_user" --auth=trust --encoding=UTF8 --locale=C >/dev/null \
        || die "initdb failed. As root, '$os_user' must be able to reach $data_dir (every parent folder needs o+x)."
}

apply_schema() {
    local p=$1 file
    local exists
    exists=$(psql_run "$p" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")
    if [ "$exists" != "1" ]; then
        echo "Creating database $database"
        psql_run "$p" -d postgres -c "CREATE DATABASE $database"
    fi
    shopt -s nullglob
    local files=("$repo_root"/deploy/sql/*.sql)
    [ ${#files[@]} -gt 0 ] || die "no SQL files in $repo_root/deploy/sql"
    for file in $(printf '%s\n' "${files[@]}" | LC_ALL=C sort); do
        echo "Applying $(basename "$file")"
        psql_run "$p" -d "$database" --single-transaction -f "$file"
    done
    echo "Schema version: $(psql_run "$p" -d "$database" -tAc 'SELECT max(version) FROM breaker_schema_version')"
}

# Whether something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Who listens on a port, when ss can tell (it needs root for other users' processes).
port_owner() {
    command -v ss >/dev/null 2>&1 || return 0
    ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*",pid=[0-9]*\).*/ (\1)/p' | head -n 1
}

server_pid() {
    sed -n '1p' "$data_dir/postmaster.pid" 2>/dev/null
}

answers() {
    psql_run "$1" -d postgres -tAc 'SELECT 1' >/dev/null 2>&1
}

start() {
    if is_running; then
        # A server of this data folder left running, e.g. by a run that was killed hard: reuse it
        # when it answers, else stop it and start afresh.
        if answers "$(running_port)"; then
            echo "PostgreSQL of $data_dir is already running (pid $(server_pid), port $(running_port)); reusing it."
        else
            echo "PostgreSQL of $data_dir is running (pid $(server_pid)) but does not answer on port $(running_port); restarting it."
            stop
        fi
    fi
    if ! is_running; then
        init_cluster
        if port_in_use "$port"; then
            die "port 127.0.0.1:$port is taken by another process$(port_owner "$port"), not by a PostgreSQL of $data_dir. Stop it, or choose another port: BREAKER_PG_PORT=55433 (or --port)."
        fi
        echo "Starting PostgreSQL on 127.0.0.1:$port"
        # Loopback only, no Unix socket (its default folder may not exist or be writable here).
        if ! as_owner "$bindir/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 \
            -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=$max_connections -c wal_compression=lz4" start >/dev/null; then
            echo "postgres.sh: the end of $data_dir/server.log:" >&2
            tail -n 5 "$data_dir/server.log" >&2 2>/dev/null || true
            die "PostgreSQL did not start on 127.0.0.1:$port (see $data_dir/server.log)"
        fi
    fi
    local p
    p=$(running_port)
    apply_schema "$p"
    connection_string "$p"
}

# Bounded: a fast shutdown (ends sessions, checkpoints), then an immediate one, then SIGKILL, so a
# stop under load never leaves the server running.
stop() {
    if ! is_running; then
        echo "Not running."
        return
    fi
    if as_owner "$bindir/pg_ctl" -D "$data_dir" -m fast -w -t 30 stop >/dev/null 2>&1; then
        echo "Stopped."
        return
    fi
    echo "postgres.sh: fast shutdown did not finish within 30s; shutting down immediately" >&2
    if as_owner "$bindir/pg_ctl" -D "$data_dir" -m immediate -w -t 10 stop >/dev/null 2>&1; then
        echo "Stopped (immediate)."
        return
    fi
    local pid
    pid=$(server_pid)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "postgres.sh: killing the server (pid $pid)" >&2
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    is_running && die "could not stop the server of $data_dir"
    echo "Stopped (killed)."
}

# Npgsql's rule: every pool's maximum together below the connections the server admits. Each process
# of OrleansBreaker (a silo, the dashboard) has one pool; P of them get an equal share of what is left
# after the reserved slots and a small headroom (Grains/Hosting/PoolBudget.cs, docs/operations.md).
budget() {
    local p=$1 settings max reserved usable share
    settings=$(psql_run "$p" -d postgres -tAc "SELECT current_setting('max_connections') || ' ' || (current_setting('superuser_reserved_connections')::int + coalesce(current_setting('reserved_connections', true), '0')::int)") \
        || die "could not read max_connections from the server on port $p"
    read -r max reserved <<<"$settings"
    usable=$((max - reserved))
    share=$(( (usable - pool_headroom) / processes ))
    [ "$share" -ge 2 ] || die "max_connections=$max ($reserved reserved) leaves fewer than 2 connections for each of $processes processes; raise BREAKER_PG_MAX_CONNECTIONS and restart the server ($0 stop; $0 start)"
    echo "$share"
}

status() {
    if is_running; then
        echo "Running on 127.0.0.1:$(running_port), data in $data_dir"
        connection_string "$(running_port)"
    else
        echo "Not running (data folder: $data_dir)"
        return 3
    fi
}

case "$command" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    apply)
        is_running || die "not running; use: $0 start"
        apply_schema "$(running_port)"
        connection_string "$(running_port)" ;;
    reset)
        stop
        rm -rf "$data_dir"
        echo "Deleted $data_dir" ;;
    budget)
        is_running || die "not running; use: $0 start"
        budget "$(running_port)" ;;
    -h|--help|help) usage 0 ;;
    *) die "unknown command: $command (start, stop, status, apply, reset, budget)" ;;
esac
