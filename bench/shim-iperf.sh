#!/usr/bin/env bash
# iperf3 through `tapstack run` on the stack next to the Linux kernel, in the
# same run, and the stack's bulk send from its built-in chargen service with
# the daemon's CPU time per TCP segment sent.
#
#   sudo bench/shim-iperf.sh          # builds Release in build-bench-shim, prints Markdown
#
# kernel:   two namespaces joined by a veth pair; iperf3 -s in one, -c in the other.
# tapstack: tapstackd on a TAP in a namespace (stack 10.0.0.2, kernel 10.0.0.1);
#           `tapstack run iperf3 -s` measured by the kernel's iperf3 -c, and -R;
#           also `tapstack run iperf3 -c` against a kernel iperf3 -s, and -R.
# chargen:  the kernel reads BENCH_CHARGEN_MIB from the stack's port 19 (MB/s);
#           tapstackd's utime+stime (/proc/PID/stat) over the run divided by
#           the TCP segments it sent (`tapstack stats`, tcp.tx_segments).
# Each figure is the median of BENCH_REPEATS runs; the runs of the setups are
# interleaved so drift in the machine's load hits all of them alike.
#
# Environment: BENCH_SECONDS (iperf3 -t, 5), BENCH_REPEATS (3),
# BENCH_CHARGEN_MIB (256), BENCH_BUILD=0 (use the existing build),
# BENCH_BUILD_DIR (build-bench-shim). The namespaces are the script's own and
# are removed on exit; only the script's own processes are killed.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_BUILD_DIR:-$SRC/build-bench-shim}
T=${BENCH_SECONDS:-5}
REPEATS=${BENCH_REPEATS:-3}
CHARGEN_MIB=${BENCH_CHARGEN_MIB:-256}
NS_A="tsb-ka-$$" NS_B="tsb-kb-$$" NS_T="tsb-ts-$$"
WORK=$(mktemp -d /tmp/tapstack-bench-shim.XXXXXX)
SOCK="$WORK/tapstackd.sock"
DAEMON_PID=""

die() { echo "shim-iperf: $*" >&2; exit 1; }

cleanup() {
  if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  for ns in "$NS_A" "$NS_B" "$NS_T"; do  # what is left in them was started here
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS 'condition' — polls every 50 ms until it holds or the deadline passes.
wait_for() {
  local deadline=$((SECONDS + $1))
  while ! eval "$2"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

[[ $(id -u) -eq 0 ]] || die "needs root (it makes network namespaces)"
for tool in iperf3 python3 ip ss cmake; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh --with-test-tools"
done

# --- build -----------------------------------------------------------------
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

# --- namespaces ------------------------------------------------------------
ip netns add "$NS_A"
ip netns add "$NS_B"
ip netns add "$NS_T"
for ns in "$NS_A" "$NS_B" "$NS_T"; do ip -n "$ns" link set lo up; done
# The veth pair is made inside NS_A with its peer created in NS_B.
ip -n "$NS_A" link add veth-a type veth peer name veth-b netns "$NS_B"
ip -n "$NS_A" addr add 10.9.0.1/24 dev veth-a
ip -n "$NS_B" addr add 10.9.0.2/24 dev veth-b
ip -n "$NS_A" link set veth-a up
ip -n "$NS_B" link set veth-b up

ip netns exec "$NS_T" "$DAEMON" --config "$SRC/config/tapstack.toml" --set "rpc.socket=\"$SOCK\"" \
  --set services.chargen=true --log-level warn >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
wait_for 15 "ip netns exec $NS_T ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1" ||
  { cat "$WORK/daemon.log" >&2; die "tapstackd does not answer ping"; }
wait_for 5 "ip netns exec $NS_B ping -c 1 -W 1 10.9.0.1 >/dev/null 2>&1" || die "the veth pair does not work"

on_stack() { ip netns exec "$NS_T" env TAPSTACK_PRELOAD_LIB="$LIB" "$CLI" -S "$SOCK" run -- "$@"; }
listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }
stack_listening() {
  "$CLI" -S "$SOCK" --json sockets 2>/dev/null | python3 -c 'import json,sys
d=json.load(sys.stdin)
sys.exit(0 if any(s.get("local","").endswith(":"+sys.argv[1]) and s.get("state")=="LISTEN" for s in d.get("tcp",[])) else 1)' "$1"
}
# daemon_ticks — tapstackd's utime + stime in clock ticks (proc(5) fields 14, 15).
# After "pid (comm) " the fields start at 3 (state), so utime/stime are $12/$13.
daemon_ticks() { sed 's/^.*) //' "/proc/$DAEMON_PID/stat" | awk '{ print $12 + $13 }'; }
tx_segments() { "$CLI" -S "$SOCK" --json stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["tcp"]["tx_segments"])'; }
receiver_mbps() {
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
if "error" in d: sys.exit("iperf3: " + d["error"])
print(round(d["end"]["sum_received"]["bits_per_second"] / 1e6, 1))' "$1"
}
# record NAME VALUE — one sample of a figure.
record() { echo "$2" >>"$WORK/$1.samples"; }
cpu_percent() { python3 -c "import sys; print(round(100 * ($2 - $1) / $(getconf CLK_TCK) / $3, 1))"; }

# kernel_run REVERSE — iperf3 -s in NS_A, -c from NS_B over the veth pair.
kernel_run() {
  local tag=kernel$1
  ip netns exec "$NS_A" timeout $((T + 30)) iperf3 -s -B 10.9.0.1 -p 5201 -1 >/dev/null 2>&1 &
  local server=$!
  wait_for 10 "listening $NS_A 5201" || die "kernel iperf3 -s did not listen"
  ip netns exec "$NS_B" timeout $((T + 30)) iperf3 -c 10.9.0.1 -p 5201 -t "$T" $1 --json >"$WORK/$tag.json" ||
    die "kernel iperf3 -c $1 failed: $(cat "$WORK/$tag.json")"
  wait "$server" || die "kernel iperf3 -s exited with $?"
  local mbps
  mbps=$(receiver_mbps "$WORK/$tag.json") || die "$tag: no throughput in the report"
  record "$tag" "$mbps"
}

# stack_server_run REVERSE — `tapstack run iperf3 -s`, the kernel's iperf3 -c.
stack_server_run() {
  local tag=stack_server$1
  on_stack timeout $((T + 30)) iperf3 -s -p 5201 -1 >/dev/null 2>"$WORK/$tag.err" &
  local server=$!
  wait_for 10 "stack_listening 5201" || die "tapstack run iperf3 -s did not listen: $(cat "$WORK/$tag.err")"
  local t0 c0
  t0=$(daemon_ticks)
  c0=$(date +%s.%N)
  ip netns exec "$NS_T" timeout $((T + 30)) iperf3 -c 10.0.0.2 -p 5201 -t "$T" $1 --json >"$WORK/$tag.json" ||
    die "kernel iperf3 -c 10.0.0.2 $1 failed: $(cat "$WORK/$tag.json")"
  record "$tag.cpu" "$(cpu_percent "$t0" "$(daemon_ticks)" "$(python3 -c "import time; print(time.time() - $c0)")")"
  wait "$server" || die "tapstack run iperf3 -s exited with $?: $(cat "$WORK/$tag.err")"
  local mbps
  mbps=$(receiver_mbps "$WORK/$tag.json") || die "$tag: no throughput in the report"
  record "$tag" "$mbps"
}

# stack_client_run REVERSE — `tapstack run iperf3 -c` against the kernel's iperf3 -s.
stack_client_run() {
  local tag=stack_client$1
  ip netns exec "$NS_T" timeout $((T + 30)) iperf3 -s -B 10.0.0.1 -p 5202 -1 >/dev/null 2>&1 &
  local server=$!
  wait_for 10 "listening $NS_T 5202" || die "kernel iperf3 -s did not listen"
  local t0 c0
  t0=$(daemon_ticks)
  c0=$(date +%s.%N)
  on_stack timeout $((T + 30)) iperf3 -c 10.0.0.1 -p 5202 -t "$T" $1 --json >"$WORK/$tag.json" 2>"$WORK/$tag.err" ||
    die "tapstack run iperf3 -c $1 failed: $(cat "$WORK/$tag.json" "$WORK/$tag.err")"
  record "$tag.cpu" "$(cpu_percent "$t0" "$(daemon_ticks)" "$(python3 -c "import time; print(time.time() - $c0)")")"
  wait "$server" || die "kernel iperf3 -s exited with $?"
  local mbps
  mbps=$(receiver_mbps "$WORK/$tag.json") || die "$tag: no throughput in the report"
  record "$tag" "$mbps"
}

# chargen_run — the kernel reads CHARGEN_MIB from the stack's chargen (port 19).
chargen_run() {
  local t0 s0 out
  t0=$(daemon_ticks)
  s0=$(tx_segments)
  out=$(ip netns exec "$NS_T" timeout 120 python3 - "$CHARGEN_MIB" <<'EOF'
import socket, sys, time
want = int(sys.argv[1]) << 20
s = socket.create_connection(("10.0.0.2", 19), timeout=30)
buf = bytearray(1 << 20)
got, start = 0, time.monotonic()
while got < want:
    n = s.recv_into(buf, min(len(buf), want - got))
    if n == 0:
        sys.exit("chargen closed early")
    got += n
print(round(got / (time.monotonic() - start) / 1e6, 1))
s.close()
EOF
  ) || die "chargen read failed"
  local ticks=$(($(daemon_ticks) - t0)) segments=$(($(tx_segments) - s0))
  record chargen "$out"
  record chargen.us_per_segment "$(python3 -c "print(round($ticks / $(getconf CLK_TCK) * 1e6 / $segments, 2))")"
  record chargen.bytes_per_segment "$((CHARGEN_MIB * 1048576 / segments))"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= REPEATS; ++r)); do
  echo "shim-iperf: round $r of $REPEATS" >&2
  kernel_run ""
  kernel_run "-R"
  stack_server_run ""
  stack_server_run "-R"
  stack_client_run ""
  stack_client_run "-R"
  chargen_run
done

median() { python3 -c 'import statistics,sys; v=[float(x) for x in open(sys.argv[1])]; print(statistics.median(v), "(" + ", ".join(f"{x:g}" for x in v) + ")")' "$WORK/$1.samples"; }

cat <<EOF
$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$SRC" rev-parse --short HEAD), $(nproc) CPUs, Linux $(uname -r), $(iperf3 --version | head -n 1 | cut -d' ' -f1-2), load average before: $LOAD_BEFORE
iperf3 -t $T, median of $REPEATS (the runs in brackets); Mbit/s as the receiver measured it.

| path | direction | Mbit/s | tapstackd CPU % |
|---|---|---|---|
| kernel ↔ kernel (veth pair, two namespaces) | client → server | $(median kernel) | – |
| kernel ↔ kernel (veth pair, two namespaces) | server → client (-R) | $(median kernel-R) | – |
| kernel iperf3 -c → \`tapstack run iperf3 -s\` | kernel → stack | $(median stack_server) | $(median stack_server.cpu) |
| kernel iperf3 -c -R ← \`tapstack run iperf3 -s\` | stack → kernel | $(median stack_server-R) | $(median stack_server-R.cpu) |
| \`tapstack run iperf3 -c\` → kernel iperf3 -s | stack → kernel | $(median stack_client) | $(median stack_client.cpu) |
| \`tapstack run iperf3 -c -R\` ← kernel iperf3 -s | kernel → stack | $(median stack_client-R) | $(median stack_client-R.cpu) |

chargen (stack → kernel, $CHARGEN_MIB MiB read by a kernel socket): $(median chargen) MB/s;
tapstackd CPU per TCP segment sent: $(median chargen.us_per_segment) µs; bytes per segment: $(median chargen.bytes_per_segment).
EOF
