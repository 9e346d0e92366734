// TcpLayer: the per-socket options, kept in the slot until a connection
// exists and handed to it (and to a listener's connections) when it does.
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::tcp {

Result<SocketOptions> TcpLayer::options(SocketId id) const {
  const Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  return s->options;
}

Result<void> TcpLayer::set_options(SocketId id, const SocketOptions& options, Instant now) {
  Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  s->options = options;
  if (s->tcb) s->tcb->set_options(options, now);
  return {};
}

Result<CongestionAlgorithm> TcpLayer::congestion(SocketId id) const {
  const Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (s->tcb) return s->tcb->sender().congestion().algorithm();
  return s->options.congestion.value_or(settings_.congestion);
}

Result<void> TcpLayer::quickack(SocketId id, bool on, Instant now) {
  Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (s->tcb) s->tcb->quickack(on, now);
  return {};
}

}  // namespace tapstack::tcp
