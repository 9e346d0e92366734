#!/usr/bin/env bash
# What unmodified programs rely on, under `tapstack run` (tests/preload/
# semantics.py): refused and non-blocking connects with SO_ERROR, dual stack,
# UDP, loopback left to the kernel, threads, fork, getaddrinfo; a pre-forking
# server whose workers accept on an inherited listener; and a clear
# error, not a hang, when the daemon is not there.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"

make_namespace
start_daemon --set 'dns.hosts=["10.0.0.1 web.test"]'
in_ns python3 "$TAPSTACK_SOURCE_DIR/tests/preload/kernel_echo.py" tcp:10.0.0.1:6000 udp:10.0.0.1:6001 \
  tcp:127.0.0.1:6002 >"$E2E_DIR/echo.log" 2>&1 &
wait_for 10 "grep -q ready '$E2E_DIR/echo.log'" || { cat "$E2E_DIR/echo.log"; fail "kernel echo servers did not start"; }

on_stack timeout 60 python3 "$TAPSTACK_SOURCE_DIR/tests/preload/semantics.py" >"$E2E_DIR/semantics.log" 2>&1 ||
  { cat "$E2E_DIR/semantics.log"; fail "semantics.py"; }
sed 's/^ok /ok: /' "$E2E_DIR/semantics.log"

# A pre-forking server: two workers accept on the listener they inherited.
on_stack timeout 60 python3 "$TAPSTACK_SOURCE_DIR/tests/preload/prefork_server.py" 6100 2 5 \
  >"$E2E_DIR/prefork.log" 2>&1 &
prefork=$!
wait_for 10 "grep -q '^listening 6100' '$E2E_DIR/prefork.log'" || { cat "$E2E_DIR/prefork.log"; fail "prefork server did not listen"; }
in_ns timeout 30 python3 -c '
import socket
for _ in range(10):
    with socket.create_connection(("10.0.0.2", 6100), timeout=10) as s:
        print(s.makefile().readline().strip())' >"$E2E_DIR/prefork.pids" || fail "prefork: a connection was not answered"
wait "$prefork" || { cat "$E2E_DIR/prefork.log"; fail "prefork server: a worker failed"; }
workers=$(sed -n 's/^listening 6100 workers //p' "$E2E_DIR/prefork.log")
for pid in $workers; do
  [[ $(grep -cx "$pid" "$E2E_DIR/prefork.pids") == 5 ]] ||
    fail "worker $pid answered $(grep -cx "$pid" "$E2E_DIR/prefork.pids") of its 5 connections"
done
pass "pre-forking server: 2 workers accepted 5 connections each on the inherited listener"

# No daemon at the path: socket() fails at once with one clear message.
out=$(in_ns env LD_PRELOAD="${TAPSTACK_SANITIZER_RUNTIME:+$TAPSTACK_SANITIZER_RUNTIME:}$TAPSTACK_PRELOAD" TAPSTACK_SOCKET="$E2E_DIR/none.sock" timeout 10 \
  nc -w 2 10.0.0.1 6000 </dev/null 2>&1) && fail "nc without a daemon succeeded"
[[ $(grep -c "tapstack-preload: cannot reach tapstackd at $E2E_DIR/none.sock" <<<"$out") == 1 ]] ||
  fail "expected one 'cannot reach tapstackd' line, got: $out"
pass "no daemon: socket() fails at once, one message on stderr"

stop_daemon || fail "exit status not 0"
