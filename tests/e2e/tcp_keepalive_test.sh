#!/usr/bin/env bash
# Per-socket keep-alive against the kernel: a program under `tapstack run`
# sets SO_KEEPALIVE with TCP_KEEPIDLE=1 and TCP_KEEPINTVL=1 (and reads them,
# TCP_KEEPCNT and TCP_USER_TIMEOUT back), then stays idle. The capture in
# the namespace must show the stack's keep-alive probes about a second after
# the last segment, each answered by the kernel; `tapstack sockets -i` shows
# the timer, and TCP_INFO describes the connection.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"

make_namespace
start_daemon

in_ns tcpdump -U -ni tap0 -w "$E2E_DIR/ka.pcap" 'tcp port 7070' 2>"$E2E_DIR/tcpdump.err" &
tcpdump_pid=$!
wait_for 5 "grep -q 'listening on' '$E2E_DIR/tcpdump.err'" || fail "tcpdump did not start"

# A kernel echo server in the namespace that never sends on its own.
in_ns python3 "$TAPSTACK_SOURCE_DIR/tests/preload/kernel_echo.py" tcp:10.0.0.1:7070 >"$E2E_DIR/echo.log" 2>&1 &
wait_for 10 "kernel_listening 7070" || fail "the kernel echo server did not listen"

exec {idle_in}> >(on_stack python3 "$TAPSTACK_SOURCE_DIR/tests/preload/sockopts_client.py" 10.0.0.1 7070 \
  >"$E2E_DIR/client.log" 2>&1)
wait_for 10 "grep -q '^idle' '$E2E_DIR/client.log'" || { cat "$E2E_DIR/client.log"; fail "the client did not get idle"; }
grep '^tcp_info' "$E2E_DIR/client.log"
pass "options read back and TCP_INFO describes the connection"

# Three probes at least: answered ones come every TCP_KEEPIDLE (1 s).
count_probes() {
  tshark -r "$E2E_DIR/ka.pcap" -Y 'tcp.analysis.keep_alive && ip.src == 10.0.0.2' 2>/dev/null | wc -l
}
wait_for 10 "(( \$(count_probes) >= 3 ))" || fail "fewer than 3 keep-alive probes in 10 s"
"$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" sockets -i | tee "$E2E_DIR/sockets.txt" | grep -q 'keepalive' ||
  { cat "$E2E_DIR/sockets.txt"; fail "sockets -i shows no keep-alive timer"; }
grep -q 'user_timeout:30000ms' "$E2E_DIR/sockets.txt" || fail "sockets -i shows no user timeout"
exec {idle_in}>&-
kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true

# When each probe left, relative to the segment before it (the last data or
# the answer to the previous probe), and that the kernel answered each.
tshark -r "$E2E_DIR/ka.pcap" -T fields -e frame.time_relative -e ip.src -e tcp.len \
  -e tcp.analysis.keep_alive -e tcp.analysis.keep_alive_ack 2>/dev/null >"$E2E_DIR/ka.txt"
python3 - "$E2E_DIR/ka.txt" <<'PY' || fail "keep-alive timing"
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
gaps, answered, last = [], 0, None
for t, src, length, probe, ack in rows:
    t = float(t)
    if probe and src == "10.0.0.2":
        gaps.append(t - last)
    if ack and src == "10.0.0.1":
        answered += 1
    last = t
print("gaps before the probes (s):", " ".join(f"{g:.3f}" for g in gaps))
if len(gaps) < 3 or answered < 2:
    sys.exit(f"{len(gaps)} probes, {answered} answered")
if not all(0.9 <= g <= 1.5 for g in gaps):
    sys.exit("a probe did not come about TCP_KEEPIDLE (1 s) after the last segment")
PY
pass "keep-alive probes about 1 s after the last segment, answered by the kernel"

kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died"
stop_daemon || fail "exit status not 0"
