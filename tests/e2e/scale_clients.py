#!/usr/bin/env python3
"""Holds COUNT connections to an echo service at once and measures what they
cost the stack's daemon (issue 14). In order:
  1. connect/close rate with none open: CYCLES connections one after another,
     each echoing 16 bytes;
  2. COUNT connections opened, every one echoing 100 bytes while all are open;
  3. the daemon's RSS growth per connection, all of them now idle;
  4. the connect/close rate again, with COUNT idle connections open;
  5. all closed: the first half in the order opened, the rest in reverse.
Prints "rss_per_conn B", "rate_none R", "rate_open R" (wall clock) and
"ratio X": the daemon's CPU time per cycle with none open over that with
COUNT open, which other load on the machine does not skew. Bounded by a
deadline.

usage: scale_clients.py HOST PORT COUNT DAEMON_PID [CYCLES]
"""
import os
import selectors
import socket
import sys
import time

DEADLINE = time.monotonic() + 50


def check_deadline(what: str) -> None:
    if time.monotonic() > DEADLINE:
        sys.exit(f"FAIL: deadline passed during {what}")


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def echo_once(s: socket.socket, message: bytes) -> None:
    s.sendall(message)
    got = b""
    while len(got) < len(message):
        chunk = s.recv(len(message) - len(got))
        if not chunk:
            raise RuntimeError("EOF before the echo")
        got += chunk
    if got != message:
        raise RuntimeError("echo differs")


def rate(host: str, port: int, cycles: int) -> float:
    start = time.monotonic()
    for i in range(cycles):
        with socket.create_connection((host, port), timeout=5) as s:
            echo_once(s, f"{i:016d}".encode())
        if i % 100 == 0:
            check_deadline("the connect/close cycles")
    return cycles / (time.monotonic() - start)


def exchange_all(conns: list) -> None:
    sel = selectors.DefaultSelector()
    want = {}
    for i, s in enumerate(conns):
        s.setblocking(False)
        message = f"{i:010d}".encode() * 10
        s.send(message)  # 100 bytes always fit an empty send buffer
        want[s] = [message, bytearray()]
        sel.register(s, selectors.EVENT_READ)
    while want:
        check_deadline("the exchange")
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            message, got = want[s]
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("FAIL: EOF before the echo")
            got += chunk
            if len(got) >= len(message):
                if bytes(got) != message:
                    sys.exit("FAIL: an echo differs")
                sel.unregister(s)
                del want[s]


def main() -> int:
    host, port, count, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    cycles = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    rate(host, port, 100)  # warm-up: the first connections allocate the tables
    cpu = cpu_seconds(pid)
    rate_none = rate(host, port, cycles)
    cpu_none = cpu_seconds(pid) - cpu
    rss_before = rss(pid)
    conns = []
    for i in range(count):
        conns.append(socket.create_connection((host, port), timeout=5))
        if i % 500 == 0:
            check_deadline("opening")
    exchange_all(conns)
    print(f"{count} connections open, each echoed 100 bytes", flush=True)
    per_conn = (rss(pid) - rss_before) / count
    cpu = cpu_seconds(pid)
    rate_open = rate(host, port, cycles)
    cpu_open = cpu_seconds(pid) - cpu
    half = count // 2
    for s in conns[:half] + list(reversed(conns[half:])):
        s.close()
    print(f"rss_per_conn {per_conn:.0f}")
    print(f"rate_none {rate_none:.0f}")
    print(f"rate_open {rate_open:.0f}")
    print(f"cpu_us_none {cpu_none / cycles * 1e6:.0f}")
    print(f"cpu_us_open {cpu_open / cycles * 1e6:.0f}")
    print(f"ratio {cpu_none / max(cpu_open, 1e-9):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
