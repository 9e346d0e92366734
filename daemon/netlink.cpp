#include "daemon/netlink.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <vector>

namespace tapstack::daemon {
namespace {

struct MnlSocketCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};

// Sends one RTM_NEWADDR/RTM_DELADDR request and waits for its ACK.
// Returns 0 or the errno the kernel answered with.
int address_request(std::uint16_t type, std::uint16_t flags, unsigned if_index,
                    const wire::Ipv4Cidr& cidr) {
  std::unique_ptr<mnl_socket, MnlSocketCloser> nl{mnl_socket_open(NETLINK_ROUTE)};
  if (!nl) return errno;
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) return errno;

  std::vector<char> buf(static_cast<std::size_t>(MNL_SOCKET_BUFFER_SIZE));
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  const auto seq = static_cast<std::uint32_t>(std::time(nullptr));
  nlh->nlmsg_seq = seq;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = cidr.prefix_len;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = if_index;
  const std::uint32_t addr = htonl(cidr.address.value());
  mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
  mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
  if (cidr.prefix_len < 31) mnl_attr_put_u32(nlh, IFA_BROADCAST, htonl(cidr.subnet_broadcast().value()));

  if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0) return errno;
  const auto portid = mnl_socket_get_portid(nl.get());
  const ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
  if (n < 0) return errno;
  if (mnl_cb_run(buf.data(), static_cast<std::size_t>(n), seq, portid, nullptr, nullptr) < 0) {
    return errno;
  }
  return 0;
}

}  // namespace

bool add_interface_address(unsigned if_index, const wire::Ipv4Cidr& cidr) {
  const int err = address_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, if_index, cidr);
  if (err == EEXIST) return false;
  if (err != 0) {
    throw std::runtime_error("cannot give the host side address " + cidr.to_string() + ": " +
                             std::strerror(err));
  }
  return true;
}

void remove_interface_address(unsigned if_index, const wire::Ipv4Cidr& cidr) {
  address_request(RTM_DELADDR, 0, if_index, cidr);
}

std::string interface_holding(const wire::Ipv4Address& address, unsigned except_index) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {};
  std::string holder;
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    sockaddr_in sin{};
    std::memcpy(&sin, it->ifa_addr, sizeof sin);
    if (ntohl(sin.sin_addr.s_addr) == address.value() &&
        if_nametoindex(it->ifa_name) != except_index) {
      holder = it->ifa_name;
      break;
    }
  }
  freeifaddrs(list);
  return holder;
}

}  // namespace tapstack::daemon
