#!/usr/bin/env python3
"""The soak's workload (bench/soak.sh): for SECONDS, concurrently and at
modest rates, against a stack at HOST with echo, discard, chargen and UDP
echo on, through a lossy, reordering, duplicating link:

  bulk_echo    1 MiB of seeded random bytes through echo, hash compared
  bulk_out     2 MiB to discard, then a clean close both ways
  bulk_in      2 MiB from chargen, every line checked against RFC 864's pattern
  request      one connection, messages of 1..4000 bytes echoed and compared
  churn        connect, 16 bytes echoed, close; over and over
  udp          datagrams echoed and compared (a lost one is sent again)
  dns          `tapstack resolve` of names the DNS server answers
  hostile      control-socket sessions that vanish: no Hello, garbage, a
               Hello then pipelined resolves never read

Each worker counts what it checked; any mismatch or failure is an error.
Prints one line per worker and "errors N"; exits 1 on any error.

usage: soak_load.py HOST SECONDS CLI RPC_SOCKET
"""
import hashlib
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time

HOST, SECONDS, CLI, RPC = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
END = time.monotonic() + SECONDS
TIMEOUT = 60  # a transfer stuck this long is an error (1 % loss costs seconds, not minutes)
stats = {}
errors = []
lock = threading.Lock()


def count(worker, what, n=1):
    with lock:
        stats.setdefault(worker, {}).setdefault(what, 0)
        stats[worker][what] += n


def error(worker, message):
    with lock:
        errors.append(f"{worker}: {message}")
    print(f"ERROR {worker}: {message}", flush=True)


def connect(port):
    s = socket.create_connection((HOST, port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def recv_exactly(s, n):
    got = bytearray()
    while len(got) < n:
        chunk = s.recv(min(65536, n - len(got)))
        if not chunk:
            raise RuntimeError(f"EOF after {len(got)} of {n} bytes")
        got += chunk
    return bytes(got)


def bulk_echo(rng):
    data = rng.randbytes(1 << 20)
    with connect(7) as s:
        sender = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)))
        sender.start()
        back = recv_exactly(s, len(data))
        sender.join()
        if s.recv(1):
            raise RuntimeError("more than was sent")
    if hashlib.sha256(back).digest() != hashlib.sha256(data).digest():
        raise RuntimeError("echoed bytes differ")
    return len(data) * 2


def bulk_out(rng):
    data = rng.randbytes(2 << 20)
    with connect(9) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        if s.recv(1):  # discard closes after our FIN, sending nothing
            raise RuntimeError("discard sent data")
    return len(data)


def bulk_in(rng):
    lines = (2 << 20) // 74
    with connect(19) as s:
        got = recv_exactly(s, lines * 74)
    for i in range(lines):
        line = got[i * 74:(i + 1) * 74]
        want = bytes(32 + (i + j) % 95 for j in range(72)) + b"\r\n"
        if line != want:
            raise RuntimeError(f"chargen line {i} differs")
    return len(got)


def looped(name, work, pause):
    rng = random.Random(name)
    while time.monotonic() < END:
        try:
            count(name, "bytes", work(rng))
            count(name, "rounds")
        except Exception as e:  # noqa: BLE001 — every failure is reported
            error(name, repr(e))
        time.sleep(pause)


def request():
    rng = random.Random("request")
    while time.monotonic() < END:
        try:
            with connect(7) as s:
                for _ in range(200):
                    if time.monotonic() >= END:
                        break
                    message = rng.randbytes(rng.randint(1, 4000))
                    s.sendall(message)
                    if recv_exactly(s, len(message)) != message:
                        raise RuntimeError("reply differs")
                    count("request", "bytes", 2 * len(message))
                    count("request", "exchanges")
                    time.sleep(0.01)
        except Exception as e:  # noqa: BLE001
            error("request", repr(e))


def churn():
    i = 0
    while time.monotonic() < END:
        try:
            with connect(7) as s:
                message = f"churn-{i:010d}".encode()
                s.sendall(message)
                if recv_exactly(s, len(message)) != message:
                    raise RuntimeError("echo differs")
            count("churn", "connections")
        except Exception as e:  # noqa: BLE001
            error("churn", repr(e))
        i += 1
        time.sleep(0.05)


def udp():
    rng = random.Random("udp")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((HOST, 7))
    seq = 0
    while time.monotonic() < END:
        payload = struct.pack(">Q", seq) + rng.randbytes(rng.randint(0, 1400))
        for attempt in range(8):  # each way loses 1 %: eight losses in a row is a fault
            s.send(payload)
            s.settimeout(0.5)
            try:
                while True:
                    got = s.recv(2048)
                    if got[:8] == payload[:8]:
                        break  # older duplicates and late answers are skipped
            except socket.timeout:
                count("udp", "resent")
                continue
            if got != payload:
                error("udp", f"datagram {seq} differs")
            count("udp", "datagrams")
            count("udp", "bytes", 2 * len(payload))
            break
        else:
            error("udp", f"datagram {seq} never came back")
        seq += 1
        time.sleep(0.02)


def dns():
    names = {f"host{i}.soak.test": f"10.0.9.{i}" for i in range(1, 11)}
    while time.monotonic() < END:
        for name, address in names.items():
            out = subprocess.run([CLI, "-S", RPC, "resolve", name], capture_output=True, text=True,
                                 timeout=30)
            if out.returncode != 0 or address not in out.stdout:
                error("dns", f"{name}: status {out.returncode}: {out.stdout.strip()} {out.stderr.strip()}")
            count("dns", "lookups")
            time.sleep(0.2)


def rpc_request(kind, request_id, body):
    return struct.pack(">HBBHHII", 0x5453, 2, 0, kind, 0, request_id, len(body)) + body


def rpc_string(s):
    return struct.pack(">I", len(s)) + s.encode()


def hostile():
    rng = random.Random("hostile")
    hello = rpc_request(1, 1, struct.pack(">H", 2) + rpc_string("soak-hostile"))
    while time.monotonic() < END:
        kind = rng.randrange(3)
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
                s.connect(RPC)
                if kind == 1:
                    s.send(rng.randbytes(rng.randint(1, 200)))
                elif kind == 2:
                    s.send(hello)
                    for i in range(8):
                        s.send(rpc_request(13, 10 + i, rpc_string(f"h{i}.soak.test")))
            count("hostile", ["no_hello", "garbage", "abandoned_resolves"][kind])
        except OSError as e:  # refused at a cap is fine; the daemon must stay up
            count("hostile", f"refused_{e.errno}")
        time.sleep(0.05)


def main():
    workers = [
        threading.Thread(target=looped, args=("bulk_echo", bulk_echo, 1.0)),
        threading.Thread(target=looped, args=("bulk_out", bulk_out, 1.0)),
        threading.Thread(target=looped, args=("bulk_in", bulk_in, 1.0)),
        threading.Thread(target=request),
        threading.Thread(target=churn),
        threading.Thread(target=udp),
        threading.Thread(target=dns),
        threading.Thread(target=hostile),
    ]
    for w in workers:
        w.daemon = True
        w.start()
    for w in workers:
        w.join(timeout=max(0, END - time.monotonic()) + 3 * TIMEOUT)
        if w.is_alive():
            error("main", f"{w} still running: stuck")
    for name, values in sorted(stats.items()):
        print(name, " ".join(f"{k}={v}" for k, v in sorted(values.items())))
    print(f"errors {len(errors)}", flush=True)
    os._exit(1 if errors else 0)


if __name__ == "__main__":
    main()
