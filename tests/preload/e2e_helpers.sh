# Helpers for tests/e2e/preload_*_test.sh (sourced after lib.sh): programs run
# in the test's namespace, unmodified, under `tapstack run`.
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
: "${TAPSTACK_PRELOAD:?TAPSTACK_PRELOAD must point at libtapstack-preload.so}"

# on_stack PROGRAM ARGS… — runs PROGRAM in the namespace with its sockets on the stack.
on_stack() {
  in_ns env TAPSTACK_PRELOAD_LIB="$TAPSTACK_PRELOAD" "$TAPSTACK_CLI" -S "$E2E_DIR/tapstackd.sock" run -- "$@"
}

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
