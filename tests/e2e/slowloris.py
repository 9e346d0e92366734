"""A slowloris client (rpc_http_slowloris_test.sh): opens COUNT connections
from SOURCE to HOST:PORT, then sends each a byte of a request head per second,
never finishing it, for at most SECONDS. Prints "open N" once all are
connected, then one line at the end: how many the server closed, the
statuses it answered with, and when the last close came."""
import collections
import selectors
import socket
import sys
import time

source, host, port, count, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])

conns = []
for _ in range(count):
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(15)
    s.connect((host, port))
    s.setblocking(False)
    s.send(b"G")
    conns.append(s)
print(f"open {len(conns)}", flush=True)

start = time.monotonic()
statuses = collections.Counter()
last_close = 0.0
sel = selectors.DefaultSelector()
for s in conns:
    sel.register(s, selectors.EVENT_READ, b"")
while sel.get_map() and time.monotonic() - start < seconds:
    # The pacing of the attack (a byte a second), not a wait for a condition:
    # closes are seen as they come.
    for key, _ in sel.select(timeout=1.0):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        got = key.data + data
        if data:
            sel.modify(s, selectors.EVENT_READ, got)
            continue
        sel.unregister(s)
        s.close()
        line = got.split(b"\r\n", 1)[0].decode(errors="replace")
        statuses[line.split(" ")[1] if line.startswith("HTTP/") else "closed"] += 1
        last_close = time.monotonic() - start
    for key in list(sel.get_map().values()):
        try:
            key.fileobj.send(b"E")
        except OSError:
            pass
left = len(sel.get_map())
print(f"closed {count - left} of {count} statuses {dict(sorted(statuses.items()))} last_close {last_close:.1f}",
      flush=True)
