#!/usr/bin/env bash
# `tapstack listen` and `tapstack connect`: bytes through the RPC data fd, the
# daemon's stack and the TAP to the namespace's kernel, both directions, with
# half-close (EOF ↔ FIN) each way. The CLI runs outside the namespace and
# reaches the daemon only through the control socket.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"

make_namespace
start_daemon
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
CLI=$TAPSTACK_CLI

make_file() { head -c "$2" /dev/urandom >"$1"; }
sum() { sha256sum "$1" | cut -d' ' -f1; }
now_ms() { date +%s%3N; }
rate() { awk -v b="$1" -v ms="$2" 'BEGIN { printf "%.1f MB/s", b / 1e6 / (ms > 0 ? ms / 1000 : 0.001) }'; }

# listen_case NAME BYTES PORT: the kernel's nc sends BYTES to `tapstack listen`.
listen_case() {
  local name=$1 bytes=$2 port=$3
  make_file "$E2E_DIR/$name.in" "$bytes"
  "$CLI" listen "$port" <"$E2E_DIR/empty" >"$E2E_DIR/$name.out" 2>"$E2E_DIR/$name.err" &
  local cli=$!
  wait_for 5 "'$CLI' sockets | grep -q 'LISTEN .*:$port '" || fail "$name: no listener on $port"
  local t0 t1
  t0=$(now_ms)
  timeout 30 ip netns exec "$E2E_NS" nc -N 10.0.0.2 "$port" <"$E2E_DIR/$name.in" >/dev/null ||
    fail "$name: nc to the stack failed"
  wait_for 30 "! kill -0 $cli 2>/dev/null" || fail "$name: tapstack listen did not see EOF"
  t1=$(now_ms)
  wait "$cli" || fail "$name: tapstack listen exited with $?: $(cat "$E2E_DIR/$name.err")"
  [[ $(sum "$E2E_DIR/$name.in") == $(sum "$E2E_DIR/$name.out") ]] ||
    fail "$name: received $(stat -c %s "$E2E_DIR/$name.out") bytes, sha256 differs"
  pass "$name: $bytes bytes kernel -> tapstack listen, sha256 match ($(rate "$bytes" $((t1 - t0))))"
}

: >"$E2E_DIR/empty"
listen_case listen_1m $((1 << 20)) 5555
listen_case listen_50m $((50 << 20)) 5556

# The listener is gone once the CLI closed it; nothing is left behind.
wait_for 5 "! '$CLI' sockets | grep -q ':555[56] .*LISTEN'" || fail "listeners left behind"

# connect, one way, to `nc -l` whose stdin is empty: its FIN comes first, and
# `tapstack connect` must read EOF yet keep sending until its own stdin ends.
bytes=$((50 << 20))
make_file "$E2E_DIR/up.in" "$bytes"
ip netns exec "$E2E_NS" timeout 40 nc -N -l 10.0.0.1 6000 </dev/null >"$E2E_DIR/up.out" &
server=$!
wait_for 5 "ip netns exec '$E2E_NS' ss -Htln | grep -q ':6000 '" || fail "nc -l did not start"
t0=$(now_ms)
timeout 40 "$CLI" connect 10.0.0.1 6000 <"$E2E_DIR/up.in" >"$E2E_DIR/up.echo" ||
  fail "tapstack connect exited with $?"
wait_for 10 "! kill -0 $server 2>/dev/null" || fail "nc -l did not see the FIN"
t1=$(now_ms)
wait "$server" || fail "nc -l exited with $?"
[[ ! -s "$E2E_DIR/up.echo" ]] || fail "tapstack connect printed data nc never sent"
[[ $(sum "$E2E_DIR/up.in") == $(sum "$E2E_DIR/up.out") ]] ||
  fail "tapstack -> nc -l: got $(stat -c %s "$E2E_DIR/up.out") bytes, sha256 differs"
pass "connect: $bytes bytes tapstack -> nc -l after its FIN, sha256 match ($(rate "$bytes" $((t1 - t0))))"

# connect, both ways at once: 50 MiB each way with a peer that, unlike nc -l
# (which quits at the first FIN once its stdin buffer happens to be empty),
# keeps each direction open until its own EOF.
make_file "$E2E_DIR/down.in" "$bytes"
ip netns exec "$E2E_NS" timeout 40 python3 "$(dirname "$0")/rpc_duplex_peer.py" 10.0.0.1 6001 \
  "$E2E_DIR/down.in" "$E2E_DIR/duplex.out" &
server=$!
wait_for 5 "ip netns exec '$E2E_NS' ss -Htln | grep -q ':6001 '" || fail "the duplex peer did not start"
t0=$(now_ms)
timeout 40 "$CLI" connect 10.0.0.1 6001 <"$E2E_DIR/up.in" >"$E2E_DIR/down.out" ||
  fail "tapstack connect (duplex) exited with $?"
wait_for 10 "! kill -0 $server 2>/dev/null" || fail "the duplex peer did not see the FIN"
t1=$(now_ms)
wait "$server" || fail "the duplex peer exited with $?"
[[ $(sum "$E2E_DIR/up.in") == $(sum "$E2E_DIR/duplex.out") ]] ||
  fail "duplex tapstack -> kernel: got $(stat -c %s "$E2E_DIR/duplex.out") bytes, sha256 differs"
[[ $(sum "$E2E_DIR/down.in") == $(sum "$E2E_DIR/down.out") ]] ||
  fail "duplex kernel -> tapstack: got $(stat -c %s "$E2E_DIR/down.out") bytes, sha256 differs"
pass "connect: $bytes bytes each way at once, sha256 match ($(rate $((2 * bytes)) $((t1 - t0))) total)"

# Connection refused is reported, with exit status 1.
set +e
"$CLI" connect 10.0.0.1 6002 </dev/null 2>"$E2E_DIR/refused.err"
status=$?
set -e
[[ $status -eq 1 ]] && grep -q 'refused' "$E2E_DIR/refused.err" ||
  fail "connect to a closed port: status $status, $(cat "$E2E_DIR/refused.err")"
pass "connect to a closed port: $(cat "$E2E_DIR/refused.err")"

stop_daemon || fail "tapstackd exited with $? at SIGTERM"
pass "daemon stopped cleanly"
