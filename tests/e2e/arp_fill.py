#!/usr/bin/env python3
"""Fills the stack's ARP cache as any host on the link could: one ARP request
for the stack's address from each of COUNT senders (10.1.x.y, a MAC each;
on-link only if the stack's prefix is /8),
written out of IFACE (AF_PACKET). Paced in batches so the TAP's queue keeps up.

usage: arp_fill.py IFACE TARGET_IP COUNT
"""
import socket
import struct
import sys
import time


def arp_request(sender_mac, sender_ip, target_ip):
    eth = b"\xff" * 6 + sender_mac + struct.pack("!H", 0x0806)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + sender_mac + sender_ip + b"\0" * 6 + target_ip
    return eth + arp


def main():
    iface, target, count = sys.argv[1], socket.inet_aton(sys.argv[2]), int(sys.argv[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for i in range(count):
        mac = bytes([0x02, 0x42, 0, 0, i >> 8 & 0xFF, i & 0xFF])
        ip = bytes([10, 1, i >> 8 & 0xFF, i & 0xFF])
        s.send(arp_request(mac, ip, target))
        if i % 100 == 99:
            time.sleep(0.005)  # pacing, not a wait for a condition
    return 0


if __name__ == "__main__":
    sys.exit(main())
