#!/usr/bin/env python3
"""Measures how long deleting a huge set stalls the server: loads an N-member set, then
deletes it (DEL, UNLINK, FLUSHALL ASYNC) while a second connection sends PINGs back to back, and
prints the slowest PING round trip seen while the memory is being freed.

usage: bench/sets/lazyfree_stall.py --server BINARY [--members 10000000] [--redis]
(--redis runs the same against /usr/bin/redis-server for comparison.)
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import resp_raw  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(binary):
    port = free_port()
    d = tempfile.mkdtemp(prefix="redsim-stall-")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", d],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            c = resp_raw.Conn(port)
            c.call("PING")
            return proc, port, c
        except OSError:
            time.sleep(0.025)
    raise RuntimeError("server did not start")


def load(port, members, batch=1000):
    s = socket.create_connection(("127.0.0.1", port))
    sent = 0
    pending = 0
    buf = b""
    i = 0
    while i < members:
        n = min(batch, members - i)
        args = [b"SADD", b"big"] + [b"m:%d" % j for j in range(i, i + n)]
        cmd = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
        s.sendall(cmd)
        i += n
        pending += 1
        if pending >= 64:
            got = 0
            while got < pending:
                buf += s.recv(1 << 16)
                got = buf.count(b"\r\n")
            buf = b""
            pending = 0
    got = buf.count(b"\r\n")
    while got < pending:
        buf += s.recv(1 << 16)
        got = buf.count(b"\r\n")
    s.close()


def measure(port, command, wait_free):
    """Runs `command` while pinging; returns (command latency s, max ping s, pings)."""
    stop = threading.Event()
    worst = [0.0, 0]

    def pinger():
        c = resp_raw.Conn(port)
        while not stop.is_set():
            t = time.perf_counter()
            c.call("PING")
            worst[0] = max(worst[0], time.perf_counter() - t)
            worst[1] += 1
        c.close()

    th = threading.Thread(target=pinger)
    th.start()
    time.sleep(0.2)
    c = resp_raw.Conn(port, timeout=600)
    t = time.perf_counter()
    c.call(*command)
    cmd_latency = time.perf_counter() - t
    # Keep pinging while the memory is freed in the background (INFO is not polled meanwhile:
    # with glibc malloc it can itself be slow right after millions of frees).
    time.sleep(wait_free)
    time.sleep(0.2)
    stop.set()
    th.join()
    info = c.call("INFO", "memory")
    text = info.decode() if isinstance(info, bytes) else str(info)
    c.close()
    pending = [l for l in text.splitlines() if l.startswith("lazyfree_pending_objects")]
    status = pending[0] if pending else "?"
    # redsim reports the longest lazy-free step it ran (server-side stall, no client noise).
    c = resp_raw.Conn(port, timeout=600)
    stats = c.call("MEMORY", "STATS")
    c.close()
    if isinstance(stats, list):
        for k, v in zip(stats[::2], stats[1::2]):
            if k == b"lazyfree.longest_step_us":
                status += " longest_step=%.2fms" % (v / 1000.0)
    return cmd_latency, worst[0], worst[1], status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--members", type=int, default=10_000_000)
    ap.add_argument("--watch-seconds", type=float, default=8.0)
    args = ap.parse_args()
    proc, port, c = start(args.server)
    try:
        for label, command in [("DEL", ["DEL", "big"]), ("UNLINK", ["UNLINK", "big"]),
                               ("FLUSHALL ASYNC", ["FLUSHALL", "ASYNC"])]:
            t = time.perf_counter()
            load(port, args.members)
            load_s = time.perf_counter() - t
            lat, worst, pings, pending = measure(port, command, args.watch_seconds)
            print("%-16s members=%d load=%.1fs command=%.1fms max_ping=%.1fms pings=%d %s" %
                  (label, args.members, load_s, lat * 1000, worst * 1000, pings, pending),
                  flush=True)
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
