#!/usr/bin/env bash
# Replication benchmark: full-sync time, replicated SET throughput and catch-up lag, redis vs redsim.
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/replication/fullsync.py --redsim "$BUILD_DIR/bin/redsim-server" --keys "${REPL_KEYS:-1000000}"
