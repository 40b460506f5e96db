#!/usr/bin/env bash
# Prints one line per (scenario, seed): scenario, seed, trace hash, verdict — the fingerprint a
# refactor must leave unchanged. Usage: scripts/trace-hashes.sh [BUILD_DIR] [SEEDS] [SCENARIO]
#   scripts/trace-hashes.sh build/release 1..20 > before.tsv   (then diff with the after file)
set -euo pipefail
build=${1:-build/release}
seeds=${2:-1..20}
scenario=${3:-all}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$build/bin/redsim" sweep "$scenario" --seeds "$seeds" --jobs "${JOBS:-2}" --out "$out" >/dev/null || true
/usr/bin/python3 - "$out/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for r in sorted(rows, key=lambda r: (r["scenario"], int(r["seed"]))):
    print(f'{r["scenario"]}\t{r["seed"]}\t{r["trace_hash"]}\t{r.get("verdict", "")}')
PY
