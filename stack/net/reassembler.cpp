#include "stack/net/reassembler.hpp"

#include <algorithm>

namespace tapstack::net {

Reassembler::Verdict Reassembler::check(const Datagram& d, std::size_t start, std::size_t end,
                                        bool last) {
  for (const auto& f : d.fragments) {
    if (f.offset == start && f.end() == end) return Verdict::Duplicate;
  }
  if (last && ((d.payload_size && *d.payload_size != end) ||
               (!d.fragments.empty() && d.fragments.back().end() > end))) {
    return Verdict::Inconsistent;  // two different ends, or data past this end
  }
  if (!last && d.payload_size && end > *d.payload_size) return Verdict::Inconsistent;
  for (const auto& f : d.fragments) {
    if (start < f.end() && f.offset < end) return Verdict::Overlap;
  }
  return Verdict::Accept;
}

Reassembler::Reassembler(const ReassemblySettings& settings, Rng& rng)
    : settings_(settings) {
  const auto key = SipKey::from(rng);
  datagrams_ = Map(0, KeyHash{key});
  sources_ = decltype(sources_)(0, AddressHash{key});
}

std::size_t Reassembler::KeyHash::operator()(const Key& k) const {
  return static_cast<std::size_t>(
      siphash24(key, {(std::uint64_t{k.source} << 32) | k.destination,
                      (std::uint64_t{k.identification} << 8) | k.protocol}));
}

std::size_t Reassembler::AddressHash::operator()(std::uint32_t address) const {
  return static_cast<std::size_t>(siphash24(key, {address}));
}

Reassembler::Map::iterator Reassembler::find_or_create(const Key& key, Instant now) {
  if (const auto it = datagrams_.find(key); it != datagrams_.end()) return it;
  // A source at its share loses its own oldest datagram rather than the new
  // one: the newest is the likeliest to complete, and a host that lost a
  // fragment of each of its datagrams would otherwise be shut out until they
  // time out. Either way a flood only ever costs its own source.
  if (const auto s = sources_.find(key.source);
      s != sources_.end() && s->second.age.size() >= settings_.source_datagrams()) {
    discard(datagrams_.find(s->second.age.front()));
    ++counters_.dropped_source_share;
  } else if (datagrams_.size() >= settings_.max_datagrams && !age_.empty()) {
    discard(datagrams_.find(age_.front()));
    ++counters_.dropped_evicted;
  }
  Source& source = sources_[key.source];
  Datagram d;
  d.deadline = now + settings_.timeout;
  d.age = age_.insert(age_.end(), key);
  d.source = &source;
  d.source_age = source.age.insert(source.age.end(), key);
  return datagrams_.emplace(key, std::move(d)).first;
}

template <typename Fits>
bool Reassembler::evict_until(const Age& age, const Map::iterator& keep, std::uint64_t& counter,
                              Fits fits) {
  while (!fits()) {
    auto oldest = age.begin();
    if (oldest != age.end() && *oldest == keep->first) ++oldest;
    if (oldest == age.end()) return false;
    discard(datagrams_.find(*oldest));
    ++counter;
  }
  return true;
}

bool Reassembler::reserve(std::size_t bytes, const Map::iterator& keep) {
  // The source's share first, from its own oldest datagrams, so that one
  // source filling the total evicts none of the others'.
  const Source& source = *keep->second.source;
  return evict_until(source.age, keep, counters_.dropped_source_share,
                     [&] { return source.bytes + bytes <= settings_.source_bytes(); }) &&
         evict_until(age_, keep, counters_.dropped_evicted,
                     [&] { return bytes_held_ + bytes <= settings_.max_bytes; });
}

void Reassembler::discard(Map::iterator it) {
  Datagram& d = it->second;
  bytes_held_ -= d.bytes;
  d.source->bytes -= d.bytes;
  d.source->age.erase(d.source_age);
  if (d.source->age.empty()) sources_.erase(it->first.source);
  age_.erase(d.age);
  datagrams_.erase(it);
}

std::optional<std::vector<std::uint8_t>> Reassembler::add(const wire::Ipv4View& fragment,
                                                          Instant now) {
  ++counters_.fragments;
  const Bytes payload = fragment.payload();
  const std::size_t start = fragment.fragment_offset();
  const std::size_t end = start + payload.size();
  const bool last = !fragment.more_fragments();
  // RFC 791: every fragment but the last carries a multiple of 8 bytes.
  if (!last && (payload.empty() || payload.size() % 8 != 0)) {
    ++counters_.dropped_bad_length;
    return std::nullopt;
  }
  const Key key{fragment.source().value(), fragment.destination().value(),
                fragment.identification(), fragment.protocol()};
  if (end + fragment.header_length() > wire::kIpv4MaxDatagramSize) {
    if (const auto it = datagrams_.find(key); it != datagrams_.end()) discard(it);
    ++counters_.dropped_too_big;
    return std::nullopt;
  }
  auto it = find_or_create(key, now);
  Datagram& d = it->second;
  switch (check(d, start, end, last)) {
    case Verdict::Accept: break;
    case Verdict::Duplicate:
      ++counters_.dropped_duplicate;
      return std::nullopt;
    case Verdict::Overlap:
      ++counters_.dropped_overlap;
      discard(it);
      return std::nullopt;
    case Verdict::Inconsistent:
      ++counters_.dropped_inconsistent;
      discard(it);
      return std::nullopt;
  }
  if (d.fragments.size() >= settings_.max_fragments_per_datagram) {
    ++counters_.dropped_too_many_fragments;
    discard(it);
    return std::nullopt;
  }
  if (!reserve(payload.size(), it)) {
    ++counters_.dropped_no_memory;
    if (d.fragments.empty()) discard(it);
    return std::nullopt;
  }
  if (last) d.payload_size = end;
  if (start == 0) d.first_header.assign(fragment.header().begin(), fragment.header().end());
  const auto pos = std::upper_bound(d.fragments.begin(), d.fragments.end(), start,
                                    [](std::size_t s, const Fragment& f) { return s < f.offset; });
  d.fragments.insert(pos, Fragment{start, std::vector<std::uint8_t>(payload.begin(), payload.end())});
  d.bytes += payload.size();
  d.source->bytes += payload.size();
  bytes_held_ += payload.size();
  // No overlaps, so the bytes cover [0, size) exactly when their sum is size.
  if (!d.payload_size || d.bytes != *d.payload_size || d.first_header.empty()) return std::nullopt;
  auto datagram = assemble(d);
  discard(it);
  ++counters_.reassembled;
  return datagram;
}

std::vector<std::uint8_t> Reassembler::assemble(const Datagram& d) const {
  std::vector<std::uint8_t> out(d.first_header);
  out.reserve(d.first_header.size() + d.bytes);
  for (const auto& f : d.fragments) out.insert(out.end(), f.data.begin(), f.data.end());
  const bool dont_fragment = (d.first_header[6] & 0x40) != 0;
  wire::ipv4_rewrite_length_and_fragment(out, static_cast<std::uint16_t>(out.size()),
                                         dont_fragment ? 0x4000 : 0);
  return out;
}

std::vector<std::vector<std::uint8_t>> Reassembler::expire(Instant now) {
  std::vector<std::vector<std::uint8_t>> quotes;
  while (!age_.empty()) {
    const auto it = datagrams_.find(age_.front());
    const Datagram& d = it->second;
    if (d.deadline > now) break;
    if (!d.first_header.empty() && !d.fragments.empty() && d.fragments.front().offset == 0) {
      std::vector<std::uint8_t> quote(d.first_header);
      const auto& data = d.fragments.front().data;
      quote.insert(quote.end(), data.begin(),
                   data.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(8, data.size())));
      quotes.push_back(std::move(quote));
    }
    ++counters_.dropped_timeout;
    discard(it);
  }
  return quotes;
}

Instant Reassembler::next_deadline() const {
  return age_.empty() ? Instant::max() : datagrams_.find(age_.front())->second.deadline;
}

}  // namespace tapstack::net
