#!/usr/bin/env bash
# Eviction benchmark: SET and GET under maxmemory with allkeys-lru evicting, redsim vs
# redis-server in the same run (bench/suites/eviction.py).
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/eviction.py
