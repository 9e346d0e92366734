// Name resolution through the stack's stub resolver (ts_resolve). Numeric
// addresses, a null node and the local names stay with libc. The addrinfo
// lists are built by libc itself from the numeric answers and chained, so
// libc's freeaddrinfo frees them (glibc frees node by node).
#include <arpa/inet.h>
#include <netdb.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "client/preload/shim.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::preload {
namespace {

constexpr std::size_t kMaxAddresses = 16;

bool is_numeric(const char* name) {
  in_addr v4;
  in6_addr v6;
  std::string_view text(name);
  if (const auto pct = text.find('%'); pct != std::string_view::npos) return true;  // scoped IPv6
  return ::inet_pton(AF_INET, name, &v4) == 1 || ::inet_pton(AF_INET6, name, &v6) == 1;
}

bool is_local_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name == "localhost" || name == "localhost.localdomain" || name == "ip6-localhost" ||
         name == "ip6-loopback" || (name.size() > 10 && name.ends_with(".localhost"));
}

bool stays_with_libc(const char* name) {
  return t_inside || !name || !policy().dns_through_stack || is_numeric(name) || is_local_name(name);
}

/// The stack's answer: a count, or -1 with errno.
int resolve(const char* name, in_addr (&out)[kMaxAddresses]) {
  return with_daemon([&] { return ts_resolve(name, out, kMaxAddresses); });
}

int to_eai(int e) {
  switch (e) {
    case ENOENT: return EAI_NONAME;
    case ENODATA: return EAI_NODATA;
    case ETIMEDOUT:
    case EAGAIN: return EAI_AGAIN;
    case ENOMEM: return EAI_MEMORY;
    default: return EAI_FAIL;  // no servers configured, the daemon unreachable…
  }
}

/// Asks libc for the numeric form of each address (it resolves the service
/// and applies the hints) and chains the lists.
int build(const char* name, const in_addr* addresses, int count, const char* service,
          const addrinfo* hints, addrinfo** res) {
  const bool want_v6 = hints && hints->ai_family == AF_INET6;
  addrinfo numeric{};
  if (hints) numeric = *hints;
  numeric.ai_flags = (numeric.ai_flags & ~(AI_CANONNAME | AI_ADDRCONFIG)) | AI_NUMERICHOST;
  addrinfo* head = nullptr;
  addrinfo** tail = &head;
  int last = EAI_NONAME;
  for (int i = 0; i < count; ++i) {
    char text[INET6_ADDRSTRLEN + 8] = "::ffff:";
    ::inet_ntop(AF_INET, &addresses[i], want_v6 ? text + 7 : text, INET_ADDRSTRLEN);
    addrinfo* part = nullptr;
    last = real().getaddrinfo(text, service, &numeric, &part);
    if (last != 0) continue;
    *tail = part;
    while (*tail) tail = &(*tail)->ai_next;
  }
  if (!head) return last;
  if (hints && (hints->ai_flags & AI_CANONNAME)) head->ai_canonname = ::strdup(name);
  *res = head;
  return 0;
}

/// Storage for gethostbyname(): per thread, as glibc's is per process.
struct HostBuffer {
  hostent entry{};
  char name[256]{};
  in_addr addresses[kMaxAddresses]{};
  char* list[kMaxAddresses + 1]{};
  char* aliases[1]{};
};

hostent* host_entry(const char* name, int family) {
  thread_local HostBuffer b;
  if (family != AF_INET) {
    h_errno = NO_DATA;
    return nullptr;
  }
  const int n = resolve(name, b.addresses);
  if (n <= 0) {
    h_errno = n == 0 || errno == ENOENT ? HOST_NOT_FOUND : errno == ENODATA ? NO_DATA : TRY_AGAIN;
    return nullptr;
  }
  std::strncpy(b.name, name, sizeof b.name - 1);
  for (int i = 0; i < n; ++i) b.list[i] = reinterpret_cast<char*>(&b.addresses[i]);
  b.list[n] = nullptr;
  b.entry = hostent{b.name, b.aliases, AF_INET, sizeof(in_addr), b.list};
  return &b.entry;
}

}  // namespace
}  // namespace tapstack::preload

using namespace tapstack::preload;

extern "C" {

TS_EXPORT int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  if (stays_with_libc(node) || (hints && (hints->ai_flags & AI_NUMERICHOST))) {
    return real().getaddrinfo(node, service, hints, res);
  }
  const int family = hints ? hints->ai_family : AF_UNSPEC;
  if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) return EAI_FAMILY;
  if (family == AF_INET6 && !(hints->ai_flags & AI_V4MAPPED)) return EAI_NONAME;  // IPv4 only
  in_addr addresses[kMaxAddresses];
  const int n = resolve(node, addresses);
  if (n < 0) return to_eai(errno);
  if (n == 0) return EAI_NONAME;
  return build(node, addresses, n, service, hints, res);
}

TS_EXPORT hostent* gethostbyname(const char* name) {
  if (stays_with_libc(name)) return real().gethostbyname(name);
  return host_entry(name, AF_INET);
}

TS_EXPORT hostent* gethostbyname2(const char* name, int family) {
  if (stays_with_libc(name)) return real().gethostbyname2(name, family);
  return host_entry(name, family);
}

}  // extern "C"
