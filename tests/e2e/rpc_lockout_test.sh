#!/usr/bin/env bash
# One client cannot lock the others out of the control socket (issue 12,
# docs/rpc.md "Session limits"): 300 connections of one uid that never say
# Hello take at most that uid's share of the sessions and are closed at the
# Hello deadline, while another uid and root are served meanwhile; a session
# that owns nothing is closed after the idle timeout, one that owns a socket
# is not; the refusals leave a bounded number of log lines.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
CLI=$TAPSTACK_CLI
HOSTILE="$TAPSTACK_SOURCE_DIR/tests/e2e/rpc_flood.py"

make_namespace
# Anyone may connect; the directory is traversable.
start_daemon --set 'rpc.group=""' --set 'rpc.mode="0666"' --set rpc.hello_timeout_ms=3000 \
  --set rpc.idle_timeout_ms=2000
chmod o+rx "$E2E_DIR"
sock="$E2E_DIR/tapstackd.sock"
export TAPSTACK_SOCKET="$sock"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_daemon_user() { setpriv --reuid=daemon --regid=daemon --clear-groups "$@"; }
sessions() { "$CLI" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"])'; }

# --- 300 silent connections of uid nobody ----------------------------------
as_nobody /usr/bin/python3 "$HOSTILE" "$sock" silent 300 8 >"$E2E_DIR/silent.out" 2>&1 &
hostile=$!
wait_for 10 "grep -q '^connected' '$E2E_DIR/silent.out'" || fail "the hostile client did not connect: $(cat "$E2E_DIR/silent.out")"
as_daemon_user timeout 5 "$CLI" status >/dev/null 2>"$E2E_DIR/other.err" ||
  fail "another uid was locked out by 300 silent connections: $(cat "$E2E_DIR/other.err")"
pass "another uid is served beside 300 silent connections of nobody"
as_nobody timeout 5 "$CLI" status >/dev/null 2>"$E2E_DIR/nobody.err" && fail "nobody got a 65th session"
grep -q "Too many users (refused: your uid has every session it may have" "$E2E_DIR/nobody.err" ||
  fail "a refused client is not told why: $(cat "$E2E_DIR/nobody.err")"
pass "nobody's 65th session is refused with a reason: $(cat "$E2E_DIR/nobody.err")"
timeout 5 "$CLI" status >/dev/null 2>"$E2E_DIR/root.err" || fail "root was locked out: $(cat "$E2E_DIR/root.err")"
pass "root is served beside them"
wait "$hostile" || fail "the silent connections were not all closed within 8 s: $(cat "$E2E_DIR/silent.out")"
pass "the daemon closed all 300 silent connections by the Hello deadline (3 s)"
refusals=$(grep -c "refusing pid" "$E2E_DIR/daemon.log" || true)
((refusals <= 10)) || fail "$refusals refusal lines in the log (rate-limited to 5 per 10 s)"
grep -q "no hello within 3000 ms" "$E2E_DIR/daemon.log" || fail "no log line for the Hello deadline"
pass "236 refusals left $refusals log lines"
wait_for 5 "(( \$(sessions) == 1 ))" || fail "sessions still open: $(sessions)"
pass "no session left behind (status sees only itself)"

# --- idle sessions ----------------------------------------------------------
as_nobody timeout 10 /usr/bin/python3 "$HOSTILE" "$sock" idle 5 || fail "a session owning nothing was not closed after 2 s idle"
pass "a session that said Hello and owns nothing is closed after the idle timeout"
as_nobody timeout 10 /usr/bin/python3 "$HOSTILE" "$sock" owner 4 || fail "a session owning a socket was closed while idle"
pass "a session that owns a socket stays open past the idle timeout"
