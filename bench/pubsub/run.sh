#!/usr/bin/env bash
# Pub/Sub benchmark (issue 7, item 9): PUBLISH to 1 and to 100 subscribers, redsim vs
# redis-server in the same run.
set -euo pipefail
BUILD_DIR=${1:-build/release}
python3 bench/pubsub/publish_bench.py --redsim "$BUILD_DIR/bin/redsim-server"
