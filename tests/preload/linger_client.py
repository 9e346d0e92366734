"""Run under `tapstack run`: SO_LINGER with a timeout. Connects to
HOST:PORT, sets SO_LINGER {1, SECONDS}, sends 64 KiB and closes, printing
how long close() took. With a kernel peer that acknowledges, close returns
once the data and FIN are acknowledged; with one that cannot be reached any
more, after SECONDS."""
import socket
import struct
import sys
import time

host, port, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, seconds))
onoff, linger = struct.unpack("ii", s.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))
if (onoff, linger) != (1, seconds):
    sys.exit(f"SO_LINGER read back {onoff},{linger}")
print("connected", flush=True)
sys.stdin.readline()  # the test may cut the path now
s.sendall(b"x" * 65536)
start = time.monotonic()
s.close()
print(f"close took {time.monotonic() - start:.3f} s", flush=True)
