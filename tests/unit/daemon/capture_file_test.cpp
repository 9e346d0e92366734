// The [capture] file and its rotation: after `rotate_bytes` a new file starts
// and the older ones move up (file → file.1 → file.2); `files` are kept, the
// current one included. Every file is a pcapng section of whole blocks, no
// frame is lost or repeated at a rotation, and the newest frames are in the
// file itself. Files go to a private temporary directory.
#include <stdlib.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "daemon/capture.hpp"

namespace tapstack::daemon {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kInterfaceDescription = 1;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::size_t kEpbData = 28;        // where the frame starts in an EPB
constexpr std::size_t kFrameNumberAt = 14;  // after the Ethernet header
constexpr std::uint64_t kRotateBytes = 10'000;

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/tapstack-capture-test.XXXXXX";
    if (::mkdtemp(name) == nullptr) ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    path = name;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path path;
};

std::uint32_t u32(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint32_t v = 0;
  std::memcpy(&v, b.data() + at, 4);  // little-endian, as the writer
  return v;
}

/// A 1000-byte Ethernet frame (not IPv4, so no comment) carrying its number.
std::vector<std::uint8_t> numbered_frame(std::uint32_t n) {
  std::vector<std::uint8_t> f(1000, 0);
  f[12] = 0x88;  // EtherType 0x88b5, local experimental
  f[13] = 0xb5;
  std::memcpy(f.data() + kFrameNumberAt, &n, 4);
  return f;
}

/// The numbers of the frames in a capture file. The file must be one SHB,
/// one IDB, then EPBs, each block's two length fields agreeing, and nothing
/// after the last block.
std::vector<std::uint32_t> frames_in(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::vector<std::uint8_t> b{std::istreambuf_iterator<char>(in), {}};
  std::vector<std::uint32_t> numbers;
  std::size_t at = 0;
  for (std::size_t block = 0; at < b.size(); ++block) {
    if (b.size() - at < 12) {
      ADD_FAILURE() << file << ": a partial block at " << at;
      break;
    }
    const std::uint32_t type = u32(b, at), length = u32(b, at + 4);
    if (length < 12 || length % 4 != 0 || length > b.size() - at ||
        u32(b, at + length - 4) != length) {
      ADD_FAILURE() << file << ": a malformed block at " << at;
      break;
    }
    const std::uint32_t expected = block == 0   ? kSectionHeader
                                   : block == 1 ? kInterfaceDescription
                                                : kEnhancedPacket;
    EXPECT_EQ(type, expected) << file << " block " << block;
    if (type == kEnhancedPacket) numbers.push_back(u32(b, at + kEpbData + kFrameNumberAt));
    at += length;
  }
  return numbers;
}

struct CaptureFile {
  explicit CaptureFile(std::uint32_t files, std::uint64_t rotate_bytes = kRotateBytes)
      : capture(io, "tap0") {
    EXPECT_TRUE(capture.open_file({(dir.path / "boot.pcapng").string(), rotate_bytes, files}));
  }
  void write_frames(std::uint32_t count) {
    for (std::uint32_t n = 0; n < count; ++n) {
      capture.on_frame(numbered_frame(n), pcapng::Direction::In);
    }
  }
  fs::path file(int generation) const {
    return dir.path / ("boot.pcapng" + (generation == 0 ? "" : "." + std::to_string(generation)));
  }

  TempDir dir;
  boost::asio::io_context io;
  Capture capture;
};

TEST(CaptureFile, RotationKeepsTheNewestFilesEachWholeAndNoLargerThanTheLimit) {
  CaptureFile c(3);
  c.write_frames(100);  // about 10 files' worth
  ASSERT_TRUE(fs::exists(c.file(0)));
  ASSERT_TRUE(fs::exists(c.file(1)));
  ASSERT_TRUE(fs::exists(c.file(2)));
  EXPECT_FALSE(fs::exists(c.file(3)));
  std::vector<std::uint32_t> kept;  // oldest first
  for (int generation : {2, 1, 0}) {
    SCOPED_TRACE(c.file(generation));
    EXPECT_LE(fs::file_size(c.file(generation)), kRotateBytes);
    const auto frames = frames_in(c.file(generation));
    EXPECT_FALSE(frames.empty());
    kept.insert(kept.end(), frames.begin(), frames.end());
  }
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.back(), 99u);
  for (std::size_t i = 1; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i], kept[i - 1] + 1) << "a frame lost or repeated at a rotation";
  }
  // The rotated files were full: one more frame would not have fitted.
  const auto block = pcapng::packet(0, numbered_frame(0), pcapng::Direction::In, "").size();
  for (int generation : {2, 1}) {
    EXPECT_GT(fs::file_size(c.file(generation)) + block, kRotateBytes);
  }
}

TEST(CaptureFile, OneFileKeptStartsItAgain) {
  CaptureFile c(1);
  c.write_frames(30);
  EXPECT_FALSE(fs::exists(c.file(1)));
  EXPECT_LE(fs::file_size(c.file(0)), kRotateBytes);
  const auto frames = frames_in(c.file(0));
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back(), 29u);
}

TEST(CaptureFile, WithoutALimitNothingRotates) {
  CaptureFile c(3, 0);
  c.write_frames(30);
  EXPECT_FALSE(fs::exists(c.file(1)));
  EXPECT_EQ(frames_in(c.file(0)).size(), 30u);
}

}  // namespace
}  // namespace tapstack::daemon
