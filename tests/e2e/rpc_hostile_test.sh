#!/usr/bin/env bash
# Hostile local clients (issue 12): a group member who is not root cannot
# capture or trace others' traffic; unread capture streams are capped per
# session and in total, keep the daemon's memory bounded under a ping flood
# and end with their session; one session's slow resolves leave room for
# another client's.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"

HERE=$(dirname "$0")
CLI=$TAPSTACK_CLI
make_namespace
group=users
gid=$(getent group "$group" | cut -d: -f3) || fail "group $group missing"
chmod o+x "$E2E_DIR"
start_daemon --set 'dns.servers=["10.0.0.1"]' --set "rpc.group=\"$group\"" --set 'rpc.mode="0660"'
baseline_fds=$(daemon_fds)
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
as_member() { setpriv --reuid=nobody --regid=nogroup --groups="$gid" "$@"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$E2E_DAEMON_PID/status"; }

# --- capture and trace need root or the daemon's uid -----------------------
for what in capture trace; do
  set +e
  as_member timeout 10 "$CLI" $what >"$E2E_DIR/member.$what" 2>"$E2E_DIR/member.$what.err"
  status=$?
  set -e
  [[ $status -eq 1 && ! -s "$E2E_DIR/member.$what" ]] &&
    grep -q "only root and tapstackd's own user" "$E2E_DIR/member.$what.err" ||
    fail "$what by a group member: status $status, $(cat "$E2E_DIR/member.$what.err")"
  pass "$what by nobody (in group $group) refused: $(cat "$E2E_DIR/member.$what.err")"
done
timeout 10 "$CLI" capture --count 1 >"$E2E_DIR/root.pcapng" 2>/dev/null &
root_capture=$!
wait_for 5 "grep -q 'capture: subscriber added' '$E2E_DIR/daemon.log'" || fail "root's capture did not start"
in_ns ping -n -c 1 -W 1 10.0.0.2 >/dev/null || fail "ping"
wait "$root_capture" || fail "root's capture --count 1 failed"
pass "root still captures"

# --- unread capture streams: capped, memory bounded, ended with the session --
hostile() {  # hostile NAME ARGS… — starts rpc_hostile.py, gated by fd of NAME.gate
  mkfifo "$E2E_DIR/$1.gate"
  "${HOSTILE_AS[@]}" /usr/bin/python3 "$HERE/rpc_hostile.py" "$TAPSTACK_SOCKET" "${@:2}" <"$E2E_DIR/$1.gate" >"$E2E_DIR/$1.out" 2>&1 &
  eval "${1}_pid=$!"
  exec {fd}>"$E2E_DIR/$1.gate"
  eval "${1}_gate=$fd"
  wait_for 15 "grep -q 'opened\|pending' '$E2E_DIR/$1.out'" || fail "$1: $(cat "$E2E_DIR/$1.out")"
}
HOSTILE_AS=()  # a command prefix: whom rpc_hostile.py runs as
release() { local gate="${1}_gate"; echo go >&"${!gate}"; }  # a line: later clients inherit the fd

rss_before=$(rss_kb)
hostile flood captures 40
grep -q '^opened 4 refused EMFILE=36$' "$E2E_DIR/flood.out" || fail "40 captures: $(cat "$E2E_DIR/flood.out")"
pass "40 capture requests from one session: $(cat "$E2E_DIR/flood.out")"
for i in 1 2 3; do hostile more$i captures 4; done
hostile last captures 4
grep -q '^opened 0 refused ENFILE=4$' "$E2E_DIR/last.out" || fail "over the total: $(cat "$E2E_DIR/last.out")"
pass "16 streams open in 4 sessions: a fifth session is refused ($(cat "$E2E_DIR/last.out"))"
in_ns timeout 60 ping -n -f -c 40000 -s 1000 -W 1 10.0.0.2 >"$E2E_DIR/flood.txt" || fail "ping -f: $(tail -3 "$E2E_DIR/flood.txt")"
rss_during=$(rss_kb)
(( rss_during - rss_before < 100 * 1024 )) || fail "VmRSS grew from $rss_before kB to $rss_during kB"
pass "16 unread streams and ping -f -c 40000 -s 1000: VmRSS $rss_before kB → $rss_during kB"
for name in flood more1 more2 more3 last; do release $name; done
for name in flood more1 more2 more3; do
  pid="${name}_pid"
  wait "${!pid}" || fail "$name: $(cat "$E2E_DIR/$name.out")"
done
grep -q 'streams ended 4 of 4' "$E2E_DIR/flood.out" || fail "streams after the session: $(cat "$E2E_DIR/flood.out")"
wait "$last_pid" || true
rss_after=$(rss_kb)
pass "the sessions closed: $(tail -1 "$E2E_DIR/flood.out") each; VmRSS $rss_after kB"
timeout 10 "$CLI" capture --count 1 >/dev/null 2>&1 &
root_capture=$!
in_ns ping -n -c 3 -i 0.2 -W 1 10.0.0.2 >/dev/null || fail "ping"
wait "$root_capture" || fail "capture after the hostile sessions"
pass "a capture works again once they are gone"

# --- slow resolves from one session leave room for others -------------------
ip netns exec "$E2E_NS" python3 "$HERE/dns_selective.py" 10.0.0.1 &
dns=$!
wait_for 5 "in_ns ss -Hlun | grep -q '10.0.0.1:53 '" || fail "the DNS server did not start"
hostile hog resolves 64 slow.test
grep -q '^pending 16 refused ENOBUFS=48$' "$E2E_DIR/hog.out" || fail "64 resolves: $(cat "$E2E_DIR/hog.out")"
out=$(as_member timeout 10 "$CLI" resolve fast.test) || fail "another user's resolve: $out"
[[ $out == "fast.test	10.0.0.77" ]] || fail "another user's resolve: $out"
pass "64 slow resolves from one session ($(cat "$E2E_DIR/hog.out")); another user's resolve answered: $out"
release hog
wait "$hog_pid" || fail "hog: $(cat "$E2E_DIR/hog.out")"
# Sessions do not multiply a uid's share: a member's 64 resolves over 4
# sessions get 16 between them, and another uid is still answered.
HOSTILE_AS=(setpriv --reuid=nobody --regid=nogroup --groups="$gid")
hostile hog4 resolves 64 slow.test 4
HOSTILE_AS=()
grep -q '^pending 16 refused ENOBUFS=48$' "$E2E_DIR/hog4.out" || fail "64 resolves over 4 sessions: $(cat "$E2E_DIR/hog4.out")"
out=$(setpriv --reuid=daemon --regid=daemon --groups="$gid" timeout 10 "$CLI" resolve fast.test) ||
  fail "another uid's resolve: $out"
[[ $out == "fast.test	10.0.0.77" ]] || fail "another uid's resolve: $out"
pass "64 slow resolves of nobody over 4 sessions ($(cat "$E2E_DIR/hog4.out")); uid daemon's resolve answered"
release hog4
wait "$hog4_pid" || fail "hog4: $(cat "$E2E_DIR/hog4.out")"
kill "$dns"
wait "$dns" 2>/dev/null || true

kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died"
back_to_baseline "$baseline_fds" "the hostile clients left"
stop_daemon || fail "tapstackd exited with $? at SIGTERM"
pass "daemon stopped cleanly"
