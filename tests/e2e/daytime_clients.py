#!/usr/bin/env python3
"""Opens COUNT connections to a daytime service one after another; each
reads the line until the server's FIN (the server closes first) and then
closes. With PORTS > 0 the clients bind to that many fixed local ports in
turn, so each 4-tuple comes back while the server still holds it in
TIME-WAIT. Prints "done OK/COUNT in S s"; bounded by a deadline.

usage: daytime_clients.py HOST PORT COUNT [PORTS]
"""
import errno
import re
import socket
import sys
import time


def one(host: str, port: int, local_port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        if local_port:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", local_port))
        s.connect((host, port))
        line = b""
        while chunk := s.recv(256):
            line += chunk
        return re.search(rb"\d\d:\d\d:\d\d", line) is not None


def main() -> int:
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ports = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    deadline = time.monotonic() + 45
    start = time.monotonic()
    ok = busy = i = 0
    while ok < count and time.monotonic() < deadline:
        local_port = 40000 + i % ports if ports else 0
        i += 1
        try:
            ok += one(host, port, local_port)
        except OSError as e:  # the kernel's own side of that port may still be closing
            if e.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
                print(f"connection {i}: {e}")
                return 1
            busy += 1
    print(f"done {ok}/{count} in {time.monotonic() - start:.1f} s ({busy} local ports busy)")
    return 0 if ok == count else 1


if __name__ == "__main__":
    sys.exit(main())
