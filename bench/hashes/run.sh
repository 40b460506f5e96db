#!/usr/bin/env bash
# Hash benchmark: redsim vs redis-server, same run: HSET at -P 1 and -P 16, then the memory taken
# by 1M small hashes of 5 fields each.
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/hashes.py
python3 bench/hashes/memory.py --redsim "$BUILD_DIR/bin/redsim-server"
