#!/usr/bin/env python3
"""A DNS server for the e2e tests that answers only names starting with
"fast" (A 10.0.0.77) and never answers anything else, so lookups of other
names stay pending in the stack's resolver until they time out.

usage: dns_selective.py ADDRESS
"""
import socket
import struct
import sys


def question_end(packet):
    at = 12
    while packet[at] != 0:
        at += 1 + packet[at]
    return at + 5  # the root label, QTYPE, QCLASS


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], 53))
    while True:
        packet, peer = s.recvfrom(512)
        if len(packet) < 17 or not packet[13:17] == b"fast":
            continue
        end = question_end(packet)
        header = packet[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
        answer = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("10.0.0.77")
        s.sendto(header + packet[12:end] + answer, peer)


if __name__ == "__main__":
    main()
