#!/usr/bin/env python3
"""Opens N TCP connections at once to HOST:PORT (an echo service), sends each
a distinct message and checks it comes back. Bounded by a deadline.

usage: tcp_clients.py HOST PORT COUNT [SIZE]
"""
import selectors
import socket
import sys
import time


def main() -> int:
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    deadline = time.monotonic() + 30
    sel = selectors.DefaultSelector()
    pending = {}
    for i in range(count):
        s = socket.create_connection((host, port), timeout=10)
        s.setblocking(False)
        message = (f"{i:06d}".encode() * (size // 6 + 1))[:size]
        pending[s] = [message, 0, bytearray()]
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    print(f"{count} connections established")
    done = 0
    while done < count:
        if time.monotonic() > deadline:
            print(f"FAIL: only {done}/{count} echoes complete before the deadline")
            return 1
        for key, events in sel.select(timeout=1):
            s = key.fileobj
            message, sent, got = pending[s]
            if events & selectors.EVENT_WRITE and sent < len(message):
                pending[s][1] += s.send(message[sent:])
                if pending[s][1] == len(message):
                    sel.modify(s, selectors.EVENT_READ)
            if events & selectors.EVENT_READ:
                chunk = s.recv(65536)
                if not chunk:
                    print("FAIL: connection closed early")
                    return 1
                got += chunk
                if len(got) == len(message):
                    if bytes(got) != message:
                        print("FAIL: echo differs")
                        return 1
                    sel.unregister(s)
                    s.close()
                    done += 1
    print(f"{done} echoes intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
