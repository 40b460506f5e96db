# Sets: redis-benchmark's SADD and SPOP at pipeline depth 1 and 16, SISMEMBER on a 10k-member
# set (memory: sets_memory.py).
COMMON = ["-c", "50", "-r", "100000"]


def _sadd_chunks(key, n, chunk=1000, prefix="element:"):
    return [["SADD", key] + ["%s%d" % (prefix, j) for j in range(i, min(n, i + chunk))]
            for i in range(0, n, chunk)]


SETUP = _sadd_chunks("sbench", 10000)
CASES = [
    ("P1", COMMON + ["-n", "200000", "-P", "1", "-t", "sadd,spop"]),
    ("P16", COMMON + ["-n", "1000000", "-P", "16", "-t", "sadd,spop"]),
    ("P1", COMMON + ["-n", "200000", "-P", "1", "SISMEMBER", "sbench", "element:__rand_int__"]),
    ("P16", COMMON + ["-n", "1000000", "-P", "16", "SISMEMBER", "sbench",
                      "element:__rand_int__"]),
]
