#pragma once
// StreamOut: the daemon's end of a watch stream (`tapstack trace`, `tapstack
// capture`): a non-blocking Unix stream socket the client reads. Whole records
// are queued up to a byte limit and written as the socket takes them; a record
// that does not fit is dropped and counted, so a slow reader loses records but
// never stalls the stack. The client closing its end (or Ctrl-C) ends it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "daemon/unique_fd.hpp"
#include "stack/base/bytes.hpp"

namespace tapstack::daemon {

class StreamOut : public std::enable_shared_from_this<StreamOut> {
 public:
  /// `fd` is the daemon's end (non-blocking). `on_closed` runs once when the
  /// reader goes away.
  StreamOut(boost::asio::io_context& io, UniqueFd fd, std::size_t max_queued,
            std::function<void()> on_closed);
  /// Starts watching for the reader's close.
  void start();
  /// Queues one record; false (and counted as lost) when it does not fit.
  bool push(Bytes record);
  bool push(const std::string& record);
  /// True when `size` more bytes would be queued now.
  bool has_room(std::size_t size) const { return queued() + size <= max_queued_; }
  /// Records lost since clear_unreported(), to say so in the stream.
  std::uint64_t unreported_lost() const { return unreported_; }
  void clear_unreported() { unreported_ = 0; }
  std::uint64_t lost() const { return lost_; }
  bool closed() const { return closed_; }
  void close();
  /// Closes once everything queued has been written.
  void finish();

 private:
  std::size_t queued() const { return buffer_.size() - sent_; }
  void flush();
  void wait_writable();
  void wait_readable();

  boost::asio::posix::stream_descriptor fd_;
  std::size_t max_queued_;
  std::function<void()> on_closed_;
  std::string buffer_;
  std::size_t sent_ = 0;
  bool write_wait_ = false;
  bool closed_ = false;
  bool finishing_ = false;
  std::uint64_t lost_ = 0;
  std::uint64_t unreported_ = 0;
};

}  // namespace tapstack::daemon
