#!/usr/bin/env bash
# Sets benchmark: redsim vs redis-server, same run (throughput and memory ratios).
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/sets.py
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/sets_memory.py
