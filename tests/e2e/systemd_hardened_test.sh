#!/usr/bin/env bash
# The hardened unit's command line, started without systemd: the unit's user
# (nobody here), its capabilities (ambient CAP_NET_ADMIN, no new privileges),
# LimitNOFILE, UMask and SystemCallFilter (emulated with seccomp) are read
# from the generated unit and applied around its ExecStart. The daemon must
# come up, serve ping and the control socket, drop CAP_NET_ADMIN, hold no IP
# socket of the host's own (IPAddressDeny=any), stay within TasksMax and
# MemoryMax, write capture files without group write (UMask=0027), and stop
# cleanly.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
unit="$(dirname "$TAPSTACKD")/../systemd/verify/tapstackd.service"
[[ -f "$unit" ]] || fail "$unit not generated"
directive() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
nofile=$(directive LimitNOFILE)
umask_value=$(directive UMask)
tasks_max=$(directive TasksMax)
memory_max=$(directive MemoryMax)
[[ "$(directive AmbientCapabilities)" == CAP_NET_ADMIN && "$(directive NoNewPrivileges)" == yes ]] ||
  fail "the unit's capabilities changed; update this test"
[[ "$(directive IPAddressDeny)" == any && -n "$(directive LogsDirectory)" ]] || fail "IPAddressDeny=any or LogsDirectory= missing"
syscalls=$(python3 "$TAPSTACK_SOURCE_DIR/tests/e2e/unit_syscalls.py" "$unit")

# The unit's user is a system user; nobody stands for it. Where /dev/net/tun
# is not open to everyone (mode 0600 in some containers; Debian has 0666),
# uid 0 does, still with no capability but the unit's CAP_NET_ADMIN.
user=nobody group=nogroup
[[ "$(stat -c %a /dev/net/tun)" == *6 ]] || user=root group=root
make_namespace
chmod o+x "$E2E_DIR"
install -d -o "$user" -g "$group" "$E2E_DIR/run" "$E2E_DIR/logs"
: >"$E2E_DIR/daemon.log"
(
  umask "$umask_value"
  exec ip netns exec "$E2E_NS" prlimit --nofile="$nofile:$nofile" \
    setpriv --reuid="$user" --regid="$group" --clear-groups --no-new-privs \
    --inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin --bounding-set=-all,+net_admin \
    /usr/bin/python3 "$TAPSTACK_SOURCE_DIR/tests/e2e/seccomp_exec.py" "$syscalls" \
    "$TAPSTACKD" --config "$E2E_CONFIG" --set "rpc.socket=\"$E2E_DIR/run/tapstackd.sock\"" \
    --set 'rpc.group=""' --set "capture.file=\"$E2E_DIR/logs/capture.pcapng\""
) >"$E2E_DIR/daemon.log" 2>&1 &
E2E_DAEMON_PID=$!
wait_for 10 "grep -qs 'ready' '$E2E_DIR/daemon.log' || ! kill -0 $E2E_DAEMON_PID 2>/dev/null" ||
  fail "tapstackd did not become ready within 10 s"
kill -0 "$E2E_DAEMON_PID" 2>/dev/null || fail "tapstackd exited at start under the unit's restrictions"
pass "tapstackd is ready as $user with the unit's capabilities, LimitNOFILE, UMask and system call filter"
status_of() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$E2E_DAEMON_PID/status"; }

in_ns ping -n -c 2 -W 1 10.0.0.2 >/dev/null || fail "no answer to ping"
TAPSTACK_SOCKET="$E2E_DIR/run/tapstackd.sock" "$TAPSTACK_CLI" status >/dev/null || fail "tapstack status failed"
pass "ping and the control socket work"

[[ "$(status_of CapEff)" == 0000000000000000 && "$(status_of CapPrm)" == 0000000000000000 &&
  "$(status_of CapAmb)" == 0000000000000000 ]] ||
  fail "capabilities after start: CapEff $(status_of CapEff) CapPrm $(status_of CapPrm) CapAmb $(status_of CapAmb)"
grep -q "dropped CAP_NET_ADMIN" "$E2E_DIR/daemon.log" || fail "no log line for the dropped capability"
pass "CAP_NET_ADMIN is dropped once the TAP is up"

limit=$(awk '/^Max open files/ {print $4}' "/proc/$E2E_DAEMON_PID/limits")
[[ "$limit" == "$nofile" ]] || fail "open files limit $limit, the unit says $nofile"
! grep -q "file descriptor limit" "$E2E_DIR/daemon.log" || fail "LimitNOFILE=$nofile is too low: $(grep 'file descriptor limit' "$E2E_DIR/daemon.log")"
pass "LimitNOFILE=$nofile covers the socket limits (no warning at start)"

inet=$(in_ns ss -Htuwanp | grep -c "pid=$E2E_DAEMON_PID," || true)
((inet == 0)) || fail "the daemon holds $inet IP sockets of the host's own"
tasks=$(ls "/proc/$E2E_DAEMON_PID/task" | wc -l)
rss_kib=$(status_of VmRSS)
((tasks <= tasks_max)) || fail "$tasks tasks, TasksMax=$tasks_max"
[[ "$memory_max" == *G ]] && ((rss_kib < ${memory_max%G} * 1024 * 1024)) || fail "RSS $rss_kib KiB, MemoryMax=$memory_max"
pass "no IP socket of its own (IPAddressDeny=any), $tasks tasks (TasksMax=$tasks_max), RSS $rss_kib KiB (MemoryMax=$memory_max)"

mode=$(stat -c %a "$E2E_DIR/logs/capture.pcapng")
[[ "$mode" == 640 ]] || fail "capture file mode $mode under UMask=$umask_value"
pass "the capture file is mode $mode (UMask=$umask_value)"

stop_daemon || fail "tapstackd exited with $? on SIGTERM"
! grep -qi "operation not permitted" "$E2E_DIR/daemon.log" || fail "a call was refused: $(grep -i 'operation not permitted' "$E2E_DIR/daemon.log")"
pass "SIGTERM stops it cleanly, and nothing was refused by the filter"
