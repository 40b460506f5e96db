# Foundation benchmark: strings at pipeline depth 1 and 16, then memory for 1M string keys.
COMMON = ["-c", "50", "-r", "100000", "-d", "64"]
CASES = [
    ("P1", COMMON + ["-n", "200000", "-P", "1", "-t", "set,get,incr,mset"]),
    ("P16", COMMON + ["-n", "1000000", "-P", "16", "-t", "set,get,incr,mset"]),
]
MEMORY = [
    ("1M string keys", [["DEBUG", "POPULATE", "1000000"]]),
]
