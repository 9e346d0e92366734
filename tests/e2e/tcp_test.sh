#!/usr/bin/env bash
# TCP against the kernel: the built-in services (echo, discard, daytime,
# chargen), bulk transfers with hashes, 2 % loss from nftables, 200
# concurrent connections, the close sequences on the wire, and a SYN flood
# while a legitimate client still connects.
source "$(dirname "$0")/lib.sh"

make_namespace
start_daemon --set services.echo=true --set services.discard=true \
  --set services.daytime=true --set services.chargen=true
cli() { TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock" "$TAPSTACK_CLI" "$@"; }
counter() { cli stats | awk -v k="$1" '$1 == k {print $2}'; }

got=$(echo hello | in_ns timeout 10 nc -N 10.0.0.2 7) || fail "echo: nc failed"
[[ "$got" == "hello" ]] || fail "echo returned '$got'"
pass "echo"

line=$(in_ns timeout 10 nc -d 10.0.0.2 13) || fail "daytime: nc failed"
[[ "$line" =~ [0-9]{2}:[0-9]{2}:[0-9]{2} ]] || fail "daytime sent '$line'"
pass "daytime: $line"

# head closes the pipe after 1 MB; nc ending on SIGPIPE is expected.
bytes=$({ in_ns timeout 10 nc -d 10.0.0.2 19 || true; } | head -c 1000000 | wc -c)
[[ "$bytes" -eq 1000000 ]] || fail "chargen gave $bytes bytes"
pass "chargen streams"

head -c $((10 * 1024 * 1024)) /dev/urandom >"$E2E_DIR/10M"
echo_through() {  # echo a file through port 7 and compare hashes
  in_ns timeout 60 nc -N 10.0.0.2 7 <"$E2E_DIR/10M" >"$E2E_DIR/10M.back" || fail "echo $1: nc failed"
  [[ $(sha256sum <"$E2E_DIR/10M") == $(sha256sum <"$E2E_DIR/10M.back") ]] || fail "echo $1: hash differs"
}
discard_bulk() {  # $1 MiB to discard; nc -N waits for the stack's FIN after ours
  head -c $(($1 * 1024 * 1024)) /dev/zero | in_ns timeout 60 nc -N 10.0.0.2 9 || fail "discard: nc failed"
}
start=$(date +%s.%N)
discard_bulk 100
pass "100 MiB to discard ($(python3 -c "print(f'{100*1.048576/($(date +%s.%N)-$start):.0f}')") MB/s)"
echo_through "no loss"
pass "10 MiB round trip through echo, sha256 matches"

# 2 % of the host's packets toward the stack and from it, dropped at random.
in_ns nft -f - <<'NFT'
table inet lossy {
  chain out { type filter hook output priority 0; oifname "tap0" numgen random mod 100 < 2 drop; }
  chain in { type filter hook input priority 0; iifname "tap0" numgen random mod 100 < 2 drop; }
}
NFT
retrans_before=$(counter retransmits)
echo_through "with 2% loss"
discard_bulk 20
in_ns nft delete table inet lossy
retrans_after=$(counter retransmits)
((retrans_after > retrans_before)) || fail "no retransmissions counted under loss"
pass "2% loss: 10 MiB echo intact, 20 MiB discard; stack retransmitted $((retrans_after - retrans_before)) segments"

in_ns python3 "$(dirname "$0")/tcp_clients.py" 10.0.0.2 7 200 1000 || fail "200 concurrent connections"
pass "200 concurrent connections echoed"

# Close sequences: we close first to echo (the stack answers FIN); daytime
# closes first (the kernel answers). Each side sends one FIN, no RST.
ip netns exec "$E2E_NS" tcpdump -U -ni tap0 -w "$E2E_DIR/close.pcap" 'tcp port 7 or tcp port 13' \
  2>"$E2E_DIR/tcpdump.err" &
tcpdump_pid=$!
wait_for 5 "grep -q 'listening on' '$E2E_DIR/tcpdump.err'" || fail "tcpdump did not start"
echo bye | in_ns timeout 10 nc -N 10.0.0.2 7 >/dev/null
in_ns timeout 10 nc -d 10.0.0.2 13 >/dev/null
wait_for 5 "[[ \$(tcpdump -nr '$E2E_DIR/close.pcap' 2>/dev/null | grep -c 'Flags \[F') -ge 4 ]]" ||
  { tcpdump -nr "$E2E_DIR/close.pcap"; fail "expected four FINs in the capture"; }
kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
tcpdump -nr "$E2E_DIR/close.pcap" 2>/dev/null >"$E2E_DIR/close.txt"
grep -q 'Flags \[R' "$E2E_DIR/close.txt" && { cat "$E2E_DIR/close.txt"; fail "a RST in an orderly close"; }
first_fin_7=$(grep '\.7[ :].*Flags \[F\|> 10.0.0.2.7: Flags \[F' "$E2E_DIR/close.txt" | head -1)
[[ "$first_fin_7" == *"10.0.0.1."*" > 10.0.0.2.7:"* ]] || { cat "$E2E_DIR/close.txt"; fail "echo: the client's FIN should come first"; }
first_fin_13=$(grep 'Flags \[F' "$E2E_DIR/close.txt" | grep '\.13[ :>]' | head -1)
[[ "$first_fin_13" == *"10.0.0.2.13 >"* ]] || { cat "$E2E_DIR/close.txt"; fail "daytime: the stack's FIN should come first"; }
pass "4-way close seen on the wire in both orders, no RST"

# SYN flood: the kernel's RSTs to our SYN-ACKs are dropped, so half-open
# connections pile up and SYN cookies take over; a real client still gets in.
in_ns nft -f - <<'NFT'
table inet flood {
  chain out {
    type filter hook output priority 0;
    oifname "tap0" tcp flags & rst == rst drop
  }
}
NFT
in_ns timeout 30 hping3 -q -S -p 7 -i u100 -c 5000 10.0.0.2 >/dev/null 2>&1 &
flood_pid=$!
wait_for 20 "[[ \$(counter syn_cookies_sent) -gt 0 ]]" || fail "no SYN cookies under a SYN flood"
got=$(echo during-flood | in_ns timeout 10 nc -N 10.0.0.2 7) || fail "legitimate client failed during the flood"
[[ "$got" == "during-flood" ]] || fail "echo during the flood returned '$got'"
wait "$flood_pid" || true
in_ns nft delete table inet flood
pass "SYN flood: $(counter syn_cookies_sent) cookies sent, a legitimate client still connected"

kill -0 "$E2E_DAEMON_PID" || fail "tapstackd died"
stop_daemon || fail "exit status not 0"
