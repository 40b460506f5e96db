#!/usr/bin/env bash
# Simulator speed: simulated commands per wall and per CPU second (single-node-kv), seeds per
# minute per core for one 60 s seed of single-node-kv and of the heaviest other scenario
# (aof-recovery-always: AOF replay on every restart makes it the costliest per operation), and
# time compression (idle-3-node). Sweeps of many seeds and the shrink time are in bench/sweep.
# Figures only; never fails for being slow.
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
print("%-34s sim=%7.1fs wall=%6.2fs cpu=%6.2fs ops=%9d  ops/wall-s=%9.0f ops/cpu-s=%9.0f  compression=%7.0fx (cpu %7.0fx)  seeds/min/core=%6.1f" % (
    label, j["sim_seconds"], wall, cpu, j["ops"], j["ops"] / wall, j["ops"] / max(cpu, 1e-9),
    j["sim_seconds"] / wall, j["sim_seconds"] / max(cpu, 1e-9), 60.0 / max(cpu, 1e-9)))
PY
}
# Per-operation cost needs clients that never wait: a copy of the scenario files with
# single-node-kv's pacing removed (rate = 0, the closed loop) measures simulated commands per
# second; the file as it is (20 clients at 25 ops/s) measures seeds per minute.
closed=$(mktemp -d)
trap 'rm -rf "$closed"' EXIT
cp scenarios/defs/*.toml "$closed/"
sed -i 's/^rate = .*/rate = 0/' "$closed/single-node-kv.toml"
REDSIM_SCENARIOS_DIR="$closed" measure "single-node-kv closed loop, 50 cl, 30 s" single-node-kv --seed 1 --clients 50 --duration 30s
REDSIM_SCENARIOS_DIR="$closed" measure "single-node-kv closed loop, 60 s" single-node-kv --seed 1 --duration 60s
measure "single-node-kv, 60 s (one seed)" single-node-kv --seed 1 --duration 60s
measure "aof-recovery-always, 60 s (one seed)" aof-recovery-always --seed 1 --duration 60s
measure "idle-3-node, 600 s" idle-3-node --seed 1 --duration 600s
echo "targets: >= 1,000,000 simulated commands per wall (CPU) second; >= 1000x compression (idle-3-node);"
echo "         >= 600 seeds/min/core for 60 s of single-node-kv (seeds/min/core = 60 / cpu-s of one seed)"
