# Shared helpers for the e2e tests. Each test runs in a network namespace of
# its own, made here and removed on exit (even on failure); the Linux kernel in
# that namespace is the peer. Nothing is sent outside it.
set -euo pipefail

: "${TAPSTACKD:?TAPSTACKD must point at the tapstackd binary}"
: "${TAPSTACK_SOURCE_DIR:?TAPSTACK_SOURCE_DIR must point at the source tree}"

E2E_NAME=$(basename "$0" .sh)
E2E_NS="ts-${E2E_NAME:0:12}-$$"
E2E_DIR=$(mktemp -d "/tmp/tapstack-e2e.${E2E_NAME}.XXXXXX")
E2E_DAEMON_PID=""
E2E_CONFIG="$TAPSTACK_SOURCE_DIR/config/tapstack.toml"
E2E_FAILED=0
# Python programs of the tests write logs the tests grep while they run.
export PYTHONUNBUFFERED=1

e2e_cleanup() {
  local rc=$?
  if [[ -n "$E2E_DAEMON_PID" ]] && kill -0 "$E2E_DAEMON_PID" 2>/dev/null; then
    kill -TERM "$E2E_DAEMON_PID" 2>/dev/null || true
    wait_for 5 "! kill -0 $E2E_DAEMON_PID 2>/dev/null" || kill -KILL "$E2E_DAEMON_PID" 2>/dev/null || true
  fi
  ip netns pids "$E2E_NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  ip netns del "$E2E_NS" 2>/dev/null || true
  if [[ $rc -ne 0 || $E2E_FAILED -ne 0 ]]; then
    echo "--- daemon log ($E2E_DIR/daemon.log) ---" >&2
    tail -n 60 "$E2E_DIR/daemon.log" >&2 2>/dev/null || true
  fi
  rm -rf "$E2E_DIR"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  E2E_FAILED=1
  echo "FAIL: $*" >&2
  exit 1
}

pass() { echo "ok: $*"; }

# wait_for SECONDS 'shell condition' — polls the condition every 50 ms until
# it holds or the deadline passes (returns 1 then).
wait_for() {
  local seconds=$1 condition=$2
  local deadline=$((SECONDS + seconds))
  while ! eval "$condition"; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.05
  done
}

in_ns() { ip netns exec "$E2E_NS" "$@"; }

make_namespace() {
  ip netns add "$E2E_NS"
  in_ns ip link set lo up
}

# start_daemon [tapstackd args…] — starts tapstackd in the namespace on the
# shipped config (with a private RPC socket) and waits until it says ready.
start_daemon() {
  # Emptied here, not by the redirection below: that happens in the child,
  # after the wait may already have read a previous run's "ready".
  : >"$E2E_DIR/daemon.log"
  # Not through in_ns: $! must be tapstackd itself (ip netns exec execs it).
  ip netns exec "$E2E_NS" "$TAPSTACKD" --config "$E2E_CONFIG" --set "rpc.socket=\"$E2E_DIR/tapstackd.sock\"" \
    "$@" >"$E2E_DIR/daemon.log" 2>&1 &
  E2E_DAEMON_PID=$!
  wait_for 10 "grep -qs 'ready' '$E2E_DIR/daemon.log' || ! kill -0 $E2E_DAEMON_PID 2>/dev/null" ||
    fail "tapstackd did not become ready within 10 s"
  kill -0 "$E2E_DAEMON_PID" 2>/dev/null || fail "tapstackd exited at start"
}

# daemon_fds — how many file descriptors tapstackd holds (its sessions, its
# sockets' data fds, streams): back at its baseline once clients are gone.
daemon_fds() { ls "/proc/$E2E_DAEMON_PID/fd" | wc -l; }

# back_to_baseline FDS WHAT — waits (10 s) until tapstackd holds FDS fds
# again, and says so.
back_to_baseline() {
  wait_for 10 "(( \$(daemon_fds) <= $1 ))" ||
    fail "after $2 the daemon holds $(daemon_fds) fds (baseline $1)"
  pass "after $2 the daemon's fds are back to the baseline ($(daemon_fds))"
}

# stop_daemon — SIGTERM, wait for the exit, and return its status.
stop_daemon() {
  kill -TERM "$E2E_DAEMON_PID"
  local status=0
  wait "$E2E_DAEMON_PID" || status=$?
  E2E_DAEMON_PID=""
  return $status
}
