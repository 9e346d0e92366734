#include "stack/tcp/buffers.hpp"

#include <algorithm>
#include <cassert>
#include <iterator>

namespace tapstack::tcp {

namespace {
constexpr std::size_t kFirstAllocation = 4096;
}  // namespace

void ByteRing::grow_to(std::size_t total) {
  if (total <= allocated_) return;
  const std::size_t want =
      std::min(capacity_, std::max({total, 2 * allocated_, kFirstAllocation}));
  auto fresh = std::make_unique_for_overwrite<std::uint8_t[]>(want);
  peek(0, MutableBytes{fresh.get(), size_});
  data_ = std::move(fresh);
  allocated_ = want;
  head_ = 0;
}

std::size_t ByteRing::write(Bytes bytes) {
  const std::size_t n = std::min(bytes.size(), free());
  if (n == 0) return 0;
  grow_to(size_ + n);
  const std::size_t cap = allocated_;
  std::size_t tail = (head_ + size_) % cap;
  for (std::size_t done = 0; done < n;) {
    const std::size_t chunk = std::min(n - done, cap - tail);
    std::copy_n(bytes.data() + done, chunk, data_.get() + tail);
    done += chunk;
    tail = (tail + chunk) % cap;
  }
  size_ += n;
  return n;
}

std::size_t ByteRing::peek(std::size_t offset, MutableBytes out) const {
  if (offset >= size_) return 0;
  const std::size_t n = std::min(out.size(), size_ - offset);
  const std::size_t cap = allocated_;
  std::size_t at = (head_ + offset) % cap;
  for (std::size_t done = 0; done < n;) {
    const std::size_t chunk = std::min(n - done, cap - at);
    std::copy_n(data_.get() + at, chunk, out.data() + done);
    done += chunk;
    at = (at + chunk) % cap;
  }
  return n;
}

void ByteRing::consume(std::size_t n) {
  assert(n <= size_);
  size_ -= n;
  head_ = size_ == 0 ? 0 : (head_ + n) % allocated_;
  // An emptied first allocation goes back: an idle connection that moved a
  // little holds no ring, and taking it again costs no copy. Grown rings stay.
  if (size_ == 0 && allocated_ <= kFirstAllocation) {
    data_.reset();
    allocated_ = 0;
  }
}

void ByteRing::resize(std::size_t capacity) {
  assert(capacity >= size_);
  capacity_ = capacity;
  if (allocated_ <= capacity_) return;
  // Shrinking below what is held: move the contents into storage that fits.
  auto fresh = std::make_unique_for_overwrite<std::uint8_t[]>(capacity_);
  peek(0, MutableBytes{fresh.get(), size_});
  data_ = std::move(fresh);
  allocated_ = capacity_;
  head_ = 0;
}

std::size_t ReceiveStore::add(std::size_t offset, Bytes data) {
  dropped_ = false;
  if (data.empty()) return 0;
  if (offset > 0) {
    store_out_of_order(delivered_ + offset, data);
    return 0;
  }
  const std::size_t before = ring_.size();
  delivered_ += ring_.write(data);
  pull_contiguous();
  return ring_.size() - before;
}

void ReceiveStore::store_out_of_order(std::uint64_t key, Bytes data) {
  const std::uint64_t end = key + data.size();
  auto after = ooo_.upper_bound(key);
  if (after != ooo_.begin()) {
    const auto held = std::prev(after);
    const std::uint64_t held_end = held->first + held->second.size();
    if (held_end >= end) return;  // already have it (a retransmission)
    if (held_end == key) {
      // Continues a range: one entry per run of segments, not per segment.
      if (ooo_bytes_ + data.size() > ring_.capacity()) {
        dropped_ = true;
        return;
      }
      held->second.insert(held->second.end(), data.begin(), data.end());
      ooo_bytes_ += data.size();
      last_ooo_ = key;
      join_next(held);
      return;
    }
  }
  auto it = ooo_.find(key);
  const std::size_t old_size = it != ooo_.end() ? it->second.size() : 0;
  if (ooo_bytes_ - old_size + data.size() > ring_.capacity() ||
      (it == ooo_.end() && ooo_.size() >= max_segments_)) {
    dropped_ = true;  // bounded memory, even with overlapping segments
    return;
  }
  ooo_bytes_ = ooo_bytes_ - old_size + data.size();
  it = ooo_.try_emplace(key).first;
  it->second.assign(data.begin(), data.end());
  last_ooo_ = key;
  join_next(it);
}

void ReceiveStore::join_next(OutOfOrder::iterator range) {
  const auto next = std::next(range);
  if (next == ooo_.end() || next->first != range->first + range->second.size()) return;
  range->second.insert(range->second.end(), next->second.begin(), next->second.end());
  ooo_.erase(next);
}

void ReceiveStore::pull_contiguous() {
  while (!ooo_.empty()) {
    auto it = ooo_.begin();
    if (it->first > delivered_) break;
    const std::uint64_t skip = delivered_ - it->first;
    if (skip < it->second.size()) {
      const Bytes rest = Bytes(it->second).subspan(static_cast<std::size_t>(skip));
      delivered_ += ring_.write(rest);
    }
    ooo_bytes_ -= it->second.size();
    ooo_.erase(it);
  }
}

std::size_t ReceiveStore::out_of_order_end() const {
  std::uint64_t end = delivered_;
  for (const auto& [key, bytes] : ooo_) end = std::max<std::uint64_t>(end, key + bytes.size());
  return static_cast<std::size_t>(end - delivered_);
}

std::vector<std::pair<std::size_t, std::size_t>> ReceiveStore::out_of_order_ranges(
    std::size_t max) const {
  std::vector<std::pair<std::size_t, std::size_t>> merged;
  for (const auto& [key, bytes] : ooo_) {
    const auto start = static_cast<std::size_t>(key - delivered_);
    const std::size_t end = start + bytes.size();
    if (!merged.empty() && start <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, end);
    } else {
      merged.emplace_back(start, end);
    }
  }
  const auto recent = static_cast<std::size_t>(last_ooo_ - std::min(last_ooo_, delivered_));
  auto first = std::find_if(merged.begin(), merged.end(), [&](const auto& r) {
    return r.first <= recent && recent < r.second;
  });
  if (first != merged.end()) std::rotate(merged.begin(), first, first + 1);
  if (merged.size() > max) merged.resize(max);
  return merged;
}

std::size_t ReceiveStore::read(MutableBytes out) {
  const std::size_t n = ring_.peek(0, out);
  ring_.consume(n);
  return n;
}

}  // namespace tapstack::tcp
