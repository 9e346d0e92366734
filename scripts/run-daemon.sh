#!/usr/bin/env bash
# Builds tapstackd and runs it in the foreground on the shipped default config
# (config/tapstack.toml): creates tap0, the stack answers as 10.0.0.2/24, the
# host side gets 10.0.0.1/24. Ctrl-C stops it. Extra arguments go to tapstackd.
# Builds the `tapstack` CLI (build/client/tapstack) and the library `tapstack
# run` preloads (build/client/preload/libtapstack-preload.so) beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTAPSTACK_BUILD_TESTS=OFF \
  -DTAPSTACK_BUILD_BENCH=OFF >/dev/null
cmake --build build --target tapstackd tapstack tapstack_preload -j"$(nproc)"
exec build/daemon/tapstackd --config config/tapstack.toml "$@"
