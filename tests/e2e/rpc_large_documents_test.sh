#!/usr/bin/env bash
# Introspection documents larger than one RPC message (issue 12, docs/rpc.md
# "Introspection JSON"): `tapstack sockets` with thousands of sockets and
# `tapstack arp` with an ARP table filled by thousands of hosts on the link
# come whole, as tables and as JSON, over the stream fd the reply carries.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
CLI=$TAPSTACK_CLI
HOSTILE="$TAPSTACK_SOURCE_DIR/tests/e2e/rpc_flood.py"
# One fd per socket in the daemon and in the client, plus the sessions.
ulimit -Hn 262144 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
SOCKETS=${SOCKETS:-$(($(ulimit -Hn) - 2000 < 100000 ? $(ulimit -Hn) - 2000 : 100000))}
ARP_HOSTS=3000

make_namespace
# A /8, so that the 10.1.x.y senders of arp_fill.py are on-link: the stack
# learns only from hosts it would send to directly.
start_daemon --set interface.address=10.0.0.2/8 --set interface.host_address=10.0.0.1/8 --set arp.max_entries=4096 --set rpc.sockets_total=$((SOCKETS + 1000))
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
json_count() { python3 -c "import json,sys; d=json.load(sys.stdin); print(len(d$1))"; }

# --- thousands of sockets ---------------------------------------------------
exec {hold}> >(exec python3 "$HOSTILE" "$TAPSTACK_SOCKET" udp "$SOCKETS" "$E2E_DIR/never" >"$E2E_DIR/udp.out" 2>&1)
wait_for 200 "grep -q '^opened' '$E2E_DIR/udp.out'" || fail "the client did not open its sockets: $(cat "$E2E_DIR/udp.out")"
grep -q "^opened $SOCKETS errno 0" "$E2E_DIR/udp.out" || fail "$(cat "$E2E_DIR/udp.out")"
start=$(date +%s%N)
"$CLI" sockets >"$E2E_DIR/sockets.txt" 2>"$E2E_DIR/sockets.err" || fail "tapstack sockets: $(cat "$E2E_DIR/sockets.err")"
ms=$((($(date +%s%N) - start) / 1000000))
rows=$(grep -c ' udp ' "$E2E_DIR/sockets.txt" || true)
((rows >= SOCKETS)) || fail "tapstack sockets shows $rows UDP sockets of $SOCKETS: $(head -3 "$E2E_DIR/sockets.txt")"
bytes=$("$CLI" --json sockets | wc -c)
udp=$("$CLI" --json sockets | json_count '["udp"]')
((udp >= SOCKETS)) || fail "tapstack --json sockets has $udp UDP sockets of $SOCKETS"
pass "tapstack sockets lists $rows UDP sockets (fd limit $(ulimit -Hn)) in $ms ms (JSON: $bytes bytes, $udp entries)"
exec {hold}>&-

# --- an ARP table filled from the link ------------------------------------
in_ns python3 "$(dirname "$0")/arp_fill.py" tap0 10.0.0.2 "$ARP_HOSTS"
arp_entries() { "$CLI" --json arp | json_count '["entries"]'; }
wait_for 10 "(( \$(arp_entries) >= $ARP_HOSTS * 9 / 10 ))" || fail "the ARP table has $(arp_entries) entries after $ARP_HOSTS requests"
entries=$(arp_entries)
"$CLI" arp >"$E2E_DIR/arp.txt" 2>"$E2E_DIR/arp.err" || fail "tapstack arp: $(cat "$E2E_DIR/arp.err")"
lines=$(($(wc -l <"$E2E_DIR/arp.txt") - 1))
((lines == entries)) || fail "tapstack arp printed $lines rows for $entries entries"
pass "tapstack arp prints all $lines entries ($("$CLI" --json arp | wc -c) bytes of JSON)"
