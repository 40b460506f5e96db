# Memory for one 1M-member sorted set, measured in a fresh server (no other data loaded first, so
# the RSS baseline is clean).
def _zadd_chunks(key, n, chunk=1000):
    out = []
    for i in range(0, n, chunk):
        cmd = ["ZADD", key]
        for j in range(i, min(n, i + chunk)):
            cmd += [str(j), "element:%d" % j]
        out.append(cmd)
    return out

CASES = []
MEMORY = [
    ("1M-member sorted set", _zadd_chunks("zmem", 1000000)),
]
