#!/usr/bin/env python3
"""Writes raw Ethernet frames out of an interface (AF_PACKET), for e2e tests
that feed the stack malformed input. Seeded, bounded, stdlib only.

usage: send_frames.py IFACE DST_MAC COUNT SEED
"""
import random
import socket
import struct
import sys


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, total_len=None, ihl=5, frag=0, csum_ok=True, version=4):
    tl = total_len if total_len is not None else 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, tl & 0xFFFF, 0x1234, frag, 64,
                      proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    c = checksum(hdr) if csum_ok else 0xBEEF
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def main() -> None:
    iface, dst_mac, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    dst = bytes.fromhex(dst_mac.replace(":", ""))
    src = bytes.fromhex("020000000099")
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    me, stack = "10.0.0.1", "10.0.0.2"
    makers = [
        lambda: b"\x08\x00" + rng.randbytes(rng.randint(0, 60)),                      # junk IPv4
        lambda: b"\x08\x06" + rng.randbytes(rng.randint(0, 40)),                      # junk ARP
        lambda: b"\x81\x00" + rng.randbytes(60),                                      # VLAN tagged
        lambda: b"\x08\x00" + ipv4(me, stack, 1, b"\x08\x00" + rng.randbytes(30), total_len=2000),
        lambda: b"\x08\x00" + ipv4(me, stack, 1, b"\x08\x00" + rng.randbytes(30), ihl=15),
        lambda: b"\x08\x00" + ipv4(me, stack, 1, b"\x08\x00" + rng.randbytes(30), ihl=3),
        lambda: b"\x08\x00" + ipv4(me, stack, 1, b"\x08\x00" + rng.randbytes(30), csum_ok=False),
        lambda: b"\x08\x00" + ipv4(me, stack, 1, b"\x08\x00" + rng.randbytes(30), version=6),
        lambda: b"\x08\x00" + ipv4(me, stack, 17, rng.randbytes(rng.randint(0, 12))),  # short UDP
        lambda: b"\x08\x00" + ipv4(me, stack, 6, rng.randbytes(rng.randint(0, 30))),   # junk TCP
        lambda: b"\x08\x00" + ipv4(me, stack, 1, rng.randbytes(40), frag=0x2000 | rng.randint(0, 8000)),
        lambda: b"\x08\x00" + ipv4(me, stack, 1, rng.randbytes(3)),                   # short ICMP
    ]
    for _ in range(count):
        body = rng.choice(makers)()
        s.send(dst + src + body)
    print(f"sent {count} malformed frames to {dst_mac} on {iface}")


if __name__ == "__main__":
    main()
