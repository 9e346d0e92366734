#!/usr/bin/env bash
# `tapstack serve-http`: the namespace's kernel (curl) fetches files from a
# static file server that runs outside the namespace and reaches the stack
# only through the RPC: a 50 MiB file with a matching hash, HEAD, 404s, path
# escapes (.., %2e%2e, a symlink out of the root) refused, bad requests, a
# directory listing, and concurrent clients.
source "$(dirname "$0")/lib.sh"
: "${TAPSTACK_CLI:?TAPSTACK_CLI must point at the tapstack binary}"

make_namespace
start_daemon
export TAPSTACK_SOCKET="$E2E_DIR/tapstackd.sock"
CLI=$TAPSTACK_CLI
URL=http://10.0.0.2:8080

sum() { sha256sum "$1" | cut -d' ' -f1; }
now_ms() { date +%s%3N; }
curl_ns() { in_ns timeout 60 curl -sS --noproxy '*' "$@"; }
# status ARGS…: the HTTP status curl got (000 when none).
status() { curl_ns -o /dev/null -w '%{http_code}' "$@" || true; }

root="$E2E_DIR/www"
mkdir -p "$root/sub dir"
head -c $((50 << 20)) /dev/urandom >"$root/big.bin"
echo '<p>hello</p>' >"$root/index.html"
echo 'inner' >"$root/sub dir/a&b.txt"
echo 'secret' >"$E2E_DIR/secret.txt"
ln -s "$E2E_DIR/secret.txt" "$root/escape"

"$CLI" serve-http 8080 "$root" 2>"$E2E_DIR/http.log" &
server=$!
wait_for 5 "'$CLI' sockets | grep -q 'LISTEN .*:8080 '" || fail "serve-http is not listening: $(cat "$E2E_DIR/http.log")"

# 50 MiB, hash and rate.
t0=$(now_ms)
curl_ns -o "$E2E_DIR/big.out" "$URL/big.bin" || fail "curl of big.bin failed"
t1=$(now_ms)
[[ $(sum "$root/big.bin") == $(sum "$E2E_DIR/big.out") ]] ||
  fail "big.bin: got $(stat -c %s "$E2E_DIR/big.out") bytes, sha256 differs"
rate=$(awk -v b=$((50 << 20)) -v ms=$((t1 - t0)) 'BEGIN { printf "%.1f MB/s", b / 1e6 / (ms > 0 ? ms / 1000 : 0.001) }')
pass "GET /big.bin: 50 MiB, sha256 match ($rate)"

# HEAD: the length and type, no body.
curl_ns -I "$URL/big.bin" >"$E2E_DIR/head.txt" || fail "HEAD failed"
grep -qi "^content-length: $((50 << 20))" "$E2E_DIR/head.txt" || fail "HEAD: $(cat "$E2E_DIR/head.txt")"
grep -qi '^content-type: application/octet-stream' "$E2E_DIR/head.txt" || fail "HEAD type: $(cat "$E2E_DIR/head.txt")"
pass "HEAD /big.bin: Content-Length $((50 << 20))"

[[ $(curl_ns "$URL/index.html") == '<p>hello</p>' ]] || fail "index.html content"
curl_ns -I "$URL/index.html" | grep -qi '^content-type: text/html' || fail "index.html type"
pass "GET /index.html: content and text/html"

# Percent-decoding: a space and an ampersand in the path.
[[ $(curl_ns "$URL/sub%20dir/a%26b.txt") == inner ]] || fail "percent-decoded path"
pass "GET /sub%20dir/a%26b.txt: decoded"

# Missing files and escapes: never the file outside the root.
[[ $(status "$URL/nope.txt") == 404 ]] || fail "missing file: not 404"
for path in /../etc/passwd /%2e%2e/etc/passwd /sub%20dir/%2E%2E/%2e%2e/etc/passwd /..%2fetc/passwd /escape; do
  code=$(curl_ns --path-as-is -o "$E2E_DIR/escape.out" -w '%{http_code}' "$URL$path" || true)
  [[ $code == 404 || $code == 400 ]] || fail "$path: status $code"
  ! grep -q 'root:\|secret' "$E2E_DIR/escape.out" || fail "$path: served a file outside the root"
done
pass "missing file 404; .., %2e%2e and a symlink out of the root refused (400/404)"

# A directory's index.html, else its listing; the redirect to the slash form.
[[ $(curl_ns "$URL/") == '<p>hello</p>' ]] || fail "/ did not answer with index.html"
curl_ns "$URL/sub%20dir/" >"$E2E_DIR/list.html" || fail "listing failed"
grep -q 'a&amp;b.txt' "$E2E_DIR/list.html" || fail "listing: $(cat "$E2E_DIR/list.html")"
[[ $(status "$URL/sub%20dir") == 301 ]] || fail "directory without a slash: not 301"
pass "/ answers with index.html; a directory without one is listed; /dir redirects to /dir/"

# Bad requests straight on a kernel socket.
raw() { printf '%b' "$1" | in_ns timeout 10 nc -N 10.0.0.2 8080 | head -n1 | tr -d '\r'; }
[[ $(raw 'POST / HTTP/1.1\r\nHost: x\r\n\r\n') == 'HTTP/1.1 405 Method Not Allowed' ]] || fail "POST: not 405"
[[ $(raw 'garbage\r\n\r\n') == 'HTTP/1.1 400 Bad Request' ]] || fail "garbage: not 400"
[[ $(raw 'GET /%zz HTTP/1.1\r\n\r\n') == 'HTTP/1.1 400 Bad Request' ]] || fail "bad escape: not 400"
long=$(head -c 5000 /dev/zero | tr '\0' a)
[[ $(raw "GET /$long HTTP/1.1\r\n\r\n") == 'HTTP/1.1 414 URI Too Long' ]] || fail "long target: not 414"
pass "POST 405, garbage 400, bad escape 400, long target 414"

# Concurrent clients: 20 fetches of a 1 MiB slice at once.
head -c $((1 << 20)) "$root/big.bin" >"$root/mid.bin"
in_ns bash -c "for i in \$(seq 20); do curl -sS --noproxy '*' -o '$E2E_DIR/mid.'\$i $URL/mid.bin & done; wait" ||
  fail "concurrent fetches failed"
for i in $(seq 20); do
  cmp -s "$root/mid.bin" "$E2E_DIR/mid.$i" || fail "concurrent fetch $i differs"
done
pass "20 concurrent GETs intact"

# One access-log line per request, common log format.
grep -qE '^10\.0\.0\.1 - - \[[^]]+\] "GET /big.bin HTTP/1.1" 200 52428800$' "$E2E_DIR/http.log" ||
  fail "access log: $(head -n 5 "$E2E_DIR/http.log")"
pass "access log: $(grep -c '" [0-9][0-9][0-9] ' "$E2E_DIR/http.log") lines"

kill "$server"
wait "$server" 2>/dev/null || true
wait_for 5 "! '$CLI' sockets | grep -q 'LISTEN .*:8080 '" || fail "the server's listener outlived it: $("$CLI" sockets)"
pass "server killed: its listener is gone"
stop_daemon || fail "tapstackd exited with $? at SIGTERM"
