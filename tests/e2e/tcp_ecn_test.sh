#!/usr/bin/env bash
# ECN (RFC 3168) against the kernel, whose tcp_ecn is set to 1 in this test's
# namespace only. nftables in the namespace marks CE on some of the ECT
# packets each way; the capture shows the negotiation in the SYNs, ECE and
# CWR on the wire in both directions, the stack's data ECT(0) and its pure
# ACKs Not-ECT; `stats`, `trace` and `sockets -i` show the CE marks and the
# reductions; the data arrives intact. First the kernel connects to the echo
# service (`[tcp] ecn` passive, the default), then the stack connects out
# with `tapstack connect` and ecn = "on".
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"

cli() { TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock" "$TAPSTACK_CLI" "$@"; }
counter() { cli stats | awk -v k="$1" '$1 == k {print $2}'; }
sum() { sha256sum "$1" | cut -d' ' -f1; }
# pcap_count FILTER: packets of the capture that match a BPF filter.
pcap_count() { tcpdump -nr "$E2E_DIR/ecn.pcap" "$1" 2>/dev/null | wc -l; }
# One line of the capture matching FILTER, to show in a pass message.
pcap_sample() { tcpdump -nr "$E2E_DIR/ecn.pcap" "$1" 2>/dev/null | head -1 | sed 's/^[0-9:.]* IP //; s/, seq.*//; s/, ack.*//'; }

readonly STACK=10.0.0.2
readonly NOT_SYN='tcp[13] & 2 = 0'
readonly ECE='tcp[13] & 0x40 != 0'
readonly CWR='tcp[13] & 0x80 != 0'
readonly PAYLOAD='ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2)'

make_namespace
in_ns sysctl -qw net.ipv4.tcp_ecn=1
[[ $(in_ns sysctl -n net.ipv4.tcp_ecn) == 1 ]] || fail "tcp_ecn not set in the namespace"

# Marks 5 % of the ECT packets of port PORT each way CE, as a router's AQM
# would instead of dropping them.
mark_ce() {
  local mark="ip ecn ect0 numgen random mod 100 < 5 ip ecn set ce"
  in_ns nft -f - <<NFT
table inet ecnmark {
  chain out {
    type filter hook output priority 0;
    oifname "tap0" tcp dport $1 $mark
    oifname "tap0" tcp sport $1 $mark
  }
  chain in {
    type filter hook input priority 0;
    iifname "tap0" tcp sport $1 $mark
    iifname "tap0" tcp dport $1 $mark
  }
}
NFT
}

start_capture() {
  in_ns tcpdump -U -ni tap0 -w "$E2E_DIR/ecn.pcap" "tcp port $1" 2>"$E2E_DIR/tcpdump.err" &
  tcpdump_pid=$!
  wait_for 5 "grep -q 'listening on' '$E2E_DIR/tcpdump.err'" || fail "tcpdump did not start"
}

stop_capture() {
  wait_for 10 "[[ \$(pcap_count 'tcp[13] & 1 != 0') -ge 2 ]]" || fail "the close did not reach the capture"
  kill "$tcpdump_pid"
  wait "$tcpdump_pid" 2>/dev/null || true
}

# expect_wire WHAT FILTER: at least one captured packet matches.
expect_wire() {
  local n
  n=$(pcap_count "$2")
  ((n > 0)) || { tcpdump -nr "$E2E_DIR/ecn.pcap" 2>/dev/null | head -40 >&2; fail "no $1 on the wire"; }
  pass "$1 on the wire ($n): $(pcap_sample "$2")"
}

# --- 1. The kernel connects to the echo service; the stack is passive. ---
start_daemon --set services.echo=true
cli trace --port 7 >"$E2E_DIR/trace.txt" &
trace_pid=$!
wait_for 10 "grep -qs 'trace: subscriber added' '$E2E_DIR/daemon.log'" || fail "trace not subscribed"
mark_ce 7
start_capture 7

head -c $((8 << 20)) /dev/urandom >"$E2E_DIR/data"
# The client keeps the connection open after the echo until told, so that
# `sockets -i` can look at it.
in_ns timeout 60 python3 - "$E2E_DIR" <<'PY' &
import hashlib, os, socket, sys, threading, time
d = sys.argv[1]
data = open(os.path.join(d, "data"), "rb").read()
s = socket.create_connection(("10.0.0.2", 7))
threading.Thread(target=s.sendall, args=(data,)).start()
got = bytearray()
while len(got) < len(data):
    chunk = s.recv(1 << 16)
    if not chunk:
        break
    got += chunk
ok = hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
open(os.path.join(d, "echoed"), "w").write("intact" if ok else "differs %d" % len(got))
deadline = time.monotonic() + 30
while not os.path.exists(os.path.join(d, "release")) and time.monotonic() < deadline:
    time.sleep(0.05)
s.close()
PY
client=$!
wait_for 60 "[[ -s '$E2E_DIR/echoed' ]]" || fail "the echo did not come back"
[[ $(cat "$E2E_DIR/echoed") == intact ]] || fail "echo: $(cat "$E2E_DIR/echoed")"
pass "8 MiB echoed intact (sha256) with CE marks both ways"
cli sockets -i >"$E2E_DIR/sockets.txt"
grep -q ' ecn ce [0-9]* reductions [0-9]* cwr [0-9]*' "$E2E_DIR/sockets.txt" ||
  { cat "$E2E_DIR/sockets.txt" >&2; fail "sockets -i shows no ecn for the echo connection"; }
pass "sockets -i: $(grep -o 'ecn ce [0-9]* reductions [0-9]* cwr [0-9]*' "$E2E_DIR/sockets.txt" | head -1)"
touch "$E2E_DIR/release"
wait "$client" || fail "the client exited with $?"
stop_capture
in_ns nft delete table inet ecnmark

expect_wire "the kernel's ECN-setup SYN [SEW]" "dst $STACK and tcp[13] & 0xc2 = 0xc2"
expect_wire "the stack's SYN-ACK with ECE only [S.E]" "src $STACK and tcp[13] & 0xd2 = 0x52"
expect_wire "the stack's ECE on ACKs" "src $STACK and $NOT_SYN and $ECE"
expect_wire "the kernel's CWR" "dst $STACK and $NOT_SYN and $CWR"
expect_wire "the kernel's ECE on ACKs" "dst $STACK and $NOT_SYN and $ECE"
expect_wire "the stack's CWR" "src $STACK and $NOT_SYN and $CWR"
expect_wire "the stack's data as ECT(0)" "src $STACK and ip[1] & 3 = 2 and $PAYLOAD > 0"
n=$(pcap_count "src $STACK and ip[1] & 3 != 0 and $PAYLOAD = 0")
((n == 0)) || fail "$n segments without data from the stack are ECT"
n=$(pcap_count "src $STACK and ip[1] & 3 = 0 and $PAYLOAD > 0")
pass "the stack's segments without data are Not-ECT ($n with data Not-ECT: retransmissions)"

for c in ecn_negotiated rx_ce_marks tx_ece_acks rx_ece_acks ecn_reductions tx_cwr; do
  declare "$c=$(counter "$c")"
  ((${!c:-0} > 0)) || { cli stats >&2; fail "stats: $c is ${!c:-missing}"; }
done
pass "stats: ecn_negotiated $ecn_negotiated, rx_ce_marks $rx_ce_marks, tx_ece_acks $tx_ece_acks, rx_ece_acks $rx_ece_acks, ecn_reductions $ecn_reductions, tx_cwr $tx_cwr, retransmits $(counter retransmits)"

for reason in "CE received" "CWR received" "ECE received" "ECE: cwnd reduced" "CWR sent"; do
  wait_for 5 "grep -qF '$reason' '$E2E_DIR/trace.txt'" ||
    { tail -50 "$E2E_DIR/trace.txt" >&2; fail "trace lacks '$reason'"; }
done
pass "trace: $(grep -c ' ecn ' "$E2E_DIR/trace.txt") ECN events; $(grep -F 'ECE: cwnd reduced' "$E2E_DIR/trace.txt" | head -1 | sed 's/  */ /g')"
kill "$trace_pid"
wait "$trace_pid" 2>/dev/null || true
stop_daemon || fail "exit status not 0"

# --- 2. The stack connects out with ecn = "on": our SYN asks for it. ---
start_daemon --set tcp.ecn=on
mark_ce 6001
start_capture 6001
head -c $((8 << 20)) /dev/urandom >"$E2E_DIR/up.in"
head -c $((8 << 20)) /dev/urandom >"$E2E_DIR/down.in"
in_ns timeout 60 python3 "$(dirname "$0")/rpc_duplex_peer.py" 10.0.0.1 6001 \
  "$E2E_DIR/down.in" "$E2E_DIR/up.out" &
peer=$!
wait_for 5 "in_ns ss -Htln | grep -q ':6001 '" || fail "the kernel's listener did not start"
reductions_before=$(counter ecn_reductions)
timeout 60 "$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" connect 10.0.0.1 6001 \
  <"$E2E_DIR/up.in" >"$E2E_DIR/down.out" || fail "tapstack connect exited with $?"
wait "$peer" || fail "the kernel's peer exited with $?"
[[ $(sum "$E2E_DIR/up.in") == $(sum "$E2E_DIR/up.out") ]] || fail "stack -> kernel: sha256 differs"
[[ $(sum "$E2E_DIR/down.in") == $(sum "$E2E_DIR/down.out") ]] || fail "kernel -> stack: sha256 differs"
pass "8 MiB each way intact (sha256) with CE marks both ways"
stop_capture
in_ns nft delete table inet ecnmark

expect_wire "the stack's ECN-setup SYN [SEW]" "src $STACK and tcp[13] & 0xd2 = 0xc2"
expect_wire "the kernel's SYN-ACK with ECE only [S.E]" "dst $STACK and tcp[13] & 0xd2 = 0x52"
expect_wire "the stack's ECE on ACKs" "src $STACK and $NOT_SYN and $ECE"
expect_wire "the stack's CWR" "src $STACK and $NOT_SYN and $CWR"
expect_wire "the kernel's CWR" "dst $STACK and $NOT_SYN and $CWR"
reductions=$(($(counter ecn_reductions) - reductions_before))
((reductions > 0)) || fail "no reduction for ECE on the stack's connection"
pass "stats: $reductions reductions for ECE, rx_ce_marks $(counter rx_ce_marks), tx_cwr $(counter tx_cwr)"

kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died"
stop_daemon || fail "exit status not 0"
