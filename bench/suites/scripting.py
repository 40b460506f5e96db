# Scripting (issue 7, item 9): EVALSHA of a 3-call script (SET a random key, INCR a counter, GET
# the key back), loaded with SCRIPT LOAD on each server first, at pipeline depth 1 and 16.
import hashlib

SCRIPT = ("redis.call('SET', KEYS[1], ARGV[1]) redis.call('INCR', 'counter') "
          "return redis.call('GET', KEYS[1])")
SHA = hashlib.sha1(SCRIPT.encode()).hexdigest()
SETUP = [["SCRIPT", "LOAD", SCRIPT]]
EVALSHA = ["EVALSHA", SHA, "1", "key:__rand_int__", "value"]
COMMON = ["-c", "50", "-r", "100000"]
CASES = [
    ("P1", COMMON + ["-n", "100000", "-P", "1"] + EVALSHA),
    ("P16", COMMON + ["-n", "400000", "-P", "16"] + EVALSHA),
]
