#!/usr/bin/env python3
"""A kernel TCP echo server for the e2e tests: echoes every connection until
its FIN, then sends its own FIN. A thread per connection and a deep backlog,
so many clients can arrive at once. Runs until killed.

usage: rpc_echo_server.py ADDRESS PORT
"""
import socket
import socketserver
import sys


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(1 << 16):
            self.request.sendall(data)
        self.request.shutdown(socket.SHUT_WR)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 256


if __name__ == "__main__":
    with Server((sys.argv[1], int(sys.argv[2])), Echo) as server:
        server.serve_forever()
