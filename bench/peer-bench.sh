#!/usr/bin/env bash
# Runs ../shared/peer-bench with tapstack beside the Linux kernel (over veth,
# with and without offloads), gVisor netstack and lwIP, in one run:
# tapstack with its built-in echo/discard services (bench/peer-adapter.sh),
# the same on a TAP with a virtio-net header, so it takes the kernel's TSO
# super-frames (bench/peer-adapter-offload.sh), and with echo/discard served
# through the RPC (bench/peer-adapter-rpc.sh).
# Raw results go to bench/results/, the summary tables to stdout; copy them
# into bench/RESULTS.md with the date. As root:
#
#   bench/peer-bench.sh            # 3 repeats, every workload (about 25 min)
#   bench/peer-bench.sh -q         # quick smoke run
#   bench/peer-bench.sh -w ping,flood
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
PEER_BENCH=${PEER_BENCH:-$SRC/../shared/peer-bench}
[[ -x $PEER_BENCH/run-all.sh ]] || { echo "peer-bench: not found at $PEER_BENCH (set PEER_BENCH)" >&2; exit 2; }
bash "$SRC/scripts/install-deps.sh" --with-bench-peers
mkdir -p "$SRC/bench/results"
out="$SRC/bench/results/peer-bench-$(date -u +%Y%m%dT%H%MZ).txt"
echo "peer-bench: raw results in $out" >&2
exec "$PEER_BENCH/run-all.sh" -r 3 -o "$out" "$@" kernel kernel-nooffload gvisor lwip \
  tapstack="$SRC/bench/peer-adapter.sh" tapstack-offload="$SRC/bench/peer-adapter-offload.sh" \
  tapstack-rpc="$SRC/bench/peer-adapter-rpc.sh"
