#!/usr/bin/env python3
"""A full-duplex TCP peer for the e2e tests: accepts one connection on
ADDRESS:PORT, sends SEND_FILE then shuts down its sending side (FIN), and at
the same time writes everything it receives to RECV_FILE until the other
side's FIN. Unlike `nc -l`, it never quits while either direction is open."""
import socket
import sys
import threading


def main():
    address, port, send_file, recv_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(1)
    conn, _ = listener.accept()
    listener.close()

    def sender():
        with open(send_file, "rb") as f:
            while chunk := f.read(1 << 16):
                conn.sendall(chunk)
        conn.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=sender)
    thread.start()
    with open(recv_file, "wb") as out:
        while data := conn.recv(1 << 16):
            out.write(data)
    thread.join()
    conn.close()


if __name__ == "__main__":
    main()
