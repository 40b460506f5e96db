#!/usr/bin/env python3
"""Side-by-side benchmark driver: runs the same redis-benchmark invocations against a real
redis-server and redsim-server (both started here on free loopback ports, persistence off),
alternating A/B for several rounds, and prints a table with the redsim/redis throughput ratio
per line plus a summary line. Never fails for being slow.

usage: bench/compare.py --redsim build/release/bin/redsim-server --suite SUITE [--rounds 3]
       [--requests N] [--memory-keys N]

A suite is a Python file under bench/suites/ defining CASES = [(label, [redis-benchmark args]),
...] and optionally SETUP = [[command args], ...] run on each server first, and MEMORY = a list
of (label, [[command args], ...]) whose RSS/used_memory is compared after loading.
"""
import argparse
import importlib.util
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import resp_raw  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, name, binary, extra):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="redsim-bench-")
        self.port = free_port()
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", self.dir, "--enable-debug-command", "yes"]
        if name == "redis":
            args += ["--daemonize", "no"]
        args += extra
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                c = resp_raw.Conn(self.port)
                if c.call("PING") == b"PONG":
                    c.close()
                    return
            except OSError:
                pass
            time.sleep(0.025)
        raise RuntimeError("%s did not start" % name)

    def call(self, *args):
        c = resp_raw.Conn(self.port, timeout=600)
        try:
            return c.call(*args)
        finally:
            c.close()

    def info(self, section):
        text = self.call("INFO", section)
        if isinstance(text, tuple):
            text = text[1]
        out = {}
        for line in text.decode().splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                out[k] = v
        return out

    def rss(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_benchmark(port, args):
    cmd = ["redis-benchmark", "-p", str(port), "-q", "--csv"] + args
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
    results = {}
    for line in out.splitlines():
        m = re.match(r'"([^"]+)","([0-9.]+)"', line)
        if m:
            results[m.group(1)] = float(m.group(2))
    return results


def load_suite(path):
    spec = importlib.util.spec_from_file_location("suite", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redsim", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--suite", required=True)
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    args = ap.parse_args()
    suite = load_suite(args.suite)
    extra = getattr(suite, "SERVER_ARGS", [])
    servers = {"redis": Server("redis", args.redis, extra),
               "redsim": Server("redsim", args.redsim, extra)}
    try:
        for s in servers.values():
            for cmd in getattr(suite, "SETUP", []):
                s.call(*cmd)
        best = {"redis": {}, "redsim": {}}
        for rnd in range(args.rounds):
            for label, bargs in suite.CASES:
                # Alternate which server goes first each round to cancel drift.
                order = ["redis", "redsim"] if rnd % 2 == 0 else ["redsim", "redis"]
                for name in order:
                    res = run_benchmark(servers[name].port, bargs)
                    for test, rps in res.items():
                        key = "%s %s" % (label, test)
                        best[name].setdefault(key, []).append(rps)
        ratios = []
        print("%-44s %14s %14s %8s" % ("test", "redis rps", "redsim rps", "ratio"))
        for key in best["redis"]:
            a = sorted(best["redis"][key])[len(best["redis"][key]) // 2]
            b_list = best["redsim"].get(key)
            if not b_list:
                print("%-44s %14.0f %14s %8s" % (key, a, "missing", "-"))
                continue
            b = sorted(b_list)[len(b_list) // 2]
            r = b / a if a > 0 else 0
            ratios.append(r)
            print("%-44s %14.0f %14.0f %8.2f" % (key, a, b, r))
        rss_ratio = None
        for label, commands in getattr(suite, "MEMORY", []):
            figures = {}
            for name, s in servers.items():
                s.call("FLUSHALL")
                base_rss = s.rss()
                base_used = int(s.info("memory").get("used_memory", "0"))
                for cmd in commands:
                    s.call(*cmd)
                time.sleep(0.5)
                figures[name] = (s.rss() - base_rss, int(s.info("memory").get("used_memory", "0")) - base_used)
            r_rss = figures["redsim"][0] / max(1, figures["redis"][0])
            r_used = figures["redsim"][1] / max(1, figures["redis"][1])
            rss_ratio = r_rss if rss_ratio is None else max(rss_ratio, r_rss)
            print("%-44s redis rss=%dMB used=%dMB  redsim rss=%dMB used=%dMB  rss_ratio=%.2f used_ratio=%.2f" % (
                "memory " + label, figures["redis"][0] >> 20, figures["redis"][1] >> 20,
                figures["redsim"][0] >> 20, figures["redsim"][1] >> 20, r_rss, r_used))
        if ratios:
            geo = math.exp(sum(math.log(max(r, 1e-9)) for r in ratios) / len(ratios))
            line = "geomean_throughput_ratio=%.2f min_ratio=%.2f" % (geo, min(ratios))
            if rss_ratio is not None:
                line += " rss_ratio=%.2f" % rss_ratio
            print(line)
    finally:
        for s in servers.values():
            s.stop()


if __name__ == "__main__":
    main()
