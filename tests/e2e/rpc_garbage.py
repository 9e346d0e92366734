#!/usr/bin/env python3
"""Sends malformed and out-of-order messages to tapstackd's control socket,
each case on a session of its own, and checks the daemon closes that session
(EOF within a deadline) — and that a well-formed Hello still gets its reply.
Framing: docs/rpc.md ("Framing").

usage: rpc_garbage.py SOCKET_PATH
"""
import os
import random
import socket
import struct
import sys

MAGIC, VERSION = 0x5453, 2
HELLO, SOCKET_TYPE = 1, 2


def header(kind, request_id, length, version=VERSION, direction=0):
    return struct.pack(">HBBHHII", MAGIC, version, direction, kind, 0, request_id, length)


def hello_body(version=VERSION, name=b"garbage-test"):
    return struct.pack(">HI", version, len(name)) + name


def hello(request_id=1, version=VERSION):
    body = hello_body(version)
    return header(HELLO, request_id, len(body), version=version) + body


def session(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    return s


def closed_by_daemon(s):
    """True when the daemon ends the session: EOF (maybe after a reply)."""
    try:
        for _ in range(4):  # a refusal may come first
            if s.recv(1 << 17) == b"":
                return True
        return False
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def main():
    path = sys.argv[1]
    rng = random.Random(6)
    body = hello_body()
    cases = {
        "random bytes": [bytes(rng.randrange(256) for _ in range(64))],
        "empty packet": [b""],
        "short header": [header(HELLO, 1, len(body))[:10]],
        "header with a short body": [header(HELLO, 1, len(body)) + body[:3]],
        "huge length field": [header(HELLO, 1, 0xFFFFFFFF) + body],
        "oversized packet": [header(HELLO, 1, 70000) + os.urandom(70000)],
        "bad magic": [b"XX" + hello()[2:]],
        "reply direction": [header(HELLO, 1, len(body), direction=1) + body],
        "unknown type": [header(999, 1, len(body)) + body],
        "socket before hello": [header(SOCKET_TYPE, 1, 1) + b"\x06"],
        "garbage after hello": [hello(), os.urandom(40)],
        "trailing bytes in a body": [hello(), header(SOCKET_TYPE, 2, 2) + b"\x06\x00"],
        "other protocol version": [hello(version=99)],
    }
    failures = 0
    for name, packets in cases.items():
        s = session(path)
        try:
            for p in packets:
                s.send(p)
            if packets[0] == hello() and s.recv(1 << 17)[:2] != struct.pack(">H", MAGIC):
                print(f"FAIL: {name}: no reply to a valid hello")
                failures += 1
            if closed_by_daemon(s):
                print(f"ok: {name}: session closed")
            else:
                print(f"FAIL: {name}: session still open")
                failures += 1
        except (BrokenPipeError, ConnectionResetError):
            print(f"ok: {name}: session closed")
        finally:
            s.close()
    # A well-formed session still works.
    s = session(path)
    s.send(hello())
    reply = s.recv(1 << 17)
    magic, _, direction, kind, _, request_id, _ = struct.unpack(">HBBHHII", reply[:16])
    error = struct.unpack(">i", reply[16:20])[0]
    if (magic, direction, kind, request_id, error) != (MAGIC, 1, HELLO, 1, 0):
        print(f"FAIL: a valid hello got {reply[:24].hex()}")
        failures += 1
    else:
        print("ok: a valid hello is answered")
    s.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
