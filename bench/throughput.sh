#!/usr/bin/env bash
# Dashboard throughput against hello-world under the same server (DESIGN.md §8: the student
# dashboard served by gunicorn with 2 workers does at least a third of the requests per
# second of a bare hello-world route, measured in one run).
#
#   bench/throughput.sh [DATABASE_URL]      # default: bench/school-bench.sqlite3
#
# Serves, one after the other, on a free loopback port with `gunicorn -c gunicorn.conf.py`
# (WEB_CONCURRENCY=2, SCHOOL_BIND=127.0.0.1:PORT): a bare WSGI hello-world callable and a
# bare Flask hello-world route (bench/hello_wsgi.py), then the app (wsgi:app, SCHOOL_ENV=
# development, a throwaway SECRET_KEY and instance folder) on DATABASE_URL; runs
# `wrk -t$THREADS -c$CONNECTIONS -d$DURATION` against each (the dashboard `/` with the session
# cookie of the student bench/pages.py measures, made by bench/session_cookie.py, then
# `/account`, the cheapest signed-in page: the ceiling of any page of the app), counts the
# response statuses in gunicorn's access log (any that is not 200 fails the run), and prints
# the requests per second and the ratios. Every process it starts is stopped on exit.
#
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (8), GUNICORN_ARGS (extra gunicorn
# options, e.g. "--max-requests 0"; gunicorn.conf.py recycles a worker every ~2,000 requests).
# The database is only read (the dashboard writes nothing).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DATABASE_URL=${1:-sqlite:///$ROOT/bench/school-bench.sqlite3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8}
GUNICORN_ARGS=${GUNICORN_ARGS:-}
USER_AGENT=school-bench
PY=$ROOT/.venv/bin/python

if ! command -v wrk >/dev/null; then
    echo "Installing wrk (Debian package)..." >&2
    apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
fi

TMP=$(mktemp -d)
SERVER_PID=
WRK_PID=
stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
cleanup() {
    if [[ -n $WRK_PID ]]; then
        kill "$WRK_PID" 2>/dev/null || true
    fi
    stop_server
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
export SECRET_KEY SCHOOL_ENV=development SCHOOL_INSTANCE_PATH=$TMP/instance DATABASE_URL
export SCHOOL_BIND=127.0.0.1:$PORT WEB_CONCURRENCY=2

# start_server NAME WSGI_APP: gunicorn in the background, its output in $TMP/NAME.log.
start_server() {
    # shellcheck disable=SC2086 # GUNICORN_ARGS is a list of options
    "$ROOT/.venv/bin/gunicorn" -c gunicorn.conf.py $GUNICORN_ARGS "$2" >"$TMP/$1.log" 2>&1 &
    SERVER_PID=$!
    SERVER_LOG=$TMP/$1.log
    for _ in $(seq 100); do
        if curl -fs -o /dev/null -A "$USER_AGENT" "$BASE/"; then
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    # The app answers / with a redirect to sign-in (curl -f passes): it is up.
    echo "gunicorn did not start for $2:" >&2
    cat "$TMP/$1.log" >&2
    exit 1
}

# measure NAME PATH [wrk options...]: wrk against PATH of the running server; sets RPS.
measure() {
    local name=$1 path=$2
    shift 2
    local before
    before=$(wc -l <"$SERVER_LOG")
    # In the background, so that a signal stops the run at once (bash runs traps between
    # commands, and `wait` is interrupted by one where a foreground command is not).
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -H "User-Agent: $USER_AGENT" "$@" "$BASE$path" \
        >"$TMP/$name.wrk" &
    WRK_PID=$!
    wait "$WRK_PID"
    WRK_PID=
    sleep 0.5 # the last access-log lines
    RPS=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/$name.wrk")
    local statuses boots
    statuses=$(tail -n +"$((before + 1))" "$SERVER_LOG" | grep -oE '" [0-9]{3} ' |
        tr -d '" ' | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}')
    boots=$(grep -c "Booting worker" "$SERVER_LOG" || true)
    LATENCY=$(awk '/^    Latency/ {print $2 " avg, " $4 " max"}' "$TMP/$name.wrk")
    echo "  $name: $RPS requests/s; latency $LATENCY; statuses $statuses;" \
        "workers booted $boots (2 at start)" >&2
    if tail -n +"$((before + 1))" "$SERVER_LOG" | grep -E '" [0-9]{3} ' |
        grep -qvE '" 200 '; then
        echo "A response other than 200: see the statuses above." >&2
        exit 1
    fi
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, gunicorn -w 2 on $BASE ${GUNICORN_ARGS:+($GUNICORN_ARGS)}" >&2
echo "database: ${DATABASE_URL%%://*}://...${DATABASE_URL##*/}; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

start_server hello-wsgi bench.hello_wsgi:app
measure hello-wsgi /
HELLO_WSGI=$RPS
stop_server

start_server hello-flask bench.hello_wsgi:flask_app
measure hello-flask /
HELLO_FLASK=$RPS
stop_server

start_server dashboard wsgi:app
mapfile -t SESSION < <("$PY" bench/session_cookie.py --database-url "$DATABASE_URL" --user-agent "$USER_AGENT")
if [[ ${#SESSION[@]} -ne 3 ]]; then
    echo "bench/session_cookie.py failed." >&2
    exit 1
fi
COOKIE="session=${SESSION[0]}"
STUDENT_NAME=${SESSION[2]}
check_dashboard() {
    local body
    body=$(curl -fsS -A "$USER_AGENT" -H "Cookie: $COOKIE" "$BASE/")
    if ! grep -qF "$STUDENT_NAME" <<<"$body"; then
        echo "GET / with the cookie does not show $STUDENT_NAME's dashboard." >&2
        exit 1
    fi
}
check_dashboard
echo "  dashboard of student ${SESSION[1]} ($STUDENT_NAME): curl says 200 with the name" >&2
measure dashboard / -H "Cookie: $COOKIE"
DASHBOARD=$RPS
check_dashboard
# The cheapest signed-in page (the account page: the session, the user's row, the layout):
# the ceiling for any page of the app under this server.
measure account /account -H "Cookie: $COOKIE"
ACCOUNT=$RPS
stop_server

"$PY" - "$HELLO_WSGI" "$HELLO_FLASK" "$DASHBOARD" "$ACCOUNT" <<'EOF'
import sys

wsgi, flask, dashboard, account = map(float, sys.argv[1:])
print("\n| served by gunicorn -w 2 | requests/s |")
print("|---|---:|")
for name, rps in (
    ("bare WSGI hello-world", wsgi),
    ("bare Flask hello-world route", flask),
    ("account page (signed in; the cheapest page)", account),
    ("student dashboard (signed in)", dashboard),
):
    print(f"| {name} | {rps:,.0f} |")
# Issue 15 item 9 (the fixed cost of a signed-in request), then DESIGN §8.
print("\n| ratio | measured | target | |")
print("|---|---:|---:|---|")
for name, ratio, target, label in (
    ("account page ÷ Flask hello-world", account / flask, 1 / 3, "≥ 1/3"),
    ("dashboard ÷ account page", dashboard / account, 1 / 2, "≥ 1/2"),
    ("dashboard ÷ Flask hello-world", dashboard / flask, 1 / 3, "≥ 1/3 (DESIGN §8)"),
):
    print(f"| {name} | {ratio:.2f} | {label} | {'met' if ratio >= target else 'NOT met'} |")
EOF
