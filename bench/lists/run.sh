#!/usr/bin/env bash
# List benchmark: redsim vs redis-server, same run (LPUSH, RPOP, LRANGE_100 at -P 1 and -P 16).
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/lists.py
