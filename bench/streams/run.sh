#!/usr/bin/env bash
# Streams benchmark: redsim vs redis-server, same run: XADD, XREADGROUP, XACK, XRANGE, XLEN at
# -P 1 and -P 16, then the memory taken by a 1M-entry stream and by 1M pending entries.
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/streams.py
python3 bench/streams/memory.py --redsim "$BUILD_DIR/bin/redsim-server"
