#!/usr/bin/env python3
"""Clients of tapstackd's control socket that try to hurt others (issue 12),
speaking the RPC directly (docs/rpc.md, "Framing"). Bounded in count and time.

usage: rpc_flood.py SOCKET silent N DEADLINE_S
         N connections that never say Hello; prints "connected N", then exits
         0 when the daemon has closed every one within DEADLINE_S, else 1.
       rpc_hostile.py SOCKET idle DEADLINE_S
         Hello, then nothing: exits 0 when the daemon closes the session
         within DEADLINE_S.
       rpc_hostile.py SOCKET owner SECONDS
         Hello and one UDP socket, then nothing: exits 0 when the session is
         still open after SECONDS (a session that owns something stays).
       rpc_hostile.py SOCKET udp N RELEASE_FILE [SPARE]
         UDP sockets, up to N over as many sessions as the 1024-per-session
         limit needs, until N or an error (EMFILE…), then SPARE more
         connections that say Hello and wait; prints "opened K errno E",
         then holds them until RELEASE_FILE exists (then closes 100 of them and
         prints "released") or stdin closes; holds the rest until stdin closes.
"""
import os
import select
import socket
import struct
import sys
import time

from rpc_garbage import SOCKET_TYPE, header, hello, session  # the framing

UDP = 17
PER_SESSION = 1000


def packet(kind, request_id, body):
    return header(kind, request_id, len(body)) + body


def say_hello(s):
    s.send(hello())
    error = struct.unpack(">i", s.recv(1 << 16)[16:20])[0]
    if error:
        sys.exit(f"hello refused: errno {error}")


def open_udp(s, request_id):
    """The data fd of a new UDP socket, or the errno of the refusal."""
    s.send(packet(SOCKET_TYPE, request_id, bytes([UDP])))
    reply, fds, _, _ = socket.recv_fds(s, 1 << 16, 1)
    error = struct.unpack(">i", reply[16:20])[0]
    return (None, error) if error else (fds[0], 0)


def closed_by_daemon(s, deadline):
    """True once the daemon closes the session (a refusal reply may come first)."""
    try:
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            if s.recv(1 << 16) == b"":
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def silent(path, n, seconds):
    conns = [session(path) for _ in range(n)]
    print(f"connected {n}", flush=True)
    deadline = time.monotonic() + seconds
    still_open = sum(1 for s in conns if not closed_by_daemon(s, deadline))
    print(f"still open after {seconds} s: {still_open}", flush=True)
    return 1 if still_open else 0


def idle(path, seconds):
    s = session(path)
    say_hello(s)
    return 0 if closed_by_daemon(s, time.monotonic() + seconds) else 1


def owner(path, seconds):
    s = session(path)
    say_hello(s)
    fd, error = open_udp(s, 2)
    if fd is None:
        sys.exit(f"socket refused: errno {error}")
    return 1 if closed_by_daemon(s, time.monotonic() + seconds) else 0


def udp(path, n, release_file, spare):
    sessions, fds, error = [], [], 0
    while len(fds) < n and not error:
        if len(fds) % PER_SESSION == 0:
            sessions.append(session(path))
            say_hello(sessions[-1])
        fd, error = open_udp(sessions[-1], 2 + len(fds))
        if fd is not None:
            fds.append(fd)
    for _ in range(spare):
        sessions.append(session(path))  # waits in the backlog while the daemon has no fd
        sessions[-1].send(hello())
    print(f"opened {len(fds)} errno {error}", flush=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if os.path.exists(release_file):
            for fd in fds[-100:]:
                os.close(fd)
            print("released", flush=True)
            break
        if select.select([0], [], [], 0.05)[0] and os.read(0, 1) == b"":
            return 0
    while os.read(0, 1):
        pass
    return 0


def main():
    path, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if mode == "silent":
        return silent(path, int(args[0]), float(args[1]))
    if mode == "idle":
        return idle(path, float(args[0]))
    if mode == "owner":
        return owner(path, float(args[0]))
    if mode == "udp":
        return udp(path, int(args[0]), args[1], int(args[2]) if len(args) > 2 else 0)
    sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    sys.exit(main())
