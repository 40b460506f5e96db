#!/usr/bin/env bash
# Benchmarks: redsim against the real redis-server, side by side in the same run. Never fails
# for being slow; prints ratios.
set -euo pipefail
BUILD_DIR=${1:-build/release}
for b in bench/*/run.sh; do
  [ -x "$b" ] || continue
  echo "== $b"
  bash "$b" "$BUILD_DIR"
done
