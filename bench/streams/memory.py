#!/usr/bin/env python3
"""Memory for one stream of 1M entries (XADD s * field <value>, values of 8-16 bytes like an
event payload id), and for the 1M pending entries a consumer group of 10 consumers adds by
reading all of it without acknowledging: loads both servers with a pipelined writer and prints RSS and
used_memory growth and the redsim/redis ratios. Never fails for being large.

usage: bench/streams/memory.py --redsim build/release/bin/redsim-server [--entries 1000000]
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


def pipeline(port, commands, batch=2000):
    """Sends commands in batches, reading (and discarding) the replies of each batch."""
    sock = socket.create_connection(("127.0.0.1", port))
    for start in range(0, len(commands), batch):
        chunk = commands[start:start + batch]
        sock.sendall(b"".join(encode(c) for c in chunk))
        # Each reply ends with a PING's +PONG sentinel sent after the batch.
        sock.sendall(encode([b"PING"]))
        buf = b""
        while not buf.endswith(b"+PONG\r\n"):
            buf += sock.recv(1 << 20)
    sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redsim", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--entries", type=int, default=1000000)
    args = ap.parse_args()
    servers = {"redis": compare.Server("redis", args.redis, []),
               "redsim": compare.Server("redsim", args.redsim, [])}
    adds = [[b"XADD", b"s", b"*", b"field", b"payload-%d" % (i * 7919 % 10000000)]
            for i in range(args.entries)]
    figures = {}
    try:
        for name, s in servers.items():
            base_rss = s.rss()
            base_used = int(s.info("memory").get("used_memory", "0"))
            t = time.time()
            pipeline(s.port, adds)
            elapsed = time.time() - t
            time.sleep(0.5)
            rss = s.rss() - base_rss
            used = int(s.info("memory").get("used_memory", "0")) - base_used
            figures[name] = (rss, used)
            print("%-7s entries=%d load=%.1fs rss=+%.1fMB used_memory=+%.1fMB (%.1f B/entry)" % (
                name, args.entries, elapsed, rss / 1e6, used / 1e6, used / args.entries))
        r_rss = figures["redsim"][0] / max(1, figures["redis"][0])
        r_used = figures["redsim"][1] / max(1, figures["redis"][1])
        print("memory 1M-entry stream rss_ratio=%.2f used_ratio=%.2f" % (r_rss, r_used))
        # A consumer group reads everything (10 consumers) and leaves it all pending.
        for name, s in servers.items():
            before = int(s.info("memory").get("used_memory", "0"))
            s.call("XGROUP", "CREATE", "s", "g", "0")
            reads = [[b"XREADGROUP", b"GROUP", b"g", b"c%d" % (i % 10), b"COUNT", b"100",
                      b"STREAMS", b"s", b">"] for i in range(args.entries // 100)]
            pipeline(s.port, reads, batch=200)
            time.sleep(0.5)
            used = int(s.info("memory").get("used_memory", "0")) - before
            figures[name] = used
            print("%-7s pending=%d used_memory=+%.1fMB (%.1f B/pending entry)" % (
                name, args.entries, used / 1e6, used / args.entries))
        print("memory 1M pending entries used_ratio=%.2f" % (
            figures["redsim"] / max(1, figures["redis"])))
    finally:
        for s in servers.values():
            s.stop()


if __name__ == "__main__":
    main()
