#!/usr/bin/env bash
# 10,000 concurrent connections (issue 14), through the built-in echo and
# through the RPC to a libtapstack echo server: every connection echoes
# while all are open, then they close (half in the order opened, half in
# reverse). Prints the daemon's RSS growth per idle connection and the
# connect/close rate with 10,000 idle connections open against none, and
# checks the rate by the daemon's CPU time per cycle, which load from
# other programs on the machine does not skew.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?}" "${TAPSTACK_ECHO_SERVER:?}"
CLIENTS="$(dirname "$0")/scale_clients.py"
N=${SCALE_CONNECTIONS:-10000}
# The client holds N sockets, and so does the daemon (plus a data fd each
# for the RPC): the 20,000 of a hard limit that cannot be raised is enough.
ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= N + 1000)) || fail "the fd limit $(ulimit -n) is below $N connections"
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
open_connections() {
  "$TAPSTACK_CLI" sockets | grep -cE 'ESTABLISHED|CLOSE-WAIT|LAST-ACK|FIN-WAIT|CLOSING|SYN-' || true
}

# run_phase NAME MIN_RATIO — clients against port 7, checked and reported.
run_phase() {
  local out="$E2E_DIR/$1.out"
  in_ns python3 "$CLIENTS" 10.0.0.2 7 "$N" "$E2E_DAEMON_PID" 2000 >"$out" 2>&1 || fail "$1: $(cat "$out")"
  local per_conn ratio none open
  per_conn=$(awk '$1 == "rss_per_conn" {print $2}' "$out")
  ratio=$(awk '$1 == "ratio" {print $2}' "$out")
  none=$(awk '$1 == "rate_none" {print $2}' "$out")
  open=$(awk '$1 == "rate_open" {print $2}' "$out")
  pass "$1: $N connections echoed while all open; RSS $per_conn B per idle connection;" \
    "connect/close $open/s with $N open vs $none/s with none; daemon CPU per cycle" \
    "$(awk '$1 == "cpu_us_open" {print $2}' "$out") µs vs $(awk '$1 == "cpu_us_none" {print $2}' "$out") µs (ratio $ratio)"
  ((per_conn <= 8192)) || fail "$1: $per_conn bytes per idle connection"
  python3 -c "import sys; sys.exit(float('$ratio') < $2)" || fail "$1: rate ratio $ratio (below $2)"
  wait_for 30 "(( \$(open_connections) == 0 ))" ||
    fail "$1: $(open_connections) connections still open after the clients closed"
  pass "$1: every connection closed"
}

make_namespace
start_daemon --set services.echo=true --set services.max_connections=$((N + 200))
run_phase "built-in echo" 0.4
stop_daemon || fail "tapstackd exited with an error"

start_daemon --set rpc.sockets_per_session=$((N + 500)) --set rpc.sockets_total=$((N + 1000))
# In the namespace, so the cleanup ends it whatever happens.
exec {server}< <(exec ip netns exec "$E2E_NS" "$TAPSTACK_ECHO_SERVER" 2>&1)
read -r -t 10 line <&"$server" || fail "the libtapstack echo server did not start"
[[ "$line" == serving* ]] || fail "libtapstack echo server: $line"
# With 10,000 open a cycle still costs the daemon more (0.6x through the
# built-in echo: TcpServices::poll visits every connection; about 0.4x
# through the RPC): checked only against a collapse until that is fixed.
run_phase "libtapstack echo server" 0.3
