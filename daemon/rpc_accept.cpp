// RpcServer's accept loop: who gets a session (SessionAdmission), and what
// happens when the daemon runs out of file descriptors — it waits, with a
// growing delay, instead of retrying accept at once (docs/rpc.md, "Session
// limits").
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "daemon/rpc_server.hpp"
#include "daemon/rpc_session.hpp"
#include "rpc/protocol.hpp"

namespace tapstack::daemon {
namespace {

using SeqPacket = boost::asio::generic::seq_packet_protocol;

constexpr std::chrono::milliseconds kFirstBackoff{50};
constexpr std::chrono::milliseconds kMaxBackoff{1000};
// A session shed for its fd must have been quiet this long: one in the
// middle of its requests is never cut off.
constexpr std::chrono::seconds kShedQuiet{1};

/// Tells a refused client why before closing: a Hello reply with id 0 (which
/// no request uses) and EUSERS, so it reports "too many sessions" instead of
/// a bare reset. Never blocks: a fresh socket's send buffer is empty.
void send_refusal(SeqPacket::socket& socket) {
  const auto packet = rpc::encode(rpc::Reply{rpc::MessageType::Hello, 0, EUSERS, rpc::EmptyReply{}});
  (void)::send(socket.native_handle(), packet.data(), packet.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

bool out_of_descriptors(const boost::system::error_code& ec) {
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

}  // namespace

void RpcServer::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, SeqPacket::socket socket) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (ec) return back_off(ec);
    accept_backoff_ = std::chrono::milliseconds{0};
    on_accepted(std::move(socket));
    accept_next();
  });
}

// Out of fds (or any other failure): the connection stays in the listen
// backlog and accept is retried after a delay, doubling up to a second, so
// the loop never spins. An idle session is shed first when fds are short.
void RpcServer::back_off(const boost::system::error_code& ec) {
  const bool shed = out_of_descriptors(ec) && shed_idle_session();
  accept_backoff_ = shed ? kFirstBackoff : std::clamp(accept_backoff_ * 2, kFirstBackoff, kMaxBackoff);
  if (accept_log_.allow(LogLimiter::Clock::now())) {
    spdlog::warn("rpc: accept failed: {}; retrying in {} ms{}{}", ec.message(),
                 accept_backoff_.count(), shed ? " (shed an idle session)" : "",
                 accept_log_.left_out());
  }
  accept_retry_.expires_after(accept_backoff_);
  accept_retry_.async_wait([this](const boost::system::error_code& wait_ec) {
    if (!wait_ec) accept_next();
  });
}

bool RpcServer::shed_idle_session() {
  std::shared_ptr<RpcSession> oldest;
  for (const auto& [number, session] : sessions_) {
    if (session->idle_for(kShedQuiet) && (!oldest || number < oldest->number())) oldest = session;
  }
  if (!oldest) return false;
  oldest->stop("shed: the daemon is out of file descriptors and the session owns nothing");
  return true;
}

void RpcServer::on_accepted(SeqPacket::socket socket) {
  ucred peer{};
  socklen_t len = sizeof peer;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) {
    spdlog::warn("rpc: no peer credentials: {}", std::strerror(errno));
    return;
  }
  const auto verdict = admission_.admit(peer.uid);
  if (verdict != SessionAdmission::Verdict::Admitted) {
    if (refusal_log_.allow(LogLimiter::Clock::now())) {
      spdlog::warn("rpc: refusing pid {} uid {}: {} ({} sessions open){}", peer.pid, peer.uid,
                   describe(verdict), sessions_.size(), refusal_log_.left_out());
    }
    send_refusal(socket);
    return;  // and closing the socket
  }
  socket.non_blocking(true);
  const std::uint32_t number = next_session_++;
  auto session = std::make_shared<RpcSession>(*this, std::move(socket), number, peer);
  sessions_.emplace(number, session);
  session->start();
}

void RpcServer::session_ended(std::uint32_t number) {
  pings_.forget_session(number);
  // Posted: the session may be inside one of its own handlers right now.
  boost::asio::post(io_, [this, number] {
    const auto it = sessions_.find(number);
    if (it == sessions_.end()) return;
    admission_.release(it->second->peer().uid);
    sessions_.erase(it);
  });
}

}  // namespace tapstack::daemon
