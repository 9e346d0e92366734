#!/usr/bin/env bash
# Hostile and careless programs under `tapstack run` (issue 12): stack sockets
# whose fds are dropped by dup2, dup3, close_range, fclose and a raw system
# call free their port, and an AF_UNIX socket reusing the number is not taken
# for the old one; recv(NULL, 0, MSG_PEEK|MSG_TRUNC) and short buffers on a
# datagram the remote side sized write nothing past the buffer
# (tests/preload/hostile_fds.py).
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"

make_namespace
start_daemon
udp_port=7200

start_on_stack "$E2E_DIR/hostile.log" timeout 60 python3 "$TAPSTACK_SOURCE_DIR/tests/preload/hostile_fds.py" \
  "$E2E_DIR" "$udp_port"
hostile=$ON_STACK_PID
wait_for 30 "grep -q '^udp ready' '$E2E_DIR/hostile.log' || ! kill -0 $hostile 2>/dev/null" ||
  fail "hostile_fds.py did not reach its UDP check: $(cat "$E2E_DIR/hostile.log")"
in_ns python3 -c '
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x" * 1000, ("10.0.0.2", int(sys.argv[1])))' "$udp_port" ||
  fail "could not send the datagram"
status=0
wait "$hostile" || status=$?
sed 's/^ok /ok: /' "$E2E_DIR/hostile.log"
[[ $status == 0 ]] || fail "hostile_fds.py exited with $status"

stop_daemon || fail "exit status not 0"
