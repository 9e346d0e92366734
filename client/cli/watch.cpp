#include "client/cli/watch.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "client/cli/cli.hpp"
#include "client/cli/pcapng_count.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::cli {
namespace {

volatile std::sig_atomic_t interrupted = 0;

/// Ctrl-C or SIGTERM ends the copy (the read returns EINTR) so the summary
/// still prints.
void stop_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = [](int) { interrupted = 1; };
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

/// Copies the stream to `out` until it ends, the output is gone or a signal
/// stops it. The daemon ends a trace stream only by going away, a capture
/// stream also after `count` packets (counted in `packets`; null for a trace).
int pump(int stream, int out, PacketCount* packets, unsigned count) {
  char buf[64 * 1024];
  while (interrupted == 0) {
    const ssize_t n = ::read(stream, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      print_error("reading the stream");
      ::close(stream);
      return kFailed;
    }
    if (n == 0) {
      ::close(stream);
      return packets && count != 0 && packets->packets() >= count ? kOk : daemon_closed();
    }
    if (packets) packets->feed(buf, static_cast<std::size_t>(n));
    if (!write_all(out, buf, static_cast<std::size_t>(n))) break;  // e.g. `| head`
  }
  ::close(stream);
  return kOk;
}

/// "host ADDR", "port N" and "and" words into options; false on anything else.
bool parse_words(WatchOptions& o) {
  for (std::size_t i = 0; i < o.words.size(); ++i) {
    const std::string& w = o.words[i];
    if (w == "and") continue;
    if (i + 1 < o.words.size() && w == "host") {
      o.host = o.words[++i];
    } else if (i + 1 < o.words.size() && w == "port") {
      char* end = nullptr;
      const unsigned long p = std::strtoul(o.words[++i].c_str(), &end, 10);
      if (*end != '\0' || p == 0 || p > 65535) return false;
      o.port = static_cast<unsigned>(p);
    } else {
      return false;
    }
  }
  return true;
}

/// The filter fields of the request; false (after printing why) on a bad host.
bool make_watch(const WatchOptions& o, ts_watch& w) {
  w = ts_watch{};
  w.socket = o.socket;
  w.port = static_cast<std::uint16_t>(o.port);
  w.count = o.count;
  if (!o.host.empty()) {
    unsigned address = 0;
    if (!lookup(o.host, address)) return false;
    w.host.s_addr = htonl(address);
  }
  return true;
}

/// The TAP the daemon runs the stack on, for "listening on …".
std::string interface_name() {
  const std::string name = interface_field("name");
  return name.empty() ? "the stack's interface" : name;
}

/// Says why the daemon refused a watch stream (docs/rpc.md "Trace and capture").
void print_watch_refusal(const char* what) {
  if (errno == EPERM) {
    std::fprintf(stderr, "tapstack: %s: only root and tapstackd's own user may watch every connection\n", what);
  } else if (errno == EMFILE || errno == ENFILE) {
    std::fprintf(stderr, "tapstack: %s: too many trace and capture streams open (%s); close one\n",
                 what, errno == EMFILE ? "this client's limit" : "the daemon's limit");
  } else {
    print_error(what);
  }
}

}  // namespace

CLI::App* add_trace_command(CLI::App& app, WatchOptions& o) {
  auto* c = app.add_subcommand("trace", "watch TCP work live: states, segments, RTT, windows");
  c->add_option("--socket", o.socket, "only this socket (an id from `tapstack sockets`)");
  c->add_option("--host", o.host, "only connections with this address at either end");
  c->add_option("--port", o.port, "only connections with this port at either end")
      ->check(CLI::Range(1, 65535));
  c->add_flag("--absolute", o.absolute, "raw sequence numbers instead of relative ones");
  return c;
}

CLI::App* add_capture_command(CLI::App& app, WatchOptions& o) {
  auto* c = app.add_subcommand("capture", "pcapng of every frame the stack sends and receives");
  c->add_option("-w,--write", o.file, "write to FILE (default: stdout, for `| tshark -r -`)");
  c->add_option("-c,--count", o.count, "stop after N frames");
  c->add_option("--host", o.host, "only IPv4 frames from or to this address");
  c->add_option("--port", o.port, "only TCP/UDP frames from or to this port")
      ->check(CLI::Range(1, 65535));
  c->add_option("filter", o.words, "filter words: host ADDR, port N (joined by and)");
  return c;
}

int cmd_trace(const WatchOptions& o, bool json) {
  ts_watch w;
  if (!make_watch(o, w)) return kFailed;
  w.json = json ? 1 : 0;
  w.absolute = o.absolute ? 1 : 0;
  const int fd = ts_trace(&w);
  if (fd < 0) {
    print_watch_refusal("trace");
    return kFailed;
  }
  return pump(fd, STDOUT_FILENO, nullptr, 0);
}

int cmd_capture(const WatchOptions& options) {
  WatchOptions o = options;
  if (!parse_words(o)) {
    std::fprintf(stderr, "tapstack: capture: the filter takes `host ADDR` and `port N`\n");
    return kUsage;
  }
  int out = STDOUT_FILENO;
  if (!o.file.empty() && o.file != "-") {
    out = ::open(o.file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
      print_error(o.file);
      return kFailed;
    }
  } else if (::isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "tapstack: capture writes pcapng; use -w FILE or a pipe (| tshark -r -)\n");
    return kUsage;
  }
  ts_watch w;
  if (!make_watch(o, w)) return kFailed;
  const int fd = ts_capture(&w);
  if (fd < 0) {
    print_watch_refusal("capture");
    return kFailed;
  }
  // tcpdump's first and last lines, on stderr, out of the pcapng's way.
  std::fprintf(stderr, "tapstack: listening on %s, link-type EN10MB (Ethernet), pcapng to %s\n",
               interface_name().c_str(), out == STDOUT_FILENO ? "stdout" : o.file.c_str());
  stop_on_signals();
  PacketCount packets;
  const int rc = pump(fd, out, &packets, w.count);
  std::fprintf(stderr, "%llu packet%s captured\n", static_cast<unsigned long long>(packets.packets()),
               packets.packets() == 1 ? "" : "s");
  if (out != STDOUT_FILENO && ::close(out) != 0) {
    print_error(o.file);
    return kFailed;
  }
  return rc;
}

}  // namespace tapstack::cli
