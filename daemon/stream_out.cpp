#include "daemon/stream_out.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace tapstack::daemon {

StreamOut::StreamOut(boost::asio::io_context& io, UniqueFd fd, std::size_t max_queued,
                     std::function<void()> on_closed)
    : fd_(io, fd.release()), max_queued_(max_queued), on_closed_(std::move(on_closed)) {}

void StreamOut::start() { wait_readable(); }

bool StreamOut::push(const std::string& record) {
  return push(Bytes(reinterpret_cast<const std::uint8_t*>(record.data()), record.size()));
}

bool StreamOut::push(Bytes record) {
  if (closed_ || finishing_) return false;
  if (!has_room(record.size())) {
    ++lost_;
    ++unreported_;
    return false;
  }
  if (sent_ > 0 && sent_ == buffer_.size()) {
    buffer_.clear();
    sent_ = 0;
  }
  buffer_.append(reinterpret_cast<const char*>(record.data()), record.size());
  if (!write_wait_) flush();
  return true;
}

void StreamOut::flush() {
  while (!closed_ && sent_ < buffer_.size()) {
    const ssize_t n = ::send(fd_.native_handle(), buffer_.data() + sent_, buffer_.size() - sent_,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_writable();
      return;
    }
    close();  // EPIPE, ECONNRESET: the reader is gone
    return;
  }
  buffer_.erase(0, sent_);
  sent_ = 0;
  if (finishing_ && !closed_) close();
}

void StreamOut::finish() {
  finishing_ = true;
  if (!write_wait_ && queued() == 0) close();
}

void StreamOut::wait_writable() {
  write_wait_ = true;
  fd_.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                 [self = shared_from_this()](const boost::system::error_code& ec) {
                   self->write_wait_ = false;
                   if (!ec) self->flush();
                 });
}

void StreamOut::wait_readable() {
  fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                 [self = shared_from_this()](const boost::system::error_code& ec) {
                   if (ec || self->closed_) return;
                   char scratch[256];
                   const ssize_t n = ::recv(self->fd_.native_handle(), scratch, sizeof scratch,
                                            MSG_DONTWAIT);
                   if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                     self->close();  // EOF: the reader closed its end
                     return;
                   }
                   self->wait_readable();  // the reader wrote something; ignore it
                 });
}

void StreamOut::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  fd_.cancel(ignored);
  fd_.close(ignored);
  // Freed now, not when the hub next prunes its subscribers.
  std::string().swap(buffer_);
  sent_ = 0;
  if (on_closed_) {
    auto fn = std::move(on_closed_);
    fn();
  }
}

}  // namespace tapstack::daemon
