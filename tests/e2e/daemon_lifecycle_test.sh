#!/usr/bin/env bash
# tapstackd creates its TAP, gives the host side its address, reloads its log
# level on SIGHUP, and on SIGTERM exits 0 and takes the TAP with it.
source "$(dirname "$0")/lib.sh"

make_namespace
start_daemon

in_ns ip link show tap0 >/dev/null || fail "tap0 does not exist"
in_ns ip link show tap0 | grep -q "state UNKNOWN\|,UP" || fail "tap0 is not up"
in_ns ip -4 addr show dev tap0 | grep -q "inet 10.0.0.1/24" || fail "host side lacks 10.0.0.1/24"
in_ns ip link show tap0 | grep -q "mtu 1500" || fail "tap0 MTU is not 1500"
pass "tap0 up with 10.0.0.1/24"

# SIGHUP re-reads the file: a changed log level is applied and logged.
cp "$E2E_CONFIG" "$E2E_DIR/tapstack.toml"
E2E_CONFIG="$E2E_DIR/tapstack.toml"
stop_daemon || fail "tapstackd did not exit 0 on SIGTERM"
wait_for 5 "! in_ns ip link show tap0 >/dev/null 2>&1" || fail "tap0 still exists after exit"
pass "SIGTERM: exit 0, tap0 removed"

start_daemon
sed -i 's/^level = "info"/level = "debug"/' "$E2E_CONFIG"
grep -q '^level = "debug"' "$E2E_CONFIG" || fail "test setup: could not edit the log level"
kill -HUP "$E2E_DAEMON_PID"
wait_for 5 "grep -q 'log level info -> debug' '$E2E_DIR/daemon.log'" ||
  fail "SIGHUP did not change the log level"
kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died on SIGHUP"
pass "SIGHUP: log level info -> debug"

# A change only a restart applies is named, key by key.
sed -i -e 's/^nagle = true/nagle = false/' -e 's/^echo = false/echo = true/' "$E2E_CONFIG"
kill -HUP "$E2E_DAEMON_PID"
wait_for 5 "grep -q 'reload: tcp.nagle, services.echo changed in' '$E2E_DIR/daemon.log'" ||
  fail "SIGHUP did not name the settings that need a restart: $(grep reload "$E2E_DIR/daemon.log")"
pass "SIGHUP names tcp.nagle and services.echo as needing a restart"

# A second daemon on the same interface name fails with a clear message.
if in_ns "$TAPSTACKD" --config "$E2E_CONFIG" >"$E2E_DIR/second.log" 2>&1; then
  fail "a second tapstackd on tap0 started"
fi
grep -q "already exists" "$E2E_DIR/second.log" || fail "no clear message for a busy interface: $(cat "$E2E_DIR/second.log")"
pass "second daemon refused: $(tail -n1 "$E2E_DIR/second.log")"

stop_daemon || fail "exit status not 0"
