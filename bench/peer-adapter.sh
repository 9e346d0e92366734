#!/usr/bin/env bash
# tapstack's adapter for ../shared/peer-bench (see its README for the
# contract): attaches tapstackd to the TAP made inside $NS, answers at
# $STACK_IP and serves TCP echo (7) and discard (9) built in.
#
#   sudo ../shared/peer-bench/run-all.sh kernel kernel-nooffload gvisor lwip \
#        tapstack="$PWD/bench/peer-adapter.sh"
#
# Two variants share it (see bench/peer-bench.sh):
#   TAPSTACK_VNET_HDR=1  the TAP gets a virtio-net header, so the daemon takes
#                        the kernel's TSO super-frames (peer-adapter-offload.sh)
#   TAPSTACK_VIA_RPC=1   the built-in services are off; echo and discard are
#                        served through libtapstack by bench/rpc/
#                        echo_discard_server.c (peer-adapter-rpc.sh)
set -u
. "$BENCH_DIR/lib.sh"
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$SRC_DIR/build-bench"
VIA_RPC=${TAPSTACK_VIA_RPC:-0}
case "$1" in
build)
  cmake -S "$SRC_DIR" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DTAPSTACK_BUILD_TESTS=OFF -DTAPSTACK_BUILD_BENCH=ON >/dev/null || die "cmake failed"
  cmake --build "$BUILD" --target tapstackd tapstack_bench_rpc_server -j"$(nproc)" >/dev/null ||
    die "build failed"
  ;;
start)
  if [[ ${TAPSTACK_VNET_HDR:-0} == 1 ]]; then
    # As mk_tap, with a virtio-net header ([interface] offload).
    ip netns exec "$NS" ip tuntap add dev "$IFACE" mode tap vnet_hdr || die "tuntap add failed"
    ip -n "$NS" addr add "$HOST_IP/$PREFIXLEN" dev "$IFACE"
    ip -n "$NS" link set "$IFACE" up
  else
    mk_tap "$NS" "$IFACE" "$HOST_IP" "$PREFIXLEN"
  fi
  built_in=true
  [[ $VIA_RPC == 1 ]] && built_in=false
  ip netns exec "$NS" "$BUILD/daemon/tapstackd" --config "$SRC_DIR/config/tapstack.toml" \
    --set interface.name="$IFACE" --set interface.attach=true \
    --set interface.address="$STACK_IP/$PREFIXLEN" --set interface.gateway="$HOST_IP" \
    --set "interface.host_address=\"$HOST_IP/$PREFIXLEN\"" \
    --set rpc.socket="$STATE_DIR/tapstackd.sock" \
    --set services.echo=$built_in --set services.discard=$built_in --log-level warn \
    >"$STATE_DIR/stack.log" 2>&1 &
  echo $! >"$STATE_DIR/stack.pid"
  wait_ping "$NS" "$STACK_IP" 15 || die "tapstack does not answer ping"
  if [[ $VIA_RPC == 1 ]]; then
    TAPSTACK_SOCKET="$STATE_DIR/tapstackd.sock" "$BUILD/bench/tapstack_bench_rpc_server" \
      >"$STATE_DIR/server.log" 2>&1 &
    echo $! >"$STATE_DIR/server.pid"
  fi
  wait_tcp "$NS" "$STACK_IP" 7 10 || die "tapstack echo not reachable"
  ;;
stop)
  [[ -f $STATE_DIR/server.pid ]] && kill_pid "$(cat "$STATE_DIR/server.pid")"
  rm -f "$STATE_DIR/server.pid"
  kill_pid "$(cat "$STATE_DIR/stack.pid" 2>/dev/null)"
  ip -n "$NS" link del "$IFACE" 2>/dev/null
  exit 0
  ;;
*) echo "usage: $0 build|start|stop" >&2; exit 2 ;;
esac
