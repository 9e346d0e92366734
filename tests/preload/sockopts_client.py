"""Run under `tapstack run`: connects to HOST:PORT, sets keep-alive
(SO_KEEPALIVE, TCP_KEEPIDLE=1, TCP_KEEPINTVL=1, TCP_KEEPCNT=3) and
TCP_USER_TIMEOUT, reads each back, prints TCP_INFO's figures after a round
trip, then stays idle (no data either way) until stdin closes."""
import socket
import struct
import sys

host, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((host, port))
want = {
    (socket.SOL_SOCKET, socket.SO_KEEPALIVE): 1,
    (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE): 1,
    (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL): 1,
    (socket.IPPROTO_TCP, socket.TCP_KEEPCNT): 3,
    (socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT): 30000,
}
for (level, name), value in want.items():
    s.setsockopt(level, name, value)
for (level, name), value in want.items():
    got = s.getsockopt(level, name)
    if got != value:
        sys.exit(f"option {level}/{name}: set {value}, read back {got}")
print("options read back", flush=True)

s.sendall(b"ping\n")
if s.recv(16) != b"ping\n":
    sys.exit("no echo")
info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 144)
state, = struct.unpack_from("B", info, 0)
rto, _, snd_mss, rcv_mss = struct.unpack_from("4I", info, 8)
rtt, rttvar, ssthresh, cwnd = struct.unpack_from("4I", info, 68)
bytes_acked, bytes_received = struct.unpack_from("2Q", info, 120)
segs_out, segs_in = struct.unpack_from("2I", info, 136)
print(f"tcp_info state={state} rto={rto} rtt={rtt} rttvar={rttvar} snd_mss={snd_mss} "
      f"rcv_mss={rcv_mss} cwnd={cwnd} bytes_acked={bytes_acked} "
      f"bytes_received={bytes_received} segs_out={segs_out} segs_in={segs_in}", flush=True)
if not (state == 1 and rto > 0 and rtt > 0 and snd_mss > 0 and cwnd > 0
        and bytes_acked == 5 and bytes_received == 5 and segs_out > 0 and segs_in > 0):
    sys.exit("TCP_INFO does not describe this connection")
print("idle", flush=True)
sys.stdin.read()
s.close()
