#!/usr/bin/env bash
# tapstack's adapter for ../shared/peer-bench (see its README for the
# contract): attaches tapstackd to the TAP the harness made inside $NS,
# answers at $STACK_IP and serves TCP echo (7) and discard (9) built in.
#
#   sudo ../shared/peer-bench/run-all.sh kernel kernel-nooffload gvisor lwip \
#        tapstack="$PWD/bench/peer-adapter.sh"
set -u
. "$BENCH_DIR/lib.sh"
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BIN="$SRC_DIR/build-bench/daemon/tapstackd"
case "$1" in
build)
  cmake -S "$SRC_DIR" -B "$SRC_DIR/build-bench" -DCMAKE_BUILD_TYPE=Release \
    -DTAPSTACK_BUILD_TESTS=OFF -DTAPSTACK_BUILD_BENCH=OFF >/dev/null || die "cmake failed"
  cmake --build "$SRC_DIR/build-bench" --target tapstackd -j"$(nproc)" >/dev/null ||
    die "tapstackd build failed"
  ;;
start)
  if [[ ${TAPSTACK_VNET_HDR:-0} == 1 ]]; then
    # As mk_tap, but with a virtio-net header, so tapstackd can take the
    # kernel's TSO super-frames ([interface] offload).
    ip netns exec "$NS" ip tuntap add dev "$IFACE" mode tap vnet_hdr || die "tuntap add failed"
    ip -n "$NS" addr add "$HOST_IP/$PREFIXLEN" dev "$IFACE"
    ip -n "$NS" link set "$IFACE" up
  else
    mk_tap "$NS" "$IFACE" "$HOST_IP" "$PREFIXLEN"
  fi
  ip netns exec "$NS" "$BIN" --config "$SRC_DIR/config/tapstack.toml" \
    --set interface.name="$IFACE" --set interface.attach=true \
    --set interface.address="$STACK_IP/$PREFIXLEN" --set interface.gateway="$HOST_IP" \
    --set "interface.host_address=\"$HOST_IP/$PREFIXLEN\"" \
    --set rpc.socket="$STATE_DIR/tapstackd.sock" \
    --set services.echo=true --set services.discard=true --log-level warn \
    >"$STATE_DIR/stack.log" 2>&1 &
  echo $! >"$STATE_DIR/stack.pid"
  wait_ping "$NS" "$STACK_IP" 15 || die "tapstack does not answer ping"
  wait_tcp "$NS" "$STACK_IP" 7 10 || die "tapstack echo not reachable"
  ;;
stop)
  kill_pid "$(cat "$STATE_DIR/stack.pid" 2>/dev/null)"
  ip -n "$NS" link del "$IFACE" 2>/dev/null
  exit 0
  ;;
*) echo "usage: $0 build|start|stop" >&2; exit 2 ;;
esac
