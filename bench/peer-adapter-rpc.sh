#!/usr/bin/env bash
# tapstack over its RPC, for ../shared/peer-bench: the daemon of
# bench/peer-adapter.sh with its built-in services off; echo (7) and discard
# (9) are served by bench/rpc/echo_discard_server.c through libtapstack, so
# every byte crosses the socketpair data plane. Run beside the built-in
# adapter in one run to read what the RPC costs (bench/peer-bench.sh does).
export TAPSTACK_VIA_RPC=1
exec "$(dirname "$0")/peer-adapter.sh" "$@"
