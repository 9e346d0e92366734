#!/usr/bin/env bash
# An epoll, edge-triggered, non-blocking echo server (tests/preload/epoll_echo.c)
# on the stack, dual-stack on ::, with 8 concurrent kernel clients of 1 MiB each.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"

make_namespace
start_daemon
cc -O2 -o "$E2E_DIR/epoll_echo" "$TAPSTACK_SOURCE_DIR/tests/preload/epoll_echo.c" || fail "cannot build epoll_echo"

on_stack "$E2E_DIR/epoll_echo" 7000 8 6 >"$E2E_DIR/server.log" 2>&1 &
server=$!
wait_for 5 "stack_listening 7000" || { cat "$E2E_DIR/server.log"; fail "epoll_echo did not listen"; }

in_ns env KIB="${PRELOAD_EPOLL_KIB:-1024}" timeout 120 python3 - <<'PY' || fail "echo clients failed"
import os, socket, threading
errors = []
def client(i):
    try:
        data = os.urandom(int(os.environ["KIB"]) * 1024)
        s = socket.create_connection(("10.0.0.2", 7000), timeout=60)
        got = bytearray()
        def reader():
            while True:
                b = s.recv(65536)
                if not b: break
                got.extend(b)
        t = threading.Thread(target=reader); t.start()
        s.sendall(data); s.shutdown(socket.SHUT_WR); t.join()
        s.close()
        if bytes(got) != data: errors.append(f"client {i}: {len(got)} bytes back")
    except Exception as e:
        errors.append(f"client {i}: {e!r}")
ts = [threading.Thread(target=client, args=(i,)) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
if errors: raise SystemExit("\n".join(errors))
PY
wait "$server" || { cat "$E2E_DIR/server.log"; fail "epoll_echo exited with an error"; }
pass "epoll echo server on the stack: 8 × ${PRELOAD_EPOLL_KIB:-1024} KiB echoed intact, server exited after the last close"

stop_daemon || fail "exit status not 0"
