#!/usr/bin/python3
"""redis-py's Sentinel client against a group of Sentinels: it asks them for the primary of
"mymaster" and writes there. Phase "before" writes k1 and prints the primary's port; phase
"after" (run once the primary was killed) retries for up to 30 s until a write reaches the new
primary, then prints its port.

usage: sentinel_py_check.py before|after SENTINEL_PORT...
"""
import sys
import time

from redis.sentinel import Sentinel


def main():
    phase = sys.argv[1]
    ports = [int(p) for p in sys.argv[2:]]
    sentinel = Sentinel([("127.0.0.1", p) for p in ports], socket_timeout=1.0)
    deadline = time.time() + 30
    last_error = None
    while time.time() < deadline:
        try:
            host, port = sentinel.discover_master("mymaster")
            master = sentinel.master_for("mymaster", socket_timeout=1.0)
            key = "k1" if phase == "before" else "k2"
            master.set(key, "v")
            if master.get(key) != b"v":
                raise RuntimeError("read back failed")
            print("primary", port)
            return 0
        except Exception as e:  # noqa: BLE001 - any failure is retried until the deadline
            last_error = e
            time.sleep(0.2)
    print("FAILED:", last_error)
    return 1


if __name__ == "__main__":
    sys.exit(main())
