// tapstack: the command-line client of tapstackd (ip/ss/nc/ping-like).
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "client/cli/cli.hpp"
#include "client/cli/cmd_run.hpp"
#include "client/cli/front_door.hpp"
#include "client/cli/impair.hpp"
#include "client/cli/sockets_table.hpp"
#include "client/cli/watch.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::cli {

void print_error(const std::string& what) {
  std::fprintf(stderr, "tapstack: %s: %s\n", what.c_str(), std::strerror(errno));
}

int daemon_closed() {
  std::fprintf(stderr, "tapstack: tapstackd closed the connection\n");
  return kNoDaemon;
}

bool connect_daemon(const std::string& path) {
  if (ts_connect_daemon(path.empty() ? nullptr : path.c_str()) == 0) return true;
  const int e = errno;
  std::fprintf(stderr, "tapstack: cannot reach tapstackd at %s: %s%s\n", ts_daemon_path(),
               std::strerror(e),
               e == ENOENT || e == ECONNREFUSED ? " (is the daemon running? see -S/--socket)"
               : e == EACCES ? " (are you in the daemon's group?)"
               : e == EPROTONOSUPPORT ? " (daemon and client versions differ)"
               : e == EUSERS ? " (refused: your uid has every session it may have, or all are "
                               "taken; see [rpc] sessions_per_uid)"
                                      : "");
  return false;
}

}  // namespace tapstack::cli

int main(int argc, char** argv) {
  using namespace tapstack::cli;
  if (const auto rc = run_from_argv(argc, argv)) return *rc;
  CLI::App app{"tapstack — talk to the tapstackd userland TCP/IP stack"};
  app.require_subcommand(1);
  app.fallthrough();  // -S and -j also after the command word: `tapstack stats --json`
  app.set_version_flag("--version", "tapstack " TAPSTACK_VERSION);
  std::string socket_path;
  bool json = false;
  app.add_option("-S,--socket", socket_path, "daemon socket (default $TAPSTACK_SOCKET or " TS_DEFAULT_SOCKET ")");
  app.add_flag("-j,--json", json, "print JSON instead of text (status, sockets, arp, stats, ping, resolve, impair, trace)");

  std::string help_topic;
  auto* help = app.add_subcommand("help", "this help, or a command's (`tapstack help trace`)");
  help->add_option("command", help_topic, "a command");
  auto* status = app.add_subcommand("status", "daemon and interface status");
  SocketsView view;
  auto* sockets = app.add_subcommand("sockets", "list sockets (like ss; `tapstack ss -tin`)")->alias("ss");
  sockets->add_flag("-i,--internals", view.internals, "TCP internals: sequence numbers, windows, RTT");
  sockets->add_flag("-t,--tcp", view.tcp, "TCP sockets");
  sockets->add_flag("-u,--udp", view.udp, "UDP sockets");
  sockets->add_flag("-l,--listening", view.listening, "only listening sockets");
  sockets->add_flag("-a,--all", view.all, "listening and other sockets (the default)");
  bool always = false;  // ss's -n and -p: what the table does anyway
  sockets->add_flag("-n,--numeric", always, "numeric addresses (always)");
  sockets->add_flag("-p,--processes", always, "the owning process (always shown)");
  auto* arp = app.add_subcommand("arp", "ARP cache");
  auto* stats = app.add_subcommand("stats", "counters of every layer (like netstat -s)");

  std::string host;
  int count = 0;
  double interval = 1.0;
  int size = 56;
  double timeout = 1.0;
  auto* ping = app.add_subcommand("ping", "ICMP echo through the stack");
  ping->add_option("host", host, "address or name")->required();
  ping->add_option("-c,--count", count, "stop after N replies (default: until Ctrl-C)");
  ping->add_option("-i,--interval", interval, "seconds between requests")->check(CLI::Range(0.01, 60.0));
  ping->add_option("-s,--size", size, "payload bytes")->check(CLI::Range(0, 65499));
  ping->add_option("-W,--timeout", timeout, "seconds to wait for each reply")->check(CLI::Range(0.01, 60.0));

  std::string name;
  auto* resolve = app.add_subcommand("resolve", "DNS lookup through the stack");
  resolve->add_option("name", name, "host name")->required();

  int port = 0;
  bool udp = false;
  auto* connect = app.add_subcommand("connect", "connect and copy stdin/stdout (like nc)");
  connect->add_option("host", host, "address or name")->required();
  connect->add_option("port", port, "port")->required()->check(CLI::Range(1, 65535));
  connect->add_flag("-u,--udp", udp, "UDP instead of TCP");
  bool nodelay = false;
  connect->add_flag("-N,--nodelay", nodelay, "TCP_NODELAY: send small writes at once (no Nagle)");
  auto* listen = app.add_subcommand("listen", "accept one connection, copy stdin/stdout (like nc -l)");
  listen->add_option("port", port, "port")->required()->check(CLI::Range(1, 65535));
  listen->add_flag("-u,--udp", udp, "UDP instead of TCP");

  std::string serve_dir;
  auto* serve_http = app.add_subcommand("serve-http", "static file server on the stack (GET, HEAD)");
  serve_http->add_option("port", port, "port")->required()->check(CLI::Range(1, 65535));
  serve_http->add_option("dir", serve_dir, "directory served (default: the current one)");

  ImpairOptions impair_options;
  auto* impair = add_impair_command(app, impair_options);

  WatchOptions watch_options;
  auto* trace = add_trace_command(app, watch_options);
  auto* capture = add_capture_command(app, watch_options);

  auto* run = app.add_subcommand("run", "run a program with its sockets on the stack (LD_PRELOAD)");
  run->prefix_command()->allow_extras();  // parsed by run_from_argv

  if (const auto rc = check_command_word(app, argc, argv)) return *rc;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  if (help->parsed()) return cmd_help(app, help_topic);
  for (auto* command : {connect, listen, serve_http, capture}) {
    if (!command->parsed()) continue;
    if (const auto rc = reject_json(*command, json)) return *rc;
  }
  if (impair->parsed()) return cmd_impair(impair_options, socket_path, json);
  if (!connect_daemon(socket_path)) return kNoDaemon;
  if (status->parsed()) return cmd_introspect("status", json, view);
  if (sockets->parsed()) return cmd_introspect("sockets", json, view);
  if (arp->parsed()) return cmd_introspect("arp", json, view);
  if (stats->parsed()) return cmd_introspect("counters", json, view);
  if (ping->parsed()) return cmd_ping(host, count, interval, size, timeout, json);
  if (resolve->parsed()) return cmd_resolve(name, json);
  if (connect->parsed()) return cmd_connect(host, port, udp, nodelay);
  if (listen->parsed()) return cmd_listen(port, udp);
  if (serve_http->parsed()) return cmd_serve_http(port, serve_dir);
  if (trace->parsed()) return cmd_trace(watch_options, json);
  if (capture->parsed()) return cmd_capture(watch_options);
  return kUsage;
}
