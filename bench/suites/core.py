# Foundation benchmark (issue 2, item 8): redis-benchmark -c 50 -r 100000 -d 64 for SET, GET,
# INCR and MSET at pipeline depth 1 and 16, the two servers alternating A/B each round (see
# compare.py); then RSS and used_memory after loading 1,000,000 distinct string keys with 64-byte
# values (DEBUG POPULATE, the same command on both).
COMMON = ["-c", "50", "-r", "100000", "-d", "64", "-t", "set,get,incr,mset"]
CASES = [
    ("P1", COMMON + ["-n", "100000", "-P", "1"]),
    ("P16", COMMON + ["-n", "400000", "-P", "16"]),
]
MEMORY = [
    ("1M string keys", [["DEBUG", "POPULATE", "1000000", "key", "64"]]),
]
