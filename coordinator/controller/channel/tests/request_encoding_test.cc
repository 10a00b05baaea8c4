// Encodes each controller request at every version and decodes it back with the generated codec,
// checking the fields the controller stamps (ids, epochs), the per-version layout (ungrouped vs
// grouped by topic) and the broker endpoints.
#include "coordinator/controller/channel/request_encoding.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "protocol/messages/leader_and_isr.h"
#include "protocol/messages/stop_replica.h"
#include "protocol/messages/update_metadata.h"
#include "protocol/wire.h"

namespace kb::coordinator::controller {
namespace {

constexpr int16_t kLeaderAndIsrKey = 4;
constexpr int16_t kStopReplicaKey = 5;
constexpr int16_t kUpdateMetadataKey = 6;

LiveBroker broker(int32_t id, int64_t epoch, std::vector<EndPoint> endpoints,
                  std::optional<std::string> rack) {
  LiveBroker b;
  b.info.id = BrokerId(id);
  b.info.endpoints = std::move(endpoints);
  b.info.rack = std::move(rack);
  b.epoch = BrokerEpoch(epoch);
  return b;
}

// Controller 1 at epoch 7; broker 1 has two listeners and a rack, broker 2 only PLAINTEXT.
ControllerContext make_context() {
  ControllerContext c;
  c.controller_id = BrokerId(1);
  c.epoch = ControllerEpoch(7);
  c.live_brokers[BrokerId(1)] = broker(
      1, 100, {{"PLAINTEXT", "host1", 9092, "PLAINTEXT"}, {"INTERNAL", "internal1", 9093, "SSL"}},
      "rack-a");
  c.live_brokers[BrokerId(2)] = broker(
      2, 200, {{"PLAINTEXT", "host2", 9192, "PLAINTEXT"}, {"SECURE", "host2", 9194, "SASL_SSL"}},
      std::nullopt);
  TopicAssignment foo;
  foo.partitions = {{0, {1, 2}}, {1, {2, 1}}};
  foo.adding_replicas = {{1, {3}}};
  foo.removing_replicas = {{1, {1}}};
  c.topics["foo"] = foo;
  TopicAssignment bar;
  bar.partitions = {{0, {2, 1}}};
  c.topics["bar"] = bar;
  return c;
}

LeaderAndIsr state(int32_t leader, int32_t leader_epoch, std::vector<int32_t> isr,
                   int32_t controller_epoch) {
  return LeaderAndIsr{BrokerId(leader), LeaderEpoch(leader_epoch), to_broker_ids(isr),
                      ControllerEpoch(controller_epoch)};
}

template <typename Message>
Message decode(const EncodedRequest& encoded) {
  Message message;
  protocol::Reader reader(encoded.body);
  message.decode(reader, encoded.api_version);
  EXPECT_TRUE(reader.at_end()) << "trailing bytes at v" << encoded.api_version;
  return message;
}

InterBrokerVersions only(int16_t leader_and_isr, int16_t update_metadata, int16_t stop_replica) {
  InterBrokerVersions v;
  v.leader_and_isr = leader_and_isr;
  v.update_metadata = update_metadata;
  v.stop_replica = stop_replica;
  return v;
}

// ---- inter.broker.protocol.version ----

void expect_versions(const std::string& ibp, int16_t lai, int16_t um, int16_t sr) {
  InterBrokerVersions v = inter_broker_versions(ibp);
  EXPECT_EQ(v.leader_and_isr, lai) << ibp;
  EXPECT_EQ(v.update_metadata, um) << ibp;
  EXPECT_EQ(v.stop_replica, sr) << ibp;
}

TEST(InterBrokerVersionsTest, MapsEachReleaseToKafkasVersions) {
  expect_versions("2.4-IV1", 4, 6, 2);
  expect_versions("2.4", 4, 6, 2);
  expect_versions("2.4.1", 4, 6, 2);
  expect_versions("2.4-IV0", 3, 5, 1);
  expect_versions("2.8-IV1", 4, 6, 2);  // clamped to the versions we implement
  expect_versions("3.0", 4, 6, 2);
  expect_versions("2.3", 2, 5, 1);
  expect_versions("2.3-IV1", 2, 5, 1);
  expect_versions("2.2", 2, 5, 1);
  expect_versions("2.2-IV0", 2, 5, 1);
  expect_versions("2.1", 1, 4, 0);
  expect_versions("2.0", 1, 4, 0);
  expect_versions("1.1", 1, 4, 0);
  expect_versions("1.0", 1, 4, 0);
  expect_versions("1.0-IV0", 1, 4, 0);
  expect_versions("0.11.0", 0, 3, 0);
  expect_versions("0.11.0-IV2", 0, 3, 0);
  expect_versions("0.10.2", 0, 3, 0);
  expect_versions("0.10.2.1", 0, 3, 0);
  expect_versions("0.10.1", 0, 2, 0);
  expect_versions("0.10.0", 0, 2, 0);
  expect_versions("0.10.0-IV1", 0, 2, 0);
  expect_versions("0.10.0-IV0", 0, 1, 0);
  expect_versions("0.9.0", 0, 1, 0);
  expect_versions("0.8.2", 0, 0, 0);
}

TEST(InterBrokerVersionsTest, RejectsMalformedValues) {
  for (const char* bad : {"", "abc", "2", "2.x", "2.4-XX", "2.4-IV", "0.10", "-1.0", "2..4"}) {
    EXPECT_THROW(inter_broker_versions(bad), std::invalid_argument) << bad;
  }
}

// ---- LeaderAndIsr ----

LeaderAndIsrRequest sample_leader_and_isr() {
  LeaderAndIsrRequest r;
  r.target = BrokerId(2);
  r.partitions = {
      {{"foo", 0}, state(1, 5, {1, 2}, 6), ZkVersion(3), to_broker_ids({1, 2}), false},
      {{"bar", 0}, state(2, 1, {2}, 7), ZkVersion(0), to_broker_ids({2, 1}), true},
      {{"foo", 1}, state(2, 9, {2, 1}, 7), ZkVersion(12), to_broker_ids({2, 1}), false},
  };
  r.live_leaders = {BrokerId(1), BrokerId(2), BrokerId(9)};  // 9: not registered, left out
  return r;
}

TEST(LeaderAndIsrEncodingTest, EveryVersionDecodesWithStampedFields) {
  const ControllerContext context = make_context();
  const LeaderAndIsrRequest request = sample_leader_and_isr();
  for (int16_t v = 0; v <= 4; ++v) {
    SCOPED_TRACE("v" + std::to_string(v));
    EncodedRequest encoded = encode_broker_request(context, request, only(v, 6, 2), "INTERNAL");
    EXPECT_EQ(encoded.api_key, kLeaderAndIsrKey);
    EXPECT_EQ(encoded.api_version, v);
    auto m = decode<protocol::LeaderAndIsrRequest>(encoded);
    EXPECT_EQ(m.controller_id, 1);
    EXPECT_EQ(m.controller_epoch, 7);
    EXPECT_EQ(m.broker_epoch, v >= 2 ? 200 : -1);  // the target's epoch, where the version has it

    // Flatten the partition states in wire order, checking the layout of the version.
    std::vector<std::pair<std::string, protocol::LeaderAndIsrPartitionState>> states;
    if (v >= 2) {
      EXPECT_TRUE(m.ungrouped_partition_states.empty());
      ASSERT_EQ(m.topic_states.size(), 2u);
      EXPECT_EQ(m.topic_states[0].topic_name, "foo");  // topics in order of first appearance
      EXPECT_EQ(m.topic_states[1].topic_name, "bar");
      ASSERT_EQ(m.topic_states[0].partition_states.size(), 2u);
      ASSERT_EQ(m.topic_states[1].partition_states.size(), 1u);
      for (const auto& t : m.topic_states) {
        for (const auto& p : t.partition_states) states.emplace_back(t.topic_name, p);
      }
    } else {
      EXPECT_TRUE(m.topic_states.empty());
      ASSERT_EQ(m.ungrouped_partition_states.size(), 3u);
      for (const auto& p : m.ungrouped_partition_states) states.emplace_back(p.topic_name, p);
    }
    ASSERT_EQ(states.size(), 3u);
    // foo-0, foo-1 (grouped) or foo-0, bar-0, foo-1 (ungrouped, request order).
    const auto& foo0 = states[0].second;
    const auto& foo1 = v >= 2 ? states[1].second : states[2].second;
    const auto& bar0 = v >= 2 ? states[2].second : states[1].second;
    EXPECT_EQ(states[0].first, "foo");
    EXPECT_EQ(foo0.partition_index, 0);
    EXPECT_EQ(foo0.controller_epoch, 6);  // the epoch stored in /state, not the controller's
    EXPECT_EQ(foo0.leader, 1);
    EXPECT_EQ(foo0.leader_epoch, 5);
    EXPECT_EQ(foo0.isr, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(foo0.zk_version, 3);
    EXPECT_EQ(foo0.replicas, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(foo1.partition_index, 1);
    EXPECT_EQ(foo1.zk_version, 12);
    EXPECT_EQ(foo1.adding_replicas, v >= 3 ? std::vector<int32_t>{3} : std::vector<int32_t>{});
    EXPECT_EQ(foo1.removing_replicas, v >= 3 ? std::vector<int32_t>{1} : std::vector<int32_t>{});
    EXPECT_EQ(bar0.leader, 2);
    EXPECT_EQ(bar0.is_new, v >= 1);  // IsNew exists from v1
    EXPECT_FALSE(foo0.is_new);

    // Broker 2 has no INTERNAL listener and broker 9 is not registered: only broker 1 remains,
    // with its inter-broker listener's endpoint.
    ASSERT_EQ(m.live_leaders.size(), 1u);
    EXPECT_EQ(m.live_leaders[0].broker_id, 1);
    EXPECT_EQ(m.live_leaders[0].host_name, "internal1");
    EXPECT_EQ(m.live_leaders[0].port, 9093);
  }
}

TEST(LeaderAndIsrEncodingTest, LeaderWithoutTheListenerIsLeftOut) {
  const ControllerContext context = make_context();
  LeaderAndIsrRequest request = sample_leader_and_isr();
  auto m = decode<protocol::LeaderAndIsrRequest>(
      encode_broker_request(context, request, only(4, 6, 2), "SECURE"));
  ASSERT_EQ(m.live_leaders.size(), 1u);  // only broker 2 has SECURE
  EXPECT_EQ(m.live_leaders[0].broker_id, 2);
  EXPECT_EQ(m.live_leaders[0].port, 9194);
}

TEST(LeaderAndIsrEncodingTest, UnregisteredTargetGetsNoBrokerEpoch) {
  const ControllerContext context = make_context();
  LeaderAndIsrRequest request = sample_leader_and_isr();
  request.target = BrokerId(42);
  auto m = decode<protocol::LeaderAndIsrRequest>(
      encode_broker_request(context, request, only(4, 6, 2), "PLAINTEXT"));
  EXPECT_EQ(m.broker_epoch, -1);
}

// ---- UpdateMetadata ----

UpdateMetadataRequest sample_update_metadata() {
  UpdateMetadataRequest r;
  r.target = BrokerId(1);
  r.partitions = {
      {{"foo", 0}, state(1, 5, {1}, 7), ZkVersion(4), to_broker_ids({1, 2}), to_broker_ids({2})},
      {{"bar", 0},
       state(kLeaderDuringDelete.value(), 0, {2, 1}, 7),
       ZkVersion(0),
       to_broker_ids({2, 1}),
       {}},
      {{"foo", 1}, state(2, 9, {2, 1}, 7), ZkVersion(12), to_broker_ids({2, 1}), {}},
  };
  r.live_brokers = {BrokerId(1), BrokerId(2)};
  return r;
}

TEST(UpdateMetadataEncodingTest, EveryVersionDecodesWithStampedFields) {
  const ControllerContext context = make_context();
  const UpdateMetadataRequest request = sample_update_metadata();
  for (int16_t v = 0; v <= 6; ++v) {
    SCOPED_TRACE("v" + std::to_string(v));
    EncodedRequest encoded = encode_broker_request(context, request, only(4, v, 2), "PLAINTEXT");
    EXPECT_EQ(encoded.api_key, kUpdateMetadataKey);
    EXPECT_EQ(encoded.api_version, v);
    auto m = decode<protocol::UpdateMetadataRequest>(encoded);
    EXPECT_EQ(m.controller_id, 1);
    EXPECT_EQ(m.controller_epoch, 7);
    EXPECT_EQ(m.broker_epoch, v >= 5 ? 100 : -1);

    std::vector<std::pair<std::string, protocol::UpdateMetadataPartitionState>> states;
    if (v >= 5) {
      EXPECT_TRUE(m.ungrouped_partition_states.empty());
      ASSERT_EQ(m.topic_states.size(), 2u);
      EXPECT_EQ(m.topic_states[0].topic_name, "foo");
      EXPECT_EQ(m.topic_states[0].partition_states.size(), 2u);
      EXPECT_EQ(m.topic_states[1].topic_name, "bar");
      for (const auto& t : m.topic_states) {
        for (const auto& p : t.partition_states) states.emplace_back(t.topic_name, p);
      }
    } else {
      EXPECT_TRUE(m.topic_states.empty());
      for (const auto& p : m.ungrouped_partition_states) states.emplace_back(p.topic_name, p);
    }
    ASSERT_EQ(states.size(), 3u);
    const auto& foo0 = states[0].second;
    const auto& bar0 = v >= 5 ? states[2] : states[1];
    EXPECT_EQ(foo0.leader, 1);
    EXPECT_EQ(foo0.zk_version, 4);
    EXPECT_EQ(foo0.replicas, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(foo0.offline_replicas, v >= 4 ? std::vector<int32_t>{2} : std::vector<int32_t>{});
    EXPECT_EQ(bar0.first, "bar");
    EXPECT_EQ(bar0.second.leader, -2);  // LeaderDuringDelete goes out unchanged
    EXPECT_EQ(bar0.second.isr, (std::vector<int32_t>{2, 1}));

    ASSERT_EQ(m.live_brokers.size(), 2u);
    const auto& b1 = m.live_brokers[0];
    const auto& b2 = m.live_brokers[1];
    EXPECT_EQ(b1.id, 1);
    EXPECT_EQ(b2.id, 2);
    if (v == 0) {
      EXPECT_EQ(b1.v0_host, "host1");  // the PLAINTEXT endpoint
      EXPECT_EQ(b1.v0_port, 9092);
      EXPECT_EQ(b2.v0_host, "host2");
      EXPECT_EQ(b2.v0_port, 9192);
      EXPECT_TRUE(b1.endpoints.empty());
    } else {
      ASSERT_EQ(b1.endpoints.size(), 2u);
      EXPECT_EQ(b1.endpoints[0].host, "host1");
      EXPECT_EQ(b1.endpoints[0].port, 9092);
      EXPECT_EQ(b1.endpoints[0].security_protocol, 0);  // PLAINTEXT
      EXPECT_EQ(b1.endpoints[1].host, "internal1");
      EXPECT_EQ(b1.endpoints[1].port, 9093);
      EXPECT_EQ(b1.endpoints[1].security_protocol, 1);  // SSL
      ASSERT_EQ(b2.endpoints.size(), 2u);
      EXPECT_EQ(b2.endpoints[1].security_protocol, 3);  // SASL_SSL
      // Listener names exist from v3.
      EXPECT_EQ(b1.endpoints[1].listener, v >= 3 ? "INTERNAL" : "");
      EXPECT_EQ(b2.endpoints[1].listener, v >= 3 ? "SECURE" : "");
    }
    if (v >= 2) {
      EXPECT_EQ(b1.rack, std::optional<std::string>("rack-a"));
      EXPECT_EQ(b2.rack, std::nullopt);
    }
  }
}

TEST(UpdateMetadataEncodingTest, BrokersOnlyRequestIsValid) {
  const ControllerContext context = make_context();
  UpdateMetadataRequest request;
  request.target = BrokerId(2);
  request.live_brokers = {BrokerId(1), BrokerId(2)};
  auto m = decode<protocol::UpdateMetadataRequest>(
      encode_broker_request(context, request, only(4, 6, 2), "PLAINTEXT"));
  EXPECT_TRUE(m.topic_states.empty());
  EXPECT_EQ(m.live_brokers.size(), 2u);
  EXPECT_EQ(m.broker_epoch, 200);
}

TEST(UpdateMetadataEncodingTest, V0LeavesOutBrokersWithoutPlaintext) {
  ControllerContext context = make_context();
  context.live_brokers[BrokerId(3)] = broker(3, 300, {{"INTERNAL", "h3", 1, "SSL"}}, std::nullopt);
  UpdateMetadataRequest request;
  request.target = BrokerId(1);
  request.live_brokers = {BrokerId(1), BrokerId(3)};
  auto m0 = decode<protocol::UpdateMetadataRequest>(
      encode_broker_request(context, request, only(4, 0, 2), "PLAINTEXT"));
  ASSERT_EQ(m0.live_brokers.size(), 1u);
  EXPECT_EQ(m0.live_brokers[0].id, 1);
  auto m6 = decode<protocol::UpdateMetadataRequest>(
      encode_broker_request(context, request, only(4, 6, 2), "PLAINTEXT"));
  EXPECT_EQ(m6.live_brokers.size(), 2u);
}

// ---- StopReplica ----

TEST(StopReplicaEncodingTest, EveryVersionDecodesWithStampedFields) {
  const ControllerContext context = make_context();
  StopReplicaRequest request;
  request.target = BrokerId(2);
  request.delete_partitions = true;
  request.partitions = {{{"foo", 0}, kEpochDuringDelete},
                        {{"bar", 3}, LeaderEpoch(4)},
                        {{"foo", 2}, kEpochDuringDelete}};
  for (int16_t v = 0; v <= 2; ++v) {
    SCOPED_TRACE("v" + std::to_string(v));
    EncodedRequest encoded = encode_broker_request(context, request, only(4, 6, v), "PLAINTEXT");
    EXPECT_EQ(encoded.api_key, kStopReplicaKey);
    EXPECT_EQ(encoded.api_version, v);
    auto m = decode<protocol::StopReplicaRequest>(encoded);
    EXPECT_EQ(m.controller_id, 1);
    EXPECT_EQ(m.controller_epoch, 7);
    EXPECT_EQ(m.broker_epoch, v >= 1 ? 200 : -1);
    EXPECT_TRUE(m.delete_partitions);
    if (v == 0) {
      ASSERT_EQ(m.ungrouped_partitions.size(), 3u);
      EXPECT_EQ(m.ungrouped_partitions[1].topic_name, "bar");
      EXPECT_EQ(m.ungrouped_partitions[1].partition_index, 3);
      EXPECT_TRUE(m.topics.empty());
    } else {
      EXPECT_TRUE(m.ungrouped_partitions.empty());
      ASSERT_EQ(m.topics.size(), 2u);
      EXPECT_EQ(m.topics[0].name, "foo");
      EXPECT_EQ(m.topics[0].partition_indexes, (std::vector<int32_t>{0, 2}));
      EXPECT_EQ(m.topics[1].name, "bar");
      EXPECT_EQ(m.topics[1].partition_indexes, (std::vector<int32_t>{3}));
    }
  }
}

TEST(StopReplicaEncodingTest, DeleteFlagFalseIsKept) {
  const ControllerContext context = make_context();
  StopReplicaRequest request;
  request.target = BrokerId(1);
  request.partitions = {{{"foo", 0}, LeaderEpoch(3)}};
  auto m = decode<protocol::StopReplicaRequest>(
      encode_broker_request(context, request, only(4, 6, 2), "PLAINTEXT"));
  EXPECT_FALSE(m.delete_partitions);
  EXPECT_EQ(m.broker_epoch, 100);
}

// ---- StopReplica response ----

TEST(StopReplicaResponseTest, DecodesEveryVersion) {
  protocol::StopReplicaResponse response;
  response.error_code = 0;
  response.partition_errors = {{"foo", 0, 0}, {"foo", 2, 56}, {"bar", 3, 74}};
  for (int16_t v = 0; v <= 2; ++v) {
    SCOPED_TRACE("v" + std::to_string(v));
    protocol::OutBuffer out;
    protocol::Writer writer(out);
    response.encode(writer, v);
    std::vector<uint8_t> body = out.flatten();
    TopicDeletionStopReplicaResponseEvent e = decode_stop_replica_response(BrokerId(2), v, body);
    EXPECT_EQ(e.replica, BrokerId(2));
    EXPECT_EQ(e.error, ErrorCode::kNone);
    ASSERT_EQ(e.partition_errors.size(), 3u);
    EXPECT_EQ(e.partition_errors.at(TopicPartition{"foo", 0}), ErrorCode::kNone);
    EXPECT_EQ(e.partition_errors.at(TopicPartition{"foo", 2}), ErrorCode::kKafkaStorageError);
    EXPECT_EQ(e.partition_errors.at(TopicPartition{"bar", 3}), ErrorCode::kFencedLeaderEpoch);
  }
}

TEST(StopReplicaResponseTest, TopLevelErrorIsReported) {
  protocol::StopReplicaResponse response;
  response.error_code = 11;  // STALE_CONTROLLER_EPOCH
  protocol::OutBuffer out;
  protocol::Writer writer(out);
  response.encode(writer, 2);
  auto e = decode_stop_replica_response(BrokerId(3), 2, out.flatten());
  EXPECT_EQ(e.error, ErrorCode::kStaleControllerEpoch);
  EXPECT_TRUE(e.partition_errors.empty());
}

TEST(StopReplicaResponseTest, MalformedBodyIsAFailure) {
  std::vector<uint8_t> truncated = {0x00};
  auto e = decode_stop_replica_response(BrokerId(3), 1, truncated);
  EXPECT_EQ(e.replica, BrokerId(3));
  EXPECT_EQ(e.error, ErrorCode::kUnknownServerError);
}

}  // namespace
}  // namespace kb::coordinator::controller
