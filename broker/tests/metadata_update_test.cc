// apply_update_metadata: snapshots built from UpdateMetadata requests of several versions, after
// an encode/decode round trip at that version so the version-specific layouts are exercised.
#include <gtest/gtest.h>

#include "broker/metadata_update.h"
#include "protocol/messages/update_metadata.h"

namespace kb::broker {
namespace {

using protocol::UpdateMetadataPartitionState;
using protocol::UpdateMetadataRequest;

UpdateMetadataPartitionState state(const std::string& topic, int32_t p, int32_t leader,
                                   int32_t leader_epoch, std::vector<int32_t> replicas,
                                   std::vector<int32_t> isr, std::vector<int32_t> offline = {}) {
  UpdateMetadataPartitionState s;
  s.topic_name = topic;
  s.partition_index = p;
  s.controller_epoch = 7;
  s.leader = leader;
  s.leader_epoch = leader_epoch;
  s.isr = std::move(isr);
  s.zk_version = 3;
  s.replicas = std::move(replicas);
  s.offline_replicas = std::move(offline);
  return s;
}

UpdateMetadataRequest::UpdateMetadataBroker broker(int32_t id, const std::string& host,
                                                   int32_t client_port, int32_t internal_port) {
  UpdateMetadataRequest::UpdateMetadataBroker b;
  b.id = id;
  b.v0_host = host;
  b.v0_port = client_port;
  b.endpoints.push_back({internal_port, host, "INTERNAL", 0});
  b.endpoints.push_back({client_port, host, "CLIENT", 0});
  b.rack = "rack-" + std::to_string(id);
  return b;
}

// Builds a request holding `states` in the layout of `version`, then round-trips it.
UpdateMetadataRequest request(int16_t version, int32_t controller_id,
                              const std::vector<UpdateMetadataPartitionState>& states,
                              std::vector<UpdateMetadataRequest::UpdateMetadataBroker> brokers) {
  UpdateMetadataRequest r;
  r.controller_id = controller_id;
  r.controller_epoch = 7;
  r.broker_epoch = version >= 5 ? 100 : -1;
  r.live_brokers = std::move(brokers);
  if (version <= 4) {
    r.ungrouped_partition_states = states;
  } else {
    for (const auto& s : states) {
      if (r.topic_states.empty() || r.topic_states.back().topic_name != s.topic_name) {
        r.topic_states.emplace_back();
        r.topic_states.back().topic_name = s.topic_name;
      }
      r.topic_states.back().partition_states.push_back(s);
    }
  }
  protocol::OutBuffer out;
  protocol::Writer w(out);
  r.encode(w, version);
  auto bytes = out.flatten();
  protocol::Reader reader(bytes.data(), bytes.size());
  UpdateMetadataRequest decoded;
  decoded.decode(reader, version);
  return decoded;
}

class MetadataUpdateVersions : public ::testing::TestWithParam<int16_t> {};

TEST_P(MetadataUpdateVersions, BuildsSnapshotFromEmpty) {
  int16_t v = GetParam();
  auto req = request(
      v, 2,
      {state("orders", 0, 1, 4, {1, 2}, {1, 2}, {}), state("orders", 1, 2, 5, {2, 1}, {2}, {1})},
      {broker(2, "b2", 9092, 9093), broker(1, "b1", 9192, 9193)});
  MetadataUpdateOptions options;
  options.client_listener = "CLIENT";
  auto snap = apply_update_metadata(MetadataSnapshot{}, req, v, options);

  EXPECT_EQ(snap.controller_id, 2);
  ASSERT_EQ(snap.brokers.size(), 2u);
  EXPECT_EQ(snap.brokers[0].id, 1);  // sorted by id
  EXPECT_EQ(snap.brokers[0].host, "b1");
  // v0 has one endpoint; v1-2 name endpoints by security protocol, so "CLIENT" matches none and
  // the first (INTERNAL) is advertised; v3+ pick the CLIENT listener.
  EXPECT_EQ(snap.brokers[0].port, (v == 1 || v == 2) ? 9193 : 9192);
  if (v >= 2) {
    EXPECT_EQ(snap.brokers[0].rack, std::optional<std::string>("rack-1"));
  } else {
    EXPECT_FALSE(snap.brokers[0].rack.has_value());
  }
  if (v >= 3) {
    ASSERT_EQ(snap.brokers[0].endpoints.size(), 2u);
    EXPECT_EQ(snap.brokers[0].endpoints[0].listener, "INTERNAL");
    EXPECT_EQ(snap.brokers[0].endpoints[0].port, 9193);
  }

  const PartitionInfo* p1 = snap.partition("orders", 1);
  ASSERT_NE(p1, nullptr);
  EXPECT_EQ(p1->leader, 2);
  EXPECT_EQ(p1->leader_epoch, 5);
  EXPECT_EQ(p1->controller_epoch, 7);
  EXPECT_EQ(p1->replicas, (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(p1->isr, (std::vector<int32_t>{2}));
  EXPECT_EQ(p1->offline_replicas, v >= 4 ? std::vector<int32_t>{1} : std::vector<int32_t>{});
  EXPECT_EQ(snap.topic("orders")->partitions.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(AllVersions, MetadataUpdateVersions,
                         ::testing::Values(int16_t{0}, int16_t{1}, int16_t{2}, int16_t{3},
                                           int16_t{4}, int16_t{5}, int16_t{6}));

TEST(MetadataUpdate, VersionsBeforeThreeNameEndpointsBySecurityProtocol) {
  UpdateMetadataRequest::UpdateMetadataBroker b;
  b.id = 1;
  b.endpoints.push_back({9094, "ssl-host", "", 1});
  b.endpoints.push_back({9092, "plain-host", "", 0});
  auto req = request(1, 1, {}, {b});
  MetadataUpdateOptions options;
  options.client_listener = "PLAINTEXT";
  auto snap = apply_update_metadata(MetadataSnapshot{}, req, 1, options);
  ASSERT_EQ(snap.brokers.size(), 1u);
  EXPECT_EQ(snap.brokers[0].endpoints[0].listener, "SSL");
  EXPECT_EQ(snap.brokers[0].host, "plain-host");
  EXPECT_EQ(snap.brokers[0].port, 9092);
}

TEST(MetadataUpdate, UnknownClientListenerFallsBackToFirstEndpoint) {
  auto req = request(6, 1, {}, {broker(1, "h", 9092, 9093)});
  MetadataUpdateOptions options;
  options.client_listener = "NOPE";
  auto snap = apply_update_metadata(MetadataSnapshot{}, req, 6, options);
  EXPECT_EQ(snap.brokers[0].port, 9093);
}

TEST(MetadataUpdate, MergesIncrementallyAndReplacesBrokers) {
  auto first = apply_update_metadata(
      MetadataSnapshot{},
      request(6, 1, {state("a", 0, 1, 0, {1, 2}, {1, 2}), state("b", 0, 2, 0, {2, 1}, {2, 1})},
              {broker(1, "h1", 1, 2), broker(2, "h2", 3, 4)}),
      6, {});
  // Only a-0 changed; broker 2 is gone; the controller moved to 1... and back to 3.
  auto second = apply_update_metadata(
      first, request(6, 3, {state("a", 0, 2, 1, {1, 2}, {2})}, {broker(1, "h1", 1, 2)}), 6, {});
  EXPECT_EQ(second.controller_id, 3);
  ASSERT_EQ(second.brokers.size(), 1u);
  EXPECT_EQ(second.brokers[0].id, 1);
  EXPECT_EQ(second.partition("a", 0)->leader, 2);
  EXPECT_EQ(second.partition("a", 0)->leader_epoch, 1);
  EXPECT_EQ(second.partition("a", 0)->isr, (std::vector<int32_t>{2}));
  ASSERT_NE(second.partition("b", 0), nullptr);  // untouched partitions stay
  EXPECT_EQ(second.partition("b", 0)->leader, 2);
  // The previous snapshot is unchanged.
  EXPECT_EQ(first.partition("a", 0)->leader, 1);
}

TEST(MetadataUpdate, LeaderMinusTwoDeletesPartitionsAndTopic) {
  auto snap = apply_update_metadata(
      MetadataSnapshot{},
      request(5, 1,
              {state("gone", 0, 1, 0, {1}, {1}), state("gone", 1, 1, 0, {1}, {1}),
               state("kept", 0, 1, 0, {1}, {1})},
              {broker(1, "h", 1, 2)}),
      5, {});
  ASSERT_NE(snap.topic("gone"), nullptr);

  auto partly = apply_update_metadata(
      snap,
      request(5, 1, {state("gone", 1, kLeaderDuringDelete, 0, {1}, {1})}, {broker(1, "h", 1, 2)}),
      5, {});
  ASSERT_NE(partly.topic("gone"), nullptr);
  EXPECT_EQ(partly.topic("gone")->partitions.size(), 1u);

  auto deleted = apply_update_metadata(
      partly,
      request(5, 1, {state("gone", 0, kLeaderDuringDelete, 0, {1}, {1})}, {broker(1, "h", 1, 2)}),
      5, {});
  EXPECT_EQ(deleted.topic("gone"), nullptr);
  EXPECT_NE(deleted.topic("kept"), nullptr);
}

TEST(MetadataUpdate, DeletingAMiddlePartitionLeavesAnUnknownSlot) {
  auto snap =
      apply_update_metadata(MetadataSnapshot{},
                            request(6, 1,
                                    {state("t", 0, 1, 0, {1}, {1}), state("t", 1, 1, 0, {1}, {1}),
                                     state("t", 2, 1, 0, {1}, {1})},
                                    {}),
                            6, {});
  auto next = apply_update_metadata(
      snap, request(6, 1, {state("t", 1, kLeaderDuringDelete, 0, {1}, {1})}, {}), 6, {});
  ASSERT_EQ(next.topic("t")->partitions.size(), 3u);
  EXPECT_TRUE(next.partition("t", 1)->replicas.empty());
  EXPECT_EQ(next.partition("t", 1)->leader, -1);
  EXPECT_EQ(next.partition("t", 2)->leader, 1);
}

TEST(MetadataUpdate, OutOfOrderPartitionsFillGapsUntilDescribed) {
  auto snap = apply_update_metadata(MetadataSnapshot{},
                                    request(6, 1, {state("t", 2, 1, 0, {1}, {1})}, {}), 6, {});
  ASSERT_EQ(snap.topic("t")->partitions.size(), 3u);
  EXPECT_EQ(snap.partition("t", 0)->partition, 0);
  EXPECT_EQ(snap.partition("t", 0)->leader, -1);
  EXPECT_EQ(snap.partition("t", 2)->leader, 1);
}

TEST(MetadataUpdate, NewTopicsTakeConfigFromResolverOnce) {
  int calls = 0;
  MetadataUpdateOptions options;
  options.topic_config = [&](const std::string& topic) {
    ++calls;
    TopicConfigValues v;
    v.overrides = {{"min.insync.replicas", "2"}};
    v.min_insync_replicas = topic == "t" ? 2 : 1;
    v.max_message_bytes = 500;
    return v;
  };
  auto snap =
      apply_update_metadata(MetadataSnapshot{},
                            request(6, 1,
                                    {state("t", 0, 1, 0, {1}, {1}), state("t", 1, 1, 0, {1}, {1}),
                                     state("__consumer_offsets", 0, 1, 0, {1}, {1})},
                                    {}),
                            6, options);
  EXPECT_EQ(calls, 2);  // once per new topic
  EXPECT_EQ(snap.topic("t")->min_insync_replicas, 2);
  EXPECT_EQ(snap.topic("t")->max_message_bytes, 500);
  EXPECT_EQ(snap.topic("t")->config_overrides.at("min.insync.replicas"), "2");
  EXPECT_FALSE(snap.topic("t")->internal);
  EXPECT_TRUE(snap.topic("__consumer_offsets")->internal);

  auto again =
      apply_update_metadata(snap, request(6, 1, {state("t", 0, 1, 1, {1}, {1})}, {}), 6, options);
  EXPECT_EQ(calls, 2);  // known topics keep their values

  TopicConfigValues changed;
  changed.min_insync_replicas = 3;
  changed.max_message_bytes = 77;
  auto reconfigured = with_topic_config(again, "t", changed);
  EXPECT_EQ(reconfigured.topic("t")->min_insync_replicas, 3);
  EXPECT_EQ(reconfigured.topic("t")->max_message_bytes, 77);
  EXPECT_TRUE(reconfigured.topic("t")->config_overrides.empty());
  EXPECT_EQ(with_topic_config(again, "unknown", changed).topics.size(), again.topics.size());
}

TEST(MetadataCache, UpdateDerivesFromCurrentSnapshot) {
  MetadataCache cache;
  auto before = cache.snapshot();
  cache.update([](const MetadataSnapshot& s) {
    MetadataSnapshot next = s;
    next.controller_id = 5;
    return next;
  });
  cache.update([](const MetadataSnapshot& s) {
    MetadataSnapshot next = s;
    next.brokers.push_back(BrokerEndpoint{1, "h", 1, std::nullopt, {}});
    return next;
  });
  EXPECT_EQ(cache.snapshot()->controller_id, 5);
  EXPECT_EQ(cache.snapshot()->brokers.size(), 1u);
  EXPECT_EQ(before->controller_id, -1);  // readers' snapshots never change
}

}  // namespace
}  // namespace kb::broker
