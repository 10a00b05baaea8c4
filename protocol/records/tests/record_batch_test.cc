#include "protocol/records/record_batch.h"

#include <gtest/gtest.h>

#include <random>

#include "protocol/records/batch_header.h"
#include "protocol/records/crc32c.h"

namespace kb::records {
namespace {

std::vector<uint8_t> to_bytes(std::string_view s) {
  return {s.begin(), s.end()};
}
std::span<const uint8_t> span_of(const std::vector<uint8_t>& v) {
  return v;
}

// Three records: plain, null value with headers (one null header value), null key.
std::vector<uint8_t> build_sample(Compression c, int64_t base_ts = 1000) {
  RecordBatchBuilder b;
  b.set_compression(c).set_base_offset(100);
  std::vector<uint8_t> k1 = to_bytes("k1"), v1 = to_bytes("value-1"), k2 = to_bytes("k2"),
                       v3 = to_bytes(std::string(5000, 'x'));
  b.add(span_of(k1), span_of(v1), {}, base_ts);
  b.add(span_of(k2), std::nullopt, {{"h1", to_bytes("hv")}, {"h2", std::nullopt}}, base_ts + 5);
  b.add(std::nullopt, span_of(v3), {}, base_ts + 2);
  return b.build();
}

class BatchCodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(BatchCodecTest, BuilderReadRoundTrip) {
  std::vector<uint8_t> batch = build_sample(GetParam());
  BatchHeader h;
  ASSERT_TRUE(parse_batch_header(batch, &h));
  EXPECT_EQ(h.total_size(), batch.size());
  EXPECT_EQ(h.base_offset, 100);
  EXPECT_EQ(h.magic, 2);
  EXPECT_EQ(h.compression(), GetParam());
  EXPECT_EQ(h.records_count, 3);
  EXPECT_EQ(h.last_offset_delta, 2);
  EXPECT_EQ(h.last_offset(), 102);
  EXPECT_EQ(h.base_timestamp, 1000);
  EXPECT_EQ(h.max_timestamp, 1005);
  EXPECT_EQ(h.producer_id, -1);
  EXPECT_FALSE(h.log_append_time());
  EXPECT_TRUE(batch_crc_ok(batch));

  std::vector<Record> recs;
  std::string error;
  ASSERT_TRUE(read_records(batch, &recs, &error)) << error;
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].offset, 100);
  EXPECT_EQ(recs[0].timestamp, 1000);
  EXPECT_EQ(recs[0].key, to_bytes("k1"));
  EXPECT_EQ(recs[0].value, to_bytes("value-1"));
  EXPECT_TRUE(recs[0].headers.empty());
  EXPECT_EQ(recs[1].offset, 101);
  EXPECT_EQ(recs[1].timestamp, 1005);
  EXPECT_FALSE(recs[1].value.has_value());
  ASSERT_EQ(recs[1].headers.size(), 2u);
  EXPECT_EQ(recs[1].headers[0], (Header{"h1", to_bytes("hv")}));
  EXPECT_EQ(recs[1].headers[1], (Header{"h2", std::nullopt}));
  EXPECT_FALSE(recs[2].key.has_value());
  EXPECT_EQ(recs[2].value->size(), 5000u);
  EXPECT_EQ(recs[2].timestamp, 1002);

  ValidationResult v = validate_batches(batch, 1 << 20, /*deep=*/true);
  EXPECT_TRUE(v.ok()) << v.message;
  EXPECT_EQ(v.record_count, 3);
}

INSTANTIATE_TEST_SUITE_P(All, BatchCodecTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd),
                         [](const auto& info) {
                           return std::string(compression_name(info.param));
                         });

TEST(RecordBatchTest, CompressionShrinksRepetitiveBatch) {
  EXPECT_LT(build_sample(Compression::kZstd).size(), build_sample(Compression::kNone).size());
}

TEST(RecordBatchTest, ProducerFieldsAndFlags) {
  RecordBatchBuilder b;
  b.set_producer(77, 3, 41).set_transactional(true).set_partition_leader_epoch(9);
  std::vector<uint8_t> v = to_bytes("v");
  b.add(std::nullopt, span_of(v), {}, 5);
  b.add(std::nullopt, span_of(v), {}, 6);
  std::vector<uint8_t> batch = b.build();
  BatchHeader h;
  ASSERT_TRUE(parse_batch_header(batch, &h));
  EXPECT_EQ(h.producer_id, 77);
  EXPECT_EQ(h.producer_epoch, 3);
  EXPECT_EQ(h.base_sequence, 41);
  EXPECT_EQ(h.partition_leader_epoch, 9);
  EXPECT_TRUE(h.is_transactional());
  EXPECT_FALSE(h.is_control());
  ValidationResult r = validate_batches(batch, 1 << 20);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_TRUE(r.has_idempotent);
  EXPECT_TRUE(r.has_transactional);
  EXPECT_EQ(r.producer_id, 77);
  EXPECT_EQ(r.base_sequence, 41);
  EXPECT_EQ(r.last_offset_delta, 1);
}

TEST(RecordBatchTest, ParseRejectsShortAndWrongMagic) {
  std::vector<uint8_t> batch = build_sample(Compression::kNone);
  BatchHeader h;
  EXPECT_FALSE(parse_batch_header(std::span(batch).first(60), &h));
  batch[kMagicOffset] = 1;
  EXPECT_FALSE(parse_batch_header(batch, &h));
}

TEST(RecordBatchTest, SetBaseOffsetAndEpochKeepCrcValid) {
  std::vector<uint8_t> batch = build_sample(Compression::kLz4);
  uint32_t crc_before = crc32c(std::span(batch).subspan(kAttributesOffset));
  set_base_offset(batch, 123456789012);
  set_partition_leader_epoch(batch, 17);
  EXPECT_TRUE(batch_crc_ok(batch));
  BatchHeader h;
  ASSERT_TRUE(parse_batch_header(batch, &h));
  EXPECT_EQ(h.base_offset, 123456789012);
  EXPECT_EQ(h.partition_leader_epoch, 17);
  EXPECT_EQ(h.crc, crc_before);
  std::vector<Record> recs;
  std::string error;
  ASSERT_TRUE(read_records(batch, &recs, &error)) << error;
  EXPECT_EQ(recs[2].offset, 123456789014);
  set_base_offset_and_epoch(batch, 5, 6);
  EXPECT_TRUE(batch_crc_ok(batch));
}

TEST(RecordBatchTest, SetLogAppendTimeRecomputesCrc) {
  std::vector<uint8_t> batch = build_sample(Compression::kNone);
  BatchHeader h;
  ASSERT_TRUE(parse_batch_header(batch, &h));
  uint32_t old_crc = h.crc;
  set_log_append_time(batch, 999999);
  EXPECT_TRUE(batch_crc_ok(batch));
  ASSERT_TRUE(parse_batch_header(batch, &h));
  EXPECT_NE(h.crc, old_crc);
  EXPECT_TRUE(h.log_append_time());
  EXPECT_EQ(h.max_timestamp, 999999);
  EXPECT_EQ(h.compression(), Compression::kNone);
  std::vector<Record> recs;
  std::string error;
  ASSERT_TRUE(read_records(batch, &recs, &error)) << error;
  for (const Record& r : recs) EXPECT_EQ(r.timestamp, 999999);
}

TEST(RecordBatchTest, BuilderLogAppendTime) {
  RecordBatchBuilder b;
  b.set_log_append_time(42);
  b.add(std::nullopt, std::nullopt, {}, 7);
  std::vector<uint8_t> batch = b.build();
  BatchHeader h;
  ASSERT_TRUE(parse_batch_header(batch, &h));
  EXPECT_TRUE(h.log_append_time());
  EXPECT_EQ(h.max_timestamp, 42);
  EXPECT_TRUE(batch_crc_ok(batch));
}

TEST(ValidationTest, FlippedBitIsCorrupt) {
  std::vector<uint8_t> batch = build_sample(Compression::kGzip);
  ASSERT_TRUE(validate_batches(batch, 1 << 20).ok());
  for (size_t pos : {size_t(kAttributesOffset), size_t(40), batch.size() - 1}) {
    std::vector<uint8_t> bad = batch;
    bad[pos] ^= 0x10;
    ValidationResult r = validate_batches(bad, 1 << 20);
    EXPECT_EQ(r.error, kb::ErrorCode::kCorruptMessage) << pos << " " << r.message;
  }
}

TEST(ValidationTest, CompactedTopicsRefuseKeylessRecords) {
  for (Compression c : {Compression::kNone, Compression::kLz4}) {
    std::vector<uint8_t> key = {'k'}, value = {'v'};
    RecordBatchBuilder keyed;
    keyed.set_compression(c);
    keyed.add(std::span<const uint8_t>(key), std::span<const uint8_t>(value), {}, 1);
    keyed.add(std::span<const uint8_t>(key), std::nullopt, {}, 2);  // a tombstone is fine
    auto good = keyed.build();
    EXPECT_TRUE(validate_batches(good, 1 << 20, false, /*require_keys=*/true).ok());
    RecordBatchBuilder mixed;
    mixed.set_compression(c);
    mixed.add(std::span<const uint8_t>(key), std::span<const uint8_t>(value), {}, 1);
    mixed.add(std::nullopt, std::span<const uint8_t>(value), {}, 2);
    auto bad = mixed.build();
    EXPECT_TRUE(validate_batches(bad, 1 << 20).ok());  // fine for a delete topic
    ValidationResult r = validate_batches(bad, 1 << 20, false, /*require_keys=*/true);
    EXPECT_EQ(r.error, kb::ErrorCode::kCorruptMessage);
    EXPECT_NE(r.message.find("without key"), std::string::npos) << r.message;
  }
}

TEST(RecordBatchTest, OverriddenLastOffsetDeltaKeepsGaps) {
  std::vector<uint8_t> v = {'v'};
  RecordBatchBuilder b;
  b.set_base_offset(100);
  b.add_with_delta(2, std::nullopt, std::span<const uint8_t>(v), {}, 5);
  b.override_last_offset_delta(7);
  auto batch = b.build();
  BatchHeader h;
  ASSERT_TRUE(parse_batch_header(batch, &h));
  EXPECT_EQ(h.last_offset_delta, 7);
  EXPECT_EQ(h.records_count, 1);
  EXPECT_TRUE(batch_crc_ok(batch));
  std::vector<Record> recs;
  std::string err;
  ASSERT_TRUE(read_records(batch, &recs, &err)) << err;
  EXPECT_EQ(recs.at(0).offset, 102);
}

TEST(ValidationTest, Oversize) {
  std::vector<uint8_t> batch = build_sample(Compression::kNone);
  ValidationResult r = validate_batches(batch, int32_t(batch.size()) - 1);
  EXPECT_EQ(r.error, kb::ErrorCode::kMessageTooLarge);
  EXPECT_TRUE(validate_batches(batch, int32_t(batch.size())).ok());
}

TEST(ValidationTest, TruncationAndTrailingGarbage) {
  std::vector<uint8_t> batch = build_sample(Compression::kNone);
  for (size_t keep : {size_t(10), size_t(61), batch.size() - 1}) {
    ValidationResult r = validate_batches(std::span(batch).first(keep), 1 << 20);
    EXPECT_EQ(r.error, kb::ErrorCode::kCorruptMessage) << keep;
  }
  std::vector<uint8_t> two = batch;
  two.insert(two.end(), batch.begin(), batch.end());
  ValidationResult ok = validate_batches(two, 1 << 20);
  ASSERT_TRUE(ok.ok()) << ok.message;
  EXPECT_EQ(ok.batch_count, 2);
  EXPECT_EQ(ok.record_count, 6);
  two.push_back(0);
  EXPECT_EQ(validate_batches(two, 1 << 20).error, kb::ErrorCode::kCorruptMessage);
  EXPECT_TRUE(validate_batches({}, 1 << 20).ok());
}

// Rewrites a header field and fixes the CRC so only the semantic check can fail.
void poke_i32(std::vector<uint8_t>* b, size_t at, int32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + i] = uint8_t(uint32_t(v) >> (24 - 8 * i));
  uint32_t crc = crc32c(std::span<const uint8_t>(*b).subspan(kAttributesOffset));
  for (int i = 0; i < 4; ++i) (*b)[kCrcOffset + i] = uint8_t(crc >> (24 - 8 * i));
}

TEST(ValidationTest, RecordCountMismatch) {
  std::vector<uint8_t> batch = build_sample(Compression::kNone);
  std::vector<uint8_t> bad = batch;
  poke_i32(&bad, kRecordsCountOffset, 4);
  EXPECT_EQ(validate_batches(bad, 1 << 20).error, kb::ErrorCode::kCorruptMessage);
  bad = batch;
  poke_i32(&bad, kLastOffsetDeltaOffset, 5);
  EXPECT_EQ(validate_batches(bad, 1 << 20).error, kb::ErrorCode::kCorruptMessage);
  // Consistent header but records that don't match: only the deep check sees it.
  bad = batch;
  poke_i32(&bad, kRecordsCountOffset, 2);
  poke_i32(&bad, kLastOffsetDeltaOffset, 1);
  EXPECT_TRUE(validate_batches(bad, 1 << 20).ok());
  EXPECT_EQ(validate_batches(bad, 1 << 20, true).error, kb::ErrorCode::kCorruptMessage);
  std::vector<Record> recs;
  std::string error;
  EXPECT_FALSE(read_records(bad, &recs, &error));
}

TEST(ValidationTest, WrongMagicAndControlAndSequence) {
  std::vector<uint8_t> batch = build_sample(Compression::kNone);
  std::vector<uint8_t> bad = batch;
  bad[kMagicOffset] = 3;
  EXPECT_EQ(validate_batches(bad, 1 << 20).error, kb::ErrorCode::kCorruptMessage);

  RecordBatchBuilder c;
  c.set_control(true);
  c.add(std::nullopt, std::nullopt, {}, 1);
  EXPECT_EQ(validate_batches(c.build(), 1 << 20).error, kb::ErrorCode::kCorruptMessage);

  RecordBatchBuilder s;
  s.set_producer(5, 0, -1);
  s.add(std::nullopt, std::nullopt, {}, 1);
  EXPECT_EQ(validate_batches(s.build(), 1 << 20).error, kb::ErrorCode::kCorruptMessage);

  RecordBatchBuilder empty;
  EXPECT_EQ(validate_batches(empty.build(), 1 << 20).error, kb::ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, SplitBatchesStopsAtPartialTail) {
  std::vector<uint8_t> a = build_sample(Compression::kNone), b = build_sample(Compression::kGzip);
  std::vector<uint8_t> all = a;
  all.insert(all.end(), b.begin(), b.end() - 5);
  size_t trailing = 0;
  auto parts = split_batches(all, &trailing);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].size(), a.size());
  EXPECT_EQ(trailing, b.size() - 5);
}

TEST(RecordBatchTest, MalformedRecordsRejected) {
  std::vector<uint8_t> batch = build_sample(Compression::kNone);
  // Corrupt the first record's length varint to claim far more bytes than exist.
  batch[kBatchHeaderSize] = 0x7e;
  std::vector<Record> recs;
  std::string error;
  EXPECT_FALSE(read_records(batch, &recs, &error));
  EXPECT_FALSE(error.empty());
}

// Random byte damage (CRC not fixed up, so read_records sees it) must yield errors, never crashes
// or huge allocations; meant to be run under ASan as well.
TEST(RecordBatchTest, MutatedBatchesDoNotCrash) {
  std::mt19937 rng(1234);
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kLz4,
                        Compression::kSnappy, Compression::kZstd}) {
    std::vector<uint8_t> good = build_sample(c);
    for (int i = 0; i < 300; ++i) {
      std::vector<uint8_t> bad = good;
      int flips = 1 + int(rng() % 4);
      for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= uint8_t(1 + rng() % 255);
      if (rng() % 4 == 0) bad.resize(rng() % bad.size());
      std::vector<Record> recs;
      std::string error;
      (void)read_records(bad, &recs, &error);
      (void)validate_batches(bad, 1 << 20, true);
      (void)split_batches(bad);
    }
  }
}

}  // namespace
}  // namespace kb::records
