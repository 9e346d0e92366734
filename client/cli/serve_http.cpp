// serve-http: a static file server on the stack, through libtapstack. One
// thread per connection (at most kMaxClients at once, kMaxPerPeer from one
// address); each request is answered with Connection: close, files streamed
// with sendfile(2) from the file to the connection's data fd. Deadlines keep
// slow clients from holding a thread: kHeadDeadline for the whole request
// head, kSendProgressTimeout for each write to make progress.
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include "client/cli/cli.hpp"
#include "client/cli/connection_slots.hpp"
#include "client/cli/progress.hpp"
#include "client/cli/serve_http.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::cli {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMaxClients = 256;
constexpr std::size_t kMaxPerPeer = 32;
constexpr Clock::duration kHeadDeadline = std::chrono::seconds(10);
constexpr timeval kSendProgressTimeout{30, 0};
constexpr milliseconds kAcceptBackOff{1000};
constexpr std::size_t kSendfileChunk = 1 << 20;

/// Writes everything; false when the client is gone (no SIGPIPE).
bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Reads the request head (through the empty line) into `head` within
/// kHeadDeadline of the start, however the bytes trickle in. Returns 0, an
/// HTTP status to refuse it with, or -1 when the client left silently.
int read_head(int fd, std::string& head) {
  char buf[4096];
  const Clock::time_point deadline = Clock::now() + kHeadDeadline;
  while (true) {
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return 408;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return 408;
    const ssize_t n = r < 0 ? -1 : ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    head.append(buf, static_cast<std::size_t>(n));
    for (const std::string_view end : {"\r\n\r\n", "\n\n"}) {
      if (const auto at = head.find(end); at != std::string::npos) {
        head.resize(at + end.size());
        return 0;
      }
    }
    if (head.size() > http::kMaxHead) return head.find('\n') == std::string::npos ? 414 : 431;
  }
}

struct Answer {
  int status = 0;
  std::uint64_t bytes = 0;  // body bytes sent
};

Answer send_page(int fd, int status, std::string_view type, const std::string& body, bool with_body,
                 std::string_view extra = {}) {
  const std::string head = http::response_head(status, type, body.size(), extra);
  if (!send_all(fd, head) || !with_body || !send_all(fd, body)) return {status, 0};
  return {status, body.size()};
}

Answer send_error(int fd, int status, bool with_body) {
  const std::string_view extra = status == 405 ? "Allow: GET, HEAD\r\n" : "";
  return send_page(fd, status, "text/html; charset=utf-8", http::error_body(status), with_body, extra);
}

/// Streams the regular file `file` (already open) after its head.
Answer send_file(int fd, int file, const std::string& name, bool with_body) {
  struct stat st {};
  if (::fstat(file, &st) != 0) return send_error(fd, 500, with_body);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (!send_all(fd, http::response_head(200, http::content_type(name), size)) || !with_body) {
    return {200, 0};
  }
  off_t offset = 0;
  Progress progress;
  while (static_cast<std::uint64_t>(offset) < size) {
    const auto left = size - static_cast<std::uint64_t>(offset);
    const ssize_t n = ::sendfile(fd, file, &offset, std::min<std::uint64_t>(left, kSendfileChunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the client left, or the file shrank
    progress.sent(static_cast<std::size_t>(n));
  }
  return {200, static_cast<std::uint64_t>(offset)};
}

Answer send_regular(int fd, const std::string& path, bool with_body) {
  const int file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file < 0) return send_error(fd, errno == EACCES ? 403 : 404, with_body);
  const Answer answer = send_file(fd, file, path, with_body);
  ::close(file);
  return answer;
}

Answer respond(int fd, std::string_view head, const std::string& root) {
  const http::Parsed parsed = http::parse_head(head);
  const bool with_body = parsed.request.method != "HEAD";
  if (parsed.status != 0) return send_error(fd, parsed.status, with_body);
  const http::Resolved resolved = http::resolve_path(root, parsed.request.path);
  if (resolved.status != 0) return send_error(fd, resolved.status, with_body);
  struct stat st {};
  if (::stat(resolved.file.c_str(), &st) != 0) return send_error(fd, 404, with_body);
  if (S_ISDIR(st.st_mode)) {
    const std::string& path = parsed.request.path;
    if (!path.ends_with('/')) {  // relative links need the slash (as other servers do)
      const std::string raw = parsed.request.target.substr(0, parsed.request.target.find_first_of("?#"));
      return send_page(fd, 301, "text/html; charset=utf-8", http::error_body(301), with_body,
                       "Location: " + raw + "/\r\n");
    }
    // A directory with an index.html is answered with it, as other servers
    // do; its path is checked like any other (a symlink out is not followed).
    const http::Resolved index = http::resolve_path(root, path + "index.html");
    struct stat index_st {};
    if (index.status == 0 && ::stat(index.file.c_str(), &index_st) == 0 && S_ISREG(index_st.st_mode)) {
      return send_regular(fd, index.file, with_body);
    }
    const auto listing = http::directory_listing(resolved.file, path);
    if (!listing) return send_error(fd, 403, with_body);
    return send_page(fd, 200, "text/html; charset=utf-8", *listing, with_body);
  }
  if (!S_ISREG(st.st_mode)) return send_error(fd, 403, with_body);
  return send_regular(fd, resolved.file, with_body);
}

/// One connection: one request, one answer, one log line, close. A write
/// that moves nothing for kSendProgressTimeout ends the answer.
void serve(int fd, const std::string& peer, const std::string& root) {
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kSendProgressTimeout, sizeof kSendProgressTimeout);
  std::string head;
  const int refusal = read_head(fd, head);
  if (refusal >= 0) {
    const std::string line = head.substr(0, head.find_first_of("\r\n"));
    const Answer answer = refusal != 0 ? send_error(fd, refusal, true) : respond(fd, head, root);
    std::fprintf(stderr, "%s\n", http::access_log_line(peer, line, answer.status, answer.bytes).c_str());
  }
  ts_close(fd);
}

/// A peer over its share of the slots: 503, logged, closed.
void turn_away(int fd, const std::string& peer) {
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kSendProgressTimeout, sizeof kSendProgressTimeout);
  const Answer answer = send_error(fd, 503, true);
  std::fprintf(stderr, "%s\n", http::access_log_line(peer, "-", answer.status, answer.bytes).c_str());
  ts_close(fd);
}

/// Serves `conn` on a thread of its own, holding a slot of `peer` until it
/// ends; false (conn closed) when no thread can be made.
bool start_serving(int conn, std::uint32_t peer, const std::string& name, const std::string& root,
                   ConnectionSlots& slots) {
  try {
    std::thread([conn, peer, name, root, &slots] {
      serve(conn, name, root);
      slots.give_back(peer);
    }).detach();
    return true;
  } catch (const std::system_error&) {
    ts_close(conn);
    slots.give_back(peer);
    return false;
  }
}

/// Says why accept failed, at most once a second however often it does.
void report_accept_error(int error) {
  static Clock::time_point last{};
  const Clock::time_point now = Clock::now();
  if (now - last < std::chrono::seconds(1)) return;
  last = now;
  errno = error;
  print_error("accept");
}

std::string peer_name(const sockaddr_in& peer) {
  char buf[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &peer.sin_addr, buf, sizeof buf);
  return buf;
}

/// A listening stack socket on `port`, or -1 (reported).
int open_listener(int port) {
  const int fd = ts_socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return print_error("socket"), -1;
  const int one = 1;
  (void)ts_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(static_cast<std::uint16_t>(port));
  if (ts_bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) {
    print_error("bind port " + std::to_string(port));
    ts_close(fd);
    return -1;
  }
  if (ts_listen(fd, 128) != 0) {
    print_error("listen");
    ts_close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int cmd_serve_http(int port, const std::string& dir) {
  const std::string wanted = dir.empty() ? "." : dir;
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(wanted.c_str(), nullptr), &std::free);
  struct stat st {};
  if (!real || ::stat(real.get(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (real) errno = ENOTDIR;
    print_error(wanted);
    return kUsage;
  }
  const std::string root = real.get();
  std::signal(SIGPIPE, SIG_IGN);  // sendfile(2) to a client that left
  const int listener = open_listener(port);
  if (listener < 0) return kFailed;
  std::fprintf(stderr, "serving %s on port %d\n", root.c_str(), port);
  static ConnectionSlots slots(kMaxClients, kMaxPerPeer);
  while (true) {
    slots.wait_for_room();
    const std::uint64_t releases = slots.releases();
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    const int conn = ts_accept(listener, reinterpret_cast<sockaddr*>(&peer), &len);
    if (conn < 0) {
      const int error = errno;
      if (error == EINTR) continue;
      if (error == ECONNABORTED) return daemon_closed();  // libtapstack: the listener was dropped
      if (error == EBADF || error == EOPNOTSUPP) return print_error("accept"), kFailed;
      // EMFILE and the like: retried once a connection has ended (and so
      // freed its descriptor), or after a back-off.
      report_accept_error(error);
      slots.wait_for_release(releases, kAcceptBackOff);
      continue;
    }
    const std::uint32_t address = ntohl(peer.sin_addr.s_addr);
    const std::string name = peer_name(peer);
    if (!slots.take(address)) {
      turn_away(conn, name);
      continue;
    }
    if (!start_serving(conn, address, name, root, slots)) {
      report_accept_error(EAGAIN);
      slots.wait_for_release(releases, kAcceptBackOff);
    }
  }
}

}  // namespace tapstack::cli
