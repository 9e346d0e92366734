#!/usr/bin/env bash
# The unit file passes `systemd-analyze verify` (pointing at the built binary).
set -euo pipefail
: "${TAPSTACKD:?}"
unit="$(dirname "$TAPSTACKD")/../systemd/verify/tapstackd.service"
[[ -f "$unit" ]] || { echo "FAIL: $unit not generated"; exit 1; }
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze missing (scripts/install-deps.sh installs systemd)"; exit 1; }
out=$(systemd-analyze verify --man=no "$unit" 2>&1 | grep -v -e 'Cannot add dependency job' -e 'Failed to prepare filename' -e 'Fallback to' || true)
if grep -q "tapstackd.service" <<<"$out"; then
  echo "$out"
  echo "FAIL: systemd-analyze verify reported problems"
  exit 1
fi
echo "ok: systemd-analyze verify is clean"
