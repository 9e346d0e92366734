#!/usr/bin/env bash
# tapstack with receive offload, for ../shared/peer-bench: the same as
# bench/peer-adapter.sh, on a TAP made with a virtio-net header so the
# kernel hands the stack TSO super-frames. The harness's own TAP (mk_tap) has
# none, so the plain adapter measures tapstack without offload.
export TAPSTACK_VNET_HDR=1
exec "$(dirname "$0")/peer-adapter.sh" "$@"
