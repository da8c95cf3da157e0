#!/usr/bin/env bash
# The multi-process layout on this machine, with local processes instead of containers: several
# `anxin serve` behind nginx, `anxin worker` processes (one schedules the periodic jobs), PostgreSQL,
# Redis and Mosquitto. The same layout as deploy/compose.yaml and deploy/systemd/.
#
#   deploy/up.sh                 bring it up, print the addresses, run until Ctrl-C, then take it down
#   deploy/up.sh --test          bring it up, run benchmarks/durability.py through nginx, take it down;
#                                exits with the test's status
#   deploy/up.sh --api 3 --workers 2 --port 8080 --test -- --settle 20   (after --: the test's options)
#
# What it uses:
#   PostgreSQL  a throwaway cluster of its own (initdb and pg_ctl in the working folder, on a free loopback
#               port, as the `postgres` user when run as root), never the machine's own service; removed at
#               the end. --database-url URL uses an existing database instead (the test then cannot
#               restart PostgreSQL and fails).
#   Redis       the machine's, database ANXIN_UP_REDIS_URL (redis://127.0.0.1:6379/11), flushed at the start
#               and at the end: give it a database of its own.
#   Mosquitto   the machine's broker on 127.0.0.1:1883 is checked for; no process of the app speaks MQTT
#               yet (the telemetry ingest will), so a missing broker is reported, not fatal.
#   nginx       the machine's binary, started with a configuration of its own in the working folder on
#               127.0.0.1:--port; not installed: `apt-get install -y nginx` (Debian, Ubuntu).
#
# Each anxin process runs under a small supervisor loop that starts it again a second after it exits, as
# systemd's Restart=always, RestartSec=1 does; its pid is in <folder>/run/<name>.pid. The layout is
# described in <folder>/layout.json, which benchmarks/durability.py reads to find the processes to kill and
# the cluster to restart. ANXIN_SECRET_KEY is used when set, else a random one is made for this run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ANXIN_BIN:-$ROOT/.venv/bin}"
PY="$BIN/python"
API=2
WORKERS=2
PORT=8080
TEST=0
KEEP=0
DATABASE_URL=""
REDIS_URL="${ANXIN_UP_REDIS_URL:-redis://127.0.0.1:6379/11}"
MQTT="${ANXIN_UP_MQTT:-127.0.0.1:1883}"
TEST_ARGS=()

usage() { sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --api) API="$2"; shift 2 ;;
        --workers) WORKERS="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --test) TEST=1; shift ;;
        --keep) KEEP=1; shift ;;
        --database-url) DATABASE_URL="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; TEST_ARGS=("$@"); break ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

say() { printf '[up %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$API" -ge 1 ] && [ "$WORKERS" -ge 1 ] || die "--api and --workers need at least 1"
[ -x "$BIN/anxin" ] || die "no $BIN/anxin: build the environment first (make venv), or set ANXIN_BIN"
NGINX="$(command -v nginx || true)"
[ -n "$NGINX" ] || NGINX="$([ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx || true)"
[ -n "$NGINX" ] || die "nginx is not installed: apt-get install -y nginx (Debian, Ubuntu), or dnf install nginx"
PG_BIN="${ANXIN_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ -z "$DATABASE_URL" ]; then
    [ -x "$PG_BIN/initdb" ] || die "no initdb in ${PG_BIN:-/usr/lib/postgresql/*/bin}: apt-get install -y postgresql, or set ANXIN_PG_BIN"
fi
"$PY" - "$REDIS_URL" <<'EOF' || die "Redis does not answer at $REDIS_URL (set ANXIN_UP_REDIS_URL)"
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_timeout=3).ping()
EOF
if (exec 3<>"/dev/tcp/${MQTT%:*}/${MQTT#*:}") 2>/dev/null; then
    MQTT_STATE="reachable"
else
    MQTT_STATE="not reachable"
    say "Mosquitto: nothing listens on $MQTT (apt-get install -y mosquitto); the app does not need it yet"
fi

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT is taken: choose another with --port"

FOLDER="$(mktemp -d /tmp/anxin-up-XXXXXX)"
chmod 711 "$FOLDER"  # the postgres user reaches its data folder inside
mkdir -p "$FOLDER/run" "$FOLDER/logs" "$FOLDER/uploads" "$FOLDER/nginx"
say "working folder $FOLDER"

# ---- taking it down ---------------------------------------------------------------------------------------
PG_DATA=""
INTERRUPTED=0
WAITING_ON=""  # the process the script waits for (the test, or a sleep): ended when it is taken down
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
down() {
    local status=$?
    trap - EXIT INT TERM
    say "taking the layout down"
    [ -n "$WAITING_ON" ] && kill -TERM "$WAITING_ON" 2>/dev/null || true
    touch "$FOLDER/stopping"
    local file pid
    for file in "$FOLDER"/run/*.supervisor.pid; do
        [ -e "$file" ] || continue
        pid="$(cat "$file")"
        kill -TERM "$pid" 2>/dev/null || true
    done
    for file in "$FOLDER"/run/*.supervisor.pid; do
        [ -e "$file" ] || continue
        pid="$(cat "$file")"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    done
    if [ -e "$FOLDER/nginx/nginx.pid" ]; then
        "$NGINX" -p "$FOLDER/nginx" -c "$FOLDER/nginx/nginx.conf" -s quit 2>/dev/null || true
    fi
    if [ -n "$PG_DATA" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
    "$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1]).flushdb()' "$REDIS_URL" 2>/dev/null || true
    if [ "$KEEP" -eq 1 ] || { [ "$status" -ne 0 ] && [ "$INTERRUPTED" -eq 0 ]; }; then
        say "logs kept in $FOLDER/logs"
    else
        rm -rf "$FOLDER"
    fi
    exit "$status"
}
trap down EXIT
trap 'INTERRUPTED=1; exit 130' INT
trap 'INTERRUPTED=1; exit 143' TERM

# ---- PostgreSQL ---------------------------------------------------------------------------------------------
if [ -z "$DATABASE_URL" ]; then
    PG_PORT="$(free_port)"
    PG_DATA="$FOLDER/pgdata"
    mkdir -m 700 "$PG_DATA" "$FOLDER/pgsock"
    touch "$FOLDER/logs/postgres.log"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DATA" "$FOLDER/pgsock" "$FOLDER/logs/postgres.log"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        --no-instructions >"$FOLDER/logs/initdb.log"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$FOLDER/logs/postgres.log" -w -t 60 start \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$FOLDER/pgsock -c max_connections=300 -c fsync=on -c synchronous_commit=on" \
        >/dev/null
    "$PY" -c 'import sys, psycopg; psycopg.connect(sys.argv[1], autocommit=True).execute("CREATE DATABASE anxin")' \
        "postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
    DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/anxin"
    say "PostgreSQL: a throwaway cluster on 127.0.0.1:$PG_PORT ($("$PG_BIN/postgres" --version))"
fi
"$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1]).flushdb()' "$REDIS_URL"

# ---- the environment every anxin process shares -------------------------------------------------------------
export ANXIN_DATABASE_URL="$DATABASE_URL"
export ANXIN_REDIS_URL="$REDIS_URL"
export ANXIN_SECRET_KEY="${ANXIN_SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')}"
export ANXIN_PUBLIC_BASE_URL="${ANXIN_PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
export ANXIN_TRUSTED_PROXIES="${ANXIN_TRUSTED_PROXIES:-127.0.0.1}"
export ANXIN_UPLOAD_DIR="${ANXIN_UPLOAD_DIR:-$FOLDER/uploads}"  # one folder for every server process
if [ "$TEST" -eq 1 ]; then
    # The test's webhook receiver listens on loopback, which outbound calls refuse unless allowed; a worker
    # it kills leaves its claimed messages due again after 30 s instead of the default five minutes.
    export ANXIN_OUTBOUND_ALLOWED_NETWORKS="${ANXIN_OUTBOUND_ALLOWED_NETWORKS:-127.0.0.1/32}"
    export ANXIN_OUTBOX_LEASE_SECONDS="${ANXIN_OUTBOX_LEASE_SECONDS:-30}"
    export ANXIN_LOG_LEVEL="${ANXIN_LOG_LEVEL:-WARNING}"
fi
cd "$FOLDER"  # not the repository: no .env is read from there

say "migrating"
"$BIN/anxin" db upgrade >"$FOLDER/logs/migrate.log" 2>&1 || die "anxin db upgrade failed: $FOLDER/logs/migrate.log"

# ---- the processes, each under a supervisor -----------------------------------------------------------------
supervise() {  # name, then the command
    local name="$1"
    shift
    (
        child=""
        trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; [ -n "$child" ] && wait "$child"; exit 0' TERM
        while [ ! -e "$FOLDER/stopping" ]; do
            "$@" >>"$FOLDER/logs/$name.log" 2>&1 </dev/null &
            child=$!
            echo "$child" >"$FOLDER/run/$name.pid"
            wait "$child" && code=0 || code=$?
            [ -e "$FOLDER/stopping" ] && break
            echo "$(date -u +%FT%TZ) $name (pid $child) exited with $code; starting it again in 1 s" \
                >>"$FOLDER/logs/supervisor.log"
            sleep 1
        done
    ) 2>>"$FOLDER/logs/supervisor.log" &
    echo $! >"$FOLDER/run/$name.supervisor.pid"
}

API_PORTS=()
for n in $(seq 1 "$API"); do
    port="$(free_port)"
    API_PORTS+=("$port")
    supervise "anxin-api-$n" "$BIN/anxin" serve --host 127.0.0.1 --port "$port" --sweep-every 0
done
for n in $(seq 1 "$WORKERS"); do
    if [ "$n" -eq 1 ]; then
        supervise "anxin-worker-$n" "$BIN/anxin" worker --workers 2  # schedules the periodic jobs
    else
        supervise "anxin-worker-$n" "$BIN/anxin" worker --workers 2 --no-periodic
    fi
done

for n in $(seq 1 "$API"); do
    port="${API_PORTS[$((n - 1))]}"
    for _ in $(seq 1 300); do
        "$PY" -c 'import sys, httpx; sys.exit(httpx.get(sys.argv[1], timeout=2).status_code != 200)' \
            "http://127.0.0.1:$port/healthz" 2>/dev/null && break
        sleep 0.3
    done
    "$PY" -c 'import sys, httpx; sys.exit(httpx.get(sys.argv[1], timeout=2).status_code != 200)' \
        "http://127.0.0.1:$port/healthz" 2>/dev/null || die "anxin-api-$n did not come up: $FOLDER/logs/anxin-api-$n.log"
done

# ---- nginx --------------------------------------------------------------------------------------------------
UPSTREAMS=""
for port in "${API_PORTS[@]}"; do
    UPSTREAMS+="        server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"$'\n'
done
N="$FOLDER/nginx"
cat >"$N/nginx.conf" <<EOF
# Written by deploy/up.sh; the same proxying as deploy/nginx/anxin.conf.
worker_processes 1;
pid $N/nginx.pid;
error_log $FOLDER/logs/nginx-error.log warn;
daemon on;
events { worker_connections 1024; }
http {
    access_log $FOLDER/logs/nginx-access.log;
    client_body_temp_path $N/client_body;
    proxy_temp_path $N/proxy;
    fastcgi_temp_path $N/fastcgi;
    uwsgi_temp_path $N/uwsgi;
    scgi_temp_path $N/scgi;
    upstream anxin {
$UPSTREAMS        keepalive 32;
    }
    server {
        listen 127.0.0.1:$PORT;
        include $ROOT/deploy/nginx/proxy.conf;
    }
}
EOF
"$NGINX" -p "$N" -c "$N/nginx.conf" -t >"$FOLDER/logs/nginx-test.log" 2>&1 || die "nginx refused its configuration: $FOLDER/logs/nginx-test.log"
"$NGINX" -p "$N" -c "$N/nginx.conf"
"$PY" -c 'import sys, httpx; sys.exit(httpx.get(sys.argv[1], timeout=5).status_code != 200)' \
    "http://127.0.0.1:$PORT/healthz" || die "nginx does not reach the API: $FOLDER/logs/nginx-error.log"

# ---- the layout, for benchmarks/durability.py ---------------------------------------------------------------
"$PY" - "$FOLDER" "$DATABASE_URL" "$PG_DATA" "$PG_BIN" "${ANXIN_OUTBOX_LEASE_SECONDS:-300}" "$PORT" \
    "$REDIS_URL" "${API_PORTS[@]}" <<'EOF'
import json, os, sys
folder, database_url, pg_data, pg_bin, lease, port, redis_url, *ports = sys.argv[1:]
workers = sorted(f[: -len(".pid")] for f in os.listdir(f"{folder}/run")
                 if f.startswith("anxin-worker-") and f.endswith(".pid") and ".supervisor" not in f)
layout = {
    "proxy": f"http://127.0.0.1:{port}",
    "database_url": database_url,
    "redis_url": redis_url,
    "postgres": {"data": pg_data, "log": f"{folder}/logs/postgres.log", "bin": pg_bin,
                 "user": "postgres"} if pg_data else None,
    "api": [{"name": f"anxin-api-{n}", "url": f"http://127.0.0.1:{p}", "pidfile": f"{folder}/run/anxin-api-{n}.pid"}
            for n, p in enumerate(ports, 1)],
    "workers": [{"name": w, "pidfile": f"{folder}/run/{w}.pid"} for w in workers],
    "lease_seconds": float(lease),
    "logs": f"{folder}/logs",
}
with open(f"{folder}/layout.json", "w") as out:
    json.dump(layout, out, indent=2)
EOF

say "up: nginx on http://127.0.0.1:$PORT -> ${API} anxin serve (ports ${API_PORTS[*]}), ${WORKERS} anxin worker, Redis $REDIS_URL, Mosquitto $MQTT $MQTT_STATE"
say "layout: $FOLDER/layout.json; logs: $FOLDER/logs"

if [ "$TEST" -eq 1 ]; then
    say "running benchmarks/durability.py through nginx"
    # In the background and waited for, so that Ctrl-C or SIGTERM takes the layout down at once.
    "$PY" "$ROOT/benchmarks/durability.py" --base-url "http://127.0.0.1:$PORT" --layout "$FOLDER/layout.json" \
        "${TEST_ARGS[@]}" &
    WAITING_ON=$!
    wait "$WAITING_ON" && status=0 || status=$?
    WAITING_ON=""
    exit "$status"
fi

say "running; Ctrl-C (or SIGTERM) takes it down"
sleep infinity &
WAITING_ON=$!
wait "$WAITING_ON"
