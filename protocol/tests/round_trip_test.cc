// Every API, both directions, every valid version: fill every field present in that version with
// a non-default value, encode, decode, compare, re-encode (generated cases, test_samples.cc).
#include <gtest/gtest.h>

#include "protocol/api_keys.h"
#include "protocol/messages/alter_partition_reassignments.h"
#include "protocol/messages/any.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/init_producer_id.h"
#include "protocol/messages/leader_and_isr.h"
#include "protocol/messages/list_partition_reassignments.h"
#include "protocol/messages/metadata.h"
#include "protocol/messages/test_samples.h"

namespace kb::protocol {
namespace {

std::vector<uint8_t> encoded(const auto& msg, int16_t version) {
  OutBuffer out;
  Writer w(out);
  msg.encode(w, version);
  return out.flatten();
}

TEST(RoundTripTest, EveryApiEveryVersion) {
  int checked = 0;
  for (const auto& c : testing::sample_cases()) {
    const MessageSpec* spec = find_message_spec(c.api_key);
    ASSERT_NE(spec, nullptr) << c.name;
    EXPECT_EQ(spec->min_version, c.min_version);
    EXPECT_EQ(spec->max_version, c.max_version);
    for (int16_t v = c.min_version; v <= c.max_version; ++v) {
      std::string error = c.round_trip(v);
      EXPECT_EQ(error, "") << c.name << " v" << v;
      ++checked;
    }
  }
  // 31 APIs, requests and responses.
  EXPECT_EQ(testing::sample_cases().size(), 62u);
  EXPECT_GT(checked, 200);
}

TEST(RoundTripTest, ApiVersionsV0ErrorBodyMatchesKafkaBytes) {
  // The reply Kafka sends to an unsupported ApiVersions version (after the correlation id).
  ApiVersionsResponse resp;
  resp.error_code = 35;
  resp.api_keys.push_back({18, 0, 2});
  EXPECT_EQ(encoded(resp, 0), (std::vector<uint8_t>{0, 0x23, 0, 0, 0, 1, 0, 0x12, 0, 0, 0, 2}));
}

TEST(RoundTripTest, TaggedFieldsOnlyWhenNonDefault) {
  ApiVersionsResponse resp;
  resp.api_keys.push_back({0, 0, 8});
  auto plain = encoded(resp, 3);
  // error 2 + compact array 1 + entry (2+2+2+1 tag) + throttle 4 + empty tag buffer 1.
  EXPECT_EQ(plain.size(), 2u + 1 + 7 + 4 + 1);
  resp.finalized_features_epoch = 5;
  auto tagged = encoded(resp, 3);
  // + tag 1, size 1, int64.
  EXPECT_EQ(tagged.size(), plain.size() + 1 + 1 + 8);
  Reader r(tagged.data(), tagged.size());
  ApiVersionsResponse back;
  back.decode(r, 3);
  EXPECT_EQ(back.finalized_features_epoch, 5);
  EXPECT_TRUE(r.at_end());
}

TEST(RoundTripTest, UnknownTagsAreSkipped) {
  // ApiVersions v3 request body with an extra unknown tag 7 in its tag buffer.
  std::vector<uint8_t> body = {3, 'a', 'b', 2, 'c', 1, 7, 2, 0xaa, 0xbb};
  Reader r(body.data(), body.size());
  ApiVersionsRequest req;
  req.decode(r, 3);
  EXPECT_EQ(req.client_software_name, "ab");
  EXPECT_EQ(req.client_software_version, "c");
  EXPECT_TRUE(r.at_end());
}

TEST(RoundTripTest, InitProducerIdMatchesKafkaBytes) {
  // v0/v1 request of an idempotent (non-transactional) producer: null id, timeout 60000.
  std::vector<uint8_t> body = {0xff, 0xff, 0, 0, 0xea, 0x60};
  Reader r(body.data(), body.size());
  InitProducerIdRequest req;
  req.decode(r, 1);
  EXPECT_FALSE(req.transactional_id.has_value());
  EXPECT_EQ(req.transaction_timeout_ms, 60000);
  EXPECT_EQ(encoded(req, 1), body);
  InitProducerIdResponse resp;
  resp.producer_id = 1001;
  resp.producer_epoch = 0;
  EXPECT_EQ(encoded(resp, 0),
            (std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0xe9, 0, 0}));
}

TEST(RoundTripTest, PartitionReassignmentsAreFlexibleFromV0) {
  // KIP-455's v0: compact arrays and strings (length + 1), a null replica list as length 0
  // (cancel), a tag buffer after every struct.
  AlterPartitionReassignmentsRequest alter;
  alter.timeout_ms = 30000;
  alter.topics.resize(1);
  alter.topics[0].name = "t";
  alter.topics[0].partitions.resize(2);
  alter.topics[0].partitions[0].partition_index = 0;
  alter.topics[0].partitions[0].replicas = std::vector<int32_t>{1, 2};
  alter.topics[0].partitions[1].partition_index = 1;
  EXPECT_EQ(encoded(alter, 0),
            (std::vector<uint8_t>{
                0,    0,   0x75, 0x30, 0x02, 0x02, 't', 0x03,  // timeout, topics, name
                0,    0,   0,    0,    0x03, 0,    0,   0,    1, 0, 0, 0, 2, 0x00,  // p0 [1,2]
                0,    0,   0,    1,    0x00, 0x00,                                  // p1 null
                0x00, 0x00}));
  ListPartitionReassignmentsRequest all;  // null topics: every ongoing reassignment
  all.timeout_ms = 30000;
  EXPECT_EQ(encoded(all, 0), (std::vector<uint8_t>{0, 0, 0x75, 0x30, 0x00, 0x00}));
  ListPartitionReassignmentsResponse listed;
  listed.topics.resize(1);
  listed.topics[0].name = "t";
  listed.topics[0].partitions.resize(1);
  listed.topics[0].partitions[0].replicas = {3, 1};
  listed.topics[0].partitions[0].adding_replicas = {3};
  listed.topics[0].partitions[0].removing_replicas = {1};
  EXPECT_EQ(encoded(listed, 0),
            (std::vector<uint8_t>{
                0,    0,    0,   0,    0, 0,    0x00,           // throttle, error, null message
                0x02, 0x02, 't', 0x02, 0, 0,    0,    0,        // topic t, partition 0
                0x03, 0,    0,   0,    3, 0,    0,    0, 1,     // replicas [3,1]
                0x02, 0,    0,   0,    3, 0x02, 0,    0, 0, 1,  // adding [3], removing [1]
                0x00, 0x00, 0x00}));
}

TEST(RoundTripTest, NullableArraysFollowTheirVersions) {
  MetadataRequest all_topics;
  all_topics.topics.reset();
  auto v1 = encoded(all_topics, 1);
  EXPECT_EQ(v1, (std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff}));
  Reader r(v1.data(), v1.size());
  MetadataRequest back;
  back.decode(r, 1);
  EXPECT_FALSE(back.topics.has_value());
  // v0 has no null array: it must not decode, and encoding writes an empty one.
  Reader r0(v1.data(), v1.size());
  EXPECT_THROW(back.decode(r0, 0), DecodeError);
  EXPECT_EQ(encoded(all_topics, 0), (std::vector<uint8_t>{0, 0, 0, 0}));
}

TEST(RoundTripTest, SharedStructsAndVersionedLayout) {
  LeaderAndIsrRequest req;
  req.controller_id = 1;
  req.controller_epoch = 2;
  LeaderAndIsrPartitionState ps;
  ps.topic_name = "t";
  ps.partition_index = 3;
  ps.isr = {1, 2};
  ps.replicas = {1, 2};
  req.ungrouped_partition_states.push_back(ps);
  auto v1 = encoded(req, 1);
  LeaderAndIsrRequest back;
  Reader r(v1.data(), v1.size());
  back.decode(r, 1);
  EXPECT_EQ(back, req);
  // v4 is flexible and carries topic_states instead of the ungrouped list.
  auto v4 = encoded(req, 4);
  Reader r4(v4.data(), v4.size());
  back.decode(r4, 4);
  EXPECT_TRUE(back.ungrouped_partition_states.empty());
  EXPECT_TRUE(r4.at_end());
}

TEST(RoundTripTest, TruncatedInputAlwaysThrowsDecodeError) {
  for (const auto& spec : all_message_specs()) {
    for (int16_t v = spec.min_version; v <= spec.max_version; ++v) {
      // A body of a lone 0xff byte is too short for anything but an empty request.
      std::vector<uint8_t> junk = {0xff};
      Reader r(junk.data(), junk.size());
      try {
        decode_any_request(static_cast<int16_t>(spec.key), v, r);
      } catch (const DecodeError&) {
      }
    }
  }
}

}  // namespace
}  // namespace kb::protocol
