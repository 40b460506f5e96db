# Streams: XADD (auto IDs, then with MAXLEN ~ trimming), XREADGROUP of one new entry per call
# (the entries the XADD cases added, so the pending list grows as in a real consumer), XACK,
# XRANGE of 10 entries and XLEN, at pipeline depth 1 and 16.
# XACK acknowledges IDs 0-1 .. 0-100000, which are never pending here: redis-benchmark cannot
# feed back the IDs XREADGROUP returned, so this measures the XACK parse-and-lookup path only.
SETUP = [["XGROUP", "CREATE", "bench:s", "g", "$", "MKSTREAM"]]
COMMON = ["-c", "50", "-r", "100000"]
CASES = [
    ("P1 XADD", COMMON + ["-n", "200000", "-P", "1", "XADD", "bench:s", "*", "field", "value"]),
    ("P16 XADD", COMMON + ["-n", "1000000", "-P", "16", "XADD", "bench:s", "*", "field",
                           "value"]),
    ("P16 XADD MAXLEN~", COMMON + ["-n", "500000", "-P", "16", "XADD", "bench:t", "MAXLEN", "~",
                                   "10000", "*", "field", "value"]),
    ("P1 XREADGROUP", COMMON + ["-n", "200000", "-P", "1", "XREADGROUP", "GROUP", "g",
                                "consumer:__rand_int__", "COUNT", "1", "STREAMS", "bench:s",
                                ">"]),
    ("P16 XREADGROUP", COMMON + ["-n", "500000", "-P", "16", "XREADGROUP", "GROUP", "g",
                                 "consumer:__rand_int__", "COUNT", "1", "STREAMS", "bench:s",
                                 ">"]),
    ("P1 XACK", COMMON + ["-n", "200000", "-P", "1", "XACK", "bench:s", "g", "0-__rand_int__"]),
    ("P16 XACK", COMMON + ["-n", "1000000", "-P", "16", "XACK", "bench:s", "g",
                           "0-__rand_int__"]),
    ("P1 XRANGE10", COMMON + ["-n", "200000", "-P", "1", "XRANGE", "bench:s", "-", "+", "COUNT",
                              "10"]),
    ("P1 XLEN", COMMON + ["-n", "200000", "-P", "1", "XLEN", "bench:s"]),
]
