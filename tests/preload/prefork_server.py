"""A pre-forking server, run under `tapstack run` (tests/e2e/preload_semantics_test.sh):
the parent listens and forks WORKERS children that accept on the shared,
inherited listener; each answers PER_WORKER connections with its pid and
exits. The parent exits 0 when every worker did."""
import os
import socket
import sys

port, workers, per_worker = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", port))
listener.listen(16)
children = []
for _ in range(workers):
    pid = os.fork()
    if pid == 0:
        for _ in range(per_worker):
            conn, _ = listener.accept()
            conn.sendall(f"{os.getpid()}\n".encode())
            conn.close()
        os._exit(0)
    children.append(pid)
print(f"listening {port} workers {' '.join(map(str, children))}", flush=True)
failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
sys.exit(1 if failed else 0)
