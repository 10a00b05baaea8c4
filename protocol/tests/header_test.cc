#include "protocol/header.h"

#include <gtest/gtest.h>

#include "protocol/api_keys.h"

namespace kb::protocol {
namespace {

TEST(HeaderTest, SpecTable) {
  const MessageSpec* produce = find_message_spec(ApiKey::kProduce);
  ASSERT_NE(produce, nullptr);
  EXPECT_STREQ(produce->name, "Produce");
  EXPECT_EQ(produce->min_version, 0);
  EXPECT_EQ(produce->max_version, 8);
  EXPECT_EQ(find_message_spec(int16_t{17}), nullptr);
  EXPECT_EQ(find_message_spec(int16_t{-1}), nullptr);
  EXPECT_EQ(find_message_spec(int16_t{1000}), nullptr);
  EXPECT_EQ(all_message_specs().size(), 31u);
  EXPECT_TRUE(request_is_flexible(18, 3));
  EXPECT_FALSE(request_is_flexible(18, 2));
  EXPECT_TRUE(request_is_flexible(4, 4));
  EXPECT_TRUE(request_is_flexible(6, 6));
  EXPECT_TRUE(request_is_flexible(5, 2));
  EXPECT_TRUE(request_is_flexible(7, 3));
  EXPECT_FALSE(request_is_flexible(7, 2));
  EXPECT_FALSE(request_is_flexible(999, 3));
  EXPECT_TRUE(request_is_flexible(43, 2));
  EXPECT_FALSE(request_is_flexible(43, 1));
  for (const auto& s : all_message_specs()) {
    // Only ApiVersions, the inter-broker APIs, KIP-455's (flexible from v0) and ElectLeaders (v2,
    // which Kafka's own kafka-leader-election uses) reach a flexible version in our ranges.
    bool flexible_in_range = s.is_flexible(s.max_version);
    bool expected = s.key == ApiKey::kApiVersions || s.key == ApiKey::kLeaderAndIsr ||
                    s.key == ApiKey::kUpdateMetadata || s.key == ApiKey::kStopReplica ||
                    s.key == ApiKey::kControlledShutdown ||
                    s.key == ApiKey::kAlterPartitionReassignments ||
                    s.key == ApiKey::kListPartitionReassignments || s.key == ApiKey::kElectLeaders;
    EXPECT_EQ(flexible_in_range, expected) << s.name;
  }
}

TEST(HeaderTest, RequestHeaderRoundTrip) {
  for (int16_t version : {int16_t{2}, int16_t{3}}) {
    RequestHeader h{18, version, 77, std::string("me")};
    OutBuffer out;
    Writer w(out);
    encode_request_header(w, h);
    w.write_int8(5);  // first body byte
    auto b = out.flatten();
    // Flexible versions add one tag-buffer byte.
    EXPECT_EQ(b.size(), 8u + 4 + (version == 3 ? 1 : 0) + 1);
    Reader r(b.data(), b.size());
    RequestHeader d = decode_request_header(r);
    EXPECT_EQ(d.api_key, 18);
    EXPECT_EQ(d.api_version, version);
    EXPECT_EQ(d.correlation_id, 77);
    EXPECT_EQ(d.client_id, std::optional<std::string>("me"));
    EXPECT_EQ(r.read_int8(), 5);
  }
}

TEST(HeaderTest, ControlledShutdownV0HasNoClientId) {
  std::vector<uint8_t> b = {0, 7, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1};
  Reader r(b.data(), b.size());
  RequestHeader h = decode_request_header(r);
  EXPECT_EQ(h.correlation_id, 9);
  EXPECT_FALSE(h.client_id.has_value());
  EXPECT_EQ(r.read_int32(), 1);  // broker id
}

TEST(HeaderTest, UnknownKeyReadsNoTagBuffer) {
  std::vector<uint8_t> b = {0x03, 0xe7, 0, 9, 0, 0, 0, 1, 0xff, 0xff, 0x42};
  Reader r(b.data(), b.size());
  RequestHeader h = decode_request_header(r);
  EXPECT_EQ(h.api_key, 999);
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(HeaderTest, ResponseHeader) {
  auto encoded = [](int16_t key, int16_t version) {
    OutBuffer out;
    Writer w(out);
    encode_response_header(w, 5, key, version);
    return out.flatten();
  };
  EXPECT_EQ(encoded(3, 8), (std::vector<uint8_t>{0, 0, 0, 5}));
  // ApiVersions v3 is flexible but its response header stays v0.
  EXPECT_EQ(encoded(18, 3), (std::vector<uint8_t>{0, 0, 0, 5}));
  EXPECT_EQ(encoded(4, 4), (std::vector<uint8_t>{0, 0, 0, 5, 0}));
  EXPECT_EQ(encoded(4, 3), (std::vector<uint8_t>{0, 0, 0, 5}));
}

}  // namespace
}  // namespace kb::protocol
