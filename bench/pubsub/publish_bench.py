#!/usr/bin/env python3
"""PUBLISH throughput with 1 and with 100 subscribers, redsim-server vs redis-server side by
side (issue 7, item 9). Subscribers are drained by a separate process (drain_subscribers.py) so
neither server waits on them; the pubsub output-buffer limit is lifted on both so that a drainer
that falls behind for a moment is not disconnected. redis-benchmark runs
`PUBLISH bench:ch <64-byte message>` with -c 50 at pipeline depths 1 and 16; rounds alternate
which server goes first; the median of the rounds is reported with the redsim/redis ratio.

usage: bench/pubsub/publish_bench.py --redsim build/release/bin/redsim-server [--rounds 3]
"""
import argparse
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import compare  # noqa: E402  (Server, run_benchmark)

CHANNEL = "bench:ch"
MESSAGE = "m" * 64
SUBSCRIBERS = [1, 100]
PIPELINES = [("P1", ["-n", "100000", "-P", "1"]), ("P16", ["-n", "400000", "-P", "16"])]


def run_case(server, subscribers, bargs):
    drainer = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "drain_subscribers.py"), str(server.port), CHANNEL,
         str(subscribers)], stdout=subprocess.PIPE, text=True)
    try:
        assert drainer.stdout.readline().strip() == "ready"
        res = compare.run_benchmark(
            server.port, ["-c", "50", "-q"] + bargs + ["PUBLISH", CHANNEL, MESSAGE])
        rps = next(iter(res.values()), 0.0)
        receivers = server.call("PUBLISH", CHANNEL, "x")
    finally:
        drainer.terminate()
        drainer.wait()
    return rps, receivers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redsim", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    args = ap.parse_args()
    extra = ["--client-output-buffer-limit", "pubsub 0 0 0"]
    servers = {"redis": compare.Server("redis", args.redis, extra),
               "redsim": compare.Server("redsim", args.redsim, extra)}
    results = {}
    try:
        for rnd in range(args.rounds):
            order = ["redis", "redsim"] if rnd % 2 == 0 else ["redsim", "redis"]
            for n in SUBSCRIBERS:
                for label, bargs in PIPELINES:
                    for name in order:
                        rps, receivers = run_case(servers[name], n, bargs)
                        if receivers != n:
                            print("warning: %s had %r subscribers, expected %d" % (name, receivers, n))
                        key = "PUBLISH to %d subscriber%s %s" % (n, "" if n == 1 else "s", label)
                        results.setdefault(key, {}).setdefault(name, []).append(rps)
                        time.sleep(0.2)
        ratios = []
        print("%-44s %14s %14s %8s" % ("test", "redis rps", "redsim rps", "ratio"))
        for key, by_server in results.items():
            a = sorted(by_server["redis"])[len(by_server["redis"]) // 2]
            b = sorted(by_server["redsim"])[len(by_server["redsim"]) // 2]
            r = b / a if a > 0 else 0
            ratios.append(r)
            print("%-44s %14.0f %14.0f %8.2f" % (key, a, b, r))
        geo = math.exp(sum(math.log(max(r, 1e-9)) for r in ratios) / len(ratios))
        print("geomean_throughput_ratio=%.2f min_ratio=%.2f" % (geo, min(ratios)))
    finally:
        for s in servers.values():
            s.stop()


if __name__ == "__main__":
    main()
