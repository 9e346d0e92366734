#!/usr/bin/env bash
# tapstack over its RPC, for ../shared/peer-bench: the same daemon as
# bench/peer-adapter.sh, but with the built-in services off; echo (7) and
# discard (9) are served by bench/rpc/echo_discard_server.c through
# libtapstack, so every byte crosses the socketpair data plane. Run it in the
# same run as the built-in adapter to read what the RPC costs:
#
#   sudo ../shared/peer-bench/run-all.sh tapstack="$PWD/bench/peer-adapter.sh" \
#        tapstack-rpc="$PWD/bench/peer-adapter-rpc.sh"
set -u
. "$BENCH_DIR/lib.sh"
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$SRC_DIR/build-bench-rpc"
case "$1" in
build)
  cmake -S "$SRC_DIR" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DTAPSTACK_BUILD_TESTS=OFF -DTAPSTACK_BUILD_BENCH=ON >/dev/null || die "cmake failed"
  cmake --build "$BUILD" --target tapstackd tapstack_bench_rpc_server -j"$(nproc)" >/dev/null ||
    die "build failed"
  ;;
start)
  mk_tap "$NS" "$IFACE" "$HOST_IP" "$PREFIXLEN"
  ip netns exec "$NS" "$BUILD/daemon/tapstackd" --config "$SRC_DIR/config/tapstack.toml" \
    --set interface.name="$IFACE" --set interface.attach=true \
    --set interface.address="$STACK_IP/$PREFIXLEN" --set interface.gateway="$HOST_IP" \
    --set "interface.host_address=\"$HOST_IP/$PREFIXLEN\"" \
    --set rpc.socket="$STATE_DIR/tapstackd.sock" \
    --set services.echo=false --set services.discard=false --log-level warn \
    >"$STATE_DIR/stack.log" 2>&1 &
  echo $! >"$STATE_DIR/stack.pid"
  wait_ping "$NS" "$STACK_IP" 15 || die "tapstack does not answer ping"
  TAPSTACK_SOCKET="$STATE_DIR/tapstackd.sock" "$BUILD/bench/tapstack_bench_rpc_server" \
    >"$STATE_DIR/server.log" 2>&1 &
  echo $! >"$STATE_DIR/server.pid"
  wait_tcp "$NS" "$STACK_IP" 7 10 || die "echo through the RPC not reachable"
  ;;
stop)
  kill_pid "$(cat "$STATE_DIR/server.pid" 2>/dev/null)"
  kill_pid "$(cat "$STATE_DIR/stack.pid" 2>/dev/null)"
  ip -n "$NS" link del "$IFACE" 2>/dev/null
  exit 0
  ;;
*) echo "usage: $0 build|start|stop" >&2; exit 2 ;;
esac
