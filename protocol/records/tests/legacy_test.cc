#include "protocol/records/legacy.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "protocol/records/batch_header.h"
#include "protocol/records/record_batch.h"

namespace kb::records {
namespace {

using Bytes = std::vector<uint8_t>;
Bytes to_bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

// Independent hand-written legacy encoder (does not use append_legacy_message), so the tests
// check the library against the format description rather than against itself.
void put32(Bytes* b, uint32_t v) {
  for (int i = 3; i >= 0; --i) b->push_back(uint8_t(v >> (8 * i)));
}
void put64(Bytes* b, uint64_t v) {
  put32(b, uint32_t(v >> 32));
  put32(b, uint32_t(v));
}
void put_bytes(Bytes* b, const std::optional<Bytes>& v) {
  if (!v) return put32(b, 0xFFFFFFFFu);
  put32(b, uint32_t(v->size()));
  b->insert(b->end(), v->begin(), v->end());
}
void message(Bytes* set, int8_t magic, int64_t offset, int8_t attrs, int64_t ts,
             const std::optional<Bytes>& key, const std::optional<Bytes>& value) {
  Bytes body;  // Magic .. end, the part the CRC covers
  body.push_back(uint8_t(magic));
  body.push_back(uint8_t(attrs));
  if (magic == 1) put64(&body, uint64_t(ts));
  put_bytes(&body, key);
  put_bytes(&body, value);
  put64(set, uint64_t(offset));
  put32(set, uint32_t(body.size() + 4));
  put32(set, uint32_t(::crc32(0, body.data(), uInt(body.size()))));
  set->insert(set->end(), body.begin(), body.end());
}

Bytes gzip(const Bytes& in) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&zs, uLong(in.size())) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = uInt(in.size());
  zs.next_out = out.data();
  zs.avail_out = uInt(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::vector<Record> read_all(const Bytes& v2, std::vector<BatchHeader>* headers = nullptr) {
  std::vector<Record> recs;
  size_t trailing = 99;
  for (auto batch : split_batches(v2, &trailing)) {
    EXPECT_TRUE(batch_crc_ok(batch));
    BatchHeader h;
    parse_batch_header(batch, &h);
    if (headers) headers->push_back(h);
    std::string error;
    EXPECT_TRUE(read_records(batch, &recs, &error)) << error;
  }
  EXPECT_EQ(trailing, 0u);
  return recs;
}

TEST(LegacyTest, IsLegacy) {
  Bytes v0, v1;
  message(&v0, 0, 0, 0, 0, std::nullopt, to_bytes("x"));
  message(&v1, 1, 0, 0, 5, std::nullopt, to_bytes("x"));
  EXPECT_TRUE(is_legacy(v0));
  EXPECT_TRUE(is_legacy(v1));
  RecordBatchBuilder b;
  b.add(std::nullopt, std::nullopt, {}, 1);
  EXPECT_FALSE(is_legacy(b.build()));
  EXPECT_FALSE(is_legacy(Bytes(10, 0)));
}

TEST(LegacyTest, UpconvertMagic0Uncompressed) {
  Bytes set;
  message(&set, 0, 0, 0, 0, to_bytes("a"), to_bytes("one"));
  message(&set, 0, 1, 0, 0, std::nullopt, to_bytes("two"));
  message(&set, 0, 2, 0, 0, to_bytes("c"), std::nullopt);
  Bytes v2;
  ASSERT_EQ(upconvert_to_v2(set, &v2), kb::ErrorCode::kNone);
  std::vector<BatchHeader> hs;
  std::vector<Record> recs = read_all(v2, &hs);
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].compression(), Compression::kNone);
  EXPECT_EQ(hs[0].producer_id, -1);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].key, to_bytes("a"));
  EXPECT_EQ(recs[0].value, to_bytes("one"));
  EXPECT_FALSE(recs[1].key.has_value());
  EXPECT_FALSE(recs[2].value.has_value());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(recs[i].offset, i);
    EXPECT_EQ(recs[i].timestamp, -1);  // magic 0 has no timestamps
  }
  EXPECT_TRUE(validate_batches(v2, 1 << 20).ok());
}

TEST(LegacyTest, UpconvertMagic1WithGzipWrapper) {
  Bytes inner;  // magic 1: relative inner offsets 0..2
  message(&inner, 1, 0, 0, 2000, to_bytes("k0"), to_bytes("v0"));
  message(&inner, 1, 1, 0, 2003, to_bytes("k1"), std::nullopt);
  message(&inner, 1, 2, 0, 2001, std::nullopt, to_bytes("v2"));
  Bytes set;
  message(&set, 1, 0, 0, 1000, to_bytes("plain0"), to_bytes("p0"));
  message(&set, 1, 1, 0, 1001, to_bytes("plain1"), to_bytes("p1"));
  // Wrapper: codec gzip, offset = absolute offset of the last inner message, ts = max inner.
  message(&set, 1, 4, 1, 2003, std::nullopt, gzip(inner));
  message(&set, 1, 5, 0, 3000, to_bytes("plain2"), to_bytes("p2"));
  Bytes v2;
  ASSERT_EQ(upconvert_to_v2(set, &v2), kb::ErrorCode::kNone);
  std::vector<BatchHeader> hs;
  std::vector<Record> recs = read_all(v2, &hs);
  ASSERT_EQ(hs.size(), 3u);  // plain run, the wrapper, plain run
  EXPECT_EQ(hs[0].compression(), Compression::kNone);
  EXPECT_EQ(hs[1].compression(), Compression::kGzip);  // producer's codec kept
  EXPECT_EQ(hs[2].compression(), Compression::kNone);
  EXPECT_EQ(hs[1].base_offset, 2);
  EXPECT_EQ(hs[1].max_timestamp, 2003);
  ASSERT_EQ(recs.size(), 6u);
  const char* keys[] = {"plain0", "plain1", "k0", "k1", nullptr, "plain2"};
  int64_t ts[] = {1000, 1001, 2000, 2003, 2001, 3000};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(recs[i].offset, i);
    EXPECT_EQ(recs[i].timestamp, ts[i]) << i;
    if (keys[i])
      EXPECT_EQ(recs[i].key, to_bytes(keys[i]));
    else
      EXPECT_FALSE(recs[i].key.has_value());
  }
  EXPECT_FALSE(recs[3].value.has_value());
  EXPECT_TRUE(validate_batches(v2, 1 << 20, true).ok());
}

TEST(LegacyTest, UpconvertLogAppendTimeWrapperAndMagic0Gzip) {
  Bytes inner;
  message(&inner, 1, 0, 0, 10, std::nullopt, to_bytes("a"));
  message(&inner, 1, 1, 0, 20, std::nullopt, to_bytes("b"));
  Bytes set;
  message(&set, 1, 1, 1 | 0x08, 777, std::nullopt, gzip(inner));
  Bytes v2;
  ASSERT_EQ(upconvert_to_v2(set, &v2), kb::ErrorCode::kNone);
  std::vector<Record> recs = read_all(v2);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].timestamp, 777);
  EXPECT_EQ(recs[1].timestamp, 777);

  Bytes inner0;  // magic 0: absolute inner offsets
  message(&inner0, 0, 40, 0, 0, to_bytes("x"), to_bytes("1"));
  message(&inner0, 0, 41, 0, 0, to_bytes("y"), to_bytes("2"));
  Bytes set0;
  message(&set0, 0, 41, 1, 0, std::nullopt, gzip(inner0));
  Bytes out0;
  ASSERT_EQ(upconvert_to_v2(set0, &out0), kb::ErrorCode::kNone);
  recs = read_all(out0);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].key, to_bytes("y"));
  EXPECT_EQ(recs[1].timestamp, -1);
}

TEST(LegacyTest, UpconvertRejectsCorruption) {
  Bytes set;
  message(&set, 1, 0, 0, 1, to_bytes("k"), to_bytes("value"));
  Bytes out;
  Bytes bad = set;
  bad.back() ^= 1;  // flips a value bit: CRC-32 mismatch
  EXPECT_EQ(upconvert_to_v2(bad, &out), kb::ErrorCode::kCorruptMessage);
  EXPECT_EQ(upconvert_to_v2(std::span(set).first(set.size() - 1), &out),
            kb::ErrorCode::kCorruptMessage);
  Bytes trailing = set;
  trailing.push_back(0);
  EXPECT_EQ(upconvert_to_v2(trailing, &out), kb::ErrorCode::kCorruptMessage);
  EXPECT_TRUE(out.empty());

  Bytes garbage_wrapper;
  message(&garbage_wrapper, 1, 0, 1, 1, std::nullopt, to_bytes("not gzip at all"));
  EXPECT_EQ(upconvert_to_v2(garbage_wrapper, &out), kb::ErrorCode::kCorruptMessage);
  Bytes inner;
  message(&inner, 0, 0, 0, 0, std::nullopt, to_bytes("a"));
  Bytes mixed;  // magic 1 wrapper around magic 0 messages
  message(&mixed, 1, 0, 1, 1, std::nullopt, gzip(inner));
  EXPECT_EQ(upconvert_to_v2(mixed, &out), kb::ErrorCode::kCorruptMessage);
  Bytes zstd;
  message(&zstd, 1, 0, 4, 1, std::nullopt, to_bytes("x"));
  EXPECT_EQ(upconvert_to_v2(zstd, &out), kb::ErrorCode::kUnsupportedCompressionType);
}

// Magic 0 LZ4 wrappers written by old Kafka clients carry a wrong frame header checksum (the
// frame magic was hashed in). Produce one by picking the only other checksum byte the decoder
// accepts, and check the wrapper still up-converts.
TEST(LegacyTest, UpconvertMagic0Lz4BrokenHeaderChecksum) {
  Bytes inner;
  message(&inner, 0, 0, 0, 0, to_bytes("k"), to_bytes("lz4 value"));
  Bytes frame = compress(Compression::kLz4, inner);
  ASSERT_EQ(frame[6], 0x82);  // FLG 0x60, BD 0x40, correct HC
  int broken = -1;
  for (int v = 0; v < 256 && broken < 0; ++v) {
    if (v == 0x82) continue;
    frame[6] = uint8_t(v);
    Bytes out;
    if (decompress(Compression::kLz4, frame, &out, nullptr)) broken = v;
  }
  ASSERT_GE(broken, 0);
  frame[6] = uint8_t(broken);
  Bytes set;
  message(&set, 0, 0, 3, 0, std::nullopt, frame);
  Bytes v2;
  ASSERT_EQ(upconvert_to_v2(set, &v2), kb::ErrorCode::kNone);
  std::vector<BatchHeader> hs;
  std::vector<Record> recs = read_all(v2, &hs);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].value, to_bytes("lz4 value"));
  EXPECT_EQ(hs[0].compression(), Compression::kLz4);
  // The re-encoded v2 batch uses a correct LZ4 frame.
  EXPECT_TRUE(validate_batches(v2, 1 << 20, true).ok());
}

// Parses a legacy message set written by downconvert, checking each CRC.
struct Parsed {
  int64_t offset;
  int8_t magic, attrs;
  int64_t ts;
  std::optional<Bytes> key, value;
};
std::vector<Parsed> parse_set(const Bytes& set) {
  std::vector<Parsed> out;
  size_t pos = 0;
  auto be = [&](size_t at, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | set[at + i];
    return v;
  };
  while (pos < set.size()) {
    Parsed p;
    p.offset = int64_t(be(pos, 8));
    size_t size = be(pos + 8, 4), m = pos + 12;
    EXPECT_EQ(be(m, 4), ::crc32(0, set.data() + m + 4, uInt(size - 4)));
    p.magic = int8_t(set[m + 4]);
    p.attrs = int8_t(set[m + 5]);
    size_t at = m + 6;
    p.ts = -1;
    if (p.magic == 1) p.ts = int64_t(be(at, 8)), at += 8;
    for (auto* field : {&p.key, &p.value}) {
      int32_t len = int32_t(be(at, 4));
      at += 4;
      if (len >= 0) field->emplace(set.begin() + at, set.begin() + at + len), at += len;
    }
    EXPECT_EQ(at, m + size);
    out.push_back(p);
    pos = m + size;
  }
  return out;
}

Bytes sample_log() {
  RecordBatchBuilder a;
  a.set_base_offset(10).set_compression(Compression::kGzip);
  Bytes k = to_bytes("k"), v = to_bytes("v");
  a.add(k, v, {{"dropped", to_bytes("header")}}, 500);
  a.add(std::nullopt, v, {}, 501);
  RecordBatchBuilder control;
  control.set_base_offset(12).set_control(true).set_transactional(true);
  control.add(Bytes{0, 0, 0, 1}, Bytes{0, 0, 0, 0, 0, 0}, {}, 502);
  RecordBatchBuilder c;
  c.set_base_offset(13).set_compression(Compression::kSnappy).set_log_append_time(9000);
  c.add(k, std::nullopt, {}, 503);
  Bytes log = a.build(), cb = control.build(), cc = c.build();
  log.insert(log.end(), cb.begin(), cb.end());
  log.insert(log.end(), cc.begin(), cc.end());
  return log;
}

TEST(LegacyTest, DownconvertMagic1) {
  Bytes log = sample_log();
  Bytes tail = log;  // plus a partial batch, as a fetch response may end
  tail.insert(tail.end(), log.begin(), log.begin() + 40);
  std::vector<Parsed> msgs = parse_set(downconvert(tail, 1));
  ASSERT_EQ(msgs.size(), 3u);  // control batch dropped, partial tail ignored
  EXPECT_EQ(msgs[0].offset, 10);
  EXPECT_EQ(msgs[1].offset, 11);
  EXPECT_EQ(msgs[2].offset, 13);
  EXPECT_EQ(msgs[0].ts, 500);
  EXPECT_EQ(msgs[1].ts, 501);
  EXPECT_EQ(msgs[2].ts, 9000);  // LogAppendTime
  EXPECT_EQ(msgs[0].attrs, 0);
  EXPECT_EQ(msgs[2].attrs, 0x08);
  for (const Parsed& p : msgs) EXPECT_EQ(p.magic, 1);
  EXPECT_EQ(msgs[0].key, to_bytes("k"));
  EXPECT_FALSE(msgs[1].key.has_value());
  EXPECT_FALSE(msgs[2].value.has_value());
}

TEST(LegacyTest, DownconvertMagic0AndRoundTrip) {
  Bytes legacy = downconvert(sample_log(), 0);
  std::vector<Parsed> msgs = parse_set(legacy);
  ASSERT_EQ(msgs.size(), 3u);
  for (const Parsed& p : msgs) {
    EXPECT_EQ(p.magic, 0);
    EXPECT_EQ(p.attrs, 0);
  }
  EXPECT_EQ(msgs[2].offset, 13);
  // Back up to v2: same keys and values in order.
  Bytes v2;
  ASSERT_EQ(upconvert_to_v2(legacy, &v2), kb::ErrorCode::kNone);
  std::vector<Record> recs = read_all(v2);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].key, to_bytes("k"));
  EXPECT_EQ(recs[1].value, to_bytes("v"));
  EXPECT_FALSE(recs[2].value.has_value());
  EXPECT_TRUE(downconvert({}, 1).empty());
}

TEST(LegacyTest, AppendLegacyMessageMatchesHandEncoding) {
  Bytes mine, lib;
  message(&mine, 1, 7, 0, 123, to_bytes("key"), std::nullopt);
  Bytes key = to_bytes("key");
  append_legacy_message(&lib, 1, 7, 0, 123, key, std::nullopt);
  EXPECT_EQ(mine, lib);
}

}  // namespace
}  // namespace kb::records
