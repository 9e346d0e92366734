#!/usr/bin/env bash
# The CLI's long-running commands when tapstackd stops (SIGTERM) or dies
# (SIGKILL) under them (issue 19): `ping`, `trace`, `capture` (with and
# without --count), `serve-http`, `listen` waiting for a connection and
# `listen` with one each say "tapstackd closed the connection" and exit with
# 3; ping prints its statistics first. A capture that reaches its --count
# still exits 0.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"

make_namespace
mkdir "$E2E_DIR/www" && echo hello >"$E2E_DIR/www/hello.txt"
cli() { in_ns "$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" "$@"; }

for signal in TERM KILL; do
  start_daemon
  d="$E2E_DIR/$signal"
  mkdir "$d"
  declare -A pid=()
  cli trace >"$d/trace.out" 2>"$d/trace.err" &
  pid[trace]=$!
  cli capture -w "$d/all.pcapng" 2>"$d/capture.err" &
  pid[capture]=$!
  cli capture --count 100000 -w "$d/count.pcapng" 2>"$d/capture-count.err" &
  pid[capture-count]=$!
  cli ping -i 0.2 10.0.0.1 >"$d/ping.out" 2>"$d/ping.err" &
  pid[ping]=$!
  cli serve-http 8080 "$E2E_DIR/www" 2>"$d/serve-http.err" &
  pid[serve-http]=$!
  cli listen 5000 </dev/null >/dev/null 2>"$d/listen.err" &
  pid[listen]=$!
  cli listen 5001 </dev/null >/dev/null 2>"$d/listen-connected.err" &
  pid[listen-connected]=$!
  wait_for 5 "grep -q 'bytes from' '$d/ping.out'" || fail "ping got no reply"
  wait_for 5 "stack_listening 8080 && stack_listening 5000 && stack_listening 5001" || fail "servers did not listen"
  in_ns curl -sf http://10.0.0.2:8080/hello.txt >/dev/null || fail "serve-http did not answer"
  in_ns python3 -c 'import socket, time
s = socket.create_connection(("10.0.0.2", 5001), timeout=5)
time.sleep(60)' &
  client=$!
  wait_for 5 "grep -q 'connection from' '$d/listen-connected.err'" || fail "listen 5001 got no connection"
  wait_for 5 "[[ -s '$d/trace.out' && -s '$d/count.pcapng' ]]" || fail "trace and capture saw nothing"

  kill "-$signal" "$E2E_DAEMON_PID"
  wait "$E2E_DAEMON_PID" || true
  E2E_DAEMON_PID=""
  for name in "${!pid[@]}"; do
    wait_for 5 "exited ${pid[$name]}" || fail "$name still runs 5 s after tapstackd's SIG$signal"
    status=0
    wait "${pid[$name]}" || status=$?
    ((status == 3)) || { cat "$d/$name.err"; fail "$name exited with $status after SIG$signal, not 3"; }
    grep -q '^tapstack: tapstackd closed the connection$' "$d/$name.err" ||
      { cat "$d/$name.err"; fail "$name did not say that tapstackd closed the connection"; }
  done
  grep -q 'packets transmitted' "$d/ping.out" || fail "ping printed no statistics"
  kill -KILL "$client" 2>/dev/null || true
  wait "$client" 2>/dev/null || true
  pass "SIG$signal: ${!pid[*]}: 'tapstackd closed the connection', exit status 3; ping's statistics"
  unset pid
done

start_daemon
cli ping -c 20 -i 0.2 10.0.0.1 >/dev/null &
pinger=$!
cli capture --count 3 -w "$E2E_DIR/three.pcapng" 2>"$E2E_DIR/three.err" || fail "capture --count 3 did not exit 0"
wait "$pinger" || true
pass "capture --count 3 ends with 0 while the daemon runs"
stop_daemon || fail "exit status not 0"
