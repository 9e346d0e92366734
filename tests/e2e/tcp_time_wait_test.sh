#!/usr/bin/env bash
# TIME-WAIT cannot fill the socket table (issue 14): the daytime service
# closes first, so every connection leaves a TIME-WAIT record in the stack.
# With a table of 512 sockets and at most 256 records, thousands of
# connections still succeed: records are recycled oldest first, SYNs that
# come back on a 4-tuple still in TIME-WAIT open a new connection (RFC
# 6191), and a program's socket() still works afterwards.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?}" "${TAPSTACK_ACCEPT_SERVER:?}"
CLIENTS="$(dirname "$0")/daytime_clients.py"

make_namespace
start_daemon --set services.daytime=true --set tcp.max_sockets=512 --set tcp.local_reserve=16 \
  --set tcp.time_wait_max=256
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
counter() { "$TAPSTACK_CLI" stats | awk -v k="$1" '$1 == k {print $2}'; }

# 1,500 connections from 50 fixed ports: each 4-tuple returns 30 times.
out=$(in_ns python3 "$CLIENTS" 10.0.0.2 13 1500 50) || fail "fixed ports: $out"
reused=$(counter syn_accepted_in_time_wait)
((reused >= 1000)) || fail "only $reused SYNs reopened a TIME-WAIT 4-tuple ($out)"
pass "1500 daytime connections on 50 client ports, $out; $reused SYNs took over a TIME-WAIT record"

# 3,000 more from ephemeral ports: far past the table and the record cap.
out=$(in_ns python3 "$CLIENTS" 10.0.0.2 13 3000) || fail "ephemeral ports: $out"
records=$(counter time_wait_records)
recycled=$(counter time_wait_recycled)
((records <= 256 && records >= 200)) || fail "$records TIME-WAIT records (cap 256)"
((recycled >= 2700)) || fail "only $recycled records recycled"
pass "3000 more connections, $out; $records records held, $recycled recycled at the cap"

rows=$("$TAPSTACK_CLI" sockets | grep -c 'TIME-WAIT' || true)
((rows == records)) || fail "tapstack sockets lists $rows TIME-WAIT rows for $records records"
pass "tapstack sockets lists the $rows TIME-WAIT records"

# A program's socket, bind and listen still succeed, and it serves.
exec {server}< <(exec "$TAPSTACK_ACCEPT_SERVER" 7007 drop 1 2>&1)
read -r -t 10 line <&"$server" || fail "the libtapstack server did not start"
[[ "$line" == "listening 7007" ]] || fail "libtapstack server: $line"
got=$(in_ns timeout 10 nc -d 10.0.0.2 7007) || fail "nc to the libtapstack server failed"
[[ "$got" == "hi" ]] || fail "the libtapstack server sent '$got'"
pass "a local socket() after $((1500 + 3000)) connections: listening and serving"
