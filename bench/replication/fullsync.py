#!/usr/bin/env python3
"""Replication benchmark: time for a replica to complete a full sync of N keys from its primary,
and SET throughput on the primary with one replica attached, for redis->redis and
redsim->redsim in the same run. Prints the ratios (>1: redsim better). Never fails for being slow.

usage: bench/replication/fullsync.py --redsim build/release/bin/redsim-server [--keys 1000000]
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import resp_raw  # noqa: E402


def call(port, *args):
    c = resp_raw.Conn(port)
    try:
        r = c.call(*args)
    finally:
        c.close()
    return r.decode() if isinstance(r, bytes) else r


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(binary, port, workdir):
    p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                          "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if call(port, "PING") == "PONG":
                return p
        except (OSError, ConnectionError):
            time.sleep(0.05)
    raise RuntimeError("server did not start: " + binary)


def info_field(port, field):
    text = call(port, "INFO", "replication")
    m = re.search(r"^%s:(.*)$" % field, text, re.M)
    return m.group(1).strip() if m else ""


def measure(binary, keys):
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        pp, rp = free_port(), free_port()
        primary, replica = start(binary, pp, d1), start(binary, rp, d2)
        try:
            bench = ["redis-benchmark", "-p", str(pp), "-q", "-c", "50", "-P", "64", "-n",
                     str(keys), "-r", str(keys * 10), "-d", "64", "-t", "set"]
            subprocess.run(bench, stdout=subprocess.DEVNULL, check=True)
            n = int(call(pp, "DBSIZE"))
            t0 = time.time()
            call(rp, "REPLICAOF", "127.0.0.1", str(pp))
            while info_field(rp, "master_link_status") != "up":
                time.sleep(0.01)
            sync_s = time.time() - t0
            out = subprocess.run(["redis-benchmark", "-p", str(pp), "-q", "-c", "50", "-P", "16",
                                  "-n", "500000", "-r", "100000", "-d", "64", "-t", "set"],
                                 capture_output=True, text=True).stdout
            rps = float(re.findall(r"([\d.]+) requests per second", out)[-1])
            t1 = time.time()
            target = info_field(pp, "master_repl_offset")
            while info_field(rp, "master_repl_offset") != target:
                time.sleep(0.005)
            lag_ms = (time.time() - t1) * 1000
            return n, sync_s, rps, lag_ms
        finally:
            for p in (primary, replica):
                p.kill()
                p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redsim", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--keys", type=int, default=1000000)
    a = ap.parse_args()
    r = measure(a.redis, a.keys)
    s = measure(a.redsim, a.keys)
    print("%-34s %12s %12s %8s" % ("", "redis", "redsim", "ratio"))
    print("%-34s %12d %12d" % ("keys in the primary", r[0], s[0]))
    print("%-34s %12.2f %12.2f %8.2f" % ("full sync (s)", r[1], s[1], r[1] / s[1]))
    print("%-34s %12.0f %12.0f %8.2f" % ("SET -P16 with a replica (rps)", r[2], s[2], s[2] / r[2]))
    print("%-34s %12.1f %12.1f %8.2f" % ("replica catch-up after it (ms)", r[3], s[3],
                                          r[3] / max(s[3], 0.1)))


if __name__ == "__main__":
    main()
