// The shim's address mapping: what AF_INET/AF_INET6 sockaddrs a program
// passes become on the IPv4 stack, and how the stack's answers read back.
#include "client/preload/address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace tapstack::preload {
namespace {

sockaddr_in v4(const char* text, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, text, &a.sin_addr);
  return a;
}

sockaddr_in6 v6(const char* text, std::uint16_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  ::inet_pton(AF_INET6, text, &a.sin6_addr);
  return a;
}

template <typename T>
const sockaddr* sa(const T& a) {
  return reinterpret_cast<const sockaddr*>(&a);
}

std::string text_of(const sockaddr_in& a) {
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(ntohs(a.sin_port));
}

std::string text_of(const sockaddr_in6& a) {
  char buf[INET6_ADDRSTRLEN];
  ::inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
  return "[" + std::string(buf) + "]:" + std::to_string(ntohs(a.sin6_port));
}

TEST(ToIpv4, Ipv4PassesThrough) {
  const auto in = v4("10.0.0.1", 80);
  sockaddr_in out{};
  ASSERT_EQ(to_ipv4(sa(in), sizeof in, AF_INET, AddressUse::Connect, out), 0);
  EXPECT_EQ(text_of(out), "10.0.0.1:80");
  EXPECT_EQ(out.sin_family, AF_INET);
}

TEST(ToIpv4, Ipv6AnyIsIpv4Any) {
  const auto in = v6("::", 8080);
  sockaddr_in out{};
  ASSERT_EQ(to_ipv4(sa(in), sizeof in, AF_INET6, AddressUse::Bind, out), 0);
  EXPECT_EQ(text_of(out), "0.0.0.0:8080");
}

TEST(ToIpv4, MappedAddressIsItsIpv4Address) {
  const auto in = v6("::ffff:10.0.0.1", 443);
  sockaddr_in out{};
  ASSERT_EQ(to_ipv4(sa(in), sizeof in, AF_INET6, AddressUse::Connect, out), 0);
  EXPECT_EQ(text_of(out), "10.0.0.1:443");
  EXPECT_FALSE(is_loopback(out));
}

TEST(ToIpv4, Ipv6LoopbackIsLoopback) {
  const auto in = v6("::1", 22);
  sockaddr_in out{};
  ASSERT_EQ(to_ipv4(sa(in), sizeof in, AF_INET6, AddressUse::Connect, out), 0);
  EXPECT_TRUE(is_loopback(out));
}

TEST(ToIpv4, OtherIpv6IsUnreachableOrUnavailable) {
  const auto in = v6("2001:db8::1", 80);
  sockaddr_in out{};
  EXPECT_EQ(to_ipv4(sa(in), sizeof in, AF_INET6, AddressUse::Connect, out), ENETUNREACH);
  EXPECT_EQ(to_ipv4(sa(in), sizeof in, AF_INET6, AddressUse::Bind, out), EADDRNOTAVAIL);
  const auto compat = v6("::10.0.0.1", 80);  // deprecated IPv4-compatible form: not mapped
  EXPECT_EQ(to_ipv4(sa(compat), sizeof compat, AF_INET6, AddressUse::Connect, out), ENETUNREACH);
}

TEST(ToIpv4, FamilyMustMatchTheSocket) {
  const auto a4 = v4("10.0.0.1", 80);
  const auto a6 = v6("::ffff:10.0.0.1", 80);
  sockaddr_in out{};
  EXPECT_EQ(to_ipv4(sa(a4), sizeof a6, AF_INET6, AddressUse::Connect, out), EAFNOSUPPORT);
  EXPECT_EQ(to_ipv4(sa(a6), sizeof a6, AF_INET, AddressUse::Connect, out), EAFNOSUPPORT);
}

TEST(ToIpv4, ShortOrNullAddressesAreInvalid) {
  const auto a4 = v4("10.0.0.1", 80);
  const auto a6 = v6("::", 80);
  sockaddr_in out{};
  EXPECT_EQ(to_ipv4(nullptr, sizeof a4, AF_INET, AddressUse::Bind, out), EINVAL);
  EXPECT_EQ(to_ipv4(sa(a4), sizeof a4 - 1, AF_INET, AddressUse::Bind, out), EINVAL);
  EXPECT_EQ(to_ipv4(sa(a6), sizeof a6 - 1, AF_INET6, AddressUse::Bind, out), EINVAL);
  EXPECT_EQ(to_ipv4(sa(a4), 1, AF_INET, AddressUse::Bind, out), EINVAL);
}

TEST(IsLoopback, WholeSlashEight) {
  EXPECT_TRUE(is_loopback(v4("127.0.0.1", 0)));
  EXPECT_TRUE(is_loopback(v4("127.255.1.2", 0)));
  EXPECT_FALSE(is_loopback(v4("128.0.0.1", 0)));
  EXPECT_FALSE(is_loopback(v4("0.0.0.0", 0)));
}

TEST(FromIpv4, Ipv4SocketsSeeIpv4) {
  sockaddr_in out{};
  socklen_t len = sizeof out;
  from_ipv4(v4("10.0.0.2", 9), AF_INET, reinterpret_cast<sockaddr*>(&out), &len);
  EXPECT_EQ(len, sizeof(sockaddr_in));
  EXPECT_EQ(text_of(out), "10.0.0.2:9");
}

TEST(FromIpv4, Ipv6SocketsSeeMappedAddresses) {
  sockaddr_in6 out{};
  socklen_t len = sizeof out;
  from_ipv4(v4("10.0.0.1", 5555), AF_INET6, reinterpret_cast<sockaddr*>(&out), &len);
  EXPECT_EQ(len, sizeof(sockaddr_in6));
  EXPECT_EQ(out.sin6_family, AF_INET6);
  EXPECT_EQ(text_of(out), "[::ffff:10.0.0.1]:5555");
}

TEST(FromIpv4, AnyReadsBackAsIpv6Any) {
  sockaddr_in6 out{};
  socklen_t len = sizeof out;
  from_ipv4(v4("0.0.0.0", 8080), AF_INET6, reinterpret_cast<sockaddr*>(&out), &len);
  EXPECT_EQ(text_of(out), "[::]:8080");
}

TEST(FromIpv4, TruncatesToTheCallersBufferAndReportsTheFullSize) {
  unsigned char buf[sizeof(sockaddr_in6) + 4];
  std::memset(buf, 0xAA, sizeof buf);
  socklen_t len = 8;
  from_ipv4(v4("10.0.0.1", 80), AF_INET6, reinterpret_cast<sockaddr*>(buf), &len);
  EXPECT_EQ(len, sizeof(sockaddr_in6));
  EXPECT_EQ(buf[8], 0xAA);  // nothing written past the given length
  from_ipv4(v4("10.0.0.1", 80), AF_INET, nullptr, &len);  // no buffer: no effect
  EXPECT_EQ(len, sizeof(sockaddr_in6));
}

TEST(RoundTrip, MappedAddressesSurvive) {
  for (const char* text : {"10.0.0.1", "192.168.1.200", "255.255.255.255", "1.2.3.4"}) {
    const auto original = v4(text, 1234);
    sockaddr_in6 mapped{};
    socklen_t len = sizeof mapped;
    from_ipv4(original, AF_INET6, reinterpret_cast<sockaddr*>(&mapped), &len);
    sockaddr_in back{};
    ASSERT_EQ(to_ipv4(sa(mapped), len, AF_INET6, AddressUse::Connect, back), 0) << text;
    EXPECT_EQ(text_of(back), text_of(original));
  }
}

}  // namespace
}  // namespace tapstack::preload
