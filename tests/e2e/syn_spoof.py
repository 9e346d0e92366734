#!/usr/bin/env python3
"""Sends SYNs to DST:PORT from spoofed on-link sources (PREFIX.FIRST to
PREFIX.LAST in turn, random source ports) for SECONDS at about RATE per
second: every SYN-ACK the stack sends back needs ARP for an address nobody
answers for. hping3 cannot draw random sources from one subnet, hence this.
Raw socket: run it as root inside the test's namespace.

usage: syn_spoof.py DST PORT PREFIX FIRST LAST SECONDS RATE
"""
import random
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def syn(src: str, dst: str, port: int) -> bytes:
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", random.randrange(1024, 65536), port, random.getrandbits(32),
                      0, 5 << 4, 0x02, 64240, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", checksum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    # The kernel fills in the IP checksum and the ID (IP_HDRINCL with zeros).
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, s, d)
    return ip + tcp


def main() -> int:
    dst, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    first, last, seconds, rate = (int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]),
                                  float(sys.argv[7]))
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    start, sent = time.monotonic(), 0
    sources = [f"{prefix}.{i}" for i in range(first, last + 1)]
    while (elapsed := time.monotonic() - start) < seconds:
        if sent > elapsed * rate:  # ahead of the rate: wait a little
            time.sleep(0.001)
            continue
        sock.sendto(syn(sources[sent % len(sources)], dst, port), (dst, 0))
        sent += 1
    print(f"sent {sent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
