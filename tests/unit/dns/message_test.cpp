#include "stack/dns/message.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tapstack::dns {
namespace {

using Buffer = std::vector<std::uint8_t>;

// www.example.com: CNAME example.com (3600 s, compressed rdata), example.com
// A 93.184.216.34 (300 s). Offsets: question name at 12, "example" at 16.
const Buffer kCnameResponse{
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x03, 0x77, 0x77, 0x77,
    0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00,
    0x01, 0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x02, 0xc0, 0x10, 0xc0,
    0x10, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0x5d, 0xb8, 0xd8, 0x22};

// NXDOMAIN for nosuch.example.com with the zone's SOA (TTL 900, MINIMUM 60).
const Buffer kNxdomainResponse{
    0xbe, 0xef, 0x81, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x06, 0x6e, 0x6f, 0x73,
    0x75, 0x63, 0x68, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00,
    0x00, 0x01, 0x00, 0x01, 0xc0, 0x13, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x03, 0x84, 0x00, 0x21,
    0x02, 0x6e, 0x73, 0xc0, 0x13, 0x05, 0x61, 0x64, 0x6d, 0x69, 0x6e, 0xc0, 0x13, 0x00, 0x00, 0x07,
    0xe8, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x12, 0x75, 0x00, 0x00, 0x00, 0x00,
    0x3c};

/// A header with one question and `answers` answers, followed by `body`.
Buffer message_with(std::uint8_t answers, const Buffer& body) {
  const Buffer header{0x00, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, answers, 0x00, 0x00, 0x00, 0x00};
  Buffer out(header.size() + body.size());
  std::copy(body.begin(), body.end(), std::copy(header.begin(), header.end(), out.begin()));
  return out;
}

ParseError parse(const Buffer& b) {
  Message m;
  return parse_message(b, m);
}

TEST(DnsMessage, QueryGoldenBytes) {
  const Buffer expected{0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                        0x00, 0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',
                        'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01};
  EXPECT_EQ(build_query(0x1234, "example.com"), expected);
  EXPECT_EQ(build_query(0x1234, "example.com."), expected);
}

TEST(DnsMessage, QueryRoundTrips) {
  Message m;
  ASSERT_EQ(parse_message(build_query(7, "a.b-c.d"), m), ParseError::Ok);
  EXPECT_EQ(m.header.id, 7);
  EXPECT_FALSE(m.header.response);
  EXPECT_TRUE(m.header.recursion_desired);
  ASSERT_EQ(m.questions.size(), 1u);
  EXPECT_EQ(m.questions[0].name, "a.b-c.d");
  EXPECT_EQ(m.questions[0].type, kTypeA);
  EXPECT_EQ(m.questions[0].klass, kClassIn);
}

TEST(DnsMessage, ParsesCompressedCnameResponse) {
  Message m;
  ASSERT_EQ(parse_message(kCnameResponse, m), ParseError::Ok);
  EXPECT_EQ(m.header.id, 0x1234);
  EXPECT_TRUE(m.header.response);
  EXPECT_TRUE(m.header.recursion_available);
  EXPECT_FALSE(m.header.truncated);
  EXPECT_EQ(m.header.rcode, 0);
  ASSERT_EQ(m.questions.size(), 1u);
  EXPECT_EQ(m.questions[0].name, "www.example.com");
  ASSERT_EQ(m.cnames.size(), 1u);
  EXPECT_EQ(m.cnames[0].name, "www.example.com");
  EXPECT_EQ(m.cnames[0].target, "example.com");
  EXPECT_EQ(m.cnames[0].ttl, 3600u);
  ASSERT_EQ(m.addresses.size(), 1u);
  EXPECT_EQ(m.addresses[0].name, "example.com");
  EXPECT_EQ(m.addresses[0].address, (wire::Ipv4Address{93, 184, 216, 34}));
  EXPECT_EQ(m.addresses[0].ttl, 300u);
}

TEST(DnsMessage, ParsesNxdomainWithSoa) {
  Message m;
  ASSERT_EQ(parse_message(kNxdomainResponse, m), ParseError::Ok);
  EXPECT_EQ(m.header.rcode, static_cast<std::uint8_t>(Rcode::NameError));
  EXPECT_TRUE(m.addresses.empty());
  ASSERT_TRUE(m.soa.has_value());
  EXPECT_EQ(m.soa->zone, "example.com");
  EXPECT_EQ(m.soa->ttl, 900u);
  EXPECT_EQ(m.soa->minimum, 60u);
}

TEST(DnsMessage, EveryPrefixOfAValidResponseIsRejected) {
  for (const Buffer* full : {&kCnameResponse, &kNxdomainResponse}) {
    for (std::size_t n = 0; n < full->size(); ++n) {
      const Buffer prefix(full->begin(), full->begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_NE(parse(prefix), ParseError::Ok) << "prefix of " << n << " bytes";
    }
  }
}

TEST(DnsMessage, PointerToItselfIsRejected) {
  // Question name at 12 is a pointer to 12.
  EXPECT_EQ(parse(message_with(0, {0xc0, 0x0c, 0, 1, 0, 1})), ParseError::ForwardPointer);
}

TEST(DnsMessage, PointerLoopIsRejected) {
  // Question "a" at 12; answer owner at 21 jumps to 23 ahead of it, which jumps back
  // to 21: loops need a forward step, which is refused.
  Buffer body{0x01, 'a', 0x00, 0, 1, 0, 1};         // question, offsets 12..18
  body.insert(body.end(), {0x00, 0x00});            // padding, 19..20 (root names)
  body.insert(body.end(), {0xc0, 23, 0xc0, 21});    // 21: -> 23, 23: -> 21
  auto m = message_with(1, body);
  EXPECT_EQ(read_name(m, 21).error, ParseError::ForwardPointer);
  EXPECT_EQ(read_name(m, 23).error, ParseError::ForwardPointer);  // 23 -> 21 -> 23
}

TEST(DnsMessage, LongBackwardChainHitsTheHopLimit) {
  Buffer m{0x01, 'a', 0x00};
  for (int i = 0; i < 40; ++i) {
    const std::size_t previous = m.size() - (i == 0 ? 3 : 2);
    m.push_back(static_cast<std::uint8_t>(0xc0 | (previous >> 8)));
    m.push_back(static_cast<std::uint8_t>(previous));
  }
  EXPECT_EQ(read_name(m, m.size() - 2).error, ParseError::TooManyPointers);
  // A short chain is fine.
  const auto ok = read_name(m, 3 + 2 * 5);
  EXPECT_EQ(ok.error, ParseError::Ok);
  EXPECT_EQ(ok.name, "a");
  EXPECT_EQ(ok.next, 3u + 2 * 5 + 2);
}

TEST(DnsMessage, PointerPastTheEnd) {
  EXPECT_EQ(parse(message_with(0, {0xc0, 0xff})), ParseError::PointerPastEnd);
  EXPECT_EQ(parse(message_with(0, {0xff, 0xff, 0, 1, 0, 1})), ParseError::PointerPastEnd);
}

TEST(DnsMessage, HalfAPointerIsTruncated) {
  auto m = message_with(0, {0xc0});
  EXPECT_EQ(parse(m), ParseError::Truncated);
}

TEST(DnsMessage, ForwardPointerIsRejected) {
  auto m = message_with(0, {0xc0, 0x0e, 0x01, 'a', 0x00, 0, 1, 0, 1});
  EXPECT_EQ(parse(m), ParseError::ForwardPointer);
}

TEST(DnsMessage, LabelLengthsOver63AreNotLabels) {
  for (const int len : {0x40, 0x41, 0x80, 0xbf}) {
    Buffer body{static_cast<std::uint8_t>(len)};
    body.resize(std::size_t{1} + static_cast<std::size_t>(len & 0x3f) + 5, 'x');
    auto m = message_with(0, body);
    EXPECT_EQ(parse(m), ParseError::BadLabelType) << len;
  }
}

TEST(DnsMessage, NamesOver255OctetsAreRejected) {
  Buffer body;
  for (int i = 0; i < 5; ++i) {
    body.push_back(63);
    body.insert(body.end(), 63, 'x');
  }
  body.insert(body.end(), {0, 0, 1, 0, 1});
  auto m = message_with(0, body);
  EXPECT_EQ(parse(m), ParseError::NameTooLong);
}

TEST(DnsMessage, CompressionCannotExceed255Octets) {
  // Name A at 12: three 63-octet labels (193 octets). Name B: two more labels
  // and a pointer to A, 321 octets once decompressed.
  Buffer m(12, 0);
  for (int i = 0; i < 3; ++i) {
    m.push_back(63);
    m.insert(m.end(), 63, 'a');
  }
  m.push_back(0);
  const std::size_t b = m.size();
  for (int i = 0; i < 2; ++i) {
    m.push_back(63);
    m.insert(m.end(), 63, 'b');
  }
  m.insert(m.end(), {0xc0, 12});
  EXPECT_EQ(read_name(m, 12).error, ParseError::Ok);
  EXPECT_EQ(read_name(m, b).error, ParseError::NameTooLong);
}

TEST(DnsMessage, CountsMustMatchRecords) {
  auto m = kCnameResponse;
  m[7] = 3;  // ANCOUNT 3, two present
  EXPECT_EQ(parse(m), ParseError::Truncated);
  m = kCnameResponse;
  m[11] = 1;  // ARCOUNT 1, none present
  EXPECT_EQ(parse(m), ParseError::Truncated);
  m = kCnameResponse;
  m[5] = 2;  // QDCOUNT 2: the answer is read as a question, then runs out
  EXPECT_NE(parse(m), ParseError::Ok);
}

TEST(DnsMessage, RdataMustFitItsType) {
  auto m = kCnameResponse;
  m[58] = 5;  // A record RDLENGTH 5
  m.push_back(0);
  EXPECT_EQ(parse(m), ParseError::BadRecordData);
  m = kCnameResponse;
  m[44] = 3;  // CNAME RDLENGTH 3 but the name takes 2
  m.insert(m.begin() + 47, 0);
  EXPECT_EQ(parse(m), ParseError::BadRecordData);
}

TEST(DnsMessage, TtlWithTopBitReadsAsZero) {
  auto m = kCnameResponse;
  m[53] = 0x80;  // A record TTL 0x8000012c
  Message out;
  ASSERT_EQ(parse_message(m, out), ParseError::Ok);
  EXPECT_EQ(out.addresses.at(0).ttl, 0u);
}

TEST(DnsMessage, TruncatedFlagStopsAfterTheQuestion) {
  auto m = kCnameResponse;
  m[2] |= 0x02;  // TC
  m.resize(40);  // cut inside the answers
  Message out;
  ASSERT_EQ(parse_message(m, out), ParseError::Ok);
  EXPECT_TRUE(out.header.truncated);
  EXPECT_EQ(out.questions.at(0).name, "www.example.com");
}

TEST(DnsMessage, OddOctetsInLabelsAreEscaped) {
  auto m = message_with(0, {0x03, 'a', '.', 0x07, 0x01, 'b', 0x00, 0, 1, 0, 1});
  Message out;
  ASSERT_EQ(parse_message(m, out), ParseError::Ok);
  EXPECT_EQ(out.questions.at(0).name, "a\\.\\007.b");
}

}  // namespace
}  // namespace tapstack::dns
