# Hashes: redis-benchmark's built-in HSET (fields drawn from 100000, so one large hashtable) at
# pipeline depth 1 and 16. Memory for 1M small hashes is measured by bench/hashes/memory.py.
COMMON = ["-c", "50", "-d", "64", "-r", "100000"]
CASES = [
    ("P1", COMMON + ["-n", "200000", "-P", "1", "-t", "hset"]),
    ("P16", COMMON + ["-n", "1000000", "-P", "16", "-t", "hset"]),
]
