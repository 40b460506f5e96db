#!/usr/bin/env python3
"""Opens N subscriber connections to 127.0.0.1:PORT on CHANNEL and reads (discards) everything
they receive until killed, so that the server under test never waits on a slow reader. Prints
"ready" once every subscription is confirmed; on SIGTERM prints the number of bytes received.

usage: drain_subscribers.py PORT CHANNEL N
"""
import selectors
import signal
import socket
import sys


def main():
    port, channel, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    sel = selectors.DefaultSelector()
    socks = []
    cmd = b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(channel), channel.encode())
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(cmd)
        socks.append(s)
    # Each confirmation is one short array; wait for all of them before saying ready.
    for s in socks:
        got = b""
        while got.count(b"\r\n") < 6:  # *3, $9, subscribe, $N, channel, :1
            got += s.recv(4096)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    total = [0]

    def stop(*_):
        print(total[0], flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            try:
                data = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(key.fileobj)
                continue
            total[0] += len(data)


if __name__ == "__main__":
    main()
