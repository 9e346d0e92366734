#!/usr/bin/env bash
# README command 1 and every command of the README's "Trying it", as a new
# user types them: `scripts/run-daemon.sh` from the checkout (it builds into
# build/ and runs the shipped config with its default control socket), on a
# machine where /run/tapstack does not exist. The test runs in a mount
# namespace of its own with an empty /run, so the host's /run is untouched,
# and in a network namespace of its own like every e2e test. Also: SIGTERM
# in the daemon's first moments and a failed start leave no TAP behind.
if [[ -z ${FIRST_CONTACT_PRIVATE_MOUNTS:-} ]]; then
  exec unshare --mount --propagation private env FIRST_CONTACT_PRIVATE_MOUNTS=1 bash "$0" "$@"
fi
mount -t tmpfs -o mode=0755 tmpfs /run
source "$(dirname "$0")/lib.sh"
for tool in curl nc arping python3 cmp; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh --with-test-tools"
done
README="$TAPSTACK_SOURCE_DIR/README.md"
SOCKET=/run/tapstack/tapstackd.sock
OUT="$E2E_DIR/out"
declare -A RAN=()

# The README's commands of one ```sh block after the line `after`.
readme_commands() {
  awk -v after="$1" 'index($0, after) { found = 1 } found && /^```sh/ { block = 1; next }
    block && /^```/ { exit } block' "$README" |
    sed -e 's/[[:space:]]\+#.*$//' | awk '/\\$/ { sub(/\\$/, ""); printf "%s", $0; next } 1' |
    sed -e 's/  */ /g' -e 's/ $//'
}
# run 'COMMAND': as typed on the host side (the namespace), from the checkout;
# /tmp/ becomes this test's directory. A command ending in & keeps running
# (in the namespace, so the cleanup ends it).
run() {
  RAN["$1"]=1
  local command=${1//\/tmp\//$E2E_DIR/}
  if [[ $1 == *"&" ]]; then
    (cd "$TAPSTACK_SOURCE_DIR" && in_ns bash -c "exec ${command%&}") >"$E2E_DIR/bg.$RANDOM" 2>&1 &
    # A server started this way is ready once its port (the last word) listens.
    local port=${command% &}
    port=${port##* }
    wait_for 10 "in_ns ss -Htln | grep -q ':$port '" || fail "'$1' is not listening on $port"
    return
  fi
  local status=0
  (cd "$TAPSTACK_SOURCE_DIR" && in_ns timeout 120 bash -c "$command") >"$OUT" 2>&1 || status=$?
  ((status == 0)) || { cat "$OUT" >&2; fail "'$1' exited with $status"; }
}
shows() { grep -aqF -- "$1" "$OUT" || { cat "$OUT" >&2; fail "'$2' does not show '$1'"; }; }
# README command 1, with its arguments, in the foreground of "terminal 1".
start_readme_daemon() {
  RAN["$1"]=1
  : >"$E2E_DIR/daemon.log"
  (cd "$TAPSTACK_SOURCE_DIR" && exec ip netns exec "$E2E_NS" bash -c "exec $1") \
    >"$E2E_DIR/daemon.log" 2>&1 &
  E2E_DAEMON_PID=$!
  # The first run builds the daemon, the CLI and the preload library.
  wait_for 900 "grep -qs 'ready; control socket' '$E2E_DIR/daemon.log' || ! kill -0 $E2E_DAEMON_PID 2>/dev/null" ||
    fail "scripts/run-daemon.sh did not become ready"
  kill -0 "$E2E_DAEMON_PID" 2>/dev/null || fail "scripts/run-daemon.sh exited at start"
}

make_namespace
[[ ! -e /run/tapstack ]] || fail "/run/tapstack exists before the daemon ran"

# 1. Command 1 on the shipped config: it makes /run/tapstack for its socket.
start_readme_daemon "scripts/run-daemon.sh"
[[ -S $SOCKET ]] || fail "no control socket at $SOCKET"
[[ $(stat -c %a /run/tapstack) == 755 ]] || fail "/run/tapstack has mode $(stat -c %a /run/tapstack), not 755"
pass "command 1 created /run/tapstack and serves $SOCKET"

mapfile -t first < <(readme_commands "With \`scripts/run-daemon.sh\` running")
((${#first[@]} >= 10)) || fail "the README's first block has ${#first[@]} commands"
export PATH="$TAPSTACK_SOURCE_DIR/build/client:$PATH"  # what the block's export line does
for command in "${first[@]}"; do
  run "$command"
  case $command in
    "ping -c 3 10.0.0.2"*) shows "3 received" "$command" ;;
    "ping -s 4000"*) shows "3 received" "$command" ;;
    arping*) shows "2 packets received" "$command" ;;
    "ip neigh"*) shows "10.0.0.2 lladdr" "$command" ;;
    "tapstack status"*) shows "tap0" "$command" ;;
    cmp*) shows "intact" "$command" ;;
  esac
done
pass "the README's ping, arping, status and tapstack run -- curl work as written"

# Ctrl-C in terminal 1: the TAP and the socket go, the directory stays.
stop_daemon || fail "tapstackd exited non-zero on SIGTERM"
! in_ns ip link show tap0 >/dev/null 2>&1 || fail "tap0 is left after SIGTERM"
[[ ! -e $SOCKET ]] || fail "$SOCKET is left after SIGTERM"

# 2. The services line, then each service as the README reaches it.
mapfile -t second < <(readme_commands "The built-in services are off by default")
[[ ${second[0]} == scripts/run-daemon.sh* ]] || fail "the services block does not start with command 1"
start_readme_daemon "${second[0]}"
for command in "${second[@]:1}"; do
  run "$command"
  case $command in
    "echo hello | nc -N"*) shows "hello" "$command" ;;
    "nc -d 10.0.0.2 13"*) [[ $(wc -l <"$OUT") -eq 1 ]] || fail "daytime sent $(wc -l <"$OUT") lines" ;;
    "nc -d 10.0.0.2 19"*) [[ $(wc -l <"$OUT") -eq 10 ]] || fail "chargen | head printed $(wc -l <"$OUT") lines" ;;
    "echo hello | nc -u"*) shows "hello" "$command" ;;
  esac
done
stop_daemon || fail "tapstackd exited non-zero on SIGTERM"
pass "the README's service commands work as written"

# Every command of both blocks ran.
for command in "${first[@]}" "${second[@]}"; do
  [[ -n ${RAN[$command]:-} ]] || fail "the README's command '$command' was not run"
done

# 3. SIGTERM in the daemon's first moments still removes the TAP and socket.
ip netns exec "$E2E_NS" "$TAPSTACK_SOURCE_DIR/build/daemon/tapstackd" \
  --config "$TAPSTACK_SOURCE_DIR/config/tapstack.toml" >"$E2E_DIR/early.log" 2>&1 &
early=$!
kill -TERM "$early"
wait "$early" || true
! in_ns ip link show tap0 >/dev/null 2>&1 || fail "tap0 is left after an early SIGTERM"
[[ ! -e $SOCKET ]] || fail "$SOCKET is left after an early SIGTERM"
pass "SIGTERM at start leaves nothing behind"

# 4. A start that fails after the TAP exists removes it, and says what to do.
status=0
in_ns "$TAPSTACK_SOURCE_DIR/build/daemon/tapstackd" --config "$TAPSTACK_SOURCE_DIR/config/tapstack.toml" \
  --set 'rpc.socket="/run/no/such/dir/tapstackd.sock"' >"$OUT" 2>&1 || status=$?
[[ $status -eq 1 ]] || fail "a start with an unusable socket directory exited $status"
shows "cannot create the control socket's directory /run/no/such/dir" "an unusable socket directory"
shows "set [rpc] socket" "an unusable socket directory"
! in_ns ip link show tap0 >/dev/null 2>&1 || fail "tap0 is left after a failed start"
pass "a failed start removes tap0 and names the directory"
