# Memory for one 1M-member set, measured in a fresh server (no other data loaded first, so
# the RSS baseline is clean).
def _sadd_chunks(key, n, chunk=1000, prefix="element:"):
    return [["SADD", key] + ["%s%d" % (prefix, j) for j in range(i, min(n, i + chunk))]
            for i in range(0, n, chunk)]

CASES = []
MEMORY = [
    ("1M-member set", _sadd_chunks("sbig", 1000000)),
]
