#!/usr/bin/env bash
# Segmentation offload (interface.offload, on by default): the TAP is opened
# with IFF_VNET_HDR and TSO4, so the namespace's kernel hands the stack TSO
# super-frames, and the stack hands the kernel TCP super-segments to cut (GSO).
# Bulk to discard, bulk from chargen and a hashed round trip through echo,
# with offload on and off; MB/s for both; ethtool shows TSO usable on the TAP
# and the stack's counters show frames above the MTU both ways.
source "$(dirname "$0")/lib.sh"

# start_daemon waits for 'ready' in daemon.log: a restart must not find the last run's.
restart_daemon() { rm -f "$E2E_DIR/daemon.log"; start_daemon "$@"; }
cli() { TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock" "$TAPSTACK_CLI" "$@"; }
eth_counter() {
  cli --json stats | python3 -c "import json, sys; print(json.load(sys.stdin)['eth']['$1'])"
}
head -c $((10 * 1024 * 1024)) /dev/urandom >"$E2E_DIR/10M"
echo_through() {  # echo a file through port 7 and compare hashes
  in_ns timeout 60 nc -N 10.0.0.2 7 <"$E2E_DIR/10M" >"$E2E_DIR/10M.back" || fail "echo $1: nc failed"
  [[ $(sha256sum <"$E2E_DIR/10M") == $(sha256sum <"$E2E_DIR/10M.back") ]] || fail "echo $1: hash differs"
}
chargen_rate() {  # 100 MiB from chargen; prints MB/s
  local start end
  start=$(date +%s.%N)
  in_ns timeout 60 nc 10.0.0.2 19 </dev/null | head -c $((100 * 1024 * 1024)) >/dev/null
  end=$(date +%s.%N)
  python3 -c "print(f'{100 * 1.048576 / ($end - $start):.0f}')"
}
discard_rate() {  # 100 MiB to discard; prints MB/s
  local start end
  start=$(date +%s.%N)
  head -c $((100 * 1024 * 1024)) /dev/zero | in_ns timeout 60 nc -N 10.0.0.2 9 || fail "discard $1: nc failed"
  end=$(date +%s.%N)
  python3 -c "print(f'{100 * 1.048576 / ($end - $start):.0f}')"
}

make_namespace
start_daemon --set services.echo=true --set services.discard=true --set services.chargen=true
grep -q 'mtu 1500, segmentation offload' "$E2E_DIR/daemon.log" || fail "the daemon did not report segmentation offload"
tso=$(in_ns ethtool -k tap0 | awk '$1 == "tcp-segmentation-offload:" {print $2}')
[[ "$tso" == "on" ]] || { in_ns ethtool -k tap0; fail "TSO is '$tso' on tap0"; }
pass "ethtool -k tap0: tcp-segmentation-offload on"

rate_on=$(discard_rate "offload on")
[[ "$rate_on" =~ ^[0-9]+$ ]] || fail "discard with offload failed"
pass "100 MiB to discard with offload: $rate_on MB/s"
echo_through "offload on"
pass "10 MiB round trip through echo with offload, sha256 matches"
offloaded=$(eth_counter rx_offloaded)
((offloaded > 0)) || fail "no frame above the MTU was received"
sent_offloaded=$(eth_counter tx_offloaded)
((sent_offloaded > 0)) || fail "echo sent no super-segment for the kernel to cut"
pass "$sent_offloaded super-segments sent for the kernel to cut, the echoed bytes intact"
chargen_on=$(chargen_rate "offload on")
[[ "$chargen_on" =~ ^[0-9]+$ ]] || fail "chargen with offload failed"
pass "100 MiB from chargen with offload: $chargen_on MB/s"
[[ $(eth_counter rx_dropped_oversize) == 0 ]] || fail "frames above the MTU were dropped"
pass "$offloaded super-frames above the MTU received"
# A capture holds the super-frames as received (as tcpdump on a host with
# GRO does): tshark reads them, none malformed.
P="$E2E_DIR/bulk.pcapng"
TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock" "$TAPSTACK_CLI" capture -w "$P" --port 9 &
capture_pid=$!
wait_for 10 "grep -qs 'capture: subscriber added' '$E2E_DIR/daemon.log'" || fail "capture did not start"
head -c $((4 * 1024 * 1024)) /dev/zero | in_ns timeout 30 nc -N 10.0.0.2 9 || fail "discard under capture"
kill -TERM "$capture_pid" 2>/dev/null || true
wait "$capture_pid" 2>/dev/null || true
# The reader is stopped mid-stream: tshark may report the last block cut short.
big=$({ tshark -r "$P" -Y 'frame.len > 1514' 2>/dev/null || true; } | wc -l)
((big > 0)) || fail "no super-frame in the capture"
malformed=$({ tshark -r "$P" -Y '_ws.malformed' 2>/dev/null || true; } | wc -l)
((malformed == 0)) || fail "$malformed malformed frames in the capture"
pass "capture during bulk: $big super-frames, tshark reads them, none malformed"
kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died"
stop_daemon || fail "exit status not 0"

restart_daemon --set services.echo=true --set services.discard=true --set services.chargen=true --set interface.offload=false
grep -q 'mtu 1500, segmentation offload' "$E2E_DIR/daemon.log" && fail "offload reported while switched off"
tso=$(in_ns ethtool -k tap0 | awk '$1 == "tcp-segmentation-offload:" {print $2}')
[[ "$tso" == "off" ]] || fail "TSO is '$tso' on tap0 with offload off"
rate_off=$(discard_rate "offload off")
[[ "$rate_off" =~ ^[0-9]+$ ]] || fail "discard without offload failed"
pass "100 MiB to discard without offload: $rate_off MB/s"
echo_through "offload off"
pass "10 MiB round trip through echo without offload, sha256 matches"
[[ $(eth_counter rx_offloaded) == 0 ]] || fail "super-frames with offload off"
[[ $(eth_counter tx_offloaded) == 0 ]] || fail "super-segments sent with offload off"
chargen_off=$(chargen_rate "offload off")
[[ "$chargen_off" =~ ^[0-9]+$ ]] || fail "chargen without offload failed"
pass "100 MiB from chargen without offload: $chargen_off MB/s"
kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died"
stop_daemon || fail "exit status not 0"

# An attached TAP keeps its creator's flags: made without vnet_hdr (as the
# bench harness makes it), offload is off and said so once; made with it, on.
in_ns ip tuntap add dev tap0 mode tap
restart_daemon --set services.echo=true --set services.discard=true --set services.chargen=true --set interface.attach=true
[[ $(grep -c 'offload off: the attached TAP was created without IFF_VNET_HDR' \
  "$E2E_DIR/daemon.log") == 1 ]] || fail "attached without vnet_hdr: offload off not logged once"
echo_through "attached, no vnet_hdr"
stop_daemon || fail "exit status not 0"
in_ns ip link del tap0
in_ns ip tuntap add dev tap0 mode tap vnet_hdr
restart_daemon --set services.echo=true --set services.discard=true --set services.chargen=true --set interface.attach=true
grep -q 'mtu 1500, segmentation offload' "$E2E_DIR/daemon.log" || fail "attached with vnet_hdr: no offload"
echo_through "attached, vnet_hdr"
((($(eth_counter rx_offloaded)) > 0)) || fail "attached with vnet_hdr: no super-frames"
stop_daemon || fail "exit status not 0"
pass "attached TAP: offload follows its creator's vnet_hdr flag"
pass "discard: $rate_on MB/s with offload, $rate_off MB/s without; chargen: $chargen_on MB/s with, $chargen_off MB/s without"
