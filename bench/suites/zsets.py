# Sorted sets: redis-benchmark's ZADD and ZPOPMIN, ZRANGE of 100 members, ZINCRBY on a
# 1M-member sorted set (random members), ZSCORE and ZRANK on it, at pipeline depth 1 and 16;
# memory for one 1M-member sorted set is in zsets_memory.py.
COMMON = ["-c", "50"]


def _zadd_chunks(key, n, chunk=1000):
    out = []
    for i in range(0, n, chunk):
        cmd = ["ZADD", key]
        for j in range(i, min(n, i + chunk)):
            cmd += [str(j), "element:%d" % j]
        out.append(cmd)
    return out


SETUP = _zadd_chunks("zrange100", 100) + _zadd_chunks("zbig", 1000000)
_ZINCRBY = ["ZINCRBY", "zbig", "1", "element:__rand_int__"]
_ZSCORE = ["ZSCORE", "zbig", "element:__rand_int__"]
_ZRANK = ["ZRANK", "zbig", "element:__rand_int__"]
_ZRANGE = ["ZRANGE", "zrange100", "0", "99"]
CASES = []
for depth, n in (("1", "200000"), ("16", "1000000")):
    label = "P" + depth
    base = COMMON + ["-n", n, "-P", depth]
    CASES += [
        (label, base + ["-r", "100000", "-t", "zadd,zpopmin"]),
        (label, base + _ZRANGE),
        (label, base + ["-r", "1000000"] + _ZINCRBY),
        (label, base + ["-r", "1000000"] + _ZSCORE),
        (label, base + ["-r", "1000000"] + _ZRANK),
    ]
