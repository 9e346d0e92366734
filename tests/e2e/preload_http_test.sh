#!/usr/bin/env bash
# HTTP clients and a server, unmodified, on the stack: curl and wget fetch
# 50 MiB from a kernel python3 -m http.server (sha256 must match), by address
# by a name from the daemon's [dns] hosts, and by a name the stack's resolver
# asks a dnsmasq on the host side for; python3 -m http.server serves the same
# file to a kernel curl, and serves dual-stack on ::.
source "$(dirname "$0")/lib.sh"
source "$TAPSTACK_SOURCE_DIR/tests/preload/e2e_helpers.sh"
command -v dnsmasq >/dev/null || fail "dnsmasq is missing: run scripts/install-deps.sh --with-test-tools"

make_namespace
start_daemon --set 'dns.hosts=["10.0.0.1 web.test"]' --set 'dns.servers=["10.0.0.1"]'
mkdir -p "$E2E_DIR/www"
make_file "$E2E_DIR/www/big.bin" "${PRELOAD_HTTP_MIB:-50}"
want=$(sha "$E2E_DIR/www/big.bin")

in_ns python3 -m http.server 8000 --bind 10.0.0.1 --directory "$E2E_DIR/www" >"$E2E_DIR/kernel_http.log" 2>&1 &
wait_for 10 "kernel_listening 8000" || fail "kernel http.server did not listen"

on_stack timeout 120 curl -sS --fail -o "$E2E_DIR/curl.bin" http://10.0.0.1:8000/big.bin ||
  fail "tapstack run curl http://10.0.0.1:8000/big.bin failed"
[[ $(sha "$E2E_DIR/curl.bin") == "$want" ]] || fail "curl: sha256 differs ($(stat -c %s "$E2E_DIR/curl.bin") bytes)"
pass "tapstack run curl: ${PRELOAD_HTTP_MIB:-50} MiB from the kernel's http.server, sha256 matches"

on_stack timeout 120 wget -q -O "$E2E_DIR/wget.bin" http://10.0.0.1:8000/big.bin ||
  fail "tapstack run wget failed"
[[ $(sha "$E2E_DIR/wget.bin") == "$want" ]] || fail "wget: sha256 differs"
pass "tapstack run wget: sha256 matches"

on_stack timeout 30 curl -sS --fail -o /dev/null -w '%{remote_ip}\n' http://web.test:8000/big.bin >"$E2E_DIR/name.txt" ||
  fail "tapstack run curl http://web.test:8000/ (name through the stack's resolver) failed"
grep -qx "10.0.0.1" "$E2E_DIR/name.txt" || fail "web.test resolved to $(cat "$E2E_DIR/name.txt")"
pass "getaddrinfo through the stack's resolver: web.test → 10.0.0.1"

# A name only the DNS server knows: the stack asks dnsmasq (over the TAP, from
# 10.0.0.2), curl gets the address through the shim's getaddrinfo.
in_ns dnsmasq --no-daemon --no-resolv --no-hosts --listen-address=10.0.0.1 --bind-interfaces --port=53 \
  --pid-file="$E2E_DIR/dnsmasq.pid" --log-facility="$E2E_DIR/dnsmasq.log" --log-queries \
  --address=/files.example.test/10.0.0.1 --local=/example.test/ 2>"$E2E_DIR/dnsmasq.err" &
wait_for 5 "in_ns ss -Hlun | grep -q '10.0.0.1:53 '" || { cat "$E2E_DIR/dnsmasq.err"; fail "dnsmasq did not start"; }
on_stack timeout 120 curl -sS --fail -o "$E2E_DIR/dns.bin" http://files.example.test:8000/big.bin ||
  fail "tapstack run curl http://files.example.test:8000/ (name from dnsmasq through the stack) failed"
[[ $(sha "$E2E_DIR/dns.bin") == "$want" ]] || fail "curl by a DNS name: sha256 differs"
grep -q 'query\[A\] files.example.test from 10.0.0.2' "$E2E_DIR/dnsmasq.log" ||
  { cat "$E2E_DIR/dnsmasq.log"; fail "dnsmasq did not see the stack (10.0.0.2) ask for files.example.test"; }
pass "tapstack run curl http://files.example.test:8000/: the stack asked dnsmasq, sha256 matches"

on_stack python3 -m http.server 8080 --directory "$E2E_DIR/www" >"$E2E_DIR/stack_http.log" 2>&1 &
wait_for 10 "stack_listening 8080" || { cat "$E2E_DIR/stack_http.log"; fail "python3 -m http.server on the stack did not listen"; }
in_ns timeout 120 curl -sS --fail -o "$E2E_DIR/served.bin" http://10.0.0.2:8080/big.bin ||
  { cat "$E2E_DIR/stack_http.log"; fail "kernel curl from the stack's http.server failed"; }
[[ $(sha "$E2E_DIR/served.bin") == "$want" ]] || fail "served file: sha256 differs"
pass "tapstack run python3 -m http.server 8080: kernel curl gets the file, sha256 matches"

# Dual stack: an AF_INET6 socket on :: serves IPv4 and sees mapped peers.
on_stack python3 -m http.server 8081 --bind :: --directory "$E2E_DIR/www" >"$E2E_DIR/stack_http6.log" 2>&1 &
wait_for 10 "stack_listening 8081" || { cat "$E2E_DIR/stack_http6.log"; fail "http.server --bind :: did not listen"; }
in_ns timeout 30 curl -sS --fail -o /dev/null http://10.0.0.2:8081/ || fail "kernel curl to http.server --bind :: failed"
grep -q "Serving HTTP on :: port 8081" "$E2E_DIR/stack_http6.log" &&
  grep -q "^::ffff:10.0.0.1 " "$E2E_DIR/stack_http6.log" ||
  { cat "$E2E_DIR/stack_http6.log"; fail "http.server on :: did not see the client as ::ffff:10.0.0.1"; }
pass "tapstack run python3 -m http.server --bind :: 8081: served over IPv4, client seen as ::ffff:10.0.0.1"

stop_daemon || fail "exit status not 0"
