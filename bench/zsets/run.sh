#!/usr/bin/env bash
# Sorted-sets benchmark: redsim vs redis-server, same run (throughput and memory ratios).
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/zsets.py
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/zsets_memory.py
