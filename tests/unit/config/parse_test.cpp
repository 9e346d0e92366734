// parse_config: valid files become Config values; every bad value is reported
// with FILE:LINE:COL, the key, the problem and what is allowed.
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

TEST(ParseConfig, EmptyFileGivesDefaultsWithoutGatewayOrHostAddress) {
  const auto config = parse_config("", "t.toml");
  Config expected;
  expected.source = "t.toml";
  expected.interface.gateway.reset();
  expected.interface.host_address.reset();
  EXPECT_EQ(config, expected);
}

TEST(ParseConfig, ReadsEveryKindOfValue) {
  const auto config = parse_config(R"(
[interface]
name = "tap7"
attach = true
mac = "02:00:00:aa:bb:cc"
mtu = 9000
address = "192.168.7.2/16"
gateway = "192.168.0.1"
host_address = "192.168.7.1/16"
offload = false
[rpc]
socket = "/tmp/t.sock"
mode = 0o600
group = ""
sessions_per_uid = 8
sockets_total = 131072
[log]
level = "trace"
[arp]
reachable_time_ms = 5000
max_retries = 7
[ip]
ttl = 255
reassembly_timeout_ms = 120000
[icmp]
error_rate_per_second = 0
[services]
echo = true
udp_echo = true
)",
                                   "t.toml");
  const auto& i = config.interface;
  EXPECT_EQ(i.name, "tap7");
  EXPECT_TRUE(i.attach);
  EXPECT_EQ(i.mac, wire::MacAddress({0x02, 0, 0, 0xaa, 0xbb, 0xcc}));
  EXPECT_EQ(i.mtu, 9000u);
  EXPECT_FALSE(i.offload);
  EXPECT_EQ(i.address, (wire::Ipv4Cidr{wire::Ipv4Address{192, 168, 7, 2}, 16}));
  EXPECT_EQ(i.gateway, wire::Ipv4Address(192, 168, 0, 1));
  EXPECT_EQ(i.host_address, (wire::Ipv4Cidr{wire::Ipv4Address{192, 168, 7, 1}, 16}));
  EXPECT_EQ(config.rpc.socket, "/tmp/t.sock");
  EXPECT_EQ(config.rpc.mode, 0600u);
  EXPECT_EQ(config.rpc.group, "");
  EXPECT_EQ(config.rpc.sessions_per_uid, 8u);
  EXPECT_EQ(config.rpc.sessions_total, 256u);
  EXPECT_EQ(config.rpc.sockets_total, 131072u);
  EXPECT_EQ(config.log.level, LogLevel::Trace);
  EXPECT_EQ(config.arp.reachable_time, std::chrono::milliseconds(5000));
  EXPECT_EQ(config.arp.max_retries, 7u);
  EXPECT_EQ(config.ip.ttl, 255);
  EXPECT_EQ(config.ip.reassembly_timeout, std::chrono::milliseconds(120'000));
  EXPECT_EQ(config.icmp.error_rate_per_second, 0u);
  EXPECT_TRUE(config.services.echo);
  EXPECT_FALSE(config.services.discard);
  EXPECT_TRUE(config.services.udp_echo);
  EXPECT_EQ(config.source, "t.toml");
}

TEST(ParseConfig, OffloadIsOnByDefaultAndMustBeABoolean) {
  EXPECT_TRUE(parse_config("", "t.toml").interface.offload);
  EXPECT_TRUE(parse_config("[interface]\noffload = true\n", "t.toml").interface.offload);
  EXPECT_THAT(only_error("[interface]\noffload = 1\n"),
              HasSubstr("interface.offload: expected a boolean, got an integer"));
}

TEST(ParseConfig, NoneClearsGatewayAndHostAddressAndAutoClearsMac) {
  const auto config = parse_config(
      "[interface]\nmac = \"auto\"\ngateway = \"none\"\nhost_address = \"none\"\n", "t.toml");
  EXPECT_FALSE(config.interface.mac);
  EXPECT_FALSE(config.interface.gateway);
  EXPECT_FALSE(config.interface.host_address);
}

TEST(ParseConfig, ModeIsAnOctalIntegerOrAString) {
  EXPECT_EQ(parse_config("[rpc]\nmode = 0o640\n", "t").rpc.mode, 0640u);
  EXPECT_EQ(parse_config("[rpc]\nmode = \"0640\"\n", "t").rpc.mode, 0640u);
  EXPECT_EQ(parse_config("[rpc]\nmode = \"600\"\n", "t").rpc.mode, 0600u);
  EXPECT_EQ(parse_config("[rpc]\nmode = 0\n", "t").rpc.mode, 0u);
  EXPECT_EQ(parse_config("[rpc]\nmode = 0o777\n", "t").rpc.mode, 0777u);
  EXPECT_EQ(only_error("[rpc]\nmode = 0o1000\n"),
            "t.toml:2:8: rpc.mode: 0o1000 is out of range; allowed: 0o0..0o777, as an octal "
            "integer (0o660) or a string (\"0660\")");
  EXPECT_THAT(only_error("[rpc]\nmode = 660\n"), HasSubstr("rpc.mode: 660 is out of range"));
  EXPECT_THAT(only_error("[rpc]\nmode = \"0869\"\n"),
              HasSubstr("rpc.mode: \"0869\" is not an octal number"));
  EXPECT_THAT(only_error("[rpc]\nmode = true\n"),
              HasSubstr("rpc.mode: expected an integer or a string, got a boolean"));
}

TEST(ParseConfig, RpcLimitsAreBounded) {
  EXPECT_EQ(only_error("[rpc]\nsockets_total = 0\n"),
            "t.toml:2:17: rpc.sockets_total: 0 is out of range; allowed: 1..1048576");
  EXPECT_THAT(only_error("[rpc]\nsessions_per_uid = -1\n"),
              HasSubstr("rpc.sessions_per_uid: -1 is out of range; allowed: 1..65536"));
}

TEST(ParseConfig, EveryLogLevelIsAccepted) {
  for (auto level : {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn,
                     LogLevel::Error, LogLevel::Off}) {
    const std::string text = "[log]\nlevel = \"" + std::string(to_string(level)) + "\"\n";
    EXPECT_EQ(parse_config(text, "t").log.level, level) << text;
  }
  EXPECT_EQ(only_error("[log]\nlevel = \"verbose\"\n"),
            "t.toml:2:9: log.level: \"verbose\" is not a log level; allowed: trace, debug, info, "
            "warn, error or off");
}

// --- the error cases the issue lists, each with its whole message ---

TEST(ConfigErrors, UnknownKeySuggestsTheClosestName) {
  EXPECT_EQ(only_error("[interface]\nmtuu = 1500\n"),
            "t.toml:2:1: interface.mtuu: unknown key (did you mean 'mtu'?); allowed: name, "
            "attach, mac, mtu, address, gateway, host_address, offload");
}

TEST(ConfigErrors, UnknownKeyFarFromAnyNameHasNoSuggestion) {
  EXPECT_EQ(only_error("[ip]\nfrobnicate = 1\n"),
            "t.toml:2:1: ip.frobnicate: unknown key; allowed: ttl, reassembly_timeout_ms, "
            "reassembly_max_datagrams, reassembly_max_bytes");
}

TEST(ConfigErrors, DurationWithoutItsUnitSuffixSuggestsTheMsKey) {
  EXPECT_THAT(only_error("[arp]\nstale_time = 1000\n"),
              HasSubstr("arp.stale_time: unknown key (did you mean 'stale_time_ms'?)"));
}

TEST(ConfigErrors, UnknownSection) {
  EXPECT_THAT(only_error("[interfce]\nmtu = 1500\n"),
              ::testing::StartsWith(
                  "t.toml:1:2: interfce: unknown section (did you mean 'interface'?); allowed: "
                  "interface, rpc, log, arp, ip, icmp, tcp, udp, dns, services"));
  EXPECT_THAT(only_error("[nothing_like_it]\n"), HasSubstr("nothing_like_it: unknown section;"));
}

TEST(ConfigErrors, SectionThatIsNotATable) {
  EXPECT_EQ(only_error("log = \"debug\"\n"),
            "t.toml:1:7: log: expected a table, got a string; allowed: a table: [log]");
}

TEST(ConfigErrors, WrongType) {
  EXPECT_EQ(only_error("[interface]\nmtu = \"1500\"\n"),
            "t.toml:2:7: interface.mtu: expected an integer, got a string; allowed: 576..9000");
  EXPECT_THAT(only_error("[interface]\nname = 5\n"),
              HasSubstr("interface.name: expected a string, got an integer"));
  EXPECT_THAT(only_error("[services]\necho = \"yes\"\n"),
              HasSubstr("t.toml:2:8: services.echo: expected a boolean, got a string; allowed: "
                        "true or false"));
  EXPECT_THAT(only_error("[ip]\nttl = 64.0\n"), HasSubstr("expected an integer, got a float"));
  EXPECT_THAT(only_error("[ip]\nttl = [64]\n"), HasSubstr("expected an integer, got an array"));
  EXPECT_THAT(only_error("[ip]\nttl = {a = 1}\n"), HasSubstr("expected an integer, got a table"));
  EXPECT_THAT(only_error("[ip]\nttl = 1979-05-27\n"), HasSubstr("expected an integer, got a date"));
}

TEST(ConfigErrors, BadCidr) {
  EXPECT_EQ(only_error("[interface]\naddress = \"10.0.0.300/24\"\nhost_address = \"none\"\n"),
            "t.toml:2:11: interface.address: \"10.0.0.300/24\" is not an IPv4 address with a "
            "prefix length; allowed: a unicast address with its prefix, such as \"10.0.0.2/24\"");
  EXPECT_THAT(errors_of("[interface]\naddress = \"10.0.0.2\"\n"),
              ElementsAre(HasSubstr("\"10.0.0.2\" is not an IPv4 address with a prefix length")));
  EXPECT_THAT(errors_of("[interface]\naddress = \"10.0.0.2/33\"\n"),
              ElementsAre(HasSubstr("is not an IPv4 address with a prefix length")));
  EXPECT_THAT(errors_of("[interface]\naddress = \"10.0.0.0/24\"\n"),
              ElementsAre(HasSubstr("\"10.0.0.0/24\" is the subnet's network address")));
  EXPECT_THAT(errors_of("[interface]\naddress = \"10.0.0.255/24\"\n"),
              ElementsAre(HasSubstr("\"10.0.0.255/24\" is the subnet's broadcast address")));
  EXPECT_THAT(errors_of("[interface]\naddress = \"224.0.0.1/24\"\n"),
              ElementsAre(HasSubstr("is not a unicast address")));
  EXPECT_THAT(errors_of("[interface]\naddress = \"10.0.0.2/0\"\n"),
              ElementsAre(HasSubstr("has prefix length 0")));
  // /31 and /32 have no network or broadcast address (RFC 3021).
  EXPECT_EQ(parse_config("[interface]\naddress = \"10.0.0.0/31\"\n", "t").interface.address,
            (wire::Ipv4Cidr{wire::Ipv4Address{10, 0, 0, 0}, 31}));
}

TEST(ConfigErrors, BadMac) {
  EXPECT_EQ(only_error("[interface]\nmac = \"02:00:00:00:00\"\n"),
            "t.toml:2:7: interface.mac: \"02:00:00:00:00\" is not a MAC address; allowed: "
            "\"auto\" or a unicast MAC such as \"02:00:00:00:00:01\"");
  EXPECT_THAT(only_error("[interface]\nmac = \"01:00:5e:00:00:01\"\n"),
              HasSubstr("interface.mac: \"01:00:5e:00:00:01\" is a multicast MAC address"));
  EXPECT_THAT(only_error("[interface]\nmac = \"ff:ff:ff:ff:ff:ff\"\n"),
              HasSubstr("is a multicast MAC address"));
  EXPECT_THAT(only_error("[interface]\nmac = \"00:00:00:00:00:00\"\n"),
              HasSubstr("is the all-zero MAC address"));
}

TEST(ConfigErrors, MtuOutOfRange) {
  EXPECT_EQ(only_error("[interface]\nmtu = 70000\n"),
            "t.toml:2:7: interface.mtu: 70000 is out of range; allowed: 576..9000");
  EXPECT_THAT(only_error("[interface]\nmtu = 575\n"), HasSubstr("575 is out of range"));
  EXPECT_EQ(parse_config("[interface]\nmtu = 576\n", "t").interface.mtu, 576u);
  EXPECT_EQ(parse_config("[interface]\nmtu = 9000\n", "t").interface.mtu, 9000u);
}

// The generic integer range check, at both ends, on other ranged keys.
TEST(ConfigErrors, IntegerRangesAreCheckedAtBothEnds) {
  EXPECT_EQ(only_error("[ip]\nttl = 0\n"), "t.toml:2:7: ip.ttl: 0 is out of range; allowed: 1..255");
  EXPECT_EQ(only_error("[ip]\nttl = 256\n"),
            "t.toml:2:7: ip.ttl: 256 is out of range; allowed: 1..255");
  EXPECT_THAT(only_error("[ip]\nttl = -1\n"), HasSubstr("-1 is out of range"));
  EXPECT_THAT(only_error("[ip]\nttl = 0x100\n"), HasSubstr("0x100 is out of range"));
  EXPECT_EQ(parse_config("[ip]\nttl = 1\n", "t").ip.ttl, 1);
  EXPECT_EQ(parse_config("[ip]\nttl = 255\n", "t").ip.ttl, 255);
  EXPECT_THAT(only_error("[arp]\nretry_interval_ms = 99\n"),
              HasSubstr("arp.retry_interval_ms: 99 is out of range; allowed: 100..60000"));
  EXPECT_THAT(only_error("[arp]\nmax_entries = 9223372036854775807\n"),
              HasSubstr("9223372036854775807 is out of range; allowed: 1..1048576"));
  EXPECT_THAT(only_error("[ip]\nreassembly_max_bytes = 65534\n"),
              HasSubstr("allowed: 65535..1073741824"));
}

TEST(ConfigErrors, GatewayMustBeInsideTheSubnet) {
  EXPECT_EQ(only_error("[interface]\naddress = \"10.0.0.2/24\"\ngateway = \"10.0.1.1\"\n"),
            "t.toml:3:11: interface.gateway: \"10.0.1.1\" is not inside interface.address's "
            "subnet 10.0.0.0/24; allowed: an address inside interface.address's subnet other "
            "than itself");
  EXPECT_THAT(only_error("[interface]\ngateway = \"10.0.0.2\"\n"),
              HasSubstr("\"10.0.0.2\" is interface.address"));
  EXPECT_THAT(only_error("[interface]\ngateway = \"10.0.0.255\"\n"),
              HasSubstr("is the subnet's network or broadcast address"));
  EXPECT_THAT(only_error("[interface]\ngateway = \"10.0.0\"\n"),
              HasSubstr("interface.gateway: \"10.0.0\" is not an IPv4 address; allowed: a unicast "
                        "address inside the subnet, such as \"10.0.0.1\", or \"none\""));
}

TEST(ConfigErrors, RulesDoNotJudgeTheDefaultLeftByARefusedValue) {
  // 192.168.1.1 is outside the default 10.0.0.0/24, but the address was refused.
  EXPECT_THAT(errors_of("[interface]\naddress = \"192.168.1.2/33\"\ngateway = \"192.168.1.1\"\n"
                        "host_address = \"192.168.1.1/24\"\n"),
              ElementsAre(HasSubstr("interface.address: \"192.168.1.2/33\" is not")));
}

TEST(ConfigErrors, HostAddressMustShareTheSubnetAndDiffer) {
  EXPECT_EQ(only_error("[interface]\nhost_address = \"10.0.0.2/24\"\n"),
            "t.toml:2:16: interface.host_address: \"10.0.0.2/24\" has the same address as "
            "interface.address; allowed: an address in interface.address's subnet, same prefix, "
            "other than interface.address");
  EXPECT_THAT(only_error("[interface]\nhost_address = \"10.0.5.1/24\"\n"),
              HasSubstr("\"10.0.5.1/24\" is not in interface.address's subnet 10.0.0.0/24"));
  EXPECT_THAT(only_error("[interface]\nhost_address = \"10.0.0.1/16\"\n"),
              HasSubstr("is not in interface.address's subnet"));
}

TEST(ConfigErrors, StringKeysAreChecked) {
  EXPECT_THAT(only_error("[interface]\nname = \"\"\n"), HasSubstr("\"\" is not 1 to 15 bytes long"));
  EXPECT_THAT(only_error("[interface]\nname = \"a-very-long-name0\"\n"),
              HasSubstr("is not 1 to 15 bytes long"));
  EXPECT_THAT(only_error("[interface]\nname = \"tap/0\"\n"),
              HasSubstr("contains '/', ':' or a space"));
  EXPECT_THAT(only_error("[rpc]\nsocket = \"run/x.sock\"\n"),
              HasSubstr("rpc.socket: \"run/x.sock\" is not an absolute path"));
  EXPECT_THAT(only_error("[rpc]\nsocket = \"/" + std::string(107, 'x') + "\"\n"),
              HasSubstr("is longer than 107 bytes"));
  EXPECT_THAT(only_error("[rpc]\ngroup = \"a b\"\n"), HasSubstr("contains ':' or a space"));
}

TEST(ConfigErrors, SyntaxErrorCarriesTomlsPosition) {
  const auto message = only_error("[interface]\nmtu = = 1500\n");
  EXPECT_THAT(message, HasSubstr("t.toml:2:7: syntax error: "));
}

TEST(ConfigErrors, DuplicateKeyIsASyntaxError) {
  EXPECT_THAT(only_error("[ip]\nttl = 1\nttl = 2\n"), HasSubstr("t.toml:3:7: syntax error: "));
}

TEST(ConfigErrors, EveryErrorIsCollectedInFileOrder) {
  const auto messages = errors_of(R"([interface]
mtuu = 1500
mtu = 70000
mac = "x"
[bogus]
[ip]
ttl = "64"
)");
  EXPECT_THAT(messages, ElementsAre(HasSubstr("t.toml:2:1: interface.mtuu: unknown key"),
                                    HasSubstr("t.toml:3:7: interface.mtu: 70000 is out of range"),
                                    HasSubstr("t.toml:4:7: interface.mac: \"x\" is not a MAC"),
                                    HasSubstr("t.toml:5:2: bogus: unknown section"),
                                    HasSubstr("t.toml:7:7: ip.ttl: expected an integer")));
}

TEST(ConfigErrors, ExceptionWhatJoinsEveryMessage) {
  try {
    parse_config("[ip]\nttl = 0\n[interface]\nmtu = 1\n", "t.toml");
    FAIL() << "expected a ConfigException";
  } catch (const ConfigException& e) {
    ASSERT_EQ(e.errors().size(), 2u);
    EXPECT_EQ(std::string(e.what()), e.errors()[0].message + "\n" + e.errors()[1].message);
  }
}

TEST(LoadConfig, MissingFile) {
  try {
    load_config("/nonexistent/tapstack.toml");
    FAIL() << "expected a ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot read /nonexistent/tapstack.toml: No such file or directory");
  }
}

TEST(LoadConfig, DirectoryIsUnreadable) {
  EXPECT_THROW(load_config("/"), ConfigException);
}

TEST(DescribeKeys, ListsEveryKeyWithItsMeaningAndAllowedValues) {
  const auto text = describe_keys();
  EXPECT_THAT(text, HasSubstr("interface.mtu: the link's MTU in bytes; allowed: 576..9000\n"));
  EXPECT_THAT(text, HasSubstr("services.udp_echo: "));
}

}  // namespace
}  // namespace tapstack::config
