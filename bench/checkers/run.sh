#!/usr/bin/env bash
# Linearizability checker benchmark: every validation history timed in-process, totals per data
# set beside Porcupine's published figures, and a generated 100,000-operation history.
set -euo pipefail
BUILD_DIR=${1:-build/release}
if [ ! -x "$BUILD_DIR/bin/checker_bench" ]; then
  echo "bench/checkers: $BUILD_DIR/bin/checker_bench is missing (it is built with the tests)" >&2
  exit 0
fi
"$BUILD_DIR/bin/checker_bench" tests/data/linearizability --repeat "${REPEAT:-5}" "${@:2}"
