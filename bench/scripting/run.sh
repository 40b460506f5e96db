#!/usr/bin/env bash
# Scripting benchmark: EVALSHA of a 3-call script, redsim vs redis-server, same run.
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/compare.py --redsim "$BUILD_DIR/bin/redsim-server" --suite bench/suites/scripting.py
