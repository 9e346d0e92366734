#!/usr/bin/env bash
# The kernel pings the stack: plain, fragmented both ways, flood, empty; ARP
# answers; no answer for another address; malformed frames don't stop it.
source "$(dirname "$0")/lib.sh"

make_namespace
start_daemon

in_ns ping -n -c 20 -i 0.01 -W 1 10.0.0.2 >"$E2E_DIR/ping.txt" || { cat "$E2E_DIR/ping.txt"; fail "ping -c 20"; }
grep -q " 0% packet loss" "$E2E_DIR/ping.txt" || { cat "$E2E_DIR/ping.txt"; fail "ping -c 20 lost packets"; }
pass "ping -c 20: 0% loss"

in_ns ping -n -c 5 -i 0.05 -s 4000 -W 2 10.0.0.2 >"$E2E_DIR/ping4000.txt" || { cat "$E2E_DIR/ping4000.txt"; fail "ping -s 4000"; }
grep -q "4008 bytes from 10.0.0.2" "$E2E_DIR/ping4000.txt" || { cat "$E2E_DIR/ping4000.txt"; fail "no 4008-byte reply"; }
grep -q " 0% packet loss" "$E2E_DIR/ping4000.txt" || fail "ping -s 4000 lost packets"
pass "ping -s 4000: fragmented both ways, answered intact"

in_ns ping -n -c 3 -i 0.05 -s 0 -W 1 10.0.0.2 >"$E2E_DIR/ping0.txt" || { cat "$E2E_DIR/ping0.txt"; fail "ping -s 0"; }
grep -q "8 bytes from 10.0.0.2" "$E2E_DIR/ping0.txt" || fail "no reply to ping -s 0"
pass "ping -s 0"

in_ns timeout 60 ping -n -f -c 20000 -W 1 10.0.0.2 >"$E2E_DIR/flood.txt" || { cat "$E2E_DIR/flood.txt"; fail "ping -f"; }
grep -q " 0% packet loss" "$E2E_DIR/flood.txt" || { cat "$E2E_DIR/flood.txt"; fail "ping -f lost packets"; }
pass "ping -f -c 20000: 0% loss ($(grep -o 'time [0-9]*ms' "$E2E_DIR/flood.txt"))"

in_ns arping -c 3 -w 5 -I tap0 10.0.0.2 >"$E2E_DIR/arping.txt" || { cat "$E2E_DIR/arping.txt"; fail "arping"; }
grep -qi "reply\|bytes from" "$E2E_DIR/arping.txt" || fail "arping got no reply"
pass "arping answered"

if in_ns ping -n -c 2 -W 1 10.0.0.3 >"$E2E_DIR/other.txt" 2>&1; then
  cat "$E2E_DIR/other.txt"; fail "10.0.0.3 answered: the stack must only answer for its own address"
fi
pass "no answer for 10.0.0.3"

stack_mac=$(in_ns ip neigh show 10.0.0.2 dev tap0 | awk '{print $3}')
[[ -n "$stack_mac" ]] || fail "no neighbour entry for 10.0.0.2"
# Frames the TAP's queue drops while the daemon is off the CPU never reach
# the stack; the kernel counts them, so they are left out of the expectation.
tap_dropped() { in_ns cat /sys/class/net/tap0/statistics/tx_dropped; }
tap_dropped_before=$(tap_dropped)
in_ns python3 "$(dirname "$0")/send_frames.py" tap0 "$stack_mac" 5000 42
delivered=$((5000 - ($(tap_dropped) - tap_dropped_before)))
kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died on malformed frames"
in_ns ping -n -c 5 -i 0.05 -W 1 10.0.0.2 >"$E2E_DIR/after.txt" || { cat "$E2E_DIR/after.txt"; fail "no answer after malformed frames"; }
pass "still answering after 5000 malformed frames"

drops=$(TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock" "$TAPSTACK_CLI" stats |
  awk '$1 ~ /drop|malformed|bad_|truncated|vlan/ {sum += $2} END {print sum + 0}')
((drops >= delivered * 4 / 5)) ||
  fail "counters show only $drops drops for $delivered malformed frames that reached the stack"
pass "tapstack stats counts $drops dropped of $delivered malformed frames that reached the stack"

# tapstack ping to an address nobody has: iputils' line once ARP gives up
# (~3 s), not silence until Ctrl-C (issue 11).
set +e
TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock" timeout 30 "$TAPSTACK_CLI" ping 10.0.0.9 -c 2 >"$E2E_DIR/nobody.txt" 2>&1
status=$?
set -e
[[ $status -eq 1 ]] && grep -q '^From 10.0.0.2 icmp_seq=1 Destination Host Unreachable$' "$E2E_DIR/nobody.txt" &&
  grep -q '^From 10.0.0.2 icmp_seq=2 Destination Host Unreachable$' "$E2E_DIR/nobody.txt" &&
  grep -q '2 packets transmitted, 0 received, 100% packet loss' "$E2E_DIR/nobody.txt" ||
  fail "ping 10.0.0.9: status $status, $(cat "$E2E_DIR/nobody.txt")"
pass "tapstack ping 10.0.0.9 (nobody's): $(grep -c Unreachable "$E2E_DIR/nobody.txt") × Destination Host Unreachable, exit 1"

stop_daemon || fail "exit status not 0"
