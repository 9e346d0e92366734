#!/usr/bin/env bash
# Installs the Debian packages tapstack builds and tests with, only when missing.
# Idempotent and quiet when everything is present.
set -euo pipefail

build_packages=(
  cmake g++ make pkg-config
  libboost-dev libspdlog-dev libtomlplusplus-dev libsystemd-dev
  libcli11-dev nlohmann-json3-dev libsodium-dev libpcap-dev libmnl-dev
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
)
# Tools the e2e tests and benchmarks drive; clang and libFuzzer for tests/fuzz
# and the clang build.
test_packages=(
  iproute2 iputils-ping arping curl netcat-openbsd tcpdump tshark nftables
  dnsmasq-base iperf3 ethtool python3 systemd procps hping3 wget
  clang-14 libclang-rt-14-dev
)

# The other stacks bench/peer-bench.sh runs beside tapstack.
bench_peer_packages=(gcc golang-go golang-gvisor-gvisor-dev liblwip-dev)

want=("${build_packages[@]}")
for option in "$@"; do
  case "$option" in
    --with-test-tools) want+=("${test_packages[@]}") ;;
    --with-bench-peers) want+=("${test_packages[@]}" "${bench_peer_packages[@]}") ;;
    *) echo "usage: $0 [--with-test-tools] [--with-bench-peers]" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
