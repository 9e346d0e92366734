#pragma once
// The per-connection byte stores: a ring for data the user queued to send
// (unacknowledged and unsent), and a receive store that delivers in order
// and keeps a bounded number of out-of-order segments (RFC 9293 §3.10.7.4
// step 7 allows, and RFC 5681 §4.2 assumes, keeping them).
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "stack/base/bytes.hpp"

namespace tapstack::tcp {

/// A byte ring of fixed capacity. Its storage grows on demand up to the
/// capacity: most connections carry far less than their buffer size, and
/// allocating (and zeroing) both full buffers at open was most of the cost of
/// a short connection. A first (smallest) allocation is freed once emptied.
class ByteRing {
 public:
  explicit ByteRing(std::size_t capacity) : capacity_(capacity) {}

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t free() const { return capacity_ - size_; }
  bool empty() const { return size_ == 0; }
  /// Appends as much of `bytes` as fits; returns how much.
  std::size_t write(Bytes bytes);
  /// Copies up to out.size() bytes starting `offset` bytes into the ring.
  std::size_t peek(std::size_t offset, MutableBytes out) const;
  /// Drops n bytes from the front (n <= size()).
  void consume(std::size_t n);
  /// Changes the capacity, keeping the contents (new capacity >= size()).
  void resize(std::size_t capacity);
  /// Bytes of storage held now (at most capacity()).
  std::size_t allocated() const { return allocated_; }

 private:
  /// Makes the storage hold at least `total` bytes, contents kept.
  void grow_to(std::size_t total);

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t allocated_ = 0;
  std::size_t capacity_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

/// In-order delivery with out-of-order segments held aside. Offsets are
/// relative to the next byte expected (RCV.NXT); the caller has trimmed
/// data to the receive window, so everything stored fits the ring.
class ReceiveStore {
 public:
  /// `max_segments` bounds the out-of-order runs (holes), not the segments.
  ReceiveStore(std::size_t capacity, std::size_t max_segments)
      : ring_(capacity), max_segments_(max_segments) {}

  /// Stores data starting `offset` bytes after RCV.NXT. Returns how many
  /// bytes RCV.NXT advances (0 when the data went out of order or was
  /// dropped because the out-of-order table is full).
  std::size_t add(std::size_t offset, Bytes data);
  std::size_t read(MutableBytes out);

  std::size_t readable() const { return ring_.size(); }
  std::size_t capacity() const { return ring_.capacity(); }
  std::size_t free() const { return ring_.free(); }
  bool has_out_of_order() const { return !ooo_.empty(); }
  /// Relative offset one past the furthest out-of-order byte held (0 if none).
  std::size_t out_of_order_end() const;
  /// Out-of-order data as merged [start, end) ranges relative to RCV.NXT,
  /// the range holding the most recently stored segment first (RFC 2018 §4),
  /// then the others in order, at most `max` of them.
  std::vector<std::pair<std::size_t, std::size_t>> out_of_order_ranges(std::size_t max) const;
  bool last_add_dropped() const { return dropped_; }
  void resize(std::size_t capacity) { ring_.resize(capacity); }

 private:
  using OutOfOrder = std::map<std::uint64_t, std::vector<std::uint8_t>>;
  void store_out_of_order(std::uint64_t key, Bytes data);
  /// Merges the range that follows `range` into it when they touch.
  void join_next(OutOfOrder::iterator range);
  void pull_contiguous();

  ByteRing ring_;
  std::size_t max_segments_;
  std::uint64_t delivered_ = 0;  // stream offset of RCV.NXT
  OutOfOrder ooo_;  // runs of contiguous data by absolute stream offset
  std::size_t ooo_bytes_ = 0;   // bounded by the ring's capacity, overlaps included
  std::uint64_t last_ooo_ = 0;  // absolute offset of the most recently stored segment
  bool dropped_ = false;
};

}  // namespace tapstack::tcp
