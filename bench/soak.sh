#!/usr/bin/env bash
# Soak (not in CI; tests/e2e/soak_test.sh runs a 60-second version): mixed
# load for --duration seconds (default 1800) through the daemon's own
# impairment (1 % loss, 1 % reorder, 0.5 % duplication, both ways): bulk
# both ways, request/response, connect/close, UDP echo, DNS lookups against a
# dnsmasq in the namespace, ping from the host side and a hostile control
# socket client (bench/soak_load.py), every byte checked. Samples the
# daemon's RSS, fds, sockets and CPU time into a CSV, then checks: no
# workload error, RSS and fd growth after the warm-up under --max-growth
# percent (5, judged by bench/soak_growth.py), no connection left once the
# load stops.
#
#   bench/soak.sh [--duration SECONDS] [--csv FILE|-] [--max-growth PERCENT]
#   bench/soak_plot.py bench/results/soak-….csv bench/results/soak-….svg
#
# The CSV goes to bench/results/soak-DATE.csv unless --csv says otherwise.
# As root. TAPSTACKD and TAPSTACK_CLI name the binaries (default: build/).
# Everything runs in a network namespace of its own (tests/e2e/lib.sh).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
DURATION=1800 CSV="" MAX_GROWTH=5
while (($#)); do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --csv) CSV=$2; shift 2 ;;
    --max-growth) MAX_GROWTH=$2; shift 2 ;;
    *) echo "usage: $0 [--duration SECONDS] [--csv FILE] [--max-growth PERCENT]" >&2; exit 2 ;;
  esac
done
export TAPSTACKD=${TAPSTACKD:-$SRC/build/daemon/tapstackd} TAPSTACK_SOURCE_DIR=$SRC
TAPSTACK_CLI=${TAPSTACK_CLI:-$SRC/build/client/tapstack}
[[ -x $TAPSTACKD && -x $TAPSTACK_CLI ]] || { echo "soak: build first (scripts/run-daemon.sh builds build/)" >&2; exit 2; }
command -v dnsmasq >/dev/null || { echo "soak: run scripts/install-deps.sh --with-test-tools" >&2; exit 2; }
source "$SRC/tests/e2e/lib.sh"
# The warm-up, after which growth counts: the first minute, a quarter of a
# short run.
WARMUP=$((DURATION >= 240 ? 60 : DURATION / 4))
INTERVAL=$((DURATION >= 600 ? 5 : 1))
# "-": a CSV that goes with the namespace (the CI test's).
CSV=${CSV:-$SRC/bench/results/soak-$(date -u +%Y%m%dT%H%MZ).csv}
[[ $CSV == - ]] && CSV=$E2E_DIR/soak.csv
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"

make_namespace
start_daemon --set services.echo=true --set services.discard=true --set services.chargen=true \
  --set services.udp_echo=true --set 'dns.servers=["10.0.0.1"]' --set dns.attempts=4 \
  --set dns.timeout_ms=500 --set impair.seed=7 \
  --set impair.in_loss=1 --set impair.out_loss=1 --set impair.in_reorder=1 --set impair.out_reorder=1 \
  --set impair.in_duplicate=0.5 --set impair.out_duplicate=0.5
"$TAPSTACK_CLI" status | grep -q 'impairment on' || fail "the impairment is not on"
in_ns dnsmasq --no-daemon --no-resolv --no-hosts --listen-address=10.0.0.1 --bind-interfaces --port=53 \
  --pid-file="$E2E_DIR/dnsmasq.pid" --local=/soak.test/ \
  $(for i in $(seq 1 10); do echo "--host-record=host$i.soak.test,10.0.9.$i"; done) \
  2>"$E2E_DIR/dnsmasq.err" &
wait_for 5 "in_ns ss -Hlun | grep -q '10.0.0.1:53 '" || fail "dnsmasq did not start"

pid=$E2E_DAEMON_PID
hz=$(getconf CLK_TCK)
sample() {  # elapsed_s,rss_kb,fds,sockets,cpu_s
  local rss fds sockets cpu
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  sockets=$(("$TAPSTACK_CLI" sockets || true) | tail -n +2 | wc -l)
  cpu=$(awk -v hz="$hz" '{sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' "/proc/$pid/stat")
  echo "$((SECONDS - start)),$rss,$fds,$sockets,$cpu"
}
fds_idle=$(daemon_fds)
start=$SECONDS
echo "elapsed_s,rss_kb,fds,sockets,cpu_s" >"$CSV"
sample >>"$CSV"
# 5 pings a second from the host side for the whole run.
in_ns ping -q -i 0.2 -w "$DURATION" 10.0.0.2 >"$E2E_DIR/ping.out" 2>&1 &
ping_pid=$!
in_ns python3 "$SRC/bench/soak_load.py" 10.0.0.2 "$DURATION" "$TAPSTACK_CLI" "$TAPSTACK_SOCKET" \
  >"$E2E_DIR/load.out" 2>&1 &
load_pid=$!
while kill -0 "$load_pid" 2>/dev/null; do
  sample >>"$CSV"
  # Waits for the next sample or the load's end, whichever is first.
  wait_for "$INTERVAL" "! kill -0 $load_pid 2>/dev/null" || true
done
load_status=0
wait "$load_pid" || load_status=$?
wait "$ping_pid" || true
cat "$E2E_DIR/load.out"
grep -E 'packets transmitted' "$E2E_DIR/ping.out" || true
((load_status == 0)) || fail "the workload reported errors (status $load_status)"

# Connections still in the table once the load has stopped: listeners and
# UDP sockets stay, TIME-WAIT is not a socket; anything else must go.
busy() { ("$TAPSTACK_CLI" sockets || true) | tail -n +2 | grep -v -E ' LISTEN | UNCONN |^[0-9]+ +udp ' | wc -l; }
wait_for 120 "(( \$(busy) == 0 ))" || { "$TAPSTACK_CLI" sockets; fail "$(busy) connections left after the load"; }
back_to_baseline "$fds_idle" "the load"
sample >>"$CSV"

python3 "$SRC/bench/soak_growth.py" "$CSV" "$WARMUP" "$DURATION" "$MAX_GROWTH" || fail "the daemon grew"
[[ $CSV == "$E2E_DIR"/* ]] || echo "soak: samples in $CSV"
stop_daemon || fail "tapstackd exited with an error"
pass "soak of $DURATION s: every byte checked, no connection left, growth within $MAX_GROWTH %"
