#!/usr/bin/env bash
# iperf3, unmodified, on the stack: `tapstack run iperf3 -s` measured by the
# namespace kernel's `iperf3 -c`, and `tapstack run iperf3 -c` against a
# kernel `iperf3 -s`, each in both directions (-R). Every run must complete
# with both ends agreeing and a sane throughput (their --json reports); the
# stack's TCP_INFO gives iperf3 its RTT and cwnd.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"
command -v iperf3 >/dev/null || fail "iperf3 is missing: run scripts/install-deps.sh --with-test-tools"

SECONDS_PER_RUN=${PRELOAD_IPERF_SECONDS:-3}
MIN_MBPS=${PRELOAD_IPERF_MIN_MBPS:-10}

# check_reports CLIENT_JSON SERVER_JSON LABEL — both ends finished without an
# error; the client's totals show bytes received, no more than were sent, at
# >= MIN_MBPS, and a sane retransmission count (the sender's TCP_INFO); the
# server's report (only its own side: sent with -R, received without) agrees
# with the client's.
check_reports() {
  python3 - "$1" "$2" "$3" "$MIN_MBPS" <<'EOF'
import json, sys
client_path, server_path, label, min_mbps = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def load(path, who):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"{label}: the {who}'s report is not JSON: {e}")
    if "error" in d:
        sys.exit(f"{label}: the {who} says: {d['error']}")
    end = d.get("end", {})
    if "sum_sent" not in end or "sum_received" not in end:
        sys.exit(f"{label}: the {who}'s report has no totals")
    return end
client, server = load(client_path, "client"), load(server_path, "server")
sent, received = client["sum_sent"]["bytes"], client["sum_received"]["bytes"]
if not 0 < received <= sent:
    sys.exit(f"{label}: received {received} of {sent} bytes")
retransmits = client["sum_sent"].get("retransmits", 0)
if not 0 <= retransmits <= sent // 536:
    sys.exit(f"{label}: {retransmits} retransmits for {sent} bytes")
side = "sum_sent" if server["sum_sent"]["bytes"] else "sum_received"
if server[side]["bytes"] != client[side]["bytes"]:
    sys.exit(f"{label}: the server's {side} is {server[side]['bytes']} bytes, the client's {client[side]['bytes']}")
mbps = client["sum_received"]["bits_per_second"] / 1e6
if mbps < min_mbps:
    sys.exit(f"{label}: {mbps:.1f} Mbit/s, below {min_mbps}")
print(f"ok: {label}: {received / 2**20:.0f} MiB, {mbps:.0f} Mbit/s")
EOF
}

make_namespace
start_daemon

# --- iperf3 -s on the stack, the kernel's iperf3 -c ------------------------
for reverse in "" "-R"; do
  tag=stack_server${reverse}
  on_stack timeout 60 iperf3 -s -p 5201 -1 --json >"$E2E_DIR/$tag.server.json" 2>"$E2E_DIR/$tag.server.err" &
  server=$!
  wait_for 10 "stack_listening 5201" || { cat "$E2E_DIR/$tag.server.err"; fail "tapstack run iperf3 -s did not listen"; }
  in_ns timeout 60 iperf3 -c 10.0.0.2 -p 5201 -t "$SECONDS_PER_RUN" $reverse --json >"$E2E_DIR/$tag.client.json" ||
    { cat "$E2E_DIR/$tag.client.json"; fail "kernel iperf3 -c 10.0.0.2 $reverse failed"; }
  wait "$server" || { cat "$E2E_DIR/$tag.server.err"; fail "tapstack run iperf3 -s -1 exited with $?"; }
  check_reports "$E2E_DIR/$tag.client.json" "$E2E_DIR/$tag.server.json" \
    "tapstack run iperf3 -s, kernel iperf3 -c${reverse:+ $reverse} ($([[ -n $reverse ]] && echo "stack sends" || echo "stack receives"))" ||
    fail "iperf3 reports ($tag)"
done

# --- iperf3 -c on the stack, the kernel's iperf3 -s ------------------------
for reverse in "" "-R"; do
  tag=stack_client${reverse}
  in_ns iperf3 -s -B 10.0.0.1 -p 5202 -1 --json >"$E2E_DIR/$tag.server.json" 2>"$E2E_DIR/$tag.server.err" &
  server=$!
  wait_for 10 "kernel_listening 5202" || fail "kernel iperf3 -s did not listen"
  on_stack timeout 60 iperf3 -c 10.0.0.1 -p 5202 -t "$SECONDS_PER_RUN" $reverse --json \
    >"$E2E_DIR/$tag.client.json" 2>"$E2E_DIR/$tag.client.err" ||
    { cat "$E2E_DIR/$tag.client.json" "$E2E_DIR/$tag.client.err"; fail "tapstack run iperf3 -c 10.0.0.1 $reverse failed"; }
  wait "$server" || { cat "$E2E_DIR/$tag.server.err"; fail "kernel iperf3 -s -1 exited with $?"; }
  check_reports "$E2E_DIR/$tag.client.json" "$E2E_DIR/$tag.server.json" \
    "tapstack run iperf3 -c${reverse:+ $reverse}, kernel iperf3 -s ($([[ -n $reverse ]] && echo "stack receives" || echo "stack sends"))" ||
    fail "iperf3 reports ($tag)"
done

# --- TCP_INFO: the stack's own RTT and cwnd in iperf3's reports ----------
# The sender's end stream carries TCP_INFO's figures (Linux: max_snd_cwnd,
# mean_rtt); the stack client without -R is the sender.
python3 - "$E2E_DIR/stack_client.client.json" <<'EOF' || fail "iperf3 got no RTT or cwnd from TCP_INFO"
import json, sys
sender = json.load(open(sys.argv[1]))["end"]["streams"][0]["sender"]
cwnd, rtt = sender.get("max_snd_cwnd", 0), sender.get("mean_rtt", 0)
print(f"ok: TCP_INFO in iperf3 --json: max_snd_cwnd {cwnd} bytes, mean_rtt {rtt} us, min_rtt {sender.get('min_rtt')} us")
sys.exit(0 if cwnd > 0 and rtt > 0 else 1)
EOF
# Its text report has a Cwnd column, filled in.
in_ns iperf3 -s -B 10.0.0.1 -p 5203 -1 >/dev/null 2>&1 &
server=$!
wait_for 10 "kernel_listening 5203" || fail "kernel iperf3 -s did not listen"
on_stack timeout 60 iperf3 -c 10.0.0.1 -p 5203 -t 1 >"$E2E_DIR/text.out" 2>&1 ||
  { cat "$E2E_DIR/text.out"; fail "iperf3 -c (text) failed"; }
wait "$server" || true
grep -q 'Cwnd' "$E2E_DIR/text.out" || { cat "$E2E_DIR/text.out"; fail "iperf3 shows no Cwnd column"; }
line=$(grep -E '^\[ *[0-9]+\] +0\.00-1\.00 +sec' "$E2E_DIR/text.out" | head -1)
echo "  $line"
[[ $line =~ [0-9.]*[1-9][0-9.]*\ (K|M)Bytes\ *$ ]] || fail "iperf3's Cwnd column is empty or zero"
pass "iperf3 prints the stack's cwnd from TCP_INFO"

stop_daemon || fail "exit status not 0"
