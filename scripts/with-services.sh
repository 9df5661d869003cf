#!/usr/bin/env bash
# Runs a command the way production runs: on PostgreSQL with a Redis broker,
# when this machine has the servers installed.
#
#   scripts/with-services.sh COMMAND [ARGS...]
#
# If PostgreSQL's server programs (initdb, postgres, pg_ctl) and redis-server
# are found, throwaway instances are started on free loopback ports inside a
# temporary folder, DATABASE_URL and REDIS_URL point at them while COMMAND
# runs, and both are stopped and removed afterwards, whatever the outcome.
# If either is missing, a warning says so and COMMAND runs on SQLite with
# Celery executing tasks eagerly. The exit status is COMMAND's.
#
# Used by scripts/test.sh (the test suite) and the benchmarks in bench/.
#
# Environment:
#   PYTHON                 interpreter for the small helpers here (default .venv/bin/python)
#   PG_BINDIR              folder holding initdb/pg_ctl/postgres (default: newest
#                          /usr/lib/postgresql/*/bin, else the ones on PATH)
#   REQUIRE_REAL_SERVICES  1 = fail instead of falling back to SQLite
#   SERVICE_START_TIMEOUT  seconds to wait for each server (default 60)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ -z "${PYTHON:-}" ]; then
    if [ -x "$root/.venv/bin/python" ]; then
        PYTHON="$root/.venv/bin/python"
    else
        PYTHON="python3"
    fi
fi
timeout_s="${SERVICE_START_TIMEOUT:-60}"

log() { printf '[with-services] %s\n' "$*" >&2; }

banner() {
    local line='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
    printf '\n%s\n%s\n' "$line" "$line" >&2
    local msg
    for msg in "$@"; do printf '!!! %s\n' "$msg" >&2; done
    printf '%s\n%s\n\n' "$line" "$line" >&2
}

free_port() {
    "$PYTHON" - <<'PY'
import socket
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

# --- Which servers are installed? -------------------------------------------
pg_bindir=""
find_pg_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        pg_bindir="$PG_BINDIR"
        return
    fi
    local d
    # Debian keeps the server programs out of PATH, one folder per major version.
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            pg_bindir="$d"
            return
        fi
    done
    if command -v initdb >/dev/null 2>&1; then
        d="$(dirname "$(readlink -f "$(command -v initdb)")")"
        if [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ]; then
            pg_bindir="$d"
        fi
    fi
}
find_pg_bindir

missing=()
if [ -z "$pg_bindir" ] || [ ! -x "$pg_bindir/initdb" ] || [ ! -x "$pg_bindir/postgres" ] \
        || [ ! -x "$pg_bindir/pg_ctl" ]; then
    missing+=("PostgreSQL server (initdb/postgres/pg_ctl; Debian package 'postgresql')")
elif [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    missing+=("the 'postgres' OS user (initdb refuses to run as root; Debian package 'postgresql' creates it)")
fi
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    missing+=("Redis server (redis-server/redis-cli; Debian package 'redis-server')")
fi

if [ "$#" -eq 0 ]; then
    log "usage: scripts/with-services.sh COMMAND [ARGS...]"
    exit 2
fi

if [ "${#missing[@]}" -gt 0 ]; then
    lines=("NOT TESTING AGAINST THE PRODUCTION SERVERS. Missing:")
    for m in "${missing[@]}"; do lines+=("    - $m"); done
    if [ "${REQUIRE_REAL_SERVICES:-0}" = 1 ]; then
        lines+=("REQUIRE_REAL_SERVICES=1 is set, so this is an error.")
        banner "${lines[@]}"
        exit 1
    fi
    lines+=("The command runs on SQLite with Celery executing tasks eagerly;"
            "PostgreSQL- and Redis-specific behaviour is NOT covered by this run."
            "Install them (apt-get install postgresql redis-server) to test for real.")
    banner "${lines[@]}"
    unset DATABASE_URL REDIS_URL
    rc=0
    "$@" || rc=$?
    # Again at the end, where it is seen.
    banner "${lines[@]}"
    exit "$rc"
fi

# --- Throwaway PostgreSQL and Redis ------------------------------------------
# Under /tmp rather than $TMPDIR: the postgres user must reach it, and the
# socket path must stay short.
tmp="$(mktemp -d /tmp/sanzi-test.XXXXXX)"
# The postgres user must be able to reach its folders inside.
chmod 755 "$tmp"
pg_data="$tmp/pgdata"
pg_sock="$tmp/pgsock"
pg_log="$tmp/pglog"
redis_dir="$tmp/redis"
mkdir -p "$pg_data" "$pg_sock" "$pg_log" "$redis_dir"
chmod 700 "$pg_data"

as_pg() {
    # initdb and postgres refuse to run as root: use the postgres OS user then.
    if [ "$(id -u)" = 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd "$tmp" && runuser -u postgres -- "$@")
        else
            local cmd
            printf -v cmd '%q ' "$@"
            (cd "$tmp" && su postgres -s /bin/sh -c "$cmd")
        fi
    else
        (cd "$tmp" && "$@")
    fi
}
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$pg_data" "$pg_sock" "$pg_log"
fi

pg_started=0
redis_started=0
redis_port=""
# shellcheck disable=SC2317  # called through the trap below
cleanup() {
    local rc=$?
    set +e
    if [ "$redis_started" = 1 ]; then
        redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1
        if [ -f "$redis_dir/redis.pid" ]; then
            kill "$(cat "$redis_dir/redis.pid")" >/dev/null 2>&1
        fi
    fi
    if [ "$pg_started" = 1 ]; then
        as_pg "$pg_bindir/pg_ctl" -D "$pg_data" -m immediate -w -t 30 stop >/dev/null 2>&1
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_for() {
    # wait_for NAME LOGFILE COMMAND...: until COMMAND succeeds, or time is up.
    local name="$1" logfile="$2"
    shift 2
    local waited=0
    until "$@" >/dev/null 2>&1; do
        if [ "$waited" -ge "$timeout_s" ]; then
            log "ERROR: $name did not become ready within ${timeout_s}s. Its log:"
            cat "$logfile" >&2 2>/dev/null || true
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

log "PostgreSQL from $pg_bindir"
as_pg "$pg_bindir/initdb" -D "$pg_data" -U postgres -A trust --encoding=UTF8 --no-locale \
    >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; log "ERROR: initdb failed"; exit 1; }

pg_port="$(free_port)"
# A disposable cluster: speed over durability. Only the loopback address and a
# socket inside the temporary folder are listened on.
as_pg sh -c "cat >> '$pg_data/postgresql.conf'" <<EOF

# --- throwaway test instance ---
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
EOF

as_pg "$pg_bindir/pg_ctl" -D "$pg_data" -l "$pg_log/postgres.log" -w -t "$timeout_s" start \
    >/dev/null || { cat "$pg_log/postgres.log" >&2; log "ERROR: PostgreSQL did not start"; exit 1; }
pg_started=1
if [ -x "$pg_bindir/pg_isready" ]; then
    wait_for PostgreSQL "$pg_log/postgres.log" \
        "$pg_bindir/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres
fi
as_pg "$pg_bindir/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres sanzi

redis_port="$(free_port)"
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$redis_dir" \
    --save '' --appendonly no --daemonize yes \
    --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" \
    || { cat "$redis_dir/redis.log" >&2 2>/dev/null; log "ERROR: redis-server did not start"; exit 1; }
redis_started=1
wait_for Redis "$redis_dir/redis.log" \
    sh -c "redis-cli -h 127.0.0.1 -p '$redis_port' ping | grep -qx PONG"

export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/sanzi"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
log "DATABASE_URL=$DATABASE_URL"
log "REDIS_URL=$REDIS_URL"

rc=0
"$@" || rc=$?
exit "$rc"
