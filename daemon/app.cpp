#include "daemon/app.hpp"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <csignal>

#include "daemon/capabilities.hpp"
#include "daemon/fd_limit.hpp"
#include "daemon/logging.hpp"
#include "daemon/netlink.hpp"
#include "daemon/stack_config.hpp"

namespace tapstack::daemon {

App::App(config::Config config, Options options)
    : config_(std::move(config)),
      options_(std::move(options)),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      notifier_(io_) {
  RpcLimits limits;
  limits.hello_timeout = config_.rpc.hello_timeout;
  limits.idle_timeout = config_.rpc.idle_timeout;
  limits.sessions.total = config_.rpc.sessions_total;
  limits.sessions.per_uid = config_.rpc.sessions_per_uid;
  limits.sockets_per_session = config_.rpc.sockets_per_session;
  limits.sockets_total = config_.rpc.sockets_total;
  raise_fd_limit(limits);
  const auto& ifc = config_.interface;
  tap_ = std::make_unique<TapDevice>(io_, TapOptions{ifc.name, ifc.attach, ifc.mtu, ifc.offload});
  if (ifc.host_address) {
    const auto holder = interface_holding(ifc.host_address->address, tap_->index());
    if (!holder.empty()) {
      throw std::runtime_error("host address " + ifc.host_address->address.to_string() +
                               " is already in use on " + holder);
    }
    added_host_address_ = add_interface_address(tap_->index(), *ifc.host_address);
  }
  // Nothing below needs CAP_NET_ADMIN, except taking back the host address
  // of an attached TAP at exit (a TAP we created takes its addresses along).
  if (!(ifc.attach && added_host_address_)) drop_net_admin();
  capture_ = std::make_unique<Capture>(io_, tap_->name());
  trace_hub_ = std::make_unique<TraceHub>(io_);
  trace_hub_->set_capture(capture_.get());
  if (const auto& c = config_.capture; !c.file.empty()) {
    (void)capture_->open_file({c.file, c.rotate_mb * 1024 * 1024, c.count});
  }
  sink_ = std::make_unique<TapSink>(*tap_, *capture_);
  impair_ = std::make_unique<ImpairLink>(*sink_, config_.impair);
  StackConfig stack_config = make_stack_config(config_, rng_);
  // The kernel cuts our TCP super-segments when the TAP has a virtio-net header.
  if (tap_->offload()) stack_config.tcp.segmentation_offload = 65535;
  stack_ = std::make_unique<Stack>(stack_config, impair_->stack_output(), rng_);
  driver_ = std::make_unique<StackDriver>(io_, *stack_);
  impair_->attach(*stack_, *driver_);
  driver_->set_impairment(&impair_->model());
  rpc_ = std::make_unique<RpcServer>(
      io_, config_.rpc,
      StackHandles{*stack_, stack_->tcp(), stack_->udp(), stack_->resolver(), &impair_->model(),
                   tap_->name(), tap_->offload()},
      *driver_, limits);
  stack_->tcp().set_trace_sink(trace_hub_.get());
  rpc_->set_watch(trace_hub_.get(), capture_.get());
  driver_->set_event_handler(
      [this](const SocketEvent& event, Instant now) { rpc_->on_socket_event(event, now); });
  driver_->set_work_handler([this](Instant now) { rpc_->on_stack_work(now); });
  spdlog::info("{} is up: stack {} mac {} mtu {}{}{}", tap_->name(), ifc.address.to_string(),
               stack_config.mac.to_string(), ifc.mtu, tap_->offload() ? ", segmentation offload" : "",
               ifc.host_address ? ", host side " + ifc.host_address->to_string() : "");
}

App::~App() {
  // A TAP we created vanishes with its fd, and its addresses with it. On an
  // attached TAP, take back only the address we added.
  if (tap_ && config_.interface.attach && added_host_address_ && config_.interface.host_address) {
    remove_interface_address(tap_->index(), *config_.interface.host_address);
  }
}

int App::run() {
  tap_->start(
      [this](Bytes frame, const RxOffload& offload) {
        if (capture_->active()) capture_->on_frame(frame, pcapng::Direction::In);
        driver_->on_frame(frame, offload);
      },
      [this] { driver_->after_stack_work(); });
  if (auto started = stack_->start(driver_->now()); !started) {
    throw std::runtime_error(std::string("cannot start the built-in services: ") +
                             describe(started.error()));
  }
  driver_->after_stack_work();
  rpc_->start();
  wait_for_signal();
  notifier_.ready("serving " + config_.interface.address.to_string() + " on " + tap_->name());
  spdlog::info("ready; control socket {}", config_.rpc.socket);
  io_.run();
  return 0;
}

void App::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload();
      wait_for_signal();
      return;
    }
    spdlog::info("received {}, stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    stop();
  });
}

void App::stop() {
  notifier_.stopping();
  signals_.cancel();
  rpc_->stop();
  tap_->close();
  io_.stop();
}

// SIGHUP: re-read the file with the same overrides; apply what can change
// live (the log level) and say which other changes need a restart.
void App::reload() {
  notifier_.reloading();
  try {
    auto fresh = config::load_config(options_.config_path, options_.overrides);
    const auto old_level = options_.log_level.value_or(config_.log.level);
    const auto new_level = options_.log_level.value_or(fresh.log.level);
    if (new_level != old_level) {
      set_log_level(new_level);
      spdlog::info("reload: log level {} -> {}", config::to_string(old_level),
                   config::to_string(new_level));
    } else {
      spdlog::info("reload: log level unchanged ({})", config::to_string(new_level));
    }
    fresh.log.level = new_level;
    if (const auto changed = restart_settings_changed(config_, fresh); !changed.empty()) {
      spdlog::warn("reload: {} changed in {}; {} effect after a restart",
                   fmt::join(changed, ", "), options_.config_path,
                   changed.size() == 1 ? "it takes" : "they take");
    }
    config_.log = fresh.log;
  } catch (const config::ConfigException& e) {
    spdlog::error("reload failed, keeping the running configuration:\n{}", e.what());
  }
  notifier_.status("serving " + config_.interface.address.to_string() + " on " + tap_->name());
}

}  // namespace tapstack::daemon
