#!/usr/bin/env bash
# The daemon at its file descriptor limit (issue 12, docs/rpc.md "Session
# limits"): at start the soft limit is raised to the hard one, and a low hard
# limit is a warning. Then a client opens sockets until the daemon has no fd
# left (its limit
# lowered to 400 with prlimit), then 5 more connections that wait in the
# listen backlog. A new client queues behind them while accept backs off: the
# daemon stays nearly idle for 5 s and its log gets a bounded number of
# lines; sessions that own nothing are shed one by one, so the new client is
# served. Once the first client frees sockets, clients are served at once.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
CLI=$TAPSTACK_CLI
HOSTILE="$TAPSTACK_SOURCE_DIR/tests/e2e/rpc_flood.py"

make_namespace

# At start: the soft limit is raised to the hard one, and a hard limit below
# what the socket limits need is a warning. (A daemon of its own for each.)
start_with_nofile() {
  ip netns exec "$E2E_NS" prlimit --nofile="$1" "$TAPSTACKD" --config "$E2E_CONFIG" \
    --set "rpc.socket=\"$E2E_DIR/limit.sock\"" >"$E2E_DIR/limit.log" 2>&1 &
  limited=$!
  wait_for 10 "grep -qs 'ready' '$E2E_DIR/limit.log' || ! kill -0 $limited 2>/dev/null" || fail "no ready with --nofile=$1"
  kill -0 "$limited" 2>/dev/null || fail "tapstackd exited at start with --nofile=$1: $(cat "$E2E_DIR/limit.log")"
}
start_with_nofile 1024:20000
raised=$(awk '/^Max open files/ {print $4}' "/proc/$limited/limits")
kill -TERM "$limited" && wait "$limited" || fail "tapstackd --nofile=1024:20000 did not stop cleanly"
[[ "$raised" == 20000 ]] || fail "soft limit $raised, not raised to the hard limit 20000"
! grep -q "file descriptor limit" "$E2E_DIR/limit.log" || fail "a warning at 20000: $(cat "$E2E_DIR/limit.log")"
start_with_nofile 400:400
kill -TERM "$limited" && wait "$limited" || fail "tapstackd --nofile=400 did not stop cleanly"
grep -q "file descriptor limit 400 is below one session's 1024 sockets" "$E2E_DIR/limit.log" ||
  fail "no warning at start with 400 fds: $(cat "$E2E_DIR/limit.log")"
pass "at start the soft limit is raised to the hard limit (1024 -> 20000), and 400 is a warning"

start_daemon
baseline_fds=$(daemon_fds)
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
prlimit --pid "$E2E_DAEMON_PID" --nofile=400:400
cpu_ticks() { awk '{print $14 + $15}' "/proc/$E2E_DAEMON_PID/stat"; }

exec {hold}> >(exec python3 "$HOSTILE" "$TAPSTACK_SOCKET" udp 2000 "$E2E_DIR/release" 5 >"$E2E_DIR/udp.out" 2>&1)
wait_for 30 "grep -q '^opened' '$E2E_DIR/udp.out'" || fail "the client did not open its sockets: $(cat "$E2E_DIR/udp.out")"
grep -q "errno 24$" "$E2E_DIR/udp.out" || fail "the client did not reach EMFILE: $(cat "$E2E_DIR/udp.out")"
pass "the client reached the daemon's fd limit: $(cat "$E2E_DIR/udp.out")"

timeout 30 "$CLI" status >"$E2E_DIR/waiting.out" 2>&1 &
waiting=$!
ticks_before=$(cpu_ticks)
lines_before=$(wc -l <"$E2E_DIR/daemon.log")
sleep 5  # the measurement window, not a wait for a condition
ticks=$(($(cpu_ticks) - ticks_before))
lines=$(($(wc -l <"$E2E_DIR/daemon.log") - lines_before))
((ticks <= 50)) || fail "the daemon used $ticks ticks of CPU in 5 s with accept out of fds"
((lines <= 10)) || fail "the daemon wrote $lines log lines in 5 s: $(tail -3 "$E2E_DIR/daemon.log")"
grep -q "accept failed: .*retrying in" "$E2E_DIR/daemon.log" || fail "no accept failure logged"
pass "5 s out of fds: $ticks CPU ticks (1/100 s), $lines log lines"
wait "$waiting" || fail "the waiting client was not served: $(cat "$E2E_DIR/waiting.out")"
shed=$(grep -c "shed: the daemon is out of file descriptors" "$E2E_DIR/daemon.log" || true)
((shed >= 1)) || fail "the waiting client was served without shedding anything?"
pass "the waiting client was served after $shed quiet sessions owning nothing were shed"

touch "$E2E_DIR/release"
wait_for 10 "grep -q '^released' '$E2E_DIR/udp.out'" || fail "the client did not release its sockets"
timeout 5 "$CLI" status >/dev/null 2>"$E2E_DIR/after.err" || fail "not served after fds were freed: $(cat "$E2E_DIR/after.err")"
pass "a client is served at once after the first client closed 100 sockets"
exec {hold}>&-
back_to_baseline "$baseline_fds" "the client at the fd limit left"
