#include "protocol/records/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

namespace kb::records {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Published CRC-32C check values (RFC 3720 appendix B.4 and the usual "123456789" check).
TEST(Crc32cTest, SoftwareKnownVectors) {
  EXPECT_EQ(crc32c_sw(bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c_sw(bytes("")), 0u);
  std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xFF), inc(32);
  for (int i = 0; i < 32; ++i) inc[i] = uint8_t(i);
  EXPECT_EQ(crc32c_sw(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c_sw(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c_sw(inc), 0x46DD794Eu);
}

TEST(Crc32cTest, HardwareKnownVectors) {
  if (!crc32c_hw_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  EXPECT_EQ(crc32c_hw(bytes("123456789")), 0xE3069283u);
  std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xFF);
  EXPECT_EQ(crc32c_hw(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c_hw(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c(bytes("123456789")), 0xE3069283u);
}

// Random lengths and misaligned starts exercise the 8-byte loops and both tails.
TEST(Crc32cTest, HardwareMatchesSoftware) {
  if (!crc32c_hw_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937 rng(42);
  std::vector<uint8_t> buf(5000);
  for (auto& b : buf) b = uint8_t(rng());
  for (int i = 0; i < 300; ++i) {
    size_t start = rng() % 64, len = rng() % (buf.size() - start);
    std::span<const uint8_t> s(buf.data() + start, len);
    ASSERT_EQ(crc32c_hw(s), crc32c_sw(s)) << start << "+" << len;
  }
}

// Inputs of 12 KiB and more take the three-stream path; lengths around its block edges and
// misaligned starts check the combination against the plain software loop.
TEST(Crc32cTest, HardwareInterleavedPathMatchesSoftware) {
  if (!crc32c_hw_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(200000);
  for (auto& b : buf) b = uint8_t(rng());
  for (size_t len : {12287u, 12288u, 12289u, 24576u, 36871u, 100000u, 199990u}) {
    for (size_t start : {0u, 3u, 7u}) {
      std::span<const uint8_t> s(buf.data() + start, len);
      ASSERT_EQ(crc32c_hw(s), crc32c_sw(s)) << start << "+" << len;
      ASSERT_EQ(crc32c_hw(s, 0x12345678u), crc32c_sw(s, 0x12345678u)) << start << "+" << len;
    }
  }
}

TEST(Crc32cTest, Incremental) {
  std::span<const uint8_t> all = bytes("123456789");
  EXPECT_EQ(crc32c(all.subspan(4), crc32c(all.first(4))), 0xE3069283u);
  EXPECT_EQ(crc32c_sw(all.subspan(3), crc32c_sw(all.first(3))), 0xE3069283u);
}

TEST(Crc32Test, IeeeKnownVector) {
  EXPECT_EQ(crc32(bytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32(bytes("")), 0u);
}

}  // namespace
}  // namespace kb::records
