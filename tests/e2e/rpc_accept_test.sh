#!/usr/bin/env bash
# Accepted connections through the RPC (docs/rpc.md, "Data fd"): the daemon
# hands each one to the program on the listener's data fd. A data fd closed
# without telling the daemon frees its socket (1100 connections through a
# session limited to 1024 sockets); connections handed to a listener that is
# then closed without accepting them are closed, not leaked.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
: "${TAPSTACK_ACCEPT_SERVER:?TAPSTACK_ACCEPT_SERVER must point at e2e_accept_server}"

make_namespace
start_daemon
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"

listening() { grep -q "^listening $1" "$2"; }
daemon_sockets() { "$TAPSTACK_CLI" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["sockets"])'; }

# --- 1100 connections, each data fd dropped with close() alone -------------
"$TAPSTACK_ACCEPT_SERVER" 7100 drop 1100 >"$E2E_DIR/drop.out" 2>&1 &
server=$!
wait_for 10 "listening 7100 '$E2E_DIR/drop.out'" || fail "accept_server did not listen: $(cat "$E2E_DIR/drop.out")"
in_ns timeout 120 python3 - 10.0.0.2 7100 1100 <<'PY' || fail "a connection was not served (sockets leaked?)"
import socket, sys
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(count):
    with socket.create_connection((host, port), timeout=10) as s:
        got = b""
        while True:
            chunk = s.recv(16)
            if not chunk:
                break
            got += chunk
        if got != b"hi\n":
            sys.exit(f"connection {i}: got {got!r}")
PY
wait "$server" || fail "accept_server: $(cat "$E2E_DIR/drop.out")"
grep -q "accepted 1100" "$E2E_DIR/drop.out" || fail "accept_server: $(cat "$E2E_DIR/drop.out")"
pass "1100 connections accepted and dropped with close() alone; the session never ran out of sockets"

# --- a listener closed with connections it never accepted ------------------
baseline=$(daemon_sockets)
exec {hold}> >(exec "$TAPSTACK_ACCEPT_SERVER" 7200 close-listener "$E2E_DIR/go" >"$E2E_DIR/close.out" 2>&1)
wait_for 10 "listening 7200 '$E2E_DIR/close.out'" || fail "accept_server did not listen: $(cat "$E2E_DIR/close.out")"
in_ns timeout 60 python3 - 10.0.0.2 7200 "$E2E_DIR/go" <<'PY' || fail "connections to a closed listener were not closed"
import pathlib, socket, sys
host, port, go = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
conns = [socket.create_connection((host, port), timeout=10) for _ in range(3)]
go.touch()  # the server closes its listener now, having accepted nothing
for i, s in enumerate(conns):
    try:
        if s.recv(16) != b"":
            sys.exit(f"connection {i}: data from a listener that accepted nothing")
    except ConnectionResetError:
        pass
    except socket.timeout:
        sys.exit(f"connection {i}: still open 10 s after the listener closed")
PY
grep -q "closed" "$E2E_DIR/close.out" || fail "accept_server: $(cat "$E2E_DIR/close.out")"
wait_for 10 "(( \$(daemon_sockets) <= $baseline ))" ||
  fail "the daemon still has $(daemon_sockets) sockets (before: $baseline)"
pass "3 connections handed to a listener closed without accepting: closed, sockets back to $baseline"
exec {hold}>&-

stop_daemon || fail "exit status not 0"
