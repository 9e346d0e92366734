#!/usr/bin/env bash
# Builds everything and runs every test: unit, simulation and e2e (each e2e
# test in a network namespace of its own) on a warnings-as-errors build, then
# unit and simulation tests again under AddressSanitizer + UBSan, and the
# e2e tests of the preload shim, libtapstack and hostile input on that build, then each
# fuzzing harness for a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/install-deps.sh --with-test-tools

cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTAPSTACK_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs"
ctest --test-dir build-test --output-on-failure -j"$jobs"

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTAPSTACK_WERROR=ON -DTAPSTACK_SANITIZE=ON \
  -DTAPSTACK_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|sim'
# Under ASan too: the client side (the shim inside unmodified programs,
# libtapstack) and the daemon fed malformed frames and hostile RPC messages.
ctest --test-dir build-asan --output-on-failure -L 'shim|hostile'

# The libFuzzer harnesses (clang): the seed corpus replayed, then a minute of
# fuzzing each. Long campaigns: scripts/fuzz.sh HARNESS SECONDS.
bash scripts/fuzz.sh --all 60
