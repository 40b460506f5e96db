#!/usr/bin/env bash
# Cluster failover time in the simulator: a 3-master, 3-replica cluster (built by the scenario's
# own bootstrap) loses master n1 for good at 10 s; the failover time is from the crash to the
# failover won by n1's replica (n4), for cluster-node-timeout 1 s, 2 s, 5 s and 15 s, over seeds
# 1..5 (simulated seconds: min / median / max). Never fails for being slow.
set -euo pipefail
BUILD_DIR=${1:-build/release}
REDSIM="$BUILD_DIR/bin/redsim"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf "%-22s %8s %8s %8s  %s\n" "cluster-node-timeout" "min s" "median s" "max s" "(crash -> replica won, 5 seeds)"
for timeout in 1000 2000 5000 15000; do
  duration=$((10 + timeout * 4 / 1000 + 10))
  {
    printf 'name = "cluster-failover-time"\ndescription = "bench"\nduration = "%ss"\n' "$duration"
    printf 'checkers = ["election-safety"]\ncluster = true\n'
    printf '[claim]\nid = "bench"\ntext = "failover time"\nexpected = "holds"\n'
    printf '[config]\nsave = ""\ncluster-node-timeout = %s\n' "$timeout"
    for i in 1 2 3; do printf '[[node]]\nname = "n%s"\nrole = "primary"\n' "$i"; done
    for i in 1 2 3; do printf '[[node]]\nname = "n%s"\nrole = "replica"\nreplicaof = "n%s"\n' $((i + 3)) "$i"; done
    printf '[[workload]]\nkind = "set"\nclients = 4\nkeys = 6\nrate = 20\ntarget = "cluster"\n'
    printf '[[fault]]\nkind = "crash"\nat = "10s"\nnode = "n1"\n'
  } > "$dir/defs.toml"
  times=()
  for seed in 1 2 3 4 5; do
    rm -rf "$dir/out"
    REDSIM_SCENARIOS_DIR="$dir" "$REDSIM" run cluster-failover-time --seed "$seed" --out "$dir/out" > /dev/null 2>&1 || true
    t=$(python3 - "$dir/out/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wins = [e["time_ns"] for e in r.get("node_events", []) if e["type"] == "failover-won" and e["node"] == "n4" and e["time_ns"] > 10_000_000_000]
print("%.2f" % ((min(wins) - 10_000_000_000) / 1e9) if wins else "none")
PY
)
    times+=("$t")
  done
  python3 - "$timeout" "${times[@]}" <<'PY'
import sys
timeout, ts = sys.argv[1], sys.argv[2:]
vals = sorted(float(t) for t in ts if t != "none")
if not vals:
    print("%-22s %8s" % (timeout, "no failover"))
else:
    print("%-22s %8.2f %8.2f %8.2f  %s" % (timeout, vals[0], vals[len(vals) // 2], vals[-1],
          "" if len(vals) == len(ts) else "(%d of %d seeds: no failover)" % (len(ts) - len(vals), len(ts))))
PY
done
