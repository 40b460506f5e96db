# Lists: redis-benchmark's built-in LPUSH, RPOP and LRANGE_100 at pipeline depth 1 and 16.
# (RPOP pops what LPUSH pushed in the same run; LRANGE_100 fills its own list first.)
COMMON = ["-c", "50", "-d", "64"]
CASES = [
    ("P1", COMMON + ["-n", "200000", "-P", "1", "-t", "lpush,rpop,lrange_100"]),
    ("P16", COMMON + ["-n", "1000000", "-P", "16", "-t", "lpush,rpop"]),
    ("P16", COMMON + ["-n", "200000", "-P", "16", "-t", "lrange_100"]),
]
