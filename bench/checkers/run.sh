#!/usr/bin/env bash
# Linearizability checker benchmark: every validation history timed in-process, totals per data
# set beside Porcupine's published figures, and a generated 100,000-operation history.
set -euo pipefail
BUILD_DIR=${1:-build/release}
"$BUILD_DIR/bin/checker_bench" tests/data/linearizability --repeat "${REPEAT:-5}" "${@:2}"
