#!/usr/bin/env python3
"""A hostile client of tapstackd's control socket (issue 12), speaking the
RPC directly (docs/rpc.md "Framing") so it can do what libtapstack never
does: pipeline requests and keep what it gets without reading it.

usage: rpc_hostile.py SOCKET captures N
         N capture requests, one after the other; the streams are never read.
       rpc_hostile.py SOCKET resolves N SUFFIX [SESSIONS]
         N resolve requests at once (names i.SUFFIX) spread over SESSIONS
         sessions (1), refusals counted.

It prints one line ("opened K refused E=count…" or "pending K refused …"),
then waits for a line on stdin. Then it closes the control socket; for
captures it keeps the stream fds and waits (10 s at most) until the daemon
has ended every one, printing "streams ended K of N".
"""
import errno
import os
import select
import socket
import struct
import sys
import time

MAGIC, VERSION = 0x5453, 2
HELLO, RESOLVE, CAPTURE = 1, 13, 31


def request(kind, request_id, body):
    return struct.pack(">HBBHHII", MAGIC, VERSION, 0, kind, 0, request_id, len(body)) + body


def string(s):
    data = s.encode()
    return struct.pack(">I", len(data)) + data


def reply(s, timeout):
    """(request id, error, fds) of the next reply; events are skipped."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            data, fds, _, _ = socket.recv_fds(s, 1 << 17, 4)
        except socket.timeout:
            return None
        if not data:
            raise SystemExit("the daemon closed the session")
        _, _, direction, _, _, request_id, _ = struct.unpack(">HBBHHII", data[:16])
        if direction == 1:
            return request_id, struct.unpack(">i", data[16:20])[0], fds
        for fd in fds:
            os.close(fd)


def session(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.send(request(HELLO, 1, struct.pack(">H", VERSION) + string("hostile")))
    got = reply(s, 5)
    if got is None or got[1] != 0:
        raise SystemExit(f"hello failed: {got}")
    return s


def refusals(errors):
    counts = {}
    for e in errors:
        counts[errno.errorcode.get(e, str(e))] = counts.get(errno.errorcode.get(e, str(e)), 0) + 1
    return " ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"


def captures(s, n):
    streams, errors = [], []
    watch = struct.pack(">IIHBI", 0, 0, 0, 0, 0)
    for i in range(n):
        s.send(request(CAPTURE, 100 + i, watch))
        got = reply(s, 5)
        if got is None:
            raise SystemExit("no reply to a capture request")
        if got[1] == 0:
            streams.extend(got[2])
        else:
            errors.append(got[1])
    print(f"opened {len(streams)} refused {refusals(errors)}", flush=True)
    sys.stdin.readline()
    s.close()
    # The daemon's end closed: the unread end reports POLLHUP.
    deadline = time.monotonic() + 10
    ended = set()
    while len(ended) < len(streams) and time.monotonic() < deadline:
        poller = select.poll()
        for fd in streams:
            if fd not in ended:
                poller.register(fd, select.POLLHUP)
        for fd, events in poller.poll(100):
            if events & select.POLLHUP:
                ended.add(fd)
    print(f"streams ended {len(ended)} of {len(streams)}", flush=True)
    return 0 if len(ended) == len(streams) else 1


def resolves(sessions, n, suffix):
    for i in range(n):
        sessions[i % len(sessions)].send(request(RESOLVE, 100 + i, string(f"n{i}.{suffix}")))
    errors = []
    # Refusals come at once; the rest wait for the DNS server: read until
    # no session has had anything for a second.
    while ready := select.select(sessions, [], [], 1)[0]:
        for s in ready:
            got = reply(s, 1)
            if got is not None:
                errors.append(got[1])
    print(f"pending {n - len(errors)} refused {refusals(errors)}", flush=True)
    sys.stdin.readline()
    for s in sessions:
        s.close()
    return 0


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "captures":
        return captures(session(path), int(sys.argv[3]))
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    return resolves([session(path) for _ in range(count)], int(sys.argv[3]), sys.argv[4])


if __name__ == "__main__":
    sys.exit(main())
