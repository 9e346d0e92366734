#!/usr/bin/env bash
# Programs under `tapstack run` while tapstackd stops (SIGTERM) or dies
# (SIGKILL), then starts again (issue 19). Nothing spins: a server's CPU over
# the next 5 s stays under 5 % of a core, and it either exits with an error or
# keeps running idle. A program that opens a connection every 0.2 s gets
# working sockets again within a second of the new daemon being ready.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"

make_namespace
start_daemon
cc -O2 -o "$E2E_DIR/epoll_echo" "$TAPSTACK_SOURCE_DIR/tests/preload/epoll_echo.c" || fail "cannot build epoll_echo"
mkdir "$E2E_DIR/www" && echo hello >"$E2E_DIR/www/hello.txt"

# kill_daemon SIGNAL — ends tapstackd with SIGNAL and reaps it.
kill_daemon() {
  kill "-$1" "$E2E_DAEMON_PID"
  wait "$E2E_DAEMON_PID" 2>/dev/null || true
  E2E_DAEMON_PID=""
}

# server_goes_idle NAME SIGNAL PORT PROGRAM ARGS… — PROGRAM serves PORT with a
# kernel client connected (idle); the daemon is ended with SIGNAL; PROGRAM
# must not spin, and if it exits, with an error.
server_goes_idle() {
  local name=$1 signal=$2 port=$3
  shift 3
  start_on_stack "$E2E_DIR/$name.log" "$@"
  local server=$ON_STACK_PID
  wait_for 5 "stack_listening $port" || { cat "$E2E_DIR/$name.log"; fail "$name did not listen"; }
  in_ns python3 -c 'import socket, sys, time
s = socket.create_connection(("10.0.0.2", int(sys.argv[1])), timeout=5)
print("connected", flush=True)
time.sleep(60)' "$port" >"$E2E_DIR/$name.client" 2>&1 &
  local client=$!
  wait_for 5 "grep -q connected '$E2E_DIR/$name.client'" || fail "$name: the kernel client did not connect"
  kill_daemon "$signal"
  assert_idle "$server" "$name after SIG$signal"
  if exited "$server"; then
    local status=0
    wait "$server" || status=$?
    ((status != 0)) || fail "$name exited with status 0 when the daemon went away"
    echo "  $name exited with status $status: $(tail -n 1 "$E2E_DIR/$name.log")"
  else
    kill -TERM "$server"
    wait "$server" || true
  fi
  kill -KILL "$client" 2>/dev/null || true
  wait "$client" 2>/dev/null || true
  start_daemon
}

for signal in TERM KILL; do
  server_goes_idle http-$signal "$signal" 8080 python3 -m http.server -d "$E2E_DIR/www" 8080
  pass "python3 -m http.server: tapstackd SIG$signal, no spinning"
  server_goes_idle epoll-$signal "$signal" 7000 "$E2E_DIR/epoll_echo" 7000 8 6
  pass "epoll_echo: tapstackd SIG$signal, no spinning"
done

# A client that connects every 0.2 s to a kernel echo server, across restarts.
in_ns python3 "$TAPSTACK_SOURCE_DIR/tests/preload/kernel_echo.py" tcp:0.0.0.0:7100 >"$E2E_DIR/echo.log" 2>&1 &
echo_server=$!
wait_for 5 "grep -q ready '$E2E_DIR/echo.log'" || fail "kernel echo server did not start"
cat >"$E2E_DIR/loop.py" <<'PY'
import socket, time
for _ in range(1000):  # at most ~200 s; the test ends it sooner
    try:
        with socket.create_connection(("10.0.0.1", 7100), timeout=2) as s:
            s.sendall(b"ping")
            print("ok" if s.recv(16) == b"ping" else "bad", time.time(), flush=True)
    except OSError as e:
        print("err", e.errno, time.time(), flush=True)
    time.sleep(0.2)
PY
start_on_stack "$E2E_DIR/loop.log" python3 "$E2E_DIR/loop.py"
loop=$ON_STACK_PID
wait_for 5 "grep -q '^ok' '$E2E_DIR/loop.log'" || { cat "$E2E_DIR/loop.log"; fail "the loop never connected"; }

# first_ok_after TIME — the time of the loop's first success after TIME.
first_ok_after() { awk -v t="$1" '$1 == "ok" && $2 > t { print $2; exit }' "$E2E_DIR/loop.log"; }

for signal in TERM KILL; do
  kill_daemon "$signal"
  down=$(date +%s.%N)
  wait_for 5 "awk -v t=$down '\$1 == \"err\" && \$3 > t { f = 1 } END { exit !f }' '$E2E_DIR/loop.log'" ||
    fail "the loop saw no error with the daemon gone"
  assert_idle "$loop" "connect loop with the daemon gone (SIG$signal)"
  start_daemon
  ready=$(date +%s.%N)
  wait_for 5 "[[ -n \$(first_ok_after $ready) ]]" || { tail "$E2E_DIR/loop.log"; fail "no working socket after the restart"; }
  delay=$(awk -v a="$(first_ok_after "$ready")" -v b="$ready" 'BEGIN { printf "%.3f", a - b }')
  awk -v d="$delay" 'BEGIN { exit !(d < 1.0) }' || fail "first working socket ${delay} s after the restart"
  pass "connect loop: SIG$signal, then a working socket ${delay} s after the daemon was ready"
done
kill -TERM "$loop" "$echo_server"
wait "$loop" "$echo_server" 2>/dev/null || true

stop_daemon || fail "exit status not 0"
