#!/usr/bin/env bash
# Watching TCP: `tapstack trace` shows the handshake, the segments and the
# 4-way close with TIME-WAIT of connections the namespace's kernel makes to
# the stack's services; the daemon's debug log carries the same lines; a
# `tapstack capture` taken during a curl reads in tshark with no malformed
# frames and shows the stack's comments; readers that go away end their
# subscription; [capture] file writes a pcapng from start, and with rotate_mb
# and count rotates it, keeping count files that each read whole.
source "$(dirname "$0")/lib.sh"
command -v tshark >/dev/null || fail "tshark is missing: run scripts/install-deps.sh --with-test-tools"
command -v curl >/dev/null || fail "curl is missing: run scripts/install-deps.sh --with-test-tools"

make_namespace
start_daemon --set services.echo=true --set services.daytime=true --set 'log.level="debug"' \
  --set "capture.file=\"$E2E_DIR/boot.pcapng\""
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
T="$E2E_DIR/trace.txt"
J="$E2E_DIR/trace.json"
P="$E2E_DIR/curl.pcapng"

"$TAPSTACK_CLI" trace >"$T" &
trace_pid=$!
"$TAPSTACK_CLI" trace --json --port 7 >"$J" &
json_pid=$!
"$TAPSTACK_CLI" capture -w "$P" --port 13 &
capture_pid=$!
wait_for 10 "grep -qs 'trace: subscriber added (2 now)' '$E2E_DIR/daemon.log'" ||
  fail "trace subscribers not registered"
wait_for 10 "grep -qs 'capture: subscriber added' '$E2E_DIR/daemon.log'" ||
  fail "capture subscriber not registered"

got=$(echo hello | in_ns timeout 10 nc -N 10.0.0.2 7) || fail "echo: nc failed"
[[ "$got" == "hello" ]] || fail "echo returned '$got'"
line=$(in_ns timeout 10 curl -s --http0.9 http://10.0.0.2:13/) || fail "daytime: curl failed"
[[ "$line" =~ [0-9]{2}:[0-9]{2}:[0-9]{2} ]] || fail "daytime sent '$line'"

# The stack closed the daytime connection first: it ends in TIME-WAIT.
wait_for 10 "grep -q 'TIME-WAIT: ' '$T'" || { cat "$T" >&2; fail "no TIME-WAIT in the trace"; }
expect() {  # expect 'fixed string' 'what it shows'
  grep -qF -- "$1" "$T" || { cat "$T" >&2; fail "trace lacks '$1' ($2)"; }
}
expect "CLOSED → SYN-RECEIVED: SYN received on a listening port" "passive open"
expect "SYN-RECEIVED → ESTABLISHED: ACK acked our SYN-ACK" "handshake done"
expect "[S]   seq 0 win" "the client's SYN, relative"
expect "[S.]  seq 0 ack 1 win" "our SYN-ACK"
expect ": SYN-ACK" "why the SYN-ACK went out"
expect "<mss " "options"
expect "seq 1:7 ack 1" "the 6 bytes of hello, relative"
expect "ESTABLISHED → CLOSE-WAIT: peer's FIN received" "echo: the client closes first"
expect "CLOSE-WAIT → LAST-ACK" "echo closes after it"
expect "LAST-ACK → CLOSED: our FIN acked" "end of the echo connection"
expect "ESTABLISHED → FIN-WAIT-1: close(): sending FIN" "daytime: the stack closes first"
expect "FIN-WAIT-1 → FIN-WAIT-2: our FIN acked" "4-way close"
expect "→ TIME-WAIT: peer's FIN received" "4-way close"
expect "2MSL timer started" "TIME-WAIT entry"
expect "rtt " "an RTT sample"
pass "trace: handshake, segments, 4-way close and TIME-WAIT ($(wc -l <"$T") lines)"
sed -n '1,12p' "$T"

python3 - "$J" <<'PY' || fail "JSON trace"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert events, "no events"
assert all("7" in (e.get("local", "") + e.get("remote", "")).split(":")[-1] or e["local"].endswith(":7")
           or e["remote"].endswith(":7") for e in events if "local" in e), "port filter leaked"
segs = [e for e in events if e["kind"] == "seg-out"]
assert any(e["flags"] == "S." and e["seq_rel"] == 0 and e["ack_rel"] == 1 for e in segs), segs[:3]
assert any(e["kind"] == "state" and e["to"] == "ESTABLISHED" for e in events)
PY
pass "trace --json --port 7: objects with relative and absolute numbers, filtered"

grep -q 'trace .*SYN-RECEIVED → ESTABLISHED' "$E2E_DIR/daemon.log" || fail "no trace lines in the debug log"
pass "the debug log carries the trace lines"

for p in "$trace_pid" "$json_pid" "$capture_pid"; do kill -0 "$p" 2>/dev/null || fail "reader $p exited early"; done
kill -TERM "$trace_pid" "$json_pid" "$capture_pid"  # as Ctrl-C would: the process and its fd go
wait "$trace_pid" "$json_pid" "$capture_pid" 2>/dev/null || true
in_ns timeout 10 nc -d 10.0.0.2 13 >/dev/null || fail "daytime after the readers left"
wait_for 10 "grep -qs 'trace: subscriber gone (0 left)' '$E2E_DIR/daemon.log'" ||
  fail "trace subscriptions did not end with their readers"
wait_for 10 "grep -qs 'capture: subscriber gone (0 left)' '$E2E_DIR/daemon.log'" ||
  fail "capture subscription did not end with its reader"
pass "readers that exit end their subscriptions"

# The capture: tshark reads it, nothing malformed, the comments are there.
frames=$(tshark -r "$P" 2>/dev/null | wc -l)
((frames >= 6)) || { tshark -r "$P" >&2 || true; fail "capture has $frames frames"; }
malformed=$(tshark -r "$P" -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null | wc -l)
((malformed == 0)) || { tshark -r "$P" -Y '_ws.malformed' >&2; fail "$malformed malformed frames"; }
comments=$(tshark -r "$P" -T fields -e frame.comment 2>/dev/null | sort -u)
grep -q "SYN-ACK" <<<"$comments" || { echo "$comments" >&2; fail "no SYN-ACK comment"; }
grep -q "ACK of the peer's FIN" <<<"$comments" || { echo "$comments" >&2; fail "no FIN ACK comment"; }
tshark -r "$P" -Y 'tcp.port != 13' 2>/dev/null | grep -q . && fail "port filter let other frames in"
pass "capture during curl: $frames frames, none malformed, comments: $(tr '\n' '|' <<<"$comments")"

# Live into tshark, ended by --count.
"$TAPSTACK_CLI" capture --count 4 host 10.0.0.1 port 7 | tshark -r - >"$E2E_DIR/live.txt" 2>/dev/null &
live_pid=$!
wait_for 10 "grep -qs 'capture: subscriber added (1 now)' '$E2E_DIR/daemon.log'" || fail "live capture"
echo again | in_ns timeout 10 nc -N 10.0.0.2 7 >/dev/null || fail "echo for the live capture"
wait_for 10 "! kill -0 $live_pid 2>/dev/null" || fail "capture --count 4 did not end"
[[ $(wc -l <"$E2E_DIR/live.txt") -eq 4 ]] || { cat "$E2E_DIR/live.txt" >&2; fail "live capture"; }
pass "tapstack capture --count 4 | tshark -r - shows 4 frames"

# [capture] file: everything since start, readable, nothing malformed.
boot=$(tshark -r "$E2E_DIR/boot.pcapng" 2>/dev/null | wc -l)
((boot >= 20)) || fail "[capture] file has $boot frames"
bad=$(tshark -r "$E2E_DIR/boot.pcapng" -Y '_ws.malformed' 2>/dev/null | wc -l)
((bad == 0)) || fail "[capture] file has $bad malformed frames"
pass "[capture] file: $boot frames from start, none malformed"

# [capture] file rotation: 1 MiB files, 3 kept. A few MiB into the discard
# service make file, file.1 and file.2, never file.3; each reads whole.
stop_daemon || fail "tapstackd did not stop cleanly"
R="$E2E_DIR/rot.pcapng"
start_daemon --set services.discard=true --set "capture.file=\"$R\"" --set capture.rotate_mb=1 \
  --set capture.count=3
head -c $((6 * 1024 * 1024)) /dev/urandom | in_ns timeout 60 nc -N 10.0.0.2 9 ||
  fail "6 MiB to discard failed"
stop_daemon || fail "tapstackd did not stop cleanly"  # closes the current file
for f in "$R" "$R.1" "$R.2"; do
  [[ -f "$f" ]] || { ls -l "$E2E_DIR" >&2; fail "rotation: $f is missing"; }
  size=$(stat -c %s "$f")
  ((size <= 1024 * 1024)) || fail "rotation: $f has $size bytes, more than rotate_mb = 1"
  capinfos "$f" >"$E2E_DIR/capinfos.txt" 2>&1 || { cat "$E2E_DIR/capinfos.txt" >&2; fail "capinfos cannot read $f"; }
  # Anything tshark says on stderr but its warning about running as root is an error.
  errors=$(tshark -r "$f" 2>&1 >/dev/null | grep -v 'Running as user') || true
  [[ -z "$errors" ]] || fail "tshark reading $f: $errors"
  bad=$(tshark -r "$f" -Y '_ws.malformed' 2>/dev/null | wc -l)
  ((bad == 0)) || fail "rotation: $f has $bad malformed frames"
done
[[ ! -e "$R.3" ]] || fail "rotation kept $R.3 with capture.count = 3"
pass "[capture] rotation: $(for f in "$R" "$R.1" "$R.2"; do echo -n "$(basename "$f") $(stat -c %s "$f") B, "; done)no .3, each read whole by capinfos and tshark"
