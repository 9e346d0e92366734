# Helpers for tests/e2e/preload_*_test.sh (sourced after lib.sh): programs run
# in the test's namespace, unmodified, under `tapstack run`.
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
: "${TAPSTACK_PRELOAD:?TAPSTACK_PRELOAD must point at libtapstack-preload.so}"

# `tapstack run` with the build's library and the test's daemon.
STACK_RUN=(env TAPSTACK_PRELOAD_LIB="$TAPSTACK_PRELOAD" "$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" run --)

# on_stack PROGRAM ARGS… — runs PROGRAM in the namespace with its sockets on the stack.
on_stack() { in_ns "${STACK_RUN[@]}" "$@"; }

# kernel_listening PORT — true once a kernel socket in the namespace listens on PORT.
kernel_listening() { in_ns ss -Hltn "sport = :$1" | grep -q .; }

# stack_listening PORT — true once a stack socket listens on PORT.
stack_listening() {
  "$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" --json sockets 2>/dev/null |
    python3 -c 'import json,sys
d=json.load(sys.stdin)
sys.exit(0 if any(s.get("local","").endswith(":"+sys.argv[1]) and s.get("state")=="LISTEN" for s in d.get("tcp",[])) else 1)' "$1"
}

# make_file PATH MIB — MIB mebibytes of random bytes.
make_file() { head -c "$(($2 * 1024 * 1024))" /dev/urandom >"$1"; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# start_on_stack LOG PROGRAM ARGS… — on_stack in the background, output to
# LOG; ON_STACK_PID is PROGRAM's own pid (ip, env and `tapstack run` each exec
# the next).
start_on_stack() {
  local log=$1
  shift
  (exec ip netns exec "$E2E_NS" "${STACK_RUN[@]}" "$@") >"$log" 2>&1 &
  ON_STACK_PID=$!
}

# proc_stat PID — PROC_STAT: the fields of /proc/PID/stat after the command
# name ([0] state, [11] utime, [12] stime); false once PID is gone (bash reaps
# its children as they exit).
proc_stat() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r -a PROC_STAT <<<"${stat##*) }"
}

# exited PID — true once PID has exited.
exited() { ! proc_stat "$1" || [[ ${PROC_STAT[0]} == Z ]]; }

# assert_idle PID WHAT — PID uses under 5 % of a core over the next 5 s, or
# until it exits (then up to its last 0.1 s sample).
assert_idle() {
  local pid=$1 what=$2 hz before used=0 i
  hz=$(getconf CLK_TCK)
  proc_stat "$pid" || { echo "  $what: exited at once"; return 0; }
  before=$((PROC_STAT[11] + PROC_STAT[12]))
  for ((i = 0; i < 50; i++)); do  # a measurement window, not a wait for a condition
    proc_stat "$pid" && used=$((PROC_STAT[11] + PROC_STAT[12] - before))
    exited "$pid" && break
    sleep 0.1
  done
  echo "  $what: $used ticks of CPU (${hz}/s) in $((i / 10)).$((i % 10)) s$( ((i < 50)) && echo ", then it exited")"
  ((used * 100 < hz * 5 * 5)) || fail "$what: $used ticks of CPU in 5 s (limit: 5 % of a core)"
}
