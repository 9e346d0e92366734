#include "stack/dns/name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tapstack::dns {
namespace {

TEST(DnsName, ValidHostNames) {
  for (const char* name : {"example.com", "example.com.", "a", "x-1.y_2.Z", "10.0.0.1.in-addr"}) {
    EXPECT_EQ(check_host_name(name), NameError::Ok) << name;
  }
}

TEST(DnsName, InvalidHostNames) {
  EXPECT_EQ(check_host_name(""), NameError::Empty);
  EXPECT_EQ(check_host_name("."), NameError::Empty);
  EXPECT_EQ(check_host_name("a..b"), NameError::EmptyLabel);
  EXPECT_EQ(check_host_name(".a"), NameError::EmptyLabel);
  EXPECT_EQ(check_host_name("a.."), NameError::EmptyLabel);
  EXPECT_EQ(check_host_name(std::string(63, 'a') + ".com"), NameError::Ok);
  EXPECT_EQ(check_host_name(std::string(64, 'a') + ".com"), NameError::LabelTooLong);
  EXPECT_EQ(check_host_name("a b.com"), NameError::BadCharacter);
  EXPECT_EQ(check_host_name("a\\.b"), NameError::BadCharacter);
  EXPECT_EQ(check_host_name("-a.com"), NameError::BadHyphen);
  EXPECT_EQ(check_host_name("a-.com"), NameError::BadHyphen);
}

TEST(DnsName, LengthLimitIs255WireOctets) {
  // 4 labels of 62 + 3 dots = 251 characters, 253 octets on the wire.
  std::string name = std::string(62, 'a') + "." + std::string(62, 'b') + "." +
                     std::string(62, 'c') + "." + std::string(62, 'd');
  EXPECT_EQ(check_host_name(name), NameError::Ok);
  EXPECT_EQ(check_host_name(name + ".e"), NameError::Ok);  // 253 characters, 255 octets
  EXPECT_EQ(check_host_name(name + ".ef"), NameError::NameTooLong);
  EXPECT_EQ(check_host_name(name + ".e."), NameError::Ok);  // a trailing dot does not count
}

TEST(DnsName, NormalizeAndEncode) {
  EXPECT_EQ(normalize_name("WWW.Example.COM."), "www.example.com");
  std::vector<std::uint8_t> out;
  encode_name("ab.c", out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{2, 'a', 'b', 1, 'c', 0}));
  EXPECT_STRNE(describe(NameError::LabelTooLong), "");
}

}  // namespace
}  // namespace tapstack::dns
