"""Kernel-side echo servers for preload_semantics_test.sh: TCP on each
ADDRESS:PORT given as tcp:ADDRESS:PORT, UDP for udp:ADDRESS:PORT. Runs until
killed; prints "ready" once every socket listens."""
import socket
import sys
import threading


def tcp_echo(conn):
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data)


def serve_tcp(address, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(16)
    def loop():
        while True:
            conn, _ = s.accept()
            threading.Thread(target=tcp_echo, args=(conn,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def serve_udp(address, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((address, port))
    def loop():
        while True:
            data, peer = s.recvfrom(65536)
            s.sendto(data, peer)
    threading.Thread(target=loop, daemon=True).start()


for spec in sys.argv[1:]:
    kind, address, port = spec.split(":")
    (serve_tcp if kind == "tcp" else serve_udp)(address, int(port))
print("ready", flush=True)
threading.Event().wait()
