#!/usr/bin/env bash
# HyperLogLog, bitmap and geo benchmark: redsim vs redis-server in the same run.
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/hll_bitmap_geo.py
