#!/usr/bin/env python3
"""The legitimate clients of the SYN flood test: starts a connection to an
echo service every INTERVAL_MS for SECONDS, on schedule whether or not the
earlier ones finished (so a slow handshake does not thin out the attempts),
times each connect, then echoes 16 bytes through it and closes. Meanwhile it
samples the daemon's RSS every 250 ms.

Prints "attempts N", "within_1s K", "share P" (percent of attempts connected
within 1 s), "p50_ms/p90_ms/p99_ms/max_ms" of the connect latencies (a failed
connect counts as infinite), "echo_ok K", "failed K" and "rss_kb_max R".
Exits 1 when an echo came back wrong; the share is the caller's to judge.

usage: syn_flood_clients.py HOST PORT SECONDS INTERVAL_MS DAEMON_PID
"""
import errno
import math
import selectors
import socket
import sys
import time

GIVE_UP_S = 5.0  # a connection not echoed by then has failed


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentile(values: list, p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    seconds, interval = float(sys.argv[3]), float(sys.argv[4]) / 1000
    pid = int(sys.argv[5])
    sel = selectors.DefaultSelector()
    conns = {}  # socket -> [index, started, connected_at or None, message, received]
    latencies, echo_ok, wrong, failed = [], 0, 0, 0
    rss_max, next_rss = 0, 0.0
    start = time.monotonic()
    next_start, index = start, 0

    def finish(s, ok):
        nonlocal echo_ok, failed
        i, started, connected, _, _ = conns.pop(s)
        sel.unregister(s)
        s.close()
        latencies.append(connected - started if connected is not None else math.inf)
        echo_ok += ok
        failed += not ok

    while True:
        now = time.monotonic()
        if now >= next_rss:
            rss_max, next_rss = max(rss_max, rss_kb(pid)), now + 0.25
        if now - start < seconds and now >= next_start:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((host, port))
            if err not in (0, errno.EINPROGRESS):
                raise SystemExit(f"connect: {errno.errorcode.get(err, err)}")
            conns[s] = [index, now, None, f"legit-{index:09d}\n".encode(), bytearray()]
            sel.register(s, selectors.EVENT_WRITE)
            index += 1
            next_start += interval
        elif now - start >= seconds and not conns:
            break
        for s in [s for s, c in conns.items() if now - c[1] > GIVE_UP_S]:
            finish(s, False)
        wait = max(0.0, min(next_start - time.monotonic(), 0.05)) if now - start < seconds else 0.05
        for key, events in sel.select(timeout=wait):
            s = key.fileobj
            c = conns[s]
            if c[2] is None:  # the connect finished, well or not
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    c[2] = None
                    finish(s, False)
                    continue
                c[2] = time.monotonic()
                s.send(c[3])  # 16 bytes always fit an empty send buffer
                sel.modify(s, selectors.EVENT_READ)
                continue
            chunk = s.recv(64)
            c[4] += chunk
            if not chunk or len(c[4]) >= len(c[3]):
                good = bytes(c[4]) == c[3]
                wrong += bool(chunk) and not good
                finish(s, good)

    n = len(latencies)
    within = sum(1 for x in latencies if x <= 1.0)
    print(f"attempts {n}")
    print(f"within_1s {within}")
    print(f"share {100 * within / n:.2f}")
    for p in (50, 90, 99):
        print(f"p{p}_ms {1000 * percentile(latencies, p):.1f}")
    print(f"max_ms {1000 * max(latencies):.1f}")
    print(f"echo_ok {echo_ok}")
    print(f"failed {failed}")
    print(f"rss_kb_max {rss_max}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
