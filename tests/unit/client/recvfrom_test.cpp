// ts_recvfrom on a UDP data fd: the datagram's length is the remote sender's
// choice, so at most the caller's buffer is written whatever the flags, and
// MSG_TRUNC reports the full length as Linux does (issue 12, item 5).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <vector>

#include "rpc/protocol.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::client {
namespace {

constexpr std::size_t kDatagram = 1000;
constexpr std::uint8_t kCanary = 0xa5;

/// A UDP data fd as the program holds it, with one datagram of kDatagram
/// bytes from 10.0.0.1:5000 waiting.
class RecvFrom : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds_), 0);
    std::vector<std::uint8_t> packet(rpc::kDatagramHeaderSize + kDatagram, 'x');
    rpc::encode_datagram_header(packet, rpc::Endpoint{0x0a000001, 5000});
    ASSERT_EQ(::send(fds_[1], packet.data(), packet.size(), 0), static_cast<ssize_t>(packet.size()));
    buffer_.fill(kCanary);
  }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fd() const { return fds_[0]; }
  /// Bytes past the first `n` of the buffer the call was given were left alone.
  bool untouched_after(std::size_t n) const {
    for (std::size_t i = n; i < buffer_.size(); ++i) {
      if (buffer_[i] != kCanary) return false;
    }
    return true;
  }
  bool queue_empty() const {
    std::uint8_t b;
    return ::recv(fds_[0], &b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
  }

  int fds_[2] = {-1, -1};
  std::array<std::uint8_t, 64> buffer_{};
};

TEST_F(RecvFrom, PeekWithTruncAndNoBufferReturnsTheFullLengthAndLeavesTheDatagram) {
  EXPECT_EQ(ts_recvfrom(fd(), nullptr, 0, MSG_PEEK | MSG_TRUNC, nullptr, nullptr),
            static_cast<ssize_t>(kDatagram));
  EXPECT_EQ(ts_recvfrom(fd(), buffer_.data(), 4, 0, nullptr, nullptr), 4);
}

TEST_F(RecvFrom, ShortBufferGetsItsLengthAndTheRestIsDiscarded) {
  EXPECT_EQ(ts_recvfrom(fd(), buffer_.data(), 4, 0, nullptr, nullptr), 4);
  EXPECT_EQ(buffer_[3], 'x');
  EXPECT_TRUE(untouched_after(4));
  EXPECT_TRUE(queue_empty());
}

TEST_F(RecvFrom, TruncFlagReturnsTheFullLengthButCopiesOnlyTheBuffer) {
  sockaddr_in from{};
  socklen_t from_len = sizeof from;
  EXPECT_EQ(ts_recvfrom(fd(), buffer_.data(), 4, MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &from_len),
            static_cast<ssize_t>(kDatagram));
  EXPECT_TRUE(untouched_after(4));
  EXPECT_EQ(ntohl(from.sin_addr.s_addr), 0x0a000001u);
  EXPECT_EQ(ntohs(from.sin_port), 5000);
}

TEST(RecvFromLarge, ABufferLargerThanAnyDatagramGetsTheWholeDatagram) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
  std::vector<std::uint8_t> packet(rpc::kDatagramHeaderSize + 3, 'y');
  rpc::encode_datagram_header(packet, rpc::Endpoint{0x0a000001, 7});
  ASSERT_EQ(::send(fds[1], packet.data(), packet.size(), 0), static_cast<ssize_t>(packet.size()));
  std::vector<std::uint8_t> big(1 << 20);
  EXPECT_EQ(ts_recvfrom(fds[0], big.data(), big.size(), 0, nullptr, nullptr), 3);
  EXPECT_EQ(big[2], 'y');
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace tapstack::client
