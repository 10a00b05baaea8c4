#include "protocol/records/compression.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

namespace kb::records {
namespace {

std::vector<uint8_t> sample(size_t n) {
  // Half repetitive, half random: compressible but not trivially so.
  std::mt19937 rng(7);
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = (i / 100) % 2 ? uint8_t(rng()) : uint8_t('a' + i % 7);
  return v;
}

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTrip) {
  for (size_t n : {size_t(0), size_t(1), size_t(100), size_t(70000), size_t(300000)}) {
    std::vector<uint8_t> in = sample(n);
    std::vector<uint8_t> packed = compress(GetParam(), in);
    std::vector<uint8_t> out;
    std::string error;
    ASSERT_TRUE(decompress(GetParam(), packed, &out, &error)) << n << ": " << error;
    EXPECT_EQ(out, in) << n;
  }
}

// Codecs with a real encoding (kNone accepts anything).
class CompressedCodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressedCodecTest, RejectsGarbage) {
  std::vector<uint8_t> garbage = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  std::vector<uint8_t> out;
  std::string error;
  EXPECT_FALSE(decompress(GetParam(), garbage, &out, &error));
  EXPECT_FALSE(error.empty());
}

TEST_P(CompressedCodecTest, RejectsTruncated) {
  std::vector<uint8_t> packed = compress(GetParam(), sample(100000));
  packed.resize(packed.size() / 2);
  std::vector<uint8_t> out;
  std::string error;
  EXPECT_FALSE(decompress(GetParam(), packed, &out, &error));
}

TEST_P(CodecTest, OutputCapEnforced) {
  std::vector<uint8_t> zeros(1 << 20, 0);
  std::vector<uint8_t> packed = compress(GetParam(), zeros);
  std::vector<uint8_t> out;
  std::string error;
  EXPECT_FALSE(decompress(GetParam(), packed, &out, &error, 4096));
  EXPECT_TRUE(decompress(GetParam(), packed, &out, &error, 1 << 20)) << error;
  EXPECT_EQ(out.size(), zeros.size());
}

INSTANTIATE_TEST_SUITE_P(All, CodecTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd),
                         [](const auto& info) {
                           return std::string(compression_name(info.param));
                         });

INSTANTIATE_TEST_SUITE_P(All, CompressedCodecTest,
                         ::testing::Values(Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd),
                         [](const auto& info) {
                           return std::string(compression_name(info.param));
                         });

TEST(CompressionTest, GzipHasGzipMagic) {
  std::vector<uint8_t> packed = compress(Compression::kGzip, sample(10));
  ASSERT_GE(packed.size(), 2u);
  EXPECT_EQ(packed[0], 0x1f);
  EXPECT_EQ(packed[1], 0x8b);
}

TEST(CompressionTest, SnappyXerialDecodes) {
  std::vector<uint8_t> in = sample(100000);  // several 32 KiB xerial blocks
  std::vector<uint8_t> framed = compress_snappy_xerial(in);
  const uint8_t magic[8] = {0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00};
  ASSERT_TRUE(std::equal(magic, magic + 8, framed.begin()));
  std::vector<uint8_t> out;
  std::string error;
  ASSERT_TRUE(decompress(Compression::kSnappy, framed, &out, &error)) << error;
  EXPECT_EQ(out, in);
  // An empty xerial stream is only the 16-byte header.
  EXPECT_TRUE(decompress(Compression::kSnappy, compress_snappy_xerial({}), &out, &error));
  EXPECT_TRUE(out.empty());
  framed.resize(framed.size() - 3);
  EXPECT_FALSE(decompress(Compression::kSnappy, framed, &out, &error));
}

TEST(CompressionTest, ConcatenatedGzipMembers) {
  std::vector<uint8_t> a = sample(1000), b = sample(50);
  std::vector<uint8_t> packed = compress(Compression::kGzip, a);
  std::vector<uint8_t> second = compress(Compression::kGzip, b);
  packed.insert(packed.end(), second.begin(), second.end());
  std::vector<uint8_t> out;
  std::string error;
  ASSERT_TRUE(decompress(Compression::kGzip, packed, &out, &error)) << error;
  a.insert(a.end(), b.begin(), b.end());
  EXPECT_EQ(out, a);
}

// Kafka's original LZ4 stream (magic 0) hashed the frame magic into the header checksum. Simulate
// that by recomputing the checksum byte the broken way and check we still decode it.
TEST(CompressionTest, Lz4BrokenKafkaHeaderChecksumTolerated) {
  std::vector<uint8_t> in = sample(5000);
  std::vector<uint8_t> frame = compress(Compression::kLz4, in);
  // Our frames have no optional descriptor fields: FLG, BD, then HC at byte 6.
  ASSERT_EQ(frame[4] & 0x09, 0);
  // Try every value of the checksum byte: the correct one and Kafka's broken one must be
  // accepted, every other one rejected. (The two coincide for no header we write; for
  // FLG 0x60 BD 0x40 the correct byte is 0x82.)
  EXPECT_EQ(frame[6], 0x82);
  int accepted = 0;
  for (int v = 0; v < 256; ++v) {
    frame[6] = uint8_t(v);
    std::vector<uint8_t> out;
    std::string error;
    if (decompress(Compression::kLz4, frame, &out, &error)) {
      ++accepted;
      EXPECT_EQ(out, in);
    }
  }
  EXPECT_EQ(accepted, 2);
}

TEST(CompressionTest, UnknownCodec) {
  std::vector<uint8_t> out;
  std::string error;
  EXPECT_FALSE(decompress(Compression(6), std::vector<uint8_t>{1, 2}, &out, &error));
  EXPECT_FALSE(is_known_compression(5));
  EXPECT_TRUE(is_known_compression(4));
}

}  // namespace
}  // namespace kb::records
