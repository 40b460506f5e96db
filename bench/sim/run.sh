#!/usr/bin/env bash
# Simulator speed: simulated commands per wall second (single-node-kv, 50 clients) and time
# compression (idle-3-node). Figures only; never fails for being slow.
set -euo pipefail
BUILD_DIR=${1:-build/release}
REDSIM="$BUILD_DIR/bin/redsim"
measure() {
  local label=$1; shift
  local t0 t1 line
  line=$( { /usr/bin/time -f "cpu_seconds=%U" "$REDSIM" run "$@" --json 2>&1 1>&3 3>&-; } 3>&1 | tr '\n' ' ')
  local json cpu
  json=$(echo "$line" | grep -o '{"scenario.*}')
  cpu=$(echo "$line" | grep -o 'cpu_seconds=[0-9.]*' | cut -d= -f2)
  python3 - "$label" "$json" "$cpu" <<'PY'
import json, sys
label, j, cpu = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
wall = j["wall_seconds"]
print("%-34s sim=%7.1fs wall=%6.2fs cpu=%6.2fs ops=%9d  ops/wall-s=%9.0f ops/cpu-s=%9.0f  compression=%7.0fx (cpu %7.0fx)" % (
    label, j["sim_seconds"], wall, cpu, j["ops"], j["ops"] / wall, j["ops"] / max(cpu, 1e-9),
    j["sim_seconds"] / wall, j["sim_seconds"] / max(cpu, 1e-9)))
PY
}
measure "single-node-kv, 50 clients, 30 s" single-node-kv --seed 1 --clients 50 --duration 30s
measure "idle-3-node, 600 s" idle-3-node --seed 1 --duration 600s
echo "targets: >= 1,000,000 simulated commands per wall second; >= 1000x compression (idle-3-node)"
