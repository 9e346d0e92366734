#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, clang with ASan and UBSan) and
# fuzzes one of them, or each, for SECONDS, starting from the committed seed
# corpus. Crashes land in build-fuzz/artifacts/ and make this fail.
#
#   scripts/fuzz.sh HARNESS SECONDS   e.g. scripts/fuzz.sh stack_fuzz 3600
#   scripts/fuzz.sh --all SECONDS     every harness, one after the other
set -euo pipefail
cd "$(dirname "$0")/.."
harnesses=(stack_fuzz dns_fuzz rpc_codec_fuzz config_fuzz)
if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 HARNESS|--all SECONDS (harnesses: ${harnesses[*]})" >&2
  exit 2
fi
if [[ $1 == --all ]]; then
  selected=("${harnesses[@]}")
elif [[ " ${harnesses[*]} " == *" $1 "* ]]; then
  selected=("$1")
else
  echo "fuzz: no harness '$1' (harnesses: ${harnesses[*]})" >&2
  exit 2
fi

bash scripts/install-deps.sh --with-test-tools
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DTAPSTACK_FUZZ=ON -DTAPSTACK_WERROR=ON \
  -DTAPSTACK_BUILD_TESTS=OFF -DTAPSTACK_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzzers

mkdir -p build-fuzz/artifacts
for name in "${selected[@]}"; do
  # The committed seeds stay as they are; what the fuzzer finds goes here.
  work=build-fuzz/corpus/$name
  mkdir -p "$work"
  echo "fuzz: $name for $2 s" >&2
  log=build-fuzz/$name.log
  status=0
  "build-fuzz/tests/fuzz/$name" -max_total_time="$2" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix=build-fuzz/artifacts/"$name"- \
    "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1 || status=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus)' "$log" || true
  if ((status != 0)); then
    grep -E -A30 '^==[0-9]+==ERROR|runtime error|deadly signal' "$log" | head -60 >&2 || true
    echo "fuzz: $name failed (exit $status); the input is in build-fuzz/artifacts/, the log in $log" >&2
    exit 1
  fi
done
