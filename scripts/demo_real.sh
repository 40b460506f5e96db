#!/usr/bin/env bash
# The main job, shown to a newcomer: start redsim-server on a free loopback port, drive a short
# redis-cli session (strings, counters, expiry), and stop it.
set -euo pipefail
BUILD_DIR=${1:-build/release}
BIN="$BUILD_DIR/bin"
PORT=$(python3 scripts/free_port.py)
LOG=$(mktemp)
"$BIN/redsim-server" --port "$PORT" --save '' >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" PING >/dev/null 2>&1 && break; sleep 0.1; done

say() { printf '\n$ redis-cli %s\n' "$*"; redis-cli -p "$PORT" "$@"; }
echo "redsim-server running on 127.0.0.1:$PORT (pid $PID)"
say SET greeting "hello from redsim"
say GET greeting
say INCR visits
say INCRBY visits 41
say SET session:1 alice EX 2
say TTL session:1
echo; echo "(waiting 2.1 s for session:1 to expire)"; sleep 2.1
say GET session:1
say DBSIZE
say INFO keyspace
redis-cli -p "$PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait $PID 2>/dev/null || true
echo; echo "demo: ok"
