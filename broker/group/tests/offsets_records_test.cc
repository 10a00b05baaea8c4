#include "broker/group/offsets_records.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "protocol/records/batch_header.h"
#include "protocol/records/record_batch.h"
#include "protocol/tests/test_hex.h"

namespace kb::broker::group {
namespace {

using protocol::testing::bytes_of;
using protocol::testing::hex;

// ---- keys ----

TEST(OffsetsRecordsTest, OffsetKeyBytes) {
  // version 1 | group "g" | topic "t" | partition 0
  EXPECT_EQ(encode_offset_key({"g", "t", 0}), hex("0001 | 0001 67 | 0001 74 | 00000000"));
  EXPECT_EQ(encode_offset_key({"grp", "topic", 0x01020304}),
            hex("0001 | 0003 677270 | 0005 746f706963 | 01020304"));
}

TEST(OffsetsRecordsTest, GroupKeyBytes) {
  EXPECT_EQ(encode_group_key("g"), hex("0002 | 0001 67"));
  EXPECT_EQ(encode_group_key(""), hex("0002 | 0000"));
}

TEST(OffsetsRecordsTest, DecodeKeys) {
  auto k1 = decode_key(hex("0001 | 0001 67 | 0001 74 | 00000007"));
  ASSERT_TRUE(std::holds_alternative<OffsetKey>(k1));
  EXPECT_EQ(std::get<OffsetKey>(k1), (OffsetKey{"g", "t", 7}));
  // Version 0 has the same layout.
  auto k0 = decode_key(hex("0000 | 0001 67 | 0001 74 | ffffffff"));
  ASSERT_TRUE(std::holds_alternative<OffsetKey>(k0));
  EXPECT_EQ(std::get<OffsetKey>(k0), (OffsetKey{"g", "t", -1}));
  auto k2 = decode_key(hex("0002 | 0003 616263"));
  ASSERT_TRUE(std::holds_alternative<std::string>(k2));
  EXPECT_EQ(std::get<std::string>(k2), "abc");
}

TEST(OffsetsRecordsTest, DecodeKeyRejectsMalformed) {
  EXPECT_THROW(decode_key(hex("")), protocol::DecodeError);
  EXPECT_THROW(decode_key(hex("00")), protocol::DecodeError);
  EXPECT_THROW(decode_key(hex("0003 | 0001 67")), protocol::DecodeError);  // unknown version
  EXPECT_THROW(decode_key(hex("ffff | 0001 67")), protocol::DecodeError);
  EXPECT_THROW(decode_key(hex("0001 | 0001 67 | 0001 74 | 000000")), protocol::DecodeError);
  EXPECT_THROW(decode_key(hex("0002 | 0005 6162")), protocol::DecodeError);  // string too short
  EXPECT_THROW(decode_key(hex("0002 | ffff")), protocol::DecodeError);       // null group
  EXPECT_THROW(decode_key(hex("0002 | fffe")), protocol::DecodeError);       // negative length
}

TEST(OffsetsRecordsTest, KeyRoundTrips) {
  OffsetKey k{"group-\xc3\xa9", "orders", 42};
  EXPECT_EQ(std::get<OffsetKey>(decode_key(encode_offset_key(k))), k);
  EXPECT_EQ(std::get<std::string>(decode_key(encode_group_key("my-group"))), "my-group");
}

TEST(OffsetsRecordsTest, OverlongStringsAreRefused) {
  std::string big(40000, 'x');
  EXPECT_THROW(encode_group_key(big), std::length_error);
  EXPECT_THROW(encode_offset_value(OffsetValue{1, -1, big, 2, std::nullopt}), std::length_error);
  EXPECT_NO_THROW(encode_group_key(std::string(32767, 'x')));
}

// ---- offset values ----

TEST(OffsetsRecordsTest, OffsetValueV3Bytes) {
  OffsetValue v{5, 7, "m", 0x0102, std::nullopt};
  // version 3 | offset | leader_epoch | metadata | commit_timestamp
  EXPECT_EQ(encode_offset_value(v),
            hex("0003 | 0000000000000005 | 00000007 | 0001 6d | 0000000000000102"));
  OffsetValue no_epoch{-1, -1, "", 1, std::nullopt};
  EXPECT_EQ(encode_offset_value(no_epoch),
            hex("0003 | ffffffffffffffff | ffffffff | 0000 | 0000000000000001"));
}

TEST(OffsetsRecordsTest, OffsetValueWithExpireIsV1) {
  OffsetValue v{5, 7, "m", 0x0102, 9};
  // version 1 | offset | metadata | commit_timestamp | expire_timestamp (no leader epoch in v1)
  EXPECT_EQ(encode_offset_value(v),
            hex("0001 | 0000000000000005 | 0001 6d | 0000000000000102 | 0000000000000009"));
}

TEST(OffsetsRecordsTest, OffsetValueExplicitVersions) {
  OffsetValue v{5, 7, "m", 0x0102, std::nullopt};
  EXPECT_EQ(encode_offset_value(v, 0), hex("0000 | 0000000000000005 | 0001 6d | 0000000000000102"));
  EXPECT_EQ(encode_offset_value(v, 1),
            hex("0001 | 0000000000000005 | 0001 6d | 0000000000000102 | ffffffffffffffff"));
  EXPECT_EQ(encode_offset_value(v, 2), hex("0002 | 0000000000000005 | 0001 6d | 0000000000000102"));
  EXPECT_EQ(encode_offset_value(v, 3), encode_offset_value(v));
  EXPECT_THROW(encode_offset_value(v, 4), std::invalid_argument);
  EXPECT_THROW(encode_offset_value(v, -1), std::invalid_argument);
}

TEST(OffsetsRecordsTest, DecodeEveryOffsetValueVersion) {
  // v0: timestamp becomes the commit timestamp; no epoch, no expiry.
  EXPECT_EQ(decode_offset_value(hex("0000 | 000000000000000a | 0002 6d64 | 0000000000000064")),
            (OffsetValue{10, -1, "md", 100, std::nullopt}));
  // v1 with an expire timestamp, and with -1 (= none).
  EXPECT_EQ(decode_offset_value(
                hex("0001 | 000000000000000a | 0000 | 0000000000000064 | 00000000000000c8")),
            (OffsetValue{10, -1, "", 100, 200}));
  EXPECT_EQ(decode_offset_value(
                hex("0001 | 000000000000000a | 0000 | 0000000000000064 | ffffffffffffffff")),
            (OffsetValue{10, -1, "", 100, std::nullopt}));
  // v2
  EXPECT_EQ(decode_offset_value(hex("0002 | 000000000000000a | 0001 78 | 0000000000000064")),
            (OffsetValue{10, -1, "x", 100, std::nullopt}));
  // v3
  EXPECT_EQ(
      decode_offset_value(hex("0003 | 000000000000000a | 00000003 | 0001 78 | 0000000000000064")),
      (OffsetValue{10, 3, "x", 100, std::nullopt}));
}

TEST(OffsetsRecordsTest, DecodeOffsetValueRejectsMalformed) {
  EXPECT_THROW(decode_offset_value(hex("")), protocol::DecodeError);
  EXPECT_THROW(decode_offset_value(hex("0004 | 000000000000000a | 0000 | 0000000000000064")),
               protocol::DecodeError);
  EXPECT_THROW(decode_offset_value(hex("0003 | 000000000000000a | 00000003 | 0001 78")),
               protocol::DecodeError);
  EXPECT_THROW(decode_offset_value(hex("0002 | 000000000000000a | ffff | 0000000000000064")),
               protocol::DecodeError);  // metadata is not nullable
  EXPECT_THROW(decode_offset_value(hex("0001 | 000000000000000a | 0000 | 0000000000000064")),
               protocol::DecodeError);  // v1 without its expire timestamp
}

TEST(OffsetsRecordsTest, DecodeIgnoresTrailingBytes) {
  EXPECT_EQ(decode_offset_value(hex("0002 | 000000000000000a | 0000 | 0000000000000064 | 99")),
            (OffsetValue{10, -1, "", 100, std::nullopt}));
}

TEST(OffsetsRecordsTest, OffsetValueRoundTrips) {
  for (const OffsetValue& v :
       {OffsetValue{0, -1, "", 0, std::nullopt},
        OffsetValue{123456789012345, 17, std::string("meta\0data", 9), 1700000000000, std::nullopt},
        OffsetValue{9, -1, "m", 5, 86400005}}) {
    EXPECT_EQ(decode_offset_value(encode_offset_value(v)), v);
  }
}

// ---- group values ----

GroupValue sample_group() {
  GroupValue g;
  g.protocol_type = "consumer";
  g.generation = 1;
  g.protocol = "range";
  g.leader = "m1";
  g.current_state_timestamp = 100;
  g.members.push_back(GroupMemberRecord{"m1", std::nullopt, "c", "/h", 300, 10, {1, 2}, {}});
  return g;
}

// The pieces of sample_group(), field by field.
constexpr std::string_view kHeader =
    "0008 636f6e73756d6572 | 00000001 | 0005 72616e6765 | 0002 6d31";
constexpr std::string_view kStateTs = "0000000000000064";
constexpr std::string_view kCount = "00000001";
constexpr std::string_view kMemberId = "0002 6d31";
constexpr std::string_view kInstanceNull = "ffff";
constexpr std::string_view kClient = "0001 63 | 0002 2f68";
constexpr std::string_view kRebalance = "0000012c";
constexpr std::string_view kSession = "0000000a";
constexpr std::string_view kSubAsg = "00000002 0102 | 00000000";

std::vector<uint8_t> join(std::initializer_list<std::string_view> parts) {
  std::string all;
  for (auto p : parts) all.append(p).append(" ");
  return hex(all);
}

TEST(OffsetsRecordsTest, GroupValueV3Bytes) {
  EXPECT_EQ(encode_group_value(sample_group()),
            join({"0003", kHeader, kStateTs, kCount, kMemberId, kInstanceNull, kClient, kRebalance,
                  kSession, kSubAsg}));
  GroupValue with_instance = sample_group();
  with_instance.members[0].group_instance_id = "i";
  EXPECT_EQ(encode_group_value(with_instance),
            join({"0003", kHeader, kStateTs, kCount, kMemberId, "0001 69", kClient, kRebalance,
                  kSession, kSubAsg}));
}

TEST(OffsetsRecordsTest, EmptyGroupValueBytes) {
  GroupValue g{"consumer", 3, std::nullopt, std::nullopt, 7, {}};
  EXPECT_EQ(encode_group_value(g),
            hex("0003 | 0008 636f6e73756d6572 | 00000003 | ffff | ffff | 0000000000000007 | "
                "00000000"));
}

TEST(OffsetsRecordsTest, GroupValueOlderVersionBytes) {
  GroupValue g = sample_group();
  EXPECT_EQ(encode_group_value(g, 0),
            join({"0000", kHeader, kCount, kMemberId, kClient, kSession, kSubAsg}));
  EXPECT_EQ(encode_group_value(g, 1),
            join({"0001", kHeader, kCount, kMemberId, kClient, kRebalance, kSession, kSubAsg}));
  EXPECT_EQ(encode_group_value(g, 2), join({"0002", kHeader, kStateTs, kCount, kMemberId, kClient,
                                            kRebalance, kSession, kSubAsg}));
  EXPECT_THROW(encode_group_value(g, 4), std::invalid_argument);
}

TEST(OffsetsRecordsTest, DecodeEveryGroupValueVersion) {
  GroupValue v0 =
      decode_group_value(join({"0000", kHeader, kCount, kMemberId, kClient, kSession, kSubAsg}));
  GroupValue expected = sample_group();
  expected.current_state_timestamp = -1;
  expected.members[0].rebalance_timeout_ms = 10;  // v0: the session timeout, as Kafka reads it
  EXPECT_EQ(v0, expected);

  GroupValue v1 = decode_group_value(
      join({"0001", kHeader, kCount, kMemberId, kClient, kRebalance, kSession, kSubAsg}));
  expected.members[0].rebalance_timeout_ms = 300;
  EXPECT_EQ(v1, expected);

  GroupValue v2 = decode_group_value(
      join({"0002", kHeader, kStateTs, kCount, kMemberId, kClient, kRebalance, kSession, kSubAsg}));
  expected.current_state_timestamp = 100;
  EXPECT_EQ(v2, expected);

  GroupValue v3 = decode_group_value(join({"0003", kHeader, kStateTs, kCount, kMemberId, "0001 69",
                                           kClient, kRebalance, kSession, kSubAsg}));
  expected.members[0].group_instance_id = "i";
  EXPECT_EQ(v3, expected);
}

TEST(OffsetsRecordsTest, DecodeGroupValueRejectsMalformed) {
  auto good = encode_group_value(sample_group());
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_THROW(decode_group_value(std::span(good).first(n)), protocol::DecodeError) << n;
  }
  EXPECT_THROW(decode_group_value(join({"0004", kHeader, kStateTs, "00000000"})),
               protocol::DecodeError);
  // A member count larger than the bytes left (a forged count must not allocate).
  EXPECT_THROW(decode_group_value(join({"0003", kHeader, kStateTs, "7fffffff"})),
               protocol::DecodeError);
  EXPECT_THROW(decode_group_value(join({"0003", kHeader, kStateTs, "ffffffff"})),
               protocol::DecodeError);
  // Null member id.
  EXPECT_THROW(decode_group_value(join({"0003", kHeader, kStateTs, kCount, "ffff", kInstanceNull,
                                        kClient, kRebalance, kSession, kSubAsg})),
               protocol::DecodeError);
  // Null protocol_type.
  EXPECT_THROW(decode_group_value(hex("0003 ffff 00000001 ffff ffff 0000000000000000 00000000")),
               protocol::DecodeError);
}

TEST(OffsetsRecordsTest, GroupValueRoundTrips) {
  GroupValue g = sample_group();
  g.members.push_back(GroupMemberRecord{"m2",
                                        "instance-2",
                                        "client-2",
                                        "/10.0.0.2",
                                        60000,
                                        45000,
                                        std::vector<uint8_t>(300, 0xab),
                                        {9, 8, 7}});
  EXPECT_EQ(decode_group_value(encode_group_value(g)), g);
  GroupValue empty{"", 0, std::nullopt, std::nullopt, -1, {}};
  EXPECT_EQ(decode_group_value(encode_group_value(empty)), empty);
}

// Random and mutated bytes: decoders either succeed or throw DecodeError, nothing else (no crash,
// no other exception, no huge allocation).
TEST(OffsetsRecordsTest, DecodersSurviveGarbage) {
  std::mt19937 rng(42);
  std::vector<std::vector<uint8_t>> seeds{
      encode_offset_key({"g", "t", 1}), encode_group_key("group"),
      encode_offset_value({1, 2, "m", 3, std::nullopt}), encode_offset_value({1, 2, "m", 3, 4}),
      encode_group_value(sample_group())};
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> b = seeds[size_t(i) % seeds.size()];
    int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] = uint8_t(rng());
    if (rng() % 4 == 0) b.resize(rng() % (b.size() + 1));
    for (auto fn : {+[](std::span<const uint8_t> s) { (void)decode_key(s); },
                    +[](std::span<const uint8_t> s) { (void)decode_offset_value(s); },
                    +[](std::span<const uint8_t> s) { (void)decode_group_value(s); }}) {
      try {
        fn(b);
      } catch (const protocol::DecodeError&) {
      }
    }
  }
}

// ---- partition for a group ----

TEST(OffsetsRecordsTest, JavaStringHashAscii) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("a"), 97);
  EXPECT_EQ(java_string_hash("hello"), 99162322);
  EXPECT_EQ(java_string_hash("console-consumer-12345"), 158455506);
  EXPECT_EQ(java_string_hash("my-group"), -1906497762);
  EXPECT_EQ(java_string_hash("polygenelubricants"), std::numeric_limits<int32_t>::min());
}

TEST(OffsetsRecordsTest, JavaStringHashNonAscii) {
  EXPECT_EQ(java_string_hash("\xc3\xa9"), 233);  // U+00E9, one UTF-16 unit
  EXPECT_EQ(java_string_hash("caf\xc3\xa9"), 3045921);
  EXPECT_EQ(java_string_hash("\xf0\x9f\x98\x80"), 1772899);  // U+1F600 = D83D DE00
  EXPECT_EQ(java_string_hash("Gruppe-\xc3\xbc\xc3\xb6\xc3\xa4-\xf0\x9f\x98\x80"), 1651277336);
  // "consumer-グループ-1": three-byte UTF-8, one unit each; the hash is negative.
  EXPECT_EQ(java_string_hash("consumer-\xe3\x82\xb0\xe3\x83\xab\xe3\x83\xbc\xe3\x83\x97-1"),
            -1695686479);
}

TEST(OffsetsRecordsTest, JavaStringHashInvalidUtf8CountsAsReplacement) {
  EXPECT_EQ(java_string_hash("\xff"), 65533);
  EXPECT_EQ(java_string_hash("a\xe2\x82"), 68540);                // truncated: one U+FFFD
  EXPECT_EQ(java_string_hash("\xe2\x28\xa1"), 63043986);          // FFFD '(' FFFD
  EXPECT_EQ(java_string_hash("\xc0\xaf"), 2097056);               // overlong: two U+FFFD
  EXPECT_EQ(java_string_hash("\xed\xa0\x80"), 65074269);          // encoded surrogate: three
  EXPECT_EQ(java_string_hash("x\xf4\x90\x80\x80y"), 1549392833);  // above U+10FFFF
}

TEST(OffsetsRecordsTest, OffsetsPartitionFor) {
  EXPECT_EQ(offsets_partition_for("hello", 50), 22);
  EXPECT_EQ(offsets_partition_for("console-consumer-12345", 50), 6);
  // Negative hash: Utils.abs gives 1906497762 % 50 = 12 (h & 0x7fffffff would give 36).
  EXPECT_EQ(offsets_partition_for("my-group", 50), 12);
  EXPECT_EQ(offsets_partition_for("polygenelubricants", 50), 0);  // Integer.MIN_VALUE -> 0
  EXPECT_EQ(offsets_partition_for("Gruppe-\xc3\xbc\xc3\xb6\xc3\xa4-\xf0\x9f\x98\x80", 50), 36);
  EXPECT_EQ(
      offsets_partition_for("consumer-\xe3\x82\xb0\xe3\x83\xab\xe3\x83\xbc\xe3\x83\x97-1", 50),
      29);  // (h & 0x7fffffff) % 50 would be 19
  EXPECT_EQ(offsets_partition_for("hello", 1), 0);
  EXPECT_EQ(offsets_partition_for("hello", 0), 0);
  EXPECT_EQ(offsets_partition_for("hello", -3), 0);
}

// ---- batches ----

TEST(OffsetsRecordsTest, BuildBatchPassesValidation) {
  std::vector<KeyValue> kvs{
      {encode_offset_key({"g", "t", 0}), encode_offset_value({5, -1, "", 1000, std::nullopt})},
      {encode_offset_key({"g", "t", 1}), std::nullopt},
      {encode_group_key("g"), encode_group_value(sample_group())},
  };
  auto batch = build_batch(kvs, 1234);
  auto result = records::validate_batches(batch, 1 << 20, /*deep=*/true);
  ASSERT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(result.batch_count, 1);
  EXPECT_EQ(result.record_count, 3);
  EXPECT_EQ(result.max_timestamp, 1234);
  EXPECT_FALSE(result.has_idempotent);
  EXPECT_FALSE(result.has_transactional);
  EXPECT_TRUE(records::batch_crc_ok(batch));

  records::BatchHeader h{};
  ASSERT_TRUE(records::parse_batch_header(batch, &h));
  EXPECT_EQ(h.magic, 2);
  EXPECT_EQ(h.base_offset, 0);
  EXPECT_EQ(h.producer_id, -1);
  EXPECT_EQ(h.compression(), records::Compression::kNone);
  EXPECT_FALSE(h.log_append_time());
  EXPECT_EQ(h.base_timestamp, 1234);

  std::vector<records::Record> recs;
  std::string error;
  ASSERT_TRUE(records::read_records(batch, &recs, &error)) << error;
  ASSERT_EQ(recs.size(), 3u);
  for (size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(recs[i].offset, int64_t(i));
    EXPECT_EQ(recs[i].timestamp, 1234);
    EXPECT_EQ(recs[i].key, kvs[i].key);
    EXPECT_EQ(recs[i].value, kvs[i].value);
  }
  EXPECT_FALSE(recs[1].value.has_value());  // the tombstone stays null, not empty
}

TEST(OffsetsRecordsTest, BuildCompressedBatch) {
  std::vector<KeyValue> kvs;
  for (int p = 0; p < 20; ++p) {
    kvs.push_back({encode_offset_key({"g", "topic", p}),
                   encode_offset_value({p * 10, 0, "", 1000, std::nullopt})});
  }
  for (auto codec : {records::Compression::kGzip, records::Compression::kLz4,
                     records::Compression::kZstd, records::Compression::kSnappy}) {
    auto batch = build_batch(kvs, 99, codec);
    auto result = records::validate_batches(batch, 1 << 20, /*deep=*/true);
    ASSERT_TRUE(result.ok()) << result.message;
    records::BatchHeader h{};
    ASSERT_TRUE(records::parse_batch_header(batch, &h));
    EXPECT_EQ(h.compression(), codec);
    std::vector<records::Record> recs;
    std::string error;
    ASSERT_TRUE(records::read_records(batch, &recs, &error)) << error;
    ASSERT_EQ(recs.size(), kvs.size());
    EXPECT_EQ(std::get<OffsetKey>(decode_key(*recs[19].key)), (OffsetKey{"g", "topic", 19}));
    EXPECT_EQ(decode_offset_value(*recs[19].value).offset, 190);
  }
}

TEST(OffsetsRecordsTest, BuildEmptyBatchIsEmpty) {
  EXPECT_TRUE(build_batch({}, 1).empty());
}

}  // namespace
}  // namespace kb::broker::group
