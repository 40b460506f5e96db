#!/usr/bin/env bash
# Persistence benchmark: BGSAVE time, longest stall during BGSAVE and RDB load time for 1M keys
# (strings and small collections of every type), redsim vs redis-server side by side.
set -euo pipefail
BUILD_DIR=${1:-build/release}
/usr/bin/python3 bench/persistence/bench.py --redsim "$BUILD_DIR/bin/redsim-server" \
  --keys "${PERSIST_BENCH_KEYS:-1000000}"
