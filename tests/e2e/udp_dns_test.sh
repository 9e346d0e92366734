#!/usr/bin/env bash
# UDP and the DNS stub resolver against the namespace's kernel: the UDP echo
# service answers `nc -u`, a closed port makes the kernel's socket see
# "connection refused" (ICMP port unreachable), and `tapstack resolve` asks a
# dnsmasq on the host side through the stack: an A record, a CNAME chain,
# NXDOMAIN, an answer too big for UDP (TC, then the same query over TCP) and a
# server that does not answer (timeout after every attempt).
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
command -v dnsmasq >/dev/null || fail "dnsmasq is missing: run scripts/install-deps.sh --with-test-tools"

make_namespace
start_daemon --set services.udp_echo=true --set 'dns.servers=["10.0.0.1"]' \
  --set dns.timeout_ms=300 --set dns.attempts=2
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
CLI=$TAPSTACK_CLI

# --- UDP -------------------------------------------------------------------
in_ns python3 - <<'EOF' || fail "UDP echo / port unreachable"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect(("10.0.0.2", 7))
for size in (1, 512, 1472, 4000, 20000):  # 4000 and 20000 arrive and leave fragmented
    payload = bytes((i * 7 + size) & 0xFF for i in range(size))
    s.send(payload)
    assert s.recv(65535) == payload, f"echo of {size} bytes differs"
print("ok: UDP echo returns 1, 512, 1472, 4000 and 20000-byte datagrams intact")
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(3)
c.connect(("10.0.0.2", 9999))
c.send(b"anyone?")
try:
    c.recv(100)
    raise SystemExit("a closed port answered")
except ConnectionRefusedError:
    print("ok: a datagram to a closed port: connection refused (ICMP port unreachable)")
EOF
echo hello | in_ns timeout 5 nc -u -w 1 10.0.0.2 7 >"$E2E_DIR/nc.out" || true
[[ $(cat "$E2E_DIR/nc.out") == hello ]] || fail "nc -u to the UDP echo got '$(cat "$E2E_DIR/nc.out")'"
pass "nc -u to the UDP echo gets its datagram back"

# --- DNS -------------------------------------------------------------------
# 60 addresses for one name make an answer of about 1 KB: over 512 bytes, so
# dnsmasq sets TC over UDP and the resolver asks again over TCP.
for i in $(seq 1 60); do echo "10.0.1.$i big.example.test"; done >"$E2E_DIR/big.hosts"
in_ns dnsmasq --no-daemon --no-resolv --no-hosts --listen-address=10.0.0.1 --bind-interfaces \
  --port=53 --pid-file="$E2E_DIR/dnsmasq.pid" --log-facility="$E2E_DIR/dnsmasq.log" --log-queries \
  --address=/www.example.test/10.0.0.77 --cname=alias.example.test,www.example.test \
  --cname=alias2.example.test,alias.example.test --addn-hosts="$E2E_DIR/big.hosts" \
  --local=/example.test/ 2>"$E2E_DIR/dnsmasq.err" &
dnsmasq_pid=$!
wait_for 5 "in_ns ss -Hlun | grep -q '10.0.0.1:53 '" || fail "dnsmasq did not start"

out=$("$CLI" resolve www.example.test) || fail "resolve www.example.test failed"
[[ $out == $'www.example.test\t10.0.0.77' ]] || fail "resolve www.example.test printed '$out'"
pass "resolve www.example.test -> 10.0.0.77"

out=$("$CLI" resolve alias2.example.test) || fail "resolve of a CNAME chain failed"
[[ $out == *10.0.0.77* ]] || fail "CNAME chain resolved to '$out'"
pass "resolve alias2 -> alias -> www (CNAME chain) -> 10.0.0.77"

set +e
err=$("$CLI" resolve nosuch.example.test 2>&1 >/dev/null)
status=$?
set -e
[[ $status -eq 1 && $err == *"no such name (NXDOMAIN)"* ]] || fail "NXDOMAIN: status $status, '$err'"
pass "resolve nosuch.example.test: $err"

out=$("$CLI" resolve big.example.test) || fail "resolve big.example.test (truncated over UDP) failed"
[[ $(wc -l <<<"$out") -eq 32 ]] || fail "big.example.test gave $(wc -l <<<"$out") lines, not the 32 the CLI asks for"
"$CLI" stats | grep -Eq 'tcp_retries +1' || fail "stats do not count the retry over TCP: $("$CLI" stats | grep -i dns)"
grep -q 'query\[A\] big.example.test from 10.0.0.2' "$E2E_DIR/dnsmasq.log" ||
  fail "dnsmasq did not log the query"
pass "resolve big.example.test: TC over UDP, answered over TCP (32 of 60 addresses printed)"

# A server that does not answer: UDP to port 53 is dropped in the namespace.
in_ns nft -f - <<'EOF'
table inet e2e_dns {
  chain input { type filter hook input priority 0; udp dport 53 drop; }
}
EOF
t0=$(date +%s%3N)
set +e
err=$("$CLI" resolve quiet.example.test 2>&1 >/dev/null)
status=$?
set -e
t1=$(date +%s%3N)
[[ $status -eq 1 && $err == *"timed out"* ]] || fail "silent server: status $status, '$err'"
(( t1 - t0 >= 550 )) || fail "timed out after $((t1 - t0)) ms, before 2 attempts of 300 ms"
pass "silent server: '$err' after $((t1 - t0)) ms (2 attempts x 300 ms)"

kill "$dnsmasq_pid"
stop_daemon || fail "tapstackd exited with $? at SIGTERM"
pass "daemon stopped cleanly"
