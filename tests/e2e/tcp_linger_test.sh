#!/usr/bin/env bash
# SO_LINGER with a timeout through `tapstack run`: close() waits until the
# kernel peer has acknowledged the data and the FIN (every frame to the
# stack delayed by 300 ms, so that takes 300 ms at least), and when the path
# is cut (every frame to the stack dropped) it returns after the linger time.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"

make_namespace
start_daemon
in_ns python3 "$TAPSTACK_SOURCE_DIR/tests/preload/kernel_echo.py" tcp:10.0.0.1:7071 >"$E2E_DIR/echo.log" 2>&1 &
wait_for 10 "kernel_listening 7071" || fail "the kernel echo server did not listen"

# close_time IMPAIRMENT… — runs the client with SO_LINGER {1, 2}, impairs
# the frames to the stack as told before it sends, and prints close()'s
# duration in seconds.
close_time() {
  local log="$E2E_DIR/linger$2.log"
  exec {in}> >(on_stack python3 "$TAPSTACK_SOURCE_DIR/tests/preload/linger_client.py" 10.0.0.1 7071 2 >"$log" 2>&1)
  wait_for 10 "grep -q connected '$log'" || { cat "$log"; fail "the client did not connect"; }
  "$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" impair --dir in "$@" >/dev/null || fail "impair $*"
  echo >&$in
  wait_for 15 "grep -q 'close took' '$log'" || { cat "$log"; fail "close did not return"; }
  exec {in}>&-
  sed -n 's/close took \([0-9.]*\) s/\1/p' "$log"
  "$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" impair --clear >/dev/null || fail "impair --clear"
}

t=$(close_time --delay 300)
echo "  peer acknowledging 300 ms late: close() took $t s"
python3 -c "import sys; sys.exit(0 if 0.3 <= float('$t') < 1.9 else 1)" ||
  fail "close took $t s with ACKs 300 ms late and a 2 s linger"
pass "SO_LINGER: close returns once the peer acknowledged ($t s)"

t=$(close_time --loss 100)
echo "  unreachable peer: close() took $t s"
python3 -c "import sys; sys.exit(0 if 1.9 <= float('$t') <= 3.0 else 1)" || fail "close took $t s, not the 2 s linger"
pass "SO_LINGER: close returns after the 2 s linger when nothing is acknowledged ($t s)"

kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died"
stop_daemon || fail "exit status not 0"
