# HyperLogLog, bitmaps and geo: PFADD, PFCOUNT over 3 keys, SETBIT and BITCOUNT on a 10 MB bitmap,
# GEOSEARCH BYRADIUS over 100k points (issue 10's list), at pipeline depth 1 and 16.


def _points(n):
    # A fixed pseudo-random cloud around Sicily (deterministic: same data on both servers).
    state = 12345
    out = []
    for i in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        lon = 10.0 + (state >> 40) % 600000 / 100000.0
        lat = 35.0 + (state >> 16) % 600000 / 100000.0
        out += ["%.6f" % lon, "%.6f" % lat, "p%d" % i]
    return out


_PTS = _points(100000)
SETUP = ([["SETBIT", "bench:bitmap", str(10 * 1024 * 1024 * 8 - 1), "1"]] +
         [["GEOADD", "bench:geo"] + _PTS[i:i + 3000] for i in range(0, len(_PTS), 3000)] +
         [["PFADD", "bench:h%d" % k] + ["e%d:%d" % (k, i) for i in range(20000)]
          for k in (1, 2, 3)])
COMMON = ["-c", "50", "-r", "100000"]
CASES = [
    ("P1 PFADD", COMMON + ["-n", "200000", "-P", "1", "PFADD", "bench:hll", "el:__rand_int__"]),
    ("P16 PFADD", COMMON + ["-n", "1000000", "-P", "16", "PFADD", "bench:hll",
                            "el:__rand_int__"]),
    ("P1 PFCOUNT3", COMMON + ["-n", "50000", "-P", "1", "PFCOUNT", "bench:h1", "bench:h2",
                              "bench:h3"]),
    # A fixed offset: redis-benchmark zero-pads __rand_int__ to 12 digits and Redis rejects a
    # bit offset with leading zeros ("ERR bit offset is not an integer or out of range"), which
    # aborted these rows before.
    ("P1 SETBIT", COMMON + ["-n", "200000", "-P", "1", "SETBIT", "bench:bitmap", "41943039",
                            "1"]),
    ("P16 SETBIT", COMMON + ["-n", "1000000", "-P", "16", "SETBIT", "bench:bitmap", "41943039",
                             "1"]),
    ("P1 BITCOUNT10MB", COMMON + ["-n", "2000", "-P", "1", "BITCOUNT", "bench:bitmap"]),
    ("P1 GEOSEARCH", COMMON + ["-n", "20000", "-P", "1", "GEOSEARCH", "bench:geo", "FROMLONLAT",
                               "13", "38", "BYRADIUS", "20", "km", "ASC"]),
]
