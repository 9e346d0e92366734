#include "daemon/tap_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <sys/uio.h>

#include <array>
#include <boost/asio/error.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "daemon/unique_fd.hpp"

namespace tapstack::daemon {
namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error(what + ": " + std::strerror(err));
}

bool interface_exists(const std::string& name) { return if_nametoindex(name.c_str()) != 0; }

ifreq make_ifreq(const std::string& name) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return ifr;
}

// The flags an existing TAP was created with (sysfs tun_flags, hex); 0 when unknown.
unsigned creator_flags(const std::string& name) {
  std::ifstream in("/sys/class/net/" + name + "/tun_flags");
  unsigned flags = 0;
  in >> std::hex >> flags;
  return in ? flags : 0;
}

// Opens the TUN/TAP clone device and binds it to the named interface, with a
// virtio-net header when `vnet_header` (an attached TAP: only if its creator
// asked for one, since binding would otherwise change the TAP's flags).
UniqueFd open_tap(const TapOptions& options, bool vnet_header) {
  if (options.name.empty() || options.name.size() >= IFNAMSIZ) {
    throw std::runtime_error("interface name '" + options.name + "' must be 1.." +
                             std::to_string(IFNAMSIZ - 1) + " characters");
  }
  const bool exists = interface_exists(options.name);
  if (options.attach && !exists) {
    throw std::runtime_error("interface " + options.name +
                             " does not exist (interface.attach = true needs a persistent TAP, "
                             "e.g. `ip tuntap add dev " + options.name + " mode tap`)");
  }
  if (!options.attach && exists) {
    throw std::runtime_error("interface " + options.name +
                             " already exists; set interface.attach = true to use it, or choose "
                             "another interface.name");
  }
  UniqueFd fd{::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)};
  if (!fd) {
    const int err = errno;
    if (err == ENOENT) {
      throw std::runtime_error("/dev/net/tun does not exist: load the tun module (modprobe tun)");
    }
    if (err == EACCES || err == EPERM) {
      throw std::runtime_error("cannot open /dev/net/tun: permission denied (run as root or with "
                               "CAP_NET_ADMIN and access to /dev/net/tun)");
    }
    fail("cannot open /dev/net/tun", err);
  }
  ifreq ifr = make_ifreq(options.name);
  ifr.ifr_flags = static_cast<short>(IFF_TAP | IFF_NO_PI | (vnet_header ? IFF_VNET_HDR : 0));
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
    const int err = errno;
    if (err == EPERM) {
      throw std::runtime_error("cannot set up TAP " + options.name +
                               ": operation not permitted (needs CAP_NET_ADMIN)");
    }
    if (err == EBUSY) {
      throw std::runtime_error("TAP " + options.name + " is busy: another process has it open");
    }
    if (err == EINVAL && options.attach) {
      throw std::runtime_error("interface " + options.name + " exists but is not a TAP device");
    }
    fail("cannot set up TAP " + options.name, err);
  }
  return fd;
}

// True when the bound TAP has IFF_VNET_HDR (TUNGETIFF).
bool has_vnet_header(int fd) {
  ifreq ifr{};
  if (::ioctl(fd, TUNGETIFF, &ifr) < 0) fail("cannot read the TAP's flags", errno);
  return (ifr.ifr_flags & IFF_VNET_HDR) != 0;
}

// Header size and offloads: checksums may stay partial, IPv4 TSO super-frames.
void set_offload(int fd, bool on) {
  int size = static_cast<int>(kVnetHeaderSize);
  if (::ioctl(fd, TUNSETVNETHDRSZ, &size) < 0) fail("cannot set the virtio-net header size", errno);
  const unsigned offloads = on ? TUN_F_CSUM | TUN_F_TSO4 : 0u;
  if (::ioctl(fd, TUNSETOFFLOAD, offloads) < 0) fail("cannot set the TAP's offloads", errno);
}

constexpr int kRxQueueFrames = 10000;

void configure_link(const std::string& name, std::uint32_t mtu) {
  UniqueFd sock{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (!sock) fail("socket for interface configuration", errno);
  ifreq ifr = make_ifreq(name);
  ifr.ifr_mtu = static_cast<int>(mtu);
  if (::ioctl(sock.get(), SIOCSIFMTU, &ifr) < 0) {
    fail("cannot set MTU " + std::to_string(mtu) + " on " + name, errno);
  }
  // The TAP's queue (txqueuelen) holds the frames the kernel has sent and
  // the daemon not yet read: it is the stack's receive ring. The kernel's
  // 1000 lasts a few milliseconds under a SYN flood, less than the daemon
  // may wait for a CPU on a busy machine, and a legitimate SYN dropped there
  // costs its client a 1 s retransmission (tests/e2e/tcp_syn_flood_test.sh).
  // Raised, never lowered: an operator's deeper queue stays.
  ifr = make_ifreq(name);
  if (::ioctl(sock.get(), SIOCGIFTXQLEN, &ifr) == 0 && ifr.ifr_qlen < kRxQueueFrames) {
    ifr.ifr_qlen = kRxQueueFrames;
    if (::ioctl(sock.get(), SIOCSIFTXQLEN, &ifr) < 0) {
      spdlog::warn("{}: cannot set its queue to {} frames: {}", name, kRxQueueFrames, std::strerror(errno));
    }
  }
  ifr = make_ifreq(name);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) < 0) fail("cannot read flags of " + name, errno);
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) < 0) fail("cannot bring " + name + " up", errno);
}

}  // namespace

TapDevice::TapDevice(boost::asio::io_context& io, const TapOptions& options)
    : fd_(io), name_(options.name), max_frame_(options.mtu + 14 + 4) {
  const bool creator_vnet = options.attach && (creator_flags(options.name) & IFF_VNET_HDR) != 0;
  UniqueFd fd = open_tap(options, options.attach ? creator_vnet : options.offload);
  vnet_header_ = has_vnet_header(fd.get());
  if (vnet_header_) set_offload(fd.get(), options.offload);
  offload_ = vnet_header_ && options.offload;
  if (options.offload && !vnet_header_) {
    spdlog::info("{}: offload off: the attached TAP was created without IFF_VNET_HDR",
                 name_);
  }
  configure_link(name_, options.mtu);
  index_ = if_nametoindex(name_.c_str());
  fd_.assign(fd.release());
  // A super-frame is one IPv4 datagram of up to 64 KiB behind its Ethernet header.
  read_buffer_.resize(kVnetHeaderSize + std::max<std::size_t>(max_frame_, 14 + 65535) + 64);
}

TapDevice::~TapDevice() { close(); }

void TapDevice::close() {
  boost::system::error_code ignored;
  fd_.close(ignored);
}

void TapDevice::start(FrameHandler handler, BatchDone batch_done) {
  handler_ = std::move(handler);
  batch_done_ = std::move(batch_done);
  wait_readable();
}

void TapDevice::wait_readable() {
  fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                 [this](const boost::system::error_code& ec) {
                   if (ec) return;  // closed
                   if (drain_reads() > 0) batch_done_();
                   wait_readable();
                 });
}

int TapDevice::drain_reads() {
  // Bounded so a flood cannot starve timers and the RPC: the rest is read on
  // the next wake-up, which comes at once because the fd stays readable.
  int i = 0;
  for (; i < 256; ++i) {
    const ssize_t n = ::read(fd_.native_handle(), read_buffer_.data(), read_buffer_.size());
    if (n <= 0) break;  // EAGAIN, or an error that the next wait reports
    const Bytes bytes(read_buffer_.data(), static_cast<std::size_t>(n));
    ++counters_.rx_frames;
    if (!vnet_header_) {
      handler_(bytes, RxOffload{});
      continue;
    }
    if (bytes.size() < kVnetHeaderSize) continue;
    handler_(bytes.subspan(kVnetHeaderSize), parse_vnet_header(bytes));
  }
  return i;
}

ssize_t TapDevice::write_frame(Bytes frame, std::uint16_t segment_size) {
  if (!vnet_header_) return ::write(fd_.native_handle(), frame.data(), frame.size());
  auto header = make_vnet_header(frame, segment_size);
  std::array<iovec, 2> parts{{{header.data(), header.size()},
                              {const_cast<std::uint8_t*>(frame.data()), frame.size()}}};
  return ::writev(fd_.native_handle(), parts.data(), static_cast<int>(parts.size()));
}

void TapDevice::send(Bytes frame, std::uint16_t segment_size) {
  if (!fd_.is_open()) return;
  if (write_queue_.empty()) {
    const ssize_t n = write_frame(frame, segment_size);
    if (n >= 0) {
      ++counters_.tx_frames;
      return;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ++counters_.tx_errors;
      return;
    }
  }
  if (write_queue_.size() >= kMaxQueuedFrames) {
    ++counters_.tx_queue_drops;
    return;
  }
  write_queue_.push_back(QueuedFrame{{frame.begin(), frame.end()}, segment_size});
  wait_writable();
}

void TapDevice::wait_writable() {
  if (write_waiting_) return;
  write_waiting_ = true;
  fd_.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                 [this](const boost::system::error_code& ec) {
                   write_waiting_ = false;
                   if (ec) return;
                   flush_queue();
                 });
}

void TapDevice::flush_queue() {
  while (!write_queue_.empty()) {
    const auto& frame = write_queue_.front();
    const ssize_t n = write_frame(frame.bytes, frame.segment_size);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_writable();
      return;
    }
    if (n < 0) {
      ++counters_.tx_errors;
    } else {
      ++counters_.tx_frames;
    }
    write_queue_.pop_front();
  }
}

}  // namespace tapstack::daemon
