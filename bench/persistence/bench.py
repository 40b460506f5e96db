#!/usr/bin/env python3
"""Persistence benchmark: redsim-server against redis-server, side by side, same settings.

For each server: fill N keys (a mix of strings and small collections of every type), then
  * BGSAVE time (from the command until INFO reports it done),
  * the longest event-loop stall during that BGSAVE (the worst PING round trip seen by a client
    pinging in a tight loop while the save runs),
  * RDB load time at start-up (process start until PING stops answering LOADING),
and print each figure with the ratio redis/redsim (> 1 means redsim is faster / stalls less).
Never fails for being slow.
"""
import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import redis


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(binary, directory, port):
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
            "no", "--dir", directory, "--logfile", os.path.join(directory, "server.log")]
    if "redis-server" in binary:
        args += ["--daemonize", "no"]
    args += ["--enable-debug-command", "yes"]
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = redis.Redis(port=port, socket_timeout=60)
    while True:
        try:
            r.ping()
            break
        except (redis.ConnectionError, redis.BusyLoadingError):
            time.sleep(0.002)
        except redis.ResponseError as e:
            if "LOADING" not in str(e):
                raise
            time.sleep(0.002)
    return proc, r, time.monotonic() - t0


def fill(r, keys):
    pipe = r.pipeline(transaction=False)
    for i in range(keys):
        k = "key:%d" % i
        kind = i % 10
        if kind < 6:
            pipe.set(k, "value:%d" % i)
        elif kind == 6:
            pipe.rpush(k, *("e%d" % j for j in range(5)))
        elif kind == 7:
            pipe.hset(k, mapping={"f%d" % j: str(j) for j in range(5)})
        elif kind == 8:
            pipe.sadd(k, *range(5))
        else:
            pipe.zadd(k, {"m%d" % j: j for j in range(5)})
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()


def bgsave_with_stall_probe(port):
    r = redis.Redis(port=port)
    probe = redis.Redis(port=port)
    worst = [0.0]
    stop = threading.Event()

    def ping_loop():
        while not stop.is_set():
            t = time.perf_counter()
            probe.ping()
            worst[0] = max(worst[0], time.perf_counter() - t)

    th = threading.Thread(target=ping_loop)
    th.start()
    time.sleep(0.2)
    worst[0] = 0.0
    t0 = time.monotonic()
    r.bgsave()
    while r.info("persistence")["rdb_bgsave_in_progress"]:
        time.sleep(0.005)
    elapsed = time.monotonic() - t0
    stop.set()
    th.join()
    return elapsed, worst[0]


def measure(binary, keys):
    d = tempfile.mkdtemp(prefix="redsim-bench-persist-")
    port = free_port()
    proc, r, _ = start(binary, d, port)
    fill(r, keys)
    bgsave_s, stall_s = bgsave_with_stall_probe(port)
    r.shutdown(nosave=True)
    proc.wait()
    proc, r, load_s = start(binary, d, free_port())
    loaded = r.dbsize()
    proc.kill()
    proc.wait()
    rdb_mb = os.path.getsize(os.path.join(d, "dump.rdb")) / 1e6
    shutil.rmtree(d, ignore_errors=True)
    return {"bgsave_s": bgsave_s, "stall_ms": stall_s * 1000, "load_s": load_s,
            "keys": loaded, "rdb_mb": rdb_mb}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redsim", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--keys", type=int, default=1_000_000)
    a = ap.parse_args()
    got = {"redis": measure(a.redis, a.keys), "redsim": measure(a.redsim, a.keys)}
    print("%-22s %12s %12s %8s" % ("metric (%d keys)" % a.keys, "redis", "redsim", "ratio"))
    for m, unit in (("bgsave_s", "s"), ("stall_ms", "ms"), ("load_s", "s"), ("rdb_mb", "MB"),
                    ("keys", "")):
        x, y = got["redis"][m], got["redsim"][m]
        ratio = x / y if y else float("nan")
        print("%-22s %12.3f %12.3f %8.2f" % (m + (" (" + unit + ")" if unit else ""), x, y, ratio))


if __name__ == "__main__":
    main()
