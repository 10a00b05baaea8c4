#include "protocol/wire.h"

#include <gtest/gtest.h>

#include <limits>

namespace kb::protocol {
namespace {

std::vector<uint8_t> encode(const std::function<void(Writer&)>& f) {
  OutBuffer out;
  Writer w(out);
  f(w);
  return out.flatten();
}

TEST(WireTest, FixedWidthBigEndian) {
  auto b = encode([](Writer& w) {
    w.write_int8(-2);
    w.write_int16(0x1234);
    w.write_int32(-2);
    w.write_int64(0x0102030405060708);
    w.write_bool(true);
  });
  std::vector<uint8_t> want = {0xfe, 0x12, 0x34, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 1};
  EXPECT_EQ(b, want);
  Reader r(b.data(), b.size());
  EXPECT_EQ(r.read_int8(), -2);
  EXPECT_EQ(r.read_int16(), 0x1234);
  EXPECT_EQ(r.read_int32(), -2);
  EXPECT_EQ(r.read_int64(), 0x0102030405060708);
  EXPECT_TRUE(r.read_bool());
  EXPECT_TRUE(r.at_end());
  EXPECT_THROW(r.read_int8(), DecodeError);
}

TEST(WireTest, UnsignedVarint) {
  for (uint32_t v : {0u, 1u, 127u, 128u, 300u, 16383u, 16384u, 0xffffffffu}) {
    auto b = encode([&](Writer& w) { w.write_uvarint(v); });
    EXPECT_EQ(b.size(), uvarint_size(v));
    Reader r(b.data(), b.size());
    EXPECT_EQ(r.read_uvarint(), v);
    EXPECT_TRUE(r.at_end());
  }
  EXPECT_EQ(encode([](Writer& w) { w.write_uvarint(300); }), (std::vector<uint8_t>{0xac, 0x02}));
}

TEST(WireTest, BadVarintsThrow) {
  std::vector<uint8_t> six = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  Reader r1(six.data(), six.size());
  EXPECT_THROW(r1.read_uvarint(), DecodeError);
  std::vector<uint8_t> overflow = {0xff, 0xff, 0xff, 0xff, 0x1f};
  Reader r2(overflow.data(), overflow.size());
  EXPECT_THROW(r2.read_uvarint(), DecodeError);
  std::vector<uint8_t> truncated = {0x80};
  Reader r3(truncated.data(), truncated.size());
  EXPECT_THROW(r3.read_uvarint(), DecodeError);
}

TEST(WireTest, ZigZag) {
  EXPECT_EQ(encode([](Writer& w) { w.write_varint(-1); }), (std::vector<uint8_t>{0x01}));
  EXPECT_EQ(encode([](Writer& w) { w.write_varint(1); }), (std::vector<uint8_t>{0x02}));
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{1} << 40,
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    auto b = encode([&](Writer& w) { w.write_varlong(v); });
    Reader r(b.data(), b.size());
    EXPECT_EQ(r.read_varlong(), v);
  }
  for (int32_t v :
       {0, -1, 1, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()}) {
    auto b = encode([&](Writer& w) { w.write_varint(v); });
    Reader r(b.data(), b.size());
    EXPECT_EQ(r.read_varint(), v);
  }
}

TEST(WireTest, Strings) {
  auto b = encode([](Writer& w) {
    w.write_string("ab");
    w.write_nullable_string(std::nullopt);
    w.write_string("ab", true);
    w.write_nullable_string(std::nullopt, true);
    w.write_nullable_string(std::string(), true);
  });
  std::vector<uint8_t> want = {0, 2, 'a', 'b', 0xff, 0xff, 3, 'a', 'b', 0, 1};
  EXPECT_EQ(b, want);
  Reader r(b.data(), b.size());
  EXPECT_EQ(r.read_string(), "ab");
  EXPECT_EQ(r.read_nullable_string(), std::nullopt);
  EXPECT_EQ(r.read_string(true), "ab");
  EXPECT_EQ(r.read_nullable_string(true), std::nullopt);
  EXPECT_EQ(r.read_nullable_string(true), std::string());
}

TEST(WireTest, NullOrNegativeLengthRejectedWhereNotNullable) {
  std::vector<uint8_t> null16 = {0xff, 0xff};
  Reader r1(null16.data(), null16.size());
  EXPECT_THROW(r1.read_string(), DecodeError);
  std::vector<uint8_t> neg = {0xff, 0xfe};
  Reader r2(neg.data(), neg.size());
  EXPECT_THROW(r2.read_nullable_string(), DecodeError);
  std::vector<uint8_t> too_long = {0, 5, 'a'};
  Reader r3(too_long.data(), too_long.size());
  EXPECT_THROW(r3.read_string(), DecodeError);
  std::vector<uint8_t> null32 = {0xff, 0xff, 0xff, 0xff};
  Reader r4(null32.data(), null32.size());
  EXPECT_THROW(r4.read_bytes(), DecodeError);
}

TEST(WireTest, ArrayLengthsAreCappedByRemainingBytes) {
  std::vector<uint8_t> huge = {0x7f, 0xff, 0xff, 0xff, 0, 0};
  Reader r1(huge.data(), huge.size());
  EXPECT_THROW(r1.read_array_length(), DecodeError);
  std::vector<uint8_t> null_array = {0xff, 0xff, 0xff, 0xff};
  Reader r2(null_array.data(), null_array.size());
  EXPECT_THROW(r2.read_array_length(false, false), DecodeError);
  Reader r3(null_array.data(), null_array.size());
  EXPECT_EQ(r3.read_array_length(false, true), -1);
  std::vector<uint8_t> compact_null = {0};
  Reader r4(compact_null.data(), compact_null.size());
  EXPECT_EQ(r4.read_array_length(true, true), -1);
}

TEST(WireTest, BytesAndRecords) {
  std::vector<uint8_t> payload = {9, 8, 7};
  auto b = encode([&](Writer& w) {
    w.write_bytes(payload);
    w.write_nullable_bytes(std::nullopt, true);
    w.write_records(Records::owned(payload));
    w.write_records(Records::null());
    w.write_records(Records::owned(payload), true);
  });
  Reader r(b.data(), b.size());
  EXPECT_EQ(r.read_bytes(), payload);
  EXPECT_EQ(r.read_nullable_bytes(true), std::nullopt);
  Records view = r.read_records();
  ASSERT_TRUE(std::holds_alternative<Records::View>(view.value));
  // Zero-copy: the view points into the buffer being read.
  EXPECT_GE(view.bytes().data(), b.data());
  EXPECT_LT(view.bytes().data(), b.data() + b.size());
  EXPECT_EQ(view, Records::owned(payload));
  EXPECT_TRUE(r.read_records().is_null());
  EXPECT_EQ(r.read_records(true).size(), 3u);
  EXPECT_TRUE(r.at_end());
}

TEST(WireTest, FileSliceRecordsBecomeChunksAndPatchWorks) {
  auto file = std::make_shared<const kb::FileHandle>(-1);
  OutBuffer out;
  Writer w(out);
  size_t size_pos = w.reserve_int32();
  w.write_int16(7);
  w.write_records(Records::slices({kb::FileSlice{file, 100, 50}, kb::FileSlice{file, 200, 10}}));
  w.write_int32(42);
  w.patch_int32(size_pos, static_cast<int32_t>(out.size() - 4));
  ASSERT_EQ(out.chunks.size(), 4u);  // bytes, slice, slice, bytes
  EXPECT_EQ(out.size(), 4u + 2 + 4 + 60 + 4);
  const auto& head = std::get<std::vector<uint8_t>>(out.chunks[0]);
  std::vector<uint8_t> want_head = {0, 0, 0, 70, 0, 7, 0, 0, 0, 60};
  EXPECT_EQ(head, want_head);
  EXPECT_EQ(std::get<kb::FileSlice>(out.chunks[1]).position, 100u);
  EXPECT_EQ(std::get<std::vector<uint8_t>>(out.chunks[3]), (std::vector<uint8_t>{0, 0, 0, 42}));
  EXPECT_THROW(w.patch_int32(12, 1), std::logic_error);  // inside a file slice
}

TEST(WireTest, TagBufferSkipsUnknownTags) {
  auto b = encode([](Writer& w) {
    w.write_uvarint(2);
    w.write_uvarint(5);
    w.write_uvarint(3);
    w.write_raw("xyz", 3);
    w.write_uvarint(9);
    w.write_uvarint(0);
    w.write_int8(1);
  });
  Reader r(b.data(), b.size());
  r.skip_tag_buffer();
  EXPECT_EQ(r.read_int8(), 1);
  std::vector<uint8_t> bad = {1, 0, 10, 'a'};
  Reader r2(bad.data(), bad.size());
  EXPECT_THROW(r2.skip_tag_buffer(), DecodeError);
}

}  // namespace
}  // namespace kb::protocol
