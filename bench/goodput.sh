#!/usr/bin/env bash
# Goodput over a slow, long, lossy path: the stack's CUBIC and NewReno sending
# to the Linux kernel, and the kernel's CUBIC sending to the stack, on the
# same impaired link in one run.
#
#   sudo bench/goodput.sh          # builds Release in build-bench-shim, prints Markdown
#
# The path: tapstackd's own impairment, both directions alike — a 12.5 MB/s
# token bucket (100 ms queue), 20 ms delay each way (40 ms RTT, 500 kB in
# flight at the full rate) and a loss rate of 0, 0.1 and 1 % per frame.
# Senders:  stack-cubic / stack-newreno: `tapstack run iperf3 -c -C ALGO` to a
#           kernel iperf3 -s; kernel-cubic: the same client with -R (the
#           kernel's iperf3 server sends with its own CUBIC).
# Every figure is the receiver's goodput (iperf3's sum_received), the median
# of BENCH_REPEATS runs; the senders' runs are interleaved so drift in the
# machine's load hits all of them alike.
#
# Environment: BENCH_SECONDS (iperf3 -t, 20), BENCH_REPEATS (3), BENCH_LOSSES
# ("0 0.1 1"), BENCH_BUILD=0 (use the existing build), BENCH_BUILD_DIR
# (build-bench-shim). The namespace is the script's own and is removed on
# exit; only the script's own processes are killed.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_BUILD_DIR:-$SRC/build-bench-shim}
T=${BENCH_SECONDS:-20}
REPEATS=${BENCH_REPEATS:-3}
LOSSES=${BENCH_LOSSES:-"0 0.1 1"}
NS="tsb-gp-$$"
WORK=$(mktemp -d /tmp/tapstack-bench-goodput.XXXXXX)
SOCK="$WORK/tapstackd.sock"
DAEMON_PID=""
# Buffers above the path's 500 kB bandwidth-delay product plus its 1.25 MB
# queue, so the window and not the buffer limits every sender.
BUFFER=$((4 * 1024 * 1024))

die() { echo "goodput: $*" >&2; exit 1; }

cleanup() {
  if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # SECONDS 'condition': polls every 50 ms until it holds or the deadline passes
  local deadline=$((SECONDS + $1))
  while ! eval "$2"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

[[ $(id -u) -eq 0 ]] || die "needs root (it makes a network namespace)"
for tool in iperf3 python3 ip ss cmake; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh --with-test-tools"
done

if [[ ${BENCH_BUILD:-1} != 0 ]]; then
  cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=Release -DTAPSTACK_BUILD_TESTS=OFF \
    -DTAPSTACK_BUILD_BENCH=OFF >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; die "cmake failed"; }
  cmake --build "$B" --target tapstackd tapstack tapstack_preload -j2 >>"$WORK/build.log" 2>&1 ||
    { tail -n 40 "$WORK/build.log" >&2; die "build failed"; }
fi
DAEMON="$B/daemon/tapstackd"
CLI="$B/client/tapstack"
LIB="$B/client/preload/libtapstack-preload.so"
for f in "$DAEMON" "$CLI" "$LIB"; do [[ -x $f ]] || die "$f is missing (BENCH_BUILD=0 without a build?)"; done

ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" "$DAEMON" --config "$SRC/config/tapstack.toml" --set "rpc.socket=\"$SOCK\"" \
  --set "tcp.send_buffer=$BUFFER" --set "tcp.recv_buffer=$BUFFER" --log-level warn >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
wait_for 15 "ip netns exec $NS ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1" ||
  { cat "$WORK/daemon.log" >&2; die "tapstackd does not answer ping"; }

cli() { "$CLI" -S "$SOCK" "$@"; }
on_stack() { ip netns exec "$NS" env TAPSTACK_PRELOAD_LIB="$LIB" "$CLI" -S "$SOCK" run -- "$@"; }
listening() { ip netns exec "$NS" ss -Hltn "sport = :$1" | grep -q .; }
impair() {  # LOSS: the path, both directions
  cli impair --clear >/dev/null
  cli impair --delay 20 --rate 12500000 --loss "$1" --seed $((RANDOM + 1)) >/dev/null
}

# run SENDER LOSS — one iperf3 run; records the receiver's goodput in Mbit/s.
run() {
  local sender=$1 loss=$2 args
  case $sender in
    stack-cubic) args="-C cubic" ;;
    stack-newreno) args="-C reno" ;;
    kernel-cubic) args="-R -C cubic" ;;  # iperf3 passes -C to the sending server
  esac
  ip netns exec "$NS" timeout $((T + 60)) iperf3 -s -B 10.0.0.1 -p 5201 -1 >/dev/null 2>&1 &
  local server=$!
  wait_for 10 "listening 5201" || die "kernel iperf3 -s did not listen"
  # shellcheck disable=SC2086  # args are words
  on_stack timeout $((T + 60)) iperf3 -c 10.0.0.1 -p 5201 -t "$T" $args --json \
    >"$WORK/run.json" 2>"$WORK/run.err" ||
    die "$sender at $loss %: iperf3 failed: $(cat "$WORK/run.json" "$WORK/run.err")"
  wait "$server" || die "kernel iperf3 -s exited with $?"
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
if "error" in d: sys.exit("iperf3: " + d["error"])
print(round(d["end"]["sum_received"]["bits_per_second"] / 1e6, 2))' "$WORK/run.json" \
    >>"$WORK/$sender-$loss.samples" || die "$sender at $loss %: no figure in the report"
}

senders=(stack-cubic stack-newreno kernel-cubic)
for loss in $LOSSES; do
  impair "$loss"
  for ((r = 1; r <= REPEATS; ++r)); do
    for sender in "${senders[@]}"; do
      echo "goodput: loss $loss %, round $r of $REPEATS, $sender" >&2
      run "$sender" "$loss"
    done
  done
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "–" hi }'; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}' if $2 > 0 else 'n/a')"; }

echo "Goodput in Mbit/s (median of $REPEATS, range in brackets), ${T} s per run, 12.5 MB/s (100 Mbit/s), 20 ms each way"
echo
echo "| loss | stack CUBIC | stack NewReno | kernel CUBIC | stack CUBIC / kernel CUBIC | stack CUBIC / stack NewReno |"
echo "|---|---|---|---|---|---|"
for loss in $LOSSES; do
  row="| $loss % "
  for sender in "${senders[@]}"; do
    row+="| $(median "$WORK/$sender-$loss.samples") ($(spread "$WORK/$sender-$loss.samples")) "
  done
  c=$(median "$WORK/stack-cubic-$loss.samples")
  row+="| $(ratio "$c" "$(median "$WORK/kernel-cubic-$loss.samples")") "
  row+="| $(ratio "$c" "$(median "$WORK/stack-newreno-$loss.samples")") |"
  echo "$row"
done
echo
echo "Machine load (1/5/15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
