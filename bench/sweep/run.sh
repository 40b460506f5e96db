#!/usr/bin/env bash
# Sweep speed and shrink time (issue 9): seeds per minute per core for 60 simulated seconds of
# single-node-kv (one process, so CPU time = one core), and how long shrinking the broken-engine
# failure takes. Figures only; never fails for being slow.
set -euo pipefail
BUILD_DIR=${1:-build/release}
REDSIM="$BUILD_DIR/bin/redsim"
SEEDS=${SEEDS:-10}
cpu_of() { grep -o 'cpu_seconds=[0-9.]*' | tail -1 | cut -d= -f2; }
for scenario in single-node-kv single-node-faults aof-recovery-always; do
  cpu=$( { /usr/bin/time -f "cpu_seconds=%U" "$REDSIM" sweep "$scenario" --seeds 1..$SEEDS --duration 60s >/dev/null; } 2>&1 | cpu_of || true)
  python3 -c "import sys; n,c=int(sys.argv[1]),float(sys.argv[2]); print('%-20s %d seeds x 60 s simulated: %.2f cpu-s -> %.0f seeds/min/core (target >= 600)' % (sys.argv[3], n, c, n/c*60))" "$SEEDS" "$cpu" "$scenario"
done
echo "shrink: single-node-faults, engine dropping every 100th acknowledged SET"
start=$(date +%s.%N)
"$REDSIM" shrink single-node-faults --seed 1 --duration 10s --config debug-drop-acked-writes-every=100 --quiet | grep -E '^(original|minimal|replay)'
end=$(date +%s.%N)
python3 -c "import sys; print('shrink wall time: %.1f s (target < 60 s)' % (float(sys.argv[2]) - float(sys.argv[1])))" "$start" "$end"
