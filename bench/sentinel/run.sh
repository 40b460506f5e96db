#!/usr/bin/env bash
# Sentinel failover time in the simulator: the primary of 3 Sentinels + a primary + 2 replicas
# crashes for good at 10 s; the failover time is from the crash to the first write acknowledged
# after it (necessarily by the promoted replica, found through the Sentinels as clients do), for
# down-after-milliseconds 1 s, 5 s and 30 s, over seeds 1..5 (simulated seconds: min / median /
# max). The real-mode figure (redsim Sentinels against redis-sentinel on loopback) is measured
# by integration_tests SentinelRealTest and reported in the issue notes. Never fails for being slow.
set -euo pipefail
BUILD_DIR=${1:-build/release}
REDSIM="$BUILD_DIR/bin/redsim"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf "%-26s %8s %8s %8s  %s\n" "down-after-milliseconds" "min s" "median s" "max s" "(failover time, 5 seeds)"
for down in 1000 5000 30000; do
  duration=$((10 + down * 4 / 1000 + 20))
  cat > "$dir/defs.toml" <<TOML
name = "sentinel-failover-time"
description = "bench: crash the primary at 10 s"
duration = "${duration}s"
checkers = ["election-safety"]
[claim]
id = "bench"
text = "failover time"
expected = "holds"
[config]
save = ""
[sentinel]
down-after-milliseconds = $down
failover-timeout = 60000
[[node]]
name = "n1"
role = "primary"
[[node]]
name = "n2"
role = "replica"
replicaof = "n1"
[[node]]
name = "n3"
role = "replica"
replicaof = "n1"
[[node]]
name = "s1"
role = "sentinel"
monitor = "n1"
[[node]]
name = "s2"
role = "sentinel"
monitor = "n1"
[[node]]
name = "s3"
role = "sentinel"
monitor = "n1"
[[workload]]
kind = "set"
clients = 4
keys = 2
rate = 50
target = "sentinel"
[[fault]]
kind = "crash"
at = "10s"
node = "n1"
TOML
  times=()
  for seed in 1 2 3 4 5; do
    rm -rf "$dir/out"
    REDSIM_SCENARIOS_DIR="$dir" "$REDSIM" run sentinel-failover-time --seed "$seed" --out "$dir/out" > /dev/null 2>&1 || true
    t=$(python3 - "$dir/out/history.jsonl" <<'PY'
import json, sys
crash = 10_000_000_000
pending, first = {}, None
for line in open(sys.argv[1]):
    e = json.loads(line)
    p = e.get("process")
    if e["type"] == "invoke":
        pending[p] = e
    elif e["type"] == "ok" and p in pending and pending[p]["f"] == "add" and pending[p]["time_ns"] > crash:
        first = e["time_ns"] if first is None else min(first, e["time_ns"])
print("%.2f" % ((first - crash) / 1e9) if first is not None else "none")
PY
)
    times+=("$t")
  done
  python3 - "$down" "${times[@]}" <<'PY'
import sys
down, ts = sys.argv[1], sys.argv[2:]
vals = sorted(float(t) for t in ts if t != "none")
if not vals:
    print("%-26s %8s" % (down, "no failover"))
else:
    print("%-26s %8.2f %8.2f %8.2f  %s" % (down, vals[0], vals[len(vals) // 2], vals[-1],
          "" if len(vals) == len(ts) else "(%d of %d seeds never wrote again)" % (len(ts) - len(vals), len(ts))))
PY
done
