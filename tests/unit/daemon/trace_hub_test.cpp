// A trace reader that falls behind loses events, is told how many, and never
// holds up the stack (on_trace always returns at once).
#include "daemon/trace_hub.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <regex>
#include <string>

namespace tapstack::daemon {
namespace {

constexpr int kEvents = 50'000;

TraceEvent state_change(std::int64_t n) {
  TraceEvent e;
  e.kind = TraceKind::StateChange;
  e.socket = SocketId{65539};
  e.a = 1;
  e.b = 4;
  e.at = Instant{std::chrono::microseconds{n}};
  e.reason = "test";
  return e;
}

/// Reads what is there now, running the loop so the hub can write the rest.
std::string drain(boost::asio::io_context& io, int fd) {
  std::string got;
  char buf[65536];
  for (int idle = 0; idle < 3;) {
    io.poll();
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      got.append(buf, static_cast<std::size_t>(n));
      idle = 0;
    } else {
      ++idle;
    }
  }
  return got;
}

TEST(TraceHub, SlowReaderLosesEventsAndIsToldHowMany) {
  boost::asio::io_context io;
  TraceHub hub(io);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  hub.subscribe(UniqueFd(sv[0]), TraceFilter{}, false, false);
  ASSERT_EQ(hub.subscribers(), 1u);

  // Nobody reads: the socket buffer and then the hub's bounded queue fill up.
  for (int i = 0; i < kEvents; ++i) hub.on_trace(state_change(i));
  std::string got = drain(io, sv[1]);
  const auto delivered_before = std::count(got.begin(), got.end(), '\n');
  ASSERT_LT(delivered_before, kEvents) << "the test needs the reader to fall behind";

  // The next event is preceded by the note of what was lost.
  hub.on_trace(state_change(kEvents));
  got += drain(io, sv[1]);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(got, m, std::regex("# lost ([0-9]+) events"))) << got.substr(0, 200);
  const long lost = std::stol(m[1]);
  const auto lines = std::count(got.begin(), got.end(), '\n');
  EXPECT_EQ(lines - 1 + lost, kEvents + 1);  // every event was delivered or counted
  EXPECT_EQ(got.back(), '\n');               // whole lines only

  ::close(sv[1]);  // the reader goes away: the subscription ends
  hub.on_trace(state_change(kEvents + 1));
  io.poll();
  hub.on_trace(state_change(kEvents + 2));
  EXPECT_EQ(hub.subscribers(), 0u);
}

}  // namespace
}  // namespace tapstack::daemon
