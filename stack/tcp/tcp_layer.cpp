// TcpLayer: socket table and the user-facing socket calls.
#include "stack/tcp/tcp_layer.hpp"

#include <algorithm>

namespace tapstack::tcp {

namespace {
constexpr std::uint32_t kMaxSlots = 0xfffe;
}  // namespace

TcpLayer::TcpLayer(net::Ipv4Output& ip, Rng& rng, EventQueue& events, const TcpSettings& settings,
                   TraceSink* trace)
    : ip_(ip),
      events_(events),
      settings_(settings),
      trace_(trace),
      challenge_acks_(settings.challenge_ack_limit),
      env_{ip, events, trace, settings_, counters_, challenge_acks_},
      isn_(rng),
      rng_(rng),
      connections_(16, KeyedTupleHash{&isn_}),
      time_wait_(settings.time_wait_max, KeyedTupleHash{&isn_}) {}

TcpLayer::~TcpLayer() = default;

SocketId TcpLayer::id_of(std::uint32_t index) const {
  return SocketId{(std::uint32_t{slots_[index].generation} << 16) | (index + 1)};
}

const TcpLayer::Slot* TcpLayer::slot_for(SocketId id) const {
  const std::uint32_t low = id.value & 0xffff;
  if (low == 0 || low > slots_.size()) return nullptr;
  const Slot& s = slots_[low - 1];
  if (!s.in_use || !s.user_owned || s.generation != (id.value >> 16)) return nullptr;
  return &s;
}

TcpLayer::Slot* TcpLayer::slot_for(SocketId id) {
  Slot* s = const_cast<Slot*>(std::as_const(*this).slot_for(id));
  if (s != nullptr) touch((id.value & 0xffff) - 1);
  return s;
}

Result<std::uint32_t> TcpLayer::allocate_slot(bool passive) {
  const std::uint32_t limit = std::min(settings_.max_sockets, kMaxSlots);
  const std::uint32_t reserve = passive ? std::min(settings_.local_reserve, limit) : 0;
  if (slots_used_ + reserve >= limit) return Errc::TooManySockets;
  std::uint32_t index = 0;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slots_[index].in_use = true;
  ++slots_used_;
  return index;
}

void TcpLayer::free_slot(std::uint32_t index, Instant now) {
  Slot& s = slots_[index];
  if (s.user_owned && s.bound_port != 0) ports_.unbind(s.bound_addr, s.bound_port);
  if (s.listener) {
    listeners_.erase({s.listener->addr.value(), s.listener->port});
    const SocketId me = id_of(index);
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
      // Connections not yet accepted die with their listener (RST, as Linux).
      if (slots_[i].in_use && slots_[i].parent == me && slots_[i].tcb) {
        slots_[i].tcb->abort(now);
        slots_[i].parent = SocketId{};
        free_slot(i, now);
      }
    }
  }
  unlink(index);
  timers_.cancel(index);
  --slots_used_;
  const std::uint16_t next_generation = static_cast<std::uint16_t>(s.generation == 0xffff ? 1 : s.generation + 1);
  s = Slot{};
  s.generation = next_generation;
  free_slots_.push_back(index);
}

void TcpLayer::unlink(std::uint32_t index) {
  const Slot& s = slots_[index];
  if (!s.tcb) return;
  auto it = connections_.find(s.tcb->tuple());
  if (it == connections_.end() || it->second != index) return;
  ports_.remove_connection(it->first.local_port);
  connections_.erase(it);
}

bool TcpLayer::port_in_use(wire::Ipv4Address addr, std::uint16_t port, bool any_connection) const {
  return any_connection ? ports_.in_use(addr, port) : ports_.bound(addr, port);
}

Result<std::uint16_t> TcpLayer::ephemeral_port(wire::Ipv4Address addr) {
  const std::uint32_t lo = settings_.ephemeral_low;
  const std::uint32_t hi = std::max<std::uint32_t>(settings_.ephemeral_high, lo);
  const std::uint32_t span = hi - lo + 1;
  const std::uint32_t start = rng_.uniform(0, span - 1);
  for (std::uint32_t i = 0; i < span; ++i) {
    const auto port = static_cast<std::uint16_t>(lo + (start + i) % span);
    if (!port_in_use(addr, port, true)) return port;
  }
  return Errc::NoPorts;
}

Tcb& TcpLayer::make_tcb(std::uint32_t index, const FourTuple& tuple) {
  Slot& s = slots_[index];
  s.tcb = std::make_unique<Tcb>(env_, id_of(index), tuple, s.options);
  s.tcb->set_timestamp_offset(isn_.timestamp_offset(tuple));
  connections_[tuple] = index;
  ports_.add_connection(tuple.local_port);
  touch(index);
  return *s.tcb;
}

Result<SocketId> TcpLayer::open() {
  auto index = allocate_slot(false);
  if (!index) return index.error();
  slots_[*index].user_owned = true;
  return id_of(*index);
}

Result<void> TcpLayer::bind(SocketId id, wire::Ipv4Address addr, std::uint16_t port) {
  Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (s->tcb || s->listener || s->bound_port != 0) return Errc::InvalidArgument;
  if (!addr.is_unspecified() && !ip_.is_local_address(addr)) return Errc::AddressNotAvailable;
  if (port == 0) {
    auto p = ephemeral_port(addr);
    if (!p) return p.error();
    port = *p;
  } else if (port_in_use(addr, port, false)) {
    return Errc::AddressInUse;
  }
  s->bound_addr = addr;
  s->bound_port = port;
  ports_.bind(addr, port);
  return {};
}

Result<void> TcpLayer::listen(SocketId id, std::uint32_t backlog) {
  Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (s->tcb) return Errc::InvalidState;
  backlog = std::max<std::uint32_t>(backlog, 1);
  if (s->listener) {
    s->listener->backlog = backlog;
    return {};
  }
  if (s->bound_port == 0) {
    if (auto r = bind(id, wire::Ipv4Address::any(), 0); !r) return r;
  }
  const auto key = std::make_pair(s->bound_addr.value(), s->bound_port);
  if (listeners_.count(key) != 0) return Errc::AddressInUse;
  s->listener = std::make_unique<Listener>();
  s->listener->addr = s->bound_addr;
  s->listener->port = s->bound_port;
  s->listener->backlog = backlog;
  listeners_[key] = (id.value & 0xffff) - 1;
  return {};
}

Result<SocketId> TcpLayer::accept(SocketId listener) {
  Slot* s = slot_for(listener);
  if (s == nullptr) return Errc::BadDescriptor;
  if (!s->listener) return Errc::InvalidArgument;
  if (s->listener->accept_queue.empty()) return Errc::WouldBlock;
  const SocketId child = s->listener->accept_queue.front();
  s->listener->accept_queue.pop_front();
  Slot& c = slots_[(child.value & 0xffff) - 1];
  c.user_owned = true;
  c.parent = SocketId{};
  c.tcb->set_announce(true);
  if (c.tcb->recv_available() > 0 || c.tcb->eof() || c.tcb->state() == TcpState::Closed) {
    events_.push(SocketEvent{net::IpProtocol::Tcp, child, SocketEventKind::Readable, Errc::Ok});
  }
  return child;
}

Result<void> TcpLayer::connect(SocketId id, wire::Ipv4Address addr, std::uint16_t port,
                               Instant now) {
  Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (s->listener) return Errc::InvalidState;
  if (s->tcb) {
    return s->tcb->state() == TcpState::SynSent ? Errc::InProgress : Errc::AlreadyConnected;
  }
  if (port == 0 || addr.is_unspecified() || addr.is_broadcast() || addr.is_multicast()) {
    return Errc::InvalidArgument;
  }
  const wire::Ipv4Address local = s->bound_addr.is_unspecified() ? ip_.local_address() : s->bound_addr;
  if (s->bound_port == 0) {
    auto p = ephemeral_port(local);
    if (!p) return p.error();
    s->bound_port = *p;
    ports_.bind(s->bound_addr, s->bound_port);
  }
  const FourTuple tuple{local, s->bound_port, addr, port};
  if (connections_.count(tuple) != 0 || !take_over_time_wait(tuple)) return Errc::AddressInUse;
  Tcb& tcb = make_tcb((id.value & 0xffff) - 1, tuple);
  ++counters_.active_opens;
  tcb.open_active(SeqNum{isn_.isn(tuple, now)}, now);
  return {};
}

Result<std::size_t> TcpLayer::send(SocketId id, Bytes data, Instant now) {
  Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (!s->tcb) return Errc::NotConnected;
  Tcb& t = *s->tcb;
  if (t.state() == TcpState::Closed) return t.error() != Errc::Ok ? t.error() : Errc::NotConnected;
  if (t.send_shut() || !may_send(t.state())) return Errc::Shutdown;
  if (data.empty()) return std::size_t{0};
  const std::size_t n = t.send(data, now);
  if (n == 0) return Errc::WouldBlock;
  return n;
}

Result<std::size_t> TcpLayer::recv(SocketId id, MutableBytes out, Instant now) {
  Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (!s->tcb) return Errc::NotConnected;
  Tcb& t = *s->tcb;
  const std::size_t n = t.recv(out, now);
  if (n > 0 || out.empty() || t.eof()) return n;
  if (t.state() == TcpState::Closed) {
    if (t.error() != Errc::Ok) return t.error();
    return std::size_t{0};
  }
  return Errc::WouldBlock;
}

std::size_t TcpLayer::send_space(SocketId id) const {
  const Slot* s = slot_for(id);
  return s != nullptr && s->tcb ? s->tcb->send_space() : 0;
}

std::size_t TcpLayer::recv_available(SocketId id) const {
  const Slot* s = slot_for(id);
  return s != nullptr && s->tcb ? s->tcb->recv_available() : 0;
}

Result<void> TcpLayer::shutdown_send(SocketId id, Instant now) {
  Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (!s->tcb) return Errc::NotConnected;
  const TcpState before = s->tcb->state();
  if (!s->tcb->shutdown_send(now)) return Errc::NotConnected;
  after_tcb_event((id.value & 0xffff) - 1, before, now);
  return {};
}

Result<void> TcpLayer::close(SocketId id, Instant now) {
  Slot* s = slot_for(id);
  if (s == nullptr) return Errc::BadDescriptor;
  const std::uint32_t index = (id.value & 0xffff) - 1;
  if (!s->tcb) {
    free_slot(index, now);
    return {};
  }
  Tcb& t = *s->tcb;
  if (t.recv_available() > 0) {
    t.abort(now);  // RFC 2525 §2.17: closing with unread data resets (Linux does)
  } else if (t.state() == TcpState::SynSent) {
    t.abort(now);
  } else if (t.state() != TcpState::Closed && t.state() != TcpState::TimeWait) {
    (void)t.shutdown_send(now);
  }
  if (s->bound_port != 0) ports_.unbind(s->bound_addr, s->bound_port);
  s->user_owned = false;
  t.detach(now);
  if (t.state() == TcpState::Closed) {
    free_slot(index, now);
  } else if (t.state() == TcpState::TimeWait) {
    retire_to_time_wait(index, now);
  }
  return {};
}

void TcpLayer::abort(SocketId id, Instant now) {
  Slot* s = slot_for(id);
  if (s == nullptr) return;
  if (s->tcb) s->tcb->abort(now);
  free_slot((id.value & 0xffff) - 1, now);
}

std::optional<TcpSocketInfo> TcpLayer::info(SocketId id) const {
  const Slot* s = slot_for(id);
  if (s == nullptr) return std::nullopt;
  if (s->tcb) return s->tcb->info();
  TcpSocketInfo i;
  i.id = id;
  i.local_addr = s->bound_addr;
  i.local_port = s->bound_port;
  if (s->listener) {
    i.state = TcpState::Listen;
    i.backlog = s->listener->backlog;
    i.accept_queued = static_cast<std::uint32_t>(s->listener->accept_queue.size());
  }
  return i;
}

std::vector<TcpSocketInfo> TcpLayer::list() const {
  std::vector<TcpSocketInfo> out;
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    if (!s.in_use) continue;
    if (s.user_owned) {
      if (auto inf = info(id_of(i))) out.push_back(*inf);
    } else if (s.tcb) {
      out.push_back(s.tcb->info());
    }
  }
  time_wait_.for_each([&](const TimeWaitRecord& r) {
    TcpSocketInfo i;
    i.state = TcpState::TimeWait;
    i.local_addr = r.tuple.local_addr;
    i.local_port = r.tuple.local_port;
    i.remote_addr = r.tuple.remote_addr;
    i.remote_port = r.tuple.remote_port;
    i.snd_una = i.snd_nxt = r.snd_nxt.raw();
    i.rcv_nxt = r.rcv_nxt.raw();
    i.rcv_wnd = r.rcv_wnd;
    i.timestamps = r.timestamps;
    i.ts_recent = r.ts_recent;
    i.time_wait_expires = r.expires;
    out.push_back(i);
  });
  return out;
}

Tcb* TcpLayer::tcb_for_test(SocketId id) {
  Slot* s = slot_for(id);
  return s != nullptr ? s->tcb.get() : nullptr;
}

}  // namespace tapstack::tcp
