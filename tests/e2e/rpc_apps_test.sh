#!/usr/bin/env bash
# The tapstack CLI's other tools and the RPC's robustness, with the
# namespace's kernel as the peer: ping, resolve against dnsmasq, sockets -i
# during a transfer, a client killed mid-transfer, a uid without the socket's
# group, garbage on the control socket beside a transfer, 100 clients at once.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
command -v dnsmasq >/dev/null || fail "dnsmasq missing (scripts/install-deps.sh --with-test-tools)"

HERE=$(dirname "$0")
make_namespace
# The socket's group is one nobody is not in (users); the directory is
# traversable, so only the socket's mode and group decide who gets in.
group=users
getent group "$group" >/dev/null || fail "group $group missing"
chmod o+x "$E2E_DIR"
start_daemon --set 'dns.servers=["10.0.0.1"]' --set "rpc.group=\"$group\"" --set 'rpc.mode="0660"'
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
CLI=$TAPSTACK_CLI

sum() { sha256sum "$1" | cut -d' ' -f1; }
established_on() { in_ns ss -Htn state established "( dport = :$1 or sport = :$1 )" | grep -q .; }

# --- ping ---------------------------------------------------------------
"$CLI" ping 10.0.0.1 -c 3 -i 0.2 >"$E2E_DIR/ping.out" || fail "ping: $(cat "$E2E_DIR/ping.out")"
grep -q '3 packets transmitted, 3 received, 0% packet loss' "$E2E_DIR/ping.out" ||
  fail "ping summary: $(cat "$E2E_DIR/ping.out")"
pass "ping 10.0.0.1 -c 3: $(grep rtt "$E2E_DIR/ping.out")"

# --- resolve through dnsmasq in the namespace ------------------------------
# example.test answers 10.0.0.77; the rest of .test is local to dnsmasq, so an
# unknown name there gets NXDOMAIN (not REFUSED, as with no upstream).
ip netns exec "$E2E_NS" dnsmasq --no-daemon --no-resolv --no-hosts --address=/example.test/10.0.0.77 --local=/test/ \
  --listen-address=10.0.0.1 --bind-interfaces --port=53 --pid-file="$E2E_DIR/dnsmasq.pid" \
  2>"$E2E_DIR/dnsmasq.log" &
dnsmasq=$!
wait_for 5 "in_ns ss -Hlun | grep -q '10.0.0.1:53 '" || fail "dnsmasq did not start: $(cat "$E2E_DIR/dnsmasq.log")"
out=$("$CLI" resolve www.example.test) || fail "resolve www.example.test failed: $out"
[[ $out == "www.example.test	10.0.0.77" ]] || fail "resolve: $out"
pass "resolve www.example.test: 10.0.0.77 (dnsmasq)"
set +e
"$CLI" resolve nosuch.test >/dev/null 2>"$E2E_DIR/nx.err"
status=$?
set -e
[[ $status -eq 1 ]] && grep -qi 'NXDOMAIN\|no such name' "$E2E_DIR/nx.err" ||
  fail "unknown name: status $status, $(cat "$E2E_DIR/nx.err")"
pass "resolve nosuch.test (local to dnsmasq, unknown): exit 1, $(cat "$E2E_DIR/nx.err")"
kill "$dnsmasq"
wait "$dnsmasq" 2>/dev/null || true

# --- sockets -i during a transfer, then SIGKILL of the client -------------
ip netns exec "$E2E_NS" timeout 60 nc -l 10.0.0.1 6100 >/dev/null </dev/null &
sink=$!
wait_for 5 "in_ns ss -Htln | grep -q ':6100 '" || fail "nc -l did not start"
# An endless stream, paced by the stack: killed below, mid-transfer.
"$CLI" connect 10.0.0.1 6100 </dev/zero >/dev/null 2>&1 &
client=$!
wait_for 10 "'$CLI' sockets | grep -q 'ESTABLISHED .*10.0.0.1:6100 '" || fail "no established connection"
# Let some data flow, then read the internals.
wait_for 10 "'$CLI' sockets -i | grep -A2 '10.0.0.1:6100 ' | grep -Eq 'sent [1-9][0-9]{6}'" ||
  fail "no bytes sent: $("$CLI" sockets -i)"
"$CLI" sockets -i | grep -A2 'ESTABLISHED .*10.0.0.1:6100 ' >"$E2E_DIR/internals.txt"
# Times print in ms with decimals (srtt 0.072), as in the trace.
field() { grep -oE "(^| )$1 [0-9.]+" "$E2E_DIR/internals.txt" | head -n1 | awk '{print $2}'; }
# 1460 less the TSopt: the kernel agreed to timestamps (RFC 7323).
[[ $(field mss) == 1448 ]] || fail "mss: $(cat "$E2E_DIR/internals.txt")"
[[ -n $(field ts_recent) ]] || fail "no ts flag: $(cat "$E2E_DIR/internals.txt")"
for f in srtt cwnd snd_wnd rcv_wnd sent rto; do
  v=$(field $f)
  [[ -n $v ]] && awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$f is not > 0: $(cat "$E2E_DIR/internals.txt")"
done
[[ $(field snd_nxt) -ne $(field snd_una) || $(field sent) -gt 0 ]] || fail "sequence numbers"
pass "sockets -i mid-transfer: mss $(field mss) cwnd $(field cwnd) srtt $(field srtt) ms sent $(field sent)"

established_on 6100 || fail "the kernel does not see the connection"
{ kill -KILL "$client" && wait "$client"; } 2>/dev/null || true
t0=$SECONDS
wait_for 10 "! established_on 6100" || fail "the kernel still has the connection 10 s after the client's SIGKILL"
pass "client SIGKILLed mid-transfer: the kernel saw FIN/RST within $((SECONDS - t0)) s"
wait_for 10 "! '$CLI' sockets | grep -q '10.0.0.1:6100 .*ESTABLISHED\|ESTABLISHED .*10.0.0.1:6100 '" ||
  fail "the stack still has the connection: $("$CLI" sockets)"
kill "$sink" 2>/dev/null || true
wait "$sink" 2>/dev/null || true

# The daemon still serves: a fresh 4 MiB transfer is intact.
head -c $((4 << 20)) /dev/urandom >"$E2E_DIR/after.in"
ip netns exec "$E2E_NS" timeout 30 nc -N -l 10.0.0.1 6101 </dev/null >"$E2E_DIR/after.out" &
sink=$!
wait_for 5 "in_ns ss -Htln | grep -q ':6101 '" || fail "nc -l did not start"
timeout 30 "$CLI" connect 10.0.0.1 6101 <"$E2E_DIR/after.in" >/dev/null || fail "connect after the kill"
wait_for 10 "! kill -0 $sink 2>/dev/null" || fail "nc -l did not see the FIN"
[[ $(sum "$E2E_DIR/after.in") == $(sum "$E2E_DIR/after.out") ]] || fail "transfer after the kill differs"
pass "after the kill: another client moves 4 MiB intact"

# --- a uid without the group ----------------------------------------------
gid=$(getent group "$group" | cut -d: -f3)
set +e
setpriv --reuid=nobody --regid=nogroup --clear-groups "$CLI" status >/dev/null 2>"$E2E_DIR/nobody.err"
status=$?
set -e
[[ $status -eq 3 ]] && grep -q 'Permission denied' "$E2E_DIR/nobody.err" ||
  fail "nobody without the group: status $status, $(cat "$E2E_DIR/nobody.err")"
pass "nobody without group $group refused (exit 3): $(cat "$E2E_DIR/nobody.err")"
setpriv --reuid=nobody --regid=nogroup --groups="$gid" "$CLI" status >/dev/null 2>"$E2E_DIR/member.err" ||
  fail "nobody in group $group: $(cat "$E2E_DIR/member.err")"
pass "nobody in group $group gets in"

# --- garbage on the control socket beside a transfer ----------------------
head -c $((20 << 20)) /dev/urandom >"$E2E_DIR/busy.in"
ip netns exec "$E2E_NS" timeout 60 nc -N -l 10.0.0.1 6102 </dev/null >"$E2E_DIR/busy.out" &
sink=$!
wait_for 5 "in_ns ss -Htln | grep -q ':6102 '" || fail "nc -l did not start"
# The client's stdin is a FIFO fed half before and half after the garbage,
# so the transfer spans it.
mkfifo "$E2E_DIR/busy.fifo"
timeout 60 "$CLI" connect 10.0.0.1 6102 <"$E2E_DIR/busy.fifo" >/dev/null &
client=$!
exec 7>"$E2E_DIR/busy.fifo"
head -c $((10 << 20)) "$E2E_DIR/busy.in" >&7
wait_for 10 "'$CLI' sockets | grep -Eq '(ESTABLISHED|CLOSE-WAIT) .*10.0.0.1:6102 '" || fail "no busy connection: $("$CLI" sockets; jobs -l)"
timeout 60 python3 "$HERE/rpc_garbage.py" "$TAPSTACK_SOCKET" >"$E2E_DIR/garbage.out" ||
  fail "garbage: $(grep -v '^ok' "$E2E_DIR/garbage.out")"
tail -c +$(((10 << 20) + 1)) "$E2E_DIR/busy.in" >&7
exec 7>&-
kill -0 "$E2E_DAEMON_PID" 2>/dev/null || fail "tapstackd died of garbage"
wait "$client" || fail "the busy transfer's client exited with $?"
wait_for 10 "! kill -0 $sink 2>/dev/null" || fail "nc -l did not see the FIN"
[[ $(sum "$E2E_DIR/busy.in") == $(sum "$E2E_DIR/busy.out") ]] ||
  fail "the transfer beside the garbage differs ($(stat -c %s "$E2E_DIR/busy.out") bytes)"
grep -q 'malformed message' "$E2E_DIR/daemon.log" && grep -q 'before hello' "$E2E_DIR/daemon.log" ||
  fail "no log lines for the malformed messages"
pass "$(grep -c '^ok' "$E2E_DIR/garbage.out") garbage sessions closed; the 20 MiB transfer beside them intact; daemon up"

# --- 100 clients at once ---------------------------------------------------
ip netns exec "$E2E_NS" python3 "$HERE/rpc_echo_server.py" 10.0.0.1 6200 &
echo_server=$!
wait_for 5 "in_ns ss -Htln | grep -q ':6200 '" || fail "echo server did not start"
mkdir "$E2E_DIR/many"
pids=()
for i in $(seq 100); do
  head -c $((64 << 10)) /dev/urandom >"$E2E_DIR/many/$i.in"
done
# Each client's stdin ends only when the gate FIFO's writer (fd 8, opened
# after the clients start, so none inherits it) closes: all 100 are open at
# once before any sends its FIN.
mkfifo "$E2E_DIR/gate"
for i in $(seq 100); do
  { cat "$E2E_DIR/many/$i.in"; cat "$E2E_DIR/gate"; } |
    timeout 60 "$CLI" connect 10.0.0.1 6200 >"$E2E_DIR/many/$i.out" 2>"$E2E_DIR/many/$i.err" &
  pids+=($!)
done
exec 8<>"$E2E_DIR/gate"
many_open() { (($("$CLI" sockets | grep -c 'ESTABLISHED .*10.0.0.1:6200 ') == 100)); }
wait_for 30 many_open || fail "not 100 connections at once: $("$CLI" sockets | grep -c ':6200 ')"
exec 8>&-
failed=0
for i in $(seq 100); do
  wait "${pids[$((i - 1))]}" || { failed=$((failed + 1)); echo "client $i: $(cat "$E2E_DIR/many/$i.err")" >&2; }
done
((failed == 0)) || fail "$failed of 100 clients failed"
for i in $(seq 100); do
  cmp -s "$E2E_DIR/many/$i.in" "$E2E_DIR/many/$i.out" || fail "client $i: echo differs"
done
pass "100 clients connected at once: 64 KiB each echoed intact"
kill "$echo_server"
wait "$echo_server" 2>/dev/null || true

stop_daemon || fail "tapstackd exited with $? at SIGTERM"
pass "daemon stopped cleanly"
