# Eviction (issue 7, item 9): both servers run with maxmemory 32mb and allkeys-lru. SETUP loads
# 1,000,000 keys (about three times the limit: most are evicted while the first commands run).
# Then redis-benchmark's SET and GET over 1,000,000 random keys with 64-byte values: every SET
# of a new key pushes memory over the limit and evicts (approximated LRU, 5 samples), and GET
# runs against a dataset that is being evicted.
SERVER_ARGS = ["--maxmemory", "32mb", "--maxmemory-policy", "allkeys-lru"]
SETUP = [["DEBUG", "POPULATE", "1000000", "key", "64"], ["DBSIZE"]]
COMMON = ["-c", "50", "-r", "1000000", "-d", "64", "-t", "set,get"]
CASES = [
    ("P1 evicting", COMMON + ["-n", "200000", "-P", "1"]),
    ("P16 evicting", COMMON + ["-n", "800000", "-P", "16"]),
]
