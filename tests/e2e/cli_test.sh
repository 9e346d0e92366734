#!/usr/bin/env bash
# The `tapstack` command as a newcomer meets it: help, unknown commands, the
# version, ss's flags on the `ss` alias, and one --json rule for every command.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"
OUT="$E2E_DIR/out"
cli() { "$TAPSTACK_CLI" "$@" >"$OUT" 2>"$OUT.err"; }
status_of() { local rc=0; cli "$@" || rc=$?; echo "$rc"; }
shows() {  # shows FILE 'fixed text' 'what it means'
  grep -aqF -- "$2" "$1" || { cat "$1" >&2; fail "$(basename "$1") lacks '$2' ($3)"; }
}

# Without a daemon: what needs none.
[[ $(status_of help) == 0 ]] || fail "tapstack help exited non-zero"
shows "$OUT" "Usage:" "tapstack help prints the usage"
shows "$OUT" "sockets" "tapstack help lists the commands"
[[ $(status_of --help) == 0 ]] || fail "tapstack --help exited non-zero"
[[ $(status_of help trace) == 0 ]] || fail "tapstack help trace exited non-zero"
shows "$OUT" "--port" "tapstack help trace shows trace's options"
[[ $(status_of bogus) == 2 ]] || fail "tapstack bogus did not exit 2"
shows "$OUT.err" "unknown command 'bogus'" "an unknown command names itself"
shows "$OUT.err" "serve-http" "and lists the commands"
[[ $(status_of) == 2 ]] || fail "tapstack alone did not exit 2"
[[ $(status_of --version) == 0 ]] || fail "--version exited non-zero"
grep -qE '^tapstack [0-9]+\.[0-9]+' "$OUT" || fail "--version printed '$(cat "$OUT")'"
[[ $(status_of --json connect 10.0.0.1 7) == 2 ]] || fail "--json connect was not refused"
shows "$OUT.err" "has no JSON output" "why --json is refused"
pass "help, unknown commands, --version, --json refused where there is none"

make_namespace
start_daemon
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
for args in "status --json" "--json status" "stats --json" "sockets -j" "arp --json"; do
  # shellcheck disable=SC2086
  [[ $(status_of $args) == 0 ]] || fail "tapstack $args exited non-zero"
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT" || fail "tapstack $args is not JSON"
done
[[ $(status_of status) == 0 ]] || fail "tapstack status exited non-zero"
shows "$OUT" "interface tap0 " "status names the interface"
[[ $(status_of ss -tin) == 0 ]] || fail "tapstack ss -tin was refused"
shows "$OUT" "Id    Proto State" "the sockets table has an id column"
[[ $(status_of ss -tln) == 0 ]] || fail "tapstack ss -tln was refused"
pass "--json before or after the command; ss's flags on the ss alias"

[[ $(status_of --json ping -c 2 -i 0.2 10.0.0.1) == 0 ]] || { cat "$OUT" "$OUT.err" >&2; fail "--json ping failed"; }
python3 - "$OUT" <<'PY' || fail "--json ping did not print one JSON object per reply and a summary"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert [l["icmp_seq"] for l in lines[:-1]] == [1, 2], lines
assert lines[-1]["transmitted"] == 2 and lines[-1]["received"] == 2, lines
PY
pass "--json ping: JSON replies and statistics"

stop_daemon || fail "tapstackd exited with $? at SIGTERM"
