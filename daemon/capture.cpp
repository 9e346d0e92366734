#include "daemon/capture.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "stack/trace_format.hpp"

namespace tapstack::daemon {
namespace {

constexpr std::size_t kMaxQueued = 4 * 1024 * 1024;  // per subscriber
constexpr std::size_t kEthernetHeader = 14;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;

std::uint16_t be16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
std::uint32_t be32(Bytes b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

/// The IPv4 header's offset facts of an Ethernet frame, if it carries IPv4.
struct Ipv4View {
  std::uint32_t src = 0, dst = 0;
  std::uint8_t protocol = 0;
  Bytes transport;  // empty for non-first fragments
};

std::optional<Ipv4View> ipv4_of(Bytes frame) {
  if (frame.size() < kEthernetHeader + 20 || be16(frame, 12) != kEtherTypeIpv4) return std::nullopt;
  const Bytes ip = frame.subspan(kEthernetHeader);
  const std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
  if ((ip[0] >> 4) != 4 || ihl < 20 || ip.size() < ihl) return std::nullopt;
  Ipv4View v{be32(ip, 12), be32(ip, 16), ip[9], {}};
  const bool first_fragment = (be16(ip, 6) & 0x1fff) == 0;
  const std::size_t total = std::min<std::size_t>(be16(ip, 2), ip.size());
  if (first_fragment && total > ihl) v.transport = ip.subspan(ihl, total - ihl);
  return v;
}

std::uint64_t wall_micros() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

bool CaptureFilter::matches(Bytes frame) const {
  if (address == 0 && port == 0) return true;
  const auto ip = ipv4_of(frame);
  if (!ip) return false;
  if (address != 0 && ip->src != address && ip->dst != address) return false;
  if (port == 0) return true;
  if ((ip->protocol != kProtoTcp && ip->protocol != kProtoUdp) || ip->transport.size() < 4) {
    return false;
  }
  return be16(ip->transport, 0) == port || be16(ip->transport, 2) == port;
}

Capture::Capture(boost::asio::io_context& io, std::string interface)
    : io_(io), interface_(std::move(interface)) {}

Capture::~Capture() {
  if (file_ != nullptr) std::fclose(file_);
}

void Capture::note_segment(const TraceEvent& event) {
  if (!active()) return;
  std::string comment = segment_reason(event);
  if (comment.empty()) return;
  notes_[next_note_] = Note{event.tuple.local_port, event.tuple.remote_port,
                            static_cast<std::uint32_t>(event.a),
                            static_cast<std::uint8_t>(event.c), std::move(comment)};
  next_note_ = (next_note_ + 1) % notes_.size();
}

std::string Capture::comment_for(Bytes frame) {
  const auto ip = ipv4_of(frame);
  if (!ip || ip->protocol != kProtoTcp || ip->transport.size() < 14) return {};
  const Bytes tcp = ip->transport;
  for (Note& n : notes_) {
    if (!n.comment.empty() && n.src_port == be16(tcp, 0) && n.dst_port == be16(tcp, 2) &&
        n.seq == be32(tcp, 4) && n.flags == tcp[13]) {
      return std::exchange(n.comment, {});
    }
  }
  return {};
}

void Capture::on_frame(Bytes frame, pcapng::Direction direction) {
  if (!active()) return;
  const std::uint64_t at = wall_micros();
  const std::string comment = direction == pcapng::Direction::Out ? comment_for(frame) : "";
  if (file_ != nullptr) write_file(pcapng::packet(at, frame, direction, comment));
  bool pruned = false;
  for (Subscriber& s : subscribers_) {
    if (s.out->closed() || (s.limited && s.remaining == 0)) {
      pruned = true;
      continue;
    }
    if (!s.filter.matches(frame)) continue;
    std::string note = comment;
    if (const auto lost = s.out->unreported_lost(); lost > 0) {
      note += (note.empty() ? "" : "; ") + std::to_string(lost) +
              " frames lost before this one (slow reader)";
    }
    if (s.out->push(pcapng::packet(at, frame, direction, note))) {
      s.out->clear_unreported();
      if (s.limited && --s.remaining == 0) s.out->finish();
    }
  }
  if (pruned) {
    std::erase_if(subscribers_, [](const Subscriber& s) {
      return s.out->closed() || (s.limited && s.remaining == 0);
    });
    spdlog::info("capture: subscriber gone ({} left)", subscribers_.size());
  }
}

std::shared_ptr<StreamOut> Capture::subscribe(UniqueFd fd, const CaptureFilter& filter,
                                              std::uint64_t count) {
  auto out = std::make_shared<StreamOut>(io_, std::move(fd), kMaxQueued, nullptr);
  out->start();
  out->push(pcapng::header(interface_));
  subscribers_.push_back(Subscriber{out, filter, count, count > 0});
  spdlog::info("capture: subscriber added ({} now)", subscribers_.size());
  return out;
}

bool Capture::open_file(const CaptureFileSettings& settings) {
  file_settings_ = settings;
  file_ = std::fopen(settings.path.c_str(), "wb");
  if (file_ == nullptr) {
    spdlog::error("capture: cannot open {}: {}", settings.path, std::strerror(errno));
    return false;
  }
  file_bytes_ = 0;
  write_file(pcapng::header(interface_));
  spdlog::info("capture: writing {}", settings.path);
  return true;
}

void Capture::write_file(const std::vector<std::uint8_t>& block) {
  if (file_settings_.rotate_bytes != 0 && file_bytes_ > 0 &&
      file_bytes_ + block.size() > file_settings_.rotate_bytes) {
    rotate();
    if (file_ == nullptr) return;
  }
  if (std::fwrite(block.data(), 1, block.size(), file_) != block.size()) {
    spdlog::error("capture: writing {} failed: {}; capture to the file stops",
                  file_settings_.path, std::strerror(errno));
    std::fclose(file_);
    file_ = nullptr;
    return;
  }
  file_bytes_ += block.size();
  std::fflush(file_);
}

void Capture::rotate() {
  std::fclose(file_);
  file_ = nullptr;
  const std::string& base = file_settings_.path;
  // path.(n-1) … path.1 move up by one; the oldest falls off.
  for (std::uint32_t i = file_settings_.files > 1 ? file_settings_.files - 1 : 0; i > 1; --i) {
    (void)std::rename((base + "." + std::to_string(i - 1)).c_str(),
                      (base + "." + std::to_string(i)).c_str());
  }
  if (file_settings_.files > 1) (void)std::rename(base.c_str(), (base + ".1").c_str());
  (void)open_file(file_settings_);
}

}  // namespace tapstack::daemon
