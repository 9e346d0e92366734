#!/usr/bin/env bash
# docs/walkthrough.md, run: every command in its ```sh blocks is run here, in
# this test's namespace (host-side commands) with `tapstack` on the path, and
# what the text says the output shows is checked. /tmp/ in a command becomes
# this test's own directory. The test fails if the page has a command it does
# not run, so the page stays true.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
for tool in curl nc dnsmasq tshark sha256sum; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh --with-test-tools"
done
DOC="$TAPSTACK_SOURCE_DIR/docs/walkthrough.md"

BIN="$E2E_DIR/bin"
mkdir -p "$BIN"
ln -s "$TAPSTACK_CLI" "$BIN/tapstack"
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
declare -A RAN=()
OUT="$E2E_DIR/out"

# The command as the page has it, made to run here.
local_command() { echo "${1//\/tmp\//$E2E_DIR/}"; }
# run 'COMMAND' [allowed exit status]: runs it like a terminal would, output in $OUT.
# A command ending in & keeps running, its output in a file of its own.
run() {
  RAN["$1"]=1
  local to=$OUT
  [[ $1 == *"&" ]] && to="$E2E_DIR/background.$RANDOM.txt"
  set +e
  in_ns env PATH="$BIN:$PATH" TAPSTACK_SOCKET="$TAPSTACK_SOCKET" \
    timeout 60 bash -c "$(local_command "$1")" >"$to" 2>"$to.err"
  local status=$?
  set -e
  [[ $status -eq 0 || $status -eq ${2:-0} ]] || { cat "$to" "$to.err" >&2; fail "'$1' exited with $status"; }
}
# background 'COMMAND' FILE: a command of another terminal; sets $BG_PID.
background() {
  RAN["$1"]=1
  ip netns exec "$E2E_NS" env PATH="$BIN:$PATH" TAPSTACK_SOCKET="$TAPSTACK_SOCKET" \
    timeout 120 bash -c "exec $(local_command "$1")" >"$2" 2>&1 &
  BG_PID=$!
}
# Subscribers the daemon has registered since it started (its log says so).
subscribed() { grep -c "$1: subscriber added" "$E2E_DIR/daemon.log" || true; }
# trace_port PORT FILE: a trace running and registered; sets $TRACE_PID.
trace_port() {
  local before
  before=$(subscribed trace)
  background "tapstack trace --port $1" "$2"
  TRACE_PID=$BG_PID
  wait_for 10 "(( \$(subscribed trace) > $before ))" || fail "trace --port $1 not registered"
}
shows() {  # shows FILE 'fixed text' 'what it means'
  grep -aqF -- "$2" "$1" || { tail -n 40 "$1" >&2; fail "$(basename "$1") lacks '$2' ($3)"; }
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# The daemon as `scripts/run-daemon.sh ARGS` would run it (the page's line).
start_like() {
  RAN["$1"]=1
  eval "local args=(${1#scripts/run-daemon.sh })"
  start_daemon "${args[@]}"
}
serve_files() {
  run "tapstack serve-http 8080 /tmp/www &"
  wait_for 10 "'$TAPSTACK_CLI' sockets | grep -q 'LISTEN .*:8080 '" || fail "serve-http is not listening"
}

make_namespace

# 1. Start the stack.
start_like "scripts/run-daemon.sh --set services.daytime=true --set services.echo=true --set interface.offload=false --set 'dns.servers=[\"10.0.0.1\"]'"
RAN['export PATH=$PWD/build/client:$PATH']=1  # the test puts its own build on the path
run "ping -c 3 10.0.0.2"
shows "$OUT" "3 received" "the stack answers ping"
run "tapstack status"
shows "$OUT" "10.0.0.2" "status shows the address"
shows "$OUT" "interface tap0 " "status names the interface"
shows "$OUT" "offload off" "status says offload is off"
shows "$OUT" "services echo/tcp daytime/tcp" "status lists the services that run"
run "mkdir -p /tmp/www && echo hello > /tmp/www/index.html"
run "head -c 4M /dev/urandom > /tmp/www/big.bin"
run "head -c 1M /dev/urandom > /tmp/www/1m.bin"
serve_files
pass "1: the daemon runs, answers ping, serves files through the RPC"

# 2. The 3-way handshake, and the stack closing first.
T="$E2E_DIR/trace8080.txt"
trace_port 8080 "$T"
run "curl http://10.0.0.2:8080/"
[[ $(cat "$OUT") == hello ]] || fail "curl got '$(cat "$OUT")'"
wait_for 10 "grep -aqE '→ (CLOSED|TIME-WAIT): ' '$T'" || { cat "$T" >&2; fail "the connection did not end"; }
shows "$T" "[S]   seq 0 win" "the kernel's SYN, relative"
shows "$T" "CLOSED → SYN-RECEIVED: SYN received on a listening port" "passive open"
shows "$T" "<mss 1460,wscale" "the SYN-ACK's options"
shows "$T" ": SYN-ACK" "why the SYN-ACK left"
shows "$T" "SYN-RECEIVED → ESTABLISHED: ACK acked our SYN-ACK" "handshake done"
shows "$T" "seq 1:78 ack 1" "the request, relative"
shows "$T" "delack" "a delayed-ACK decision"
shows "$T" "rtt " "an RTT sample"
pass "2: the handshake with its options and reasons, the request, an RTT sample"

# 3. Segmentation by MSS.
run "curl -o /dev/null http://10.0.0.2:8080/big.bin"
shows "$T" "len 1448" "full-sized segments (the MSS less the 12-byte TSopt)"
# The response head may leave alone when the body comes a moment later, so
# the first full segment need not start at 1.
grep -aqE 'seq [0-9]+:[0-9]+ ack 85 ' "$T" || fail "no data segment acknowledging the 84-byte request"
shows "$T" "slow start" "cwnd growing in slow start"
# The first ACK may cover one, two or (the kernel coalescing) more segments.
grep -aqE 'cwnd 14480 → [0-9]+: slow start' "$T" || fail "no slow-start growth from the initial window"
! grep -aE 'slow start' "$T" | grep -q ssthresh || fail "a slow-start cwnd line repeats an unchanged ssthresh"
max=$(grep -F 'seg-out' "$T" | grep -oE 'len [0-9]+' | awk '{ if ($2 > m) m = $2 } END { print m + 0 }')
[[ $max -eq 1448 ]] || fail "the largest segment the stack sent is $max bytes, not 1448"
pass "3: 4 MiB in segments of at most 1448 bytes"

# 4. The MTU decides the MSS.
stop "$TRACE_PID"
stop_daemon || fail "tapstackd exited with $? at SIGTERM"
start_like "scripts/run-daemon.sh --set services.daytime=true --set services.echo=true --set interface.offload=false --set 'dns.servers=[\"10.0.0.1\"]' --set interface.mtu=1000"
T="$E2E_DIR/trace-mtu.txt"
trace_port 8080 "$T"
serve_files
run "curl -o /dev/null http://10.0.0.2:8080/big.bin"
shows "$T" "<mss 960" "the SYN-ACK's MSS follows the MTU"
max=$(grep -F 'seg-out' "$T" | grep -oE 'len [0-9]+' | awk '{ if ($2 > m) m = $2 } END { print m + 0 }')
[[ $max -eq 948 ]] || fail "with MTU 1000 the largest segment is $max bytes, not 948"
pass "4: MTU 1000 -> MSS 960, segments of at most 948 bytes"

# 5. Loss, retransmission and the adaptive timeout.
: >"$T"
run "tapstack impair --loss 10"
run "curl -s http://10.0.0.2:8080/1m.bin | sha256sum"
got=$(cut -d' ' -f1 "$OUT")
run "sha256sum < /tmp/www/1m.bin"
[[ $got == "$(cut -d' ' -f1 "$OUT")" ]] || fail "1 MiB under 10 % loss: sha256 differs"
run "tapstack stats"
retransmits=$(awk '$1 == "retransmits" || $1 == "tcp.retransmits" { print $2 }' "$OUT" | head -n1)
(( ${retransmits:-0} > 0 )) || { cat "$OUT" >&2; fail "stats count no retransmits under 10 % loss"; }
shows "$T" "retransmit" "repairs in the trace"
grep -aE ' retransmit +seq [0-9]+ len [0-9]+ retries [0-9]+ rto [0-9]+\.[0-9]{3} ms' "$T" >/dev/null ||
  fail "no retransmit line says the RTO in force"
# Each expiry's RTO retransmits say twice the RTO of the expiry before it.
awk '/ retransmit .*: RTO retransmit$/ {
       for (i = 1; i <= NF; i++) { if ($i == "retries") r = $(i + 1); if ($i == "rto") t = $(i + 1) }
       if (r > 1 && r == last_r + 1 && t != last_t * 2) { print "rto " t " after " last_t; bad = 1 }
       last_r = r; last_t = t }
     END { exit bad }' "$T" || fail "an RTO retransmit does not double the RTO"
grep -aE ' cwnd .* ssthresh [0-9inf]+ → [0-9]+: ' "$T" >/dev/null || fail "no cwnd line sets ssthresh under loss"
run "tapstack impair"
shows "$OUT" "dropped" "the impairment counts its drops"
run "tapstack impair --clear"
run "tapstack impair"
grep -qE 'dropped [1-9]' "$OUT" && { cat "$OUT" >&2; fail "impair --clear kept the old counters"; }
pass "5: 1 MiB intact under 10 % loss, $retransmits retransmissions counted and traced"

# 6. The receive window closes: persist probes.
: >"$T"
run "curl --limit-rate 20k --max-time 5 -o /dev/null http://10.0.0.2:8080/big.bin" 28
shows "$T" "zero-window probe" "persist probes"
shows "$T" "→ 0" "the peer's window closing"
# Flow control, not congestion: ACKs of probes are no duplicate ACKs.
if grep -aE 'dup ACKs|fast retransmit' "$T" >&2; then
  fail "6: the closed window was taken for loss (fast retransmit)"
fi
pass "6: the kernel's window closes and the stack probes it"
stop "$TRACE_PID"

# 7. Nagle.
run "tapstack impair --dir out --delay 50"
background "nc -lk 10.0.0.1 9000" "$E2E_DIR/nc9000.txt"
nc_pid=$BG_PID
wait_for 5 "in_ns ss -Htln | grep -q ':9000 '" || fail "nc -lk did not start"
N1="$E2E_DIR/nagle.txt"
trace_port 9000 "$N1"
run 'for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; sleep 0.01; done | tapstack connect 10.0.0.1 9000'
stop "$TRACE_PID"
N2="$E2E_DIR/nodelay.txt"
trace_port 9000 "$N2"
run 'for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; sleep 0.01; done | tapstack connect -N 10.0.0.1 9000'
stop "$TRACE_PID"
run "tapstack impair --clear"
stop "$nc_pid"
shows "$N1" "nagle-hold" "Nagle holding small writes"
shows "$N1" "nagle-release" "Nagle releasing them on the ACK"
! grep -qF "nagle-hold" "$N2" || fail "with -N (TCP_NODELAY) Nagle still held data"
with=$(grep -aE 'seg-out' "$N1" | grep -cE ' len [1-9]' || true)
without=$(grep -aE 'seg-out' "$N2" | grep -cE ' len [1-9]' || true)
(( with < without )) || fail "Nagle sent $with data segments, TCP_NODELAY $without"
pass "7: ten small writes: $with segments with Nagle, $without with TCP_NODELAY"

# 8. The 4-way close, from either side.
D="$E2E_DIR/trace13.txt"
trace_port 13 "$D"
run "nc -d 10.0.0.2 13"
[[ $(cat "$OUT") =~ [0-9]{2}:[0-9]{2}:[0-9]{2} ]] || fail "daytime sent '$(cat "$OUT")'"
wait_for 10 "grep -aqF '→ TIME-WAIT: ' '$D'" || { cat "$D" >&2; fail "no TIME-WAIT after daytime"; }
shows "$D" "ESTABLISHED → FIN-WAIT-1: close(): sending FIN" "the stack closes first"
grep -aqE "FIN-WAIT-1 → (FIN-WAIT-2: our FIN acked|TIME-WAIT: )" "$D" || fail "no FIN-WAIT-2 (or direct TIME-WAIT)"
run "tapstack sockets -i"
grep -qE '^- +tcp +TIME-WAIT +10\.0\.0\.2:13 .* -$' "$OUT" || { cat "$OUT" >&2; fail "tapstack sockets shows no TIME-WAIT on port 13 (id -, process -)"; }
shows "$OUT" "timer time-wait " "the TIME-WAIT timer"
grep -qE '^[0-9]+ +tcp +LISTEN +0\.0\.0\.0:13 +0\.0\.0\.0:\* .* tapstackd$' "$OUT" ||
  { cat "$OUT" >&2; fail "the daytime listener is not shown as tapstackd's with peer 0.0.0.0:*"; }
stop "$TRACE_PID"
C="$E2E_DIR/trace7.txt"
trace_port 7 "$C"
run "echo bye | nc -N 10.0.0.2 7"
shows "$OUT" "bye" "the echo service answers"
wait_for 10 "grep -qF 'LAST-ACK → CLOSED' '$C'" || { cat "$C" >&2; fail "no LAST-ACK → CLOSED"; }
shows "$C" "ESTABLISHED → CLOSE-WAIT: peer's FIN received" "the host closes first"
shows "$C" "CLOSE-WAIT → LAST-ACK" "the stack's FIN"
stop "$TRACE_PID"
pass "8: the stack closes first into TIME-WAIT; the host closes first: CLOSE-WAIT, LAST-ACK, CLOSED"

# 9. A DNS query over UDP.
background "dnsmasq --no-daemon --no-resolv --no-hosts --listen-address=10.0.0.1 --bind-interfaces --local=/example.test/ --address=/www.example.test/10.0.0.77" "$E2E_DIR/dnsmasq.txt"
dns_pid=$BG_PID
wait_for 5 "in_ns ss -Hlun | grep -q '10.0.0.1:53 '" || fail "dnsmasq did not start"
before=$(subscribed capture)
background "tapstack capture --count 2 port 53 -w /tmp/dns.pcapng" "$E2E_DIR/capture.txt"
capture_pid=$BG_PID
wait_for 10 "(( \$(subscribed capture) > $before ))" || fail "capture not registered"
run "tapstack resolve www.example.test"
[[ $(cat "$OUT") == $'www.example.test\t10.0.0.77' ]] || fail "resolve printed '$(cat "$OUT")'"
wait_for 10 "! kill -0 $capture_pid 2>/dev/null" || fail "capture --count 2 did not end"
shows "$E2E_DIR/capture.txt" "listening on tap0, link-type EN10MB" "capture's first line"
shows "$E2E_DIR/capture.txt" "2 packets captured" "capture's last line"
run "tshark -r /tmp/dns.pcapng"
shows "$OUT" "Standard query 0x" "the query"
shows "$OUT" "A www.example.test" "the name asked"
shows "$OUT" "A 10.0.0.77" "the answer"
run "tapstack resolve nosuch.example.test" 1
shows "$OUT.err" "nosuch.example.test: no such name (NXDOMAIN)" "an unknown name"
stop "$dns_pid"
pass "9: the query and its answer in a capture read by tshark"

# Every command on the page was run.
missing=0
while IFS= read -r line; do
  [[ -n ${RAN["$line"]+x} ]] && continue
  echo "not run by this test: $line" >&2
  missing=1
done < <(awk '/^```sh$/ { on = 1; next } /^```$/ { on = 0 } on && NF' "$DOC")
((missing == 0)) || fail "docs/walkthrough.md has commands this test does not run"
pass "every command in docs/walkthrough.md was run"

stop_daemon || fail "tapstackd exited with $? at SIGTERM"
