#!/usr/bin/env python3
"""Memory for 1M small hashes (5 fields each, as an application storing one record per key
would): loads the same hashes into redis-server and redsim-server (both started here, via
bench/compare.py's Server) with a pipelined writer, and prints RSS and used_memory growth and
the redsim/redis ratios. Never fails for being large.

usage: bench/hashes/memory.py --redsim build/release/bin/redsim-server [--keys 1000000]
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import compare  # noqa: E402


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def record(i):
    """One small hash: a user-like record with short text, numbers and a flag."""
    return [b"HSET", b"user:%d" % i,
            b"name", b"user-%d" % i,
            b"email", b"user%d@example.com" % i,
            b"age", b"%d" % (18 + i % 60),
            b"score", b"%d" % (i * 7 % 100000),
            b"active", b"1" if i % 3 else b"0"]


def load(port, keys, batch=2000):
    sock = socket.create_connection(("127.0.0.1", port))
    pending = 0
    buf = b""
    for start in range(0, keys, batch):
        n = min(batch, keys - start)
        sock.sendall(b"".join(encode(record(start + j)) for j in range(n)))
        pending += n
        # Read the replies of this batch (":5\r\n" each) before sending more.
        while pending > 0:
            buf += sock.recv(1 << 16)
            lines = buf.count(b"\r\n")
            consumed = min(lines, pending)
            if consumed:
                cut = 0
                for _ in range(consumed):
                    cut = buf.index(b"\r\n", cut) + 2
                buf = buf[cut:]
                pending -= consumed
    sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redsim", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--keys", type=int, default=1000000)
    args = ap.parse_args()
    servers = {"redis": compare.Server("redis", args.redis, []),
               "redsim": compare.Server("redsim", args.redsim, [])}
    figures = {}
    try:
        for name, s in servers.items():
            base_rss = s.rss()
            base_used = int(s.info("memory").get("used_memory", "0"))
            t = time.time()
            load(s.port, args.keys)
            elapsed = time.time() - t
            time.sleep(0.5)
            rss = s.rss() - base_rss
            used = int(s.info("memory").get("used_memory", "0")) - base_used
            enc = s.call("OBJECT", "ENCODING", "user:1")
            figures[name] = (rss, used)
            print("%-7s keys=%d load=%.1fs rss=+%.1fMB used_memory=+%.1fMB (%.0f B/key) enc=%s" % (
                name, args.keys, elapsed, rss / 1e6, used / 1e6, used / args.keys, enc.decode()))
        r_rss = figures["redsim"][0] / max(1, figures["redis"][0])
        r_used = figures["redsim"][1] / max(1, figures["redis"][1])
        print("memory 1M small hashes (5 fields): rss_ratio=%.2f used_ratio=%.2f" % (r_rss, r_used))
    finally:
        for s in servers.values():
            s.stop()


if __name__ == "__main__":
    main()
