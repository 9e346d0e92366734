#!/usr/bin/env bash
# RFC 7323 timestamps against the kernel: both sides offer them, so once the
# handshake is done every segment but a RST carries a TSopt, both ways; and
# the stack's TSvals move forward.
source "$(dirname "$0")/lib.sh"

make_namespace
start_daemon --set services.echo=true

in_ns tcpdump -U -ni tap0 -w "$E2E_DIR/ts.pcap" 'tcp port 7' 2>"$E2E_DIR/tcpdump.err" &
tcpdump_pid=$!
wait_for 5 "grep -q 'listening on' '$E2E_DIR/tcpdump.err'" || fail "tcpdump did not start"

head -c $((512 * 1024)) /dev/urandom >"$E2E_DIR/data"
in_ns timeout 20 nc -N 10.0.0.2 7 <"$E2E_DIR/data" >"$E2E_DIR/data.back" || fail "echo: nc failed"
cmp -s "$E2E_DIR/data" "$E2E_DIR/data.back" || fail "echo returned other bytes"
wait_for 5 "[[ \$(tcpdump -nr '$E2E_DIR/ts.pcap' 2>/dev/null | grep -c 'Flags \[F') -ge 2 ]]" ||
  fail "the close did not reach the capture"
kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
tcpdump -nr "$E2E_DIR/ts.pcap" 2>/dev/null | grep -v 'Flags \[R' >"$E2E_DIR/ts.txt"

from_stack=$(grep -c ' 10\.0\.0\.2\.7 > ' "$E2E_DIR/ts.txt" || true)
to_stack=$(grep -c ' > 10\.0\.0\.2\.7: ' "$E2E_DIR/ts.txt" || true)
((from_stack > 10 && to_stack > 10)) || { cat "$E2E_DIR/ts.txt"; fail "too few segments captured"; }
if grep -v 'TS val' "$E2E_DIR/ts.txt" | grep -q .; then
  grep -v 'TS val' "$E2E_DIR/ts.txt" | head
  fail "segments without a TSopt"
fi
grep ' 10\.0\.0\.2\.7 > .*Flags \[S\.\]' "$E2E_DIR/ts.txt" | grep -q 'TS val [0-9]* ecr [1-9]' ||
  fail "the SYN-ACK does not echo the kernel's TSval"
pass "TSopt in all $from_stack segments from the stack and $to_stack to it"

# TSvals from the stack never go back (1 ms ticks from the connection's offset).
grep ' 10\.0\.0\.2\.7 > ' "$E2E_DIR/ts.txt" | sed -n 's/.*TS val \([0-9]*\) .*/\1/p' >"$E2E_DIR/tsvals"
python3 - "$E2E_DIR/tsvals" <<'PY' || fail "the stack's TSvals went backwards"
import sys
vals = [int(v) for v in open(sys.argv[1])]
sys.exit(0 if all(((b - a) & 0xffffffff) < 0x80000000 for a, b in zip(vals, vals[1:])) else 1)
PY
pass "the stack's TSvals are monotonic"

kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died"
stop_daemon || fail "exit status not 0"
