#!/usr/bin/env bash
# SO_LINGER with a timeout through `tapstack run`: close() waits until the
# kernel peer has acknowledged the data and the FIN, and when the path is
# cut (every frame to the stack dropped) it returns after the linger time.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"

make_namespace
start_daemon
in_ns python3 "$TAPSTACK_SOURCE_DIR/tests/preload/kernel_echo.py" tcp:10.0.0.1:7071 >"$E2E_DIR/echo.log" 2>&1 &
wait_for 10 "kernel_listening 7071" || fail "the kernel echo server did not listen"

# close_time CUT — runs the client with SO_LINGER {1, 2}; CUT=1 drops every
# frame to the stack before it sends; prints close()'s duration in seconds.
close_time() {
  local log="$E2E_DIR/linger$1.log"
  exec {in}> >(on_stack python3 "$TAPSTACK_SOURCE_DIR/tests/preload/linger_client.py" 10.0.0.1 7071 2 >"$log" 2>&1)
  wait_for 10 "grep -q connected '$log'" || { cat "$log"; fail "the client did not connect"; }
  if [[ $1 == 1 ]]; then
    "$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" impair --dir in --loss 100 >/dev/null || fail "impair"
  fi
  echo >&$in
  wait_for 15 "grep -q 'close took' '$log'" || { cat "$log"; fail "close did not return"; }
  exec {in}>&-
  sed -n 's/close took \([0-9.]*\) s/\1/p' "$log"
  "$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" impair --clear >/dev/null || fail "impair --clear"
}

t=$(close_time 0)
echo "  reachable peer: close() took $t s"
python3 -c "import sys; sys.exit(0 if float('$t') < 1.0 else 1)" || fail "close waited $t s with a peer that acknowledges"
pass "SO_LINGER: close returns once the peer acknowledged ($t s)"

t=$(close_time 1)
echo "  unreachable peer: close() took $t s"
python3 -c "import sys; sys.exit(0 if 1.9 <= float('$t') <= 3.0 else 1)" || fail "close took $t s, not the 2 s linger"
pass "SO_LINGER: close returns after the 2 s linger when nothing is acknowledged ($t s)"

kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died"
stop_daemon || fail "exit status not 0"
