#!/usr/bin/env bash
# Unmodified nc on the stack (LD_PRELOAD through `tapstack run`): to a kernel
# listener, and as the listener a kernel nc connects to. Data arrives intact.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"

make_namespace
start_daemon
size=$((${PRELOAD_NC_KIB:-2048} * 1024))
head -c "$size" /dev/urandom >"$E2E_DIR/data"

# Stack → kernel: tapstack run nc 10.0.0.1 PORT
in_ns timeout 30 nc -l 10.0.0.1 5001 >"$E2E_DIR/got1" &
host_nc=$!
wait_for 5 "kernel_listening 5001" || fail "kernel nc did not listen"
on_stack timeout 30 nc -N 10.0.0.1 5001 <"$E2E_DIR/data" || fail "tapstack run nc 10.0.0.1 5001 failed"
wait "$host_nc" || fail "kernel nc -l exited with an error"
cmp -s "$E2E_DIR/data" "$E2E_DIR/got1" || fail "kernel nc received $(stat -c %s "$E2E_DIR/got1") bytes, not the $size sent"
pass "tapstack run nc 10.0.0.1 5001: $size bytes to a kernel listener, intact"

# Kernel → stack: tapstack run nc -l -p PORT
on_stack timeout 30 nc -l -p 5002 >"$E2E_DIR/got2" </dev/null &
stack_nc=$!
wait_for 5 "stack_listening 5002" || fail "nc -l -p 5002 on the stack did not listen"
in_ns timeout 30 nc -N 10.0.0.2 5002 <"$E2E_DIR/data" || fail "kernel nc to 10.0.0.2:5002 failed"
wait "$stack_nc" || fail "tapstack run nc -l exited with an error"
cmp -s "$E2E_DIR/data" "$E2E_DIR/got2" || fail "stack nc received $(stat -c %s "$E2E_DIR/got2") bytes, not the $size sent"
pass "tapstack run nc -l -p 5002: $size bytes from a kernel client, intact"

# A refused connection reads as one.
if out=$(on_stack timeout 10 nc -v -N 10.0.0.1 5999 </dev/null 2>&1); then fail "nc to a closed port succeeded"; fi
grep -qi "refused" <<<"$out" || fail "nc to a closed port: expected 'Connection refused', got: $out"
pass "nc to a closed kernel port: Connection refused"

stop_daemon || fail "exit status not 0"
