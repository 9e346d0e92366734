// --set overrides: "section.key=value" with a TOML value (a bare word is a
// string), applied on top of the file and validated like a file value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "unit/config/config_test_support.hpp"

namespace tapstack::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::errors_of;
using testing::only_error;

std::string override_error(std::string_view text) {
  try {
    parse_override(text);
  } catch (const ConfigException& e) {
    return e.what();
  }
  return "no error";
}

TEST(ParseOverride, SplitsKeyAndValue) {
  const auto o = parse_override("interface.mtu=9000");
  EXPECT_EQ(o.key, "interface.mtu");
  EXPECT_EQ(o.value, "9000");
  const auto spaced = parse_override(" interface.name = tap1 ");
  EXPECT_EQ(spaced.key, "interface.name");
  EXPECT_EQ(spaced.value, "tap1");
  EXPECT_EQ(parse_override("rpc.group=").value, "");
}

TEST(ParseOverride, BadSyntax) {
  EXPECT_EQ(override_error("interface.mtu"),
            "--set interface.mtu: expected SECTION.KEY=VALUE; allowed: a section.key, '=' and a "
            "TOML value or a bare word, e.g. interface.mtu=9000 or interface.name=tap1");
  EXPECT_THAT(override_error("mtu=9000"), HasSubstr("expected SECTION.KEY=VALUE"));
  EXPECT_THAT(override_error(".mtu=9000"), HasSubstr("expected SECTION.KEY=VALUE"));
  EXPECT_THAT(override_error("interface.=9000"), HasSubstr("expected SECTION.KEY=VALUE"));
  EXPECT_THAT(override_error("a.b.c=1"), HasSubstr("expected SECTION.KEY=VALUE"));
  EXPECT_THAT(override_error("=1"), HasSubstr("expected SECTION.KEY=VALUE"));
}

TEST(ParseOverride, LeavesKeyAndValueToTheLoader) {
  // Unknown keys and bad values are configuration errors, found with the file.
  EXPECT_NO_THROW(parse_override("interface.mtuu=9000"));
  EXPECT_NO_THROW(parse_override("interface.mtu=70000"));
}

TEST(Overrides, UnknownKeyAndSection) {
  EXPECT_EQ(only_error("", {parse_override("interface.mtuu=9000")}),
            "--set interface.mtuu=9000: interface.mtuu: unknown key (did you mean 'mtu'?); "
            "allowed: name, attach, mac, mtu, address, gateway, host_address, offload");
  EXPECT_THAT(only_error("", {parse_override("servics.echo=true")}),
              HasSubstr("--set servics.echo=true: servics: unknown section (did you mean "
                        "'services'?)"));
  // Built directly, bypassing parse_override's syntax check.
  EXPECT_THAT(only_error("", {Override{"nope", "1"}}), HasSubstr("--set nope=1: nope: unknown "));
}

TEST(Overrides, BadValue) {
  EXPECT_EQ(only_error("", {parse_override("interface.mtu=70000")}),
            "--set interface.mtu=70000: interface.mtu: 70000 is out of range; allowed: 576..9000");
  EXPECT_EQ(only_error("", {parse_override("services.echo=yes")}),
            "--set services.echo=yes: services.echo: expected a boolean, got a string; allowed: "
            "true or false");
  EXPECT_THAT(only_error("", {parse_override("interface.mac=01:00:5e:00:00:01")}),
              HasSubstr("is a multicast MAC address"));
  EXPECT_THAT(only_error("", {parse_override("interface.name=1234")}),
              HasSubstr("interface.name: expected a string, got an integer"));
}

TEST(Overrides, ValuesAreTomlOrBareStrings) {
  const auto config = parse_config("", "t.toml",
                                   {parse_override("interface.name=tap1"),
                                    parse_override("interface.mtu=9000"),
                                    parse_override("services.echo=true"),
                                    parse_override("interface.address=192.168.1.2/24"),
                                    parse_override("interface.gateway=\"192.168.1.1\""),
                                    parse_override("rpc.mode=0o600"),
                                    parse_override("rpc.group=\"\""),
                                    parse_override("log.level=debug")});
  EXPECT_EQ(config.interface.name, "tap1");
  EXPECT_EQ(config.interface.mtu, 9000u);
  EXPECT_TRUE(config.services.echo);
  EXPECT_EQ(config.interface.address, (wire::Ipv4Cidr{wire::Ipv4Address{192, 168, 1, 2}, 24}));
  EXPECT_EQ(config.interface.gateway, wire::Ipv4Address(192, 168, 1, 1));
  EXPECT_EQ(config.rpc.mode, 0600u);
  EXPECT_EQ(config.rpc.group, "");
  EXPECT_EQ(config.log.level, LogLevel::Debug);
}

TEST(Overrides, ModeAsABareWordIsAnOctalString) {
  EXPECT_EQ(parse_config("", "t", {parse_override("rpc.mode=0640")}).rpc.mode, 0640u);
}

TEST(Overrides, ReplaceTheFilesValueBeforeItIsChecked) {
  const auto config =
      parse_config("[interface]\nmtu = 70000\n", "t.toml", {parse_override("interface.mtu=1280")});
  EXPECT_EQ(config.interface.mtu, 1280u);
}

TEST(Overrides, TheLastOfSeveralWins) {
  const auto config = parse_config(
      "", "t", {parse_override("ip.ttl=1"), parse_override("ip.ttl=2"), parse_override("ip.ttl=3")});
  EXPECT_EQ(config.ip.ttl, 3);
}

TEST(Overrides, CrossKeyRulesSeeTheOverriddenValue) {
  EXPECT_NO_THROW(parse_config("[interface]\naddress = \"192.168.1.2/24\"\n", "t",
                               {parse_override("interface.gateway=192.168.1.1")}));
  EXPECT_EQ(only_error("[interface]\naddress = \"10.0.0.2/24\"\n",
                       {parse_override("interface.gateway=192.168.1.1")}),
            "--set interface.gateway=192.168.1.1: interface.gateway: \"192.168.1.1\" is not inside "
            "interface.address's subnet 10.0.0.0/24; allowed: an address inside "
            "interface.address's subnet other than itself");
}

TEST(Overrides, ErrorsFromTheFileComeBeforeThoseFromOverrides) {
  EXPECT_THAT(errors_of("[ip]\nttl = 0\n", {Override{"interface.mtu", "1"}}),
              ElementsAre(HasSubstr("t.toml:2:7: ip.ttl"), HasSubstr("--set interface.mtu=1")));
}

TEST(Overrides, ExtraTomlAfterTheValueIsAString) {
  // "1\nx = 2" would be two keys; it is taken as the string it is.
  EXPECT_THAT(only_error("", {Override{"ip.ttl", "1\nx = 2"}}),
              HasSubstr("ip.ttl: expected an integer, got a string"));
}

}  // namespace
}  // namespace tapstack::config
