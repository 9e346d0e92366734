#!/usr/bin/env bash
# What unmodified programs rely on, under `tapstack run` (tests/preload/
# semantics.py): refused and non-blocking connects with SO_ERROR, dual stack,
# UDP, loopback left to the kernel, threads, fork, getaddrinfo; and a clear
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

# No daemon at the path: socket() fails at once with one clear message.
out=$(in_ns env LD_PRELOAD="$TAPSTACK_PRELOAD" TAPSTACK_SOCKET="$E2E_DIR/none.sock" timeout 10 \
  curl -sS http://10.0.0.1:6000/ 2>&1) && fail "curl without a daemon succeeded"
[[ $(grep -c "tapstack-preload: cannot reach tapstackd at $E2E_DIR/none.sock" <<<"$out") == 1 ]] ||
  fail "expected one 'cannot reach tapstackd' line, got: $out"
pass "no daemon: socket() fails at once, one message on stderr"

stop_daemon || fail "exit status not 0"
