#!/usr/bin/env bash
# `tapstackd --check-config` accepts the shipped config and rejects every
# broken fixture with the message tests/fixtures/config/EXPECTED names.
# Touches no interface, so it needs no namespace.
set -euo pipefail
: "${TAPSTACKD:?}" "${TAPSTACK_SOURCE_DIR:?}"
fixtures="$TAPSTACK_SOURCE_DIR/tests/fixtures/config"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$TAPSTACKD" --check-config --config "$TAPSTACK_SOURCE_DIR/config/tapstack.toml" >"$out" 2>&1 ||
  { cat "$out"; echo "FAIL: the shipped config is rejected"; exit 1; }
echo "ok: shipped config accepted"

count=0
while IFS=$'\t' read -r file expected; do
  [[ -z "$file" || "$file" == \#* ]] && continue
  rc=0
  # From the fixtures' folder, so the message names the file as EXPECTED does.
  (cd "$fixtures" && "$TAPSTACKD" --check-config --config "$file") >"$out" 2>&1 || rc=$?
  [[ $rc -eq 1 ]] || { cat "$out"; echo "FAIL: $file: exit $rc, expected 1"; exit 1; }
  grep -qxF -- "$expected" "$out" || { cat "$out"; echo "FAIL: $file: no line '$expected'"; exit 1; }
  count=$((count + 1))
done <"$fixtures/EXPECTED"
((count > 0)) || { echo "FAIL: no fixtures listed"; exit 1; }
echo "ok: $count broken configs rejected with their messages"

rc=0
"$TAPSTACKD" --check-config --config "$TAPSTACK_SOURCE_DIR/config/tapstack.toml" \
  --set interface.mtu=70000 >"$out" 2>&1 || rc=$?
[[ $rc -eq 1 ]] && grep -q "interface.mtu" "$out" || { cat "$out"; echo "FAIL: --set is not validated"; exit 1; }
echo "ok: --set overrides are validated"
