#!/usr/bin/python3
"""redis-py (the Python client most applications use) against a redsim-server: connection
handshake, strings, expiry, keys, scans, pipelines, transactions with WATCH, pub-free admin
commands and error mapping. Prints "redis-py: all checks passed" and exits 0 on success.

usage: redis_py_check.py PORT
"""
import sys
import time

import redis


def check(cond, what):
    if not cond:
        print("FAILED:", what)
        sys.exit(1)


def main():
    port = int(sys.argv[1])
    r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    check(r.ping() is True, "ping")
    r.flushall()

    # Strings.
    check(r.set("s", "hello") is True, "set")
    check(r.get("s") == "hello", "get")
    check(r.set("s", "x", nx=True) is None, "set nx on existing key")
    check(r.set("s", "world", xx=True, get=True) == "hello", "set xx get")
    check(r.append("s", "!") == 6, "append")
    check(r.strlen("s") == 6, "strlen")
    check(r.getrange("s", 0, 2) == "wor", "getrange")
    check(r.setrange("s", 0, "W") == 6, "setrange")
    check(r.incr("n") == 1 and r.incrby("n", 41) == 42 and r.decr("n") == 41, "counters")
    check(abs(r.incrbyfloat("f", 2.5) - 2.5) < 1e-9, "incrbyfloat")
    check(r.mset({"a": "1", "b": "2"}) is True, "mset")
    check(r.mget("a", "b", "nope") == ["1", "2", None], "mget")
    check(r.msetnx({"a": "9", "c": "3"}) is False, "msetnx")
    check(r.getdel("b") == "2" and r.exists("b") == 0, "getdel")
    check(r.lcs("s", "s") == "World!", "lcs")
    try:
        r.incr("s")
        check(False, "incr of a non-integer must fail")
    except redis.ResponseError as e:
        check("not an integer" in str(e), "incr error text")

    # Expiry.
    check(r.set("t", "v", ex=100) is True, "set ex")
    check(95 <= r.ttl("t") <= 100, "ttl")
    check(r.pexpire("t", 50000) is True and 40000 < r.pttl("t") <= 50000, "pexpire/pttl")
    check(r.persist("t") is True and r.ttl("t") == -1, "persist")
    check(r.getex("t", px=200) == "v", "getex")
    check(r.expire("t", 100, gt=True) is True, "expire gt")
    r.set("gone", "v", px=50)
    time.sleep(0.2)
    check(r.get("gone") is None, "key expired")

    # Keys and scans.
    r.flushdb()
    r.mset({"user:%d" % i: str(i) for i in range(500)})
    check(r.dbsize() == 500, "dbsize")
    check(len(r.keys("user:1*")) == 111, "keys pattern")
    check(set(r.scan_iter(match="user:*", count=50)) == {"user:%d" % i for i in range(500)},
          "scan_iter returns every key")
    check(r.type("user:1") == "string", "type")
    check(r.rename("user:1", "renamed") is True and r.exists("renamed") == 1, "rename")
    check(r.copy("renamed", "copied") is True, "copy")
    check(r.move("copied", 3) is True, "move")
    check(r.object("encoding", "renamed") == "int", "object encoding")
    check(r.randomkey() is not None, "randomkey")
    check(r.unlink("renamed", "user:2") == 2, "unlink")

    # Pipelines and transactions.
    p = r.pipeline(transaction=False)
    for i in range(100):
        p.incr("pc")
    check(p.execute()[-1] == 100, "pipeline")
    with r.pipeline() as p:
        p.set("tx", "1").incr("tx").get("tx")
        check(p.execute() == [True, 2, "2"], "multi/exec")
    other = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    with r.pipeline() as p:
        p.watch("w")
        other.set("w", "changed")
        p.multi()
        p.set("w", "mine")
        try:
            p.execute()
            check(False, "watch must abort the transaction")
        except redis.WatchError:
            pass
    check(r.get("w") == "changed", "watched key kept the other client's value")

    # Connection and server commands.
    check(r.client_setname("py") is True and r.client_getname() == "py", "client setname")
    check(any(c["name"] == "py" for c in r.client_list()), "client list")
    check(isinstance(r.client_id(), int), "client id")
    info = r.info()
    for field in ("redis_version", "connected_clients", "used_memory", "keyspace_hits"):
        check(field in info, "info field " + field)
    check(r.info("keyspace")["db0"]["keys"] > 0, "info keyspace")
    check(r.config_get("maxmemory*")["maxmemory-policy"] == "noeviction", "config get glob")
    check(r.config_set("hz", 20) is True and r.config_get("hz")["hz"] == "20", "config set")
    r.config_set("hz", 10)
    t = r.time()
    check(abs(t[0] - time.time()) < 5, "time")
    check(r.echo("hi") == "hi", "echo")
    check(len(r.command()) > 50, "command")
    check(r.select(1) is True if hasattr(r, "select") else True, "select")
    print("redis-py: all checks passed")


if __name__ == "__main__":
    main()
