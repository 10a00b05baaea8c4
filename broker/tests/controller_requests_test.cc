// The epoch checks and the request -> ReplicaManager conversions of the controller-plane
// handlers, for every request version (each request round-trips through its wire layout).
#include <gtest/gtest.h>

#include "broker/broker_services.h"
#include "broker/handlers/controller_requests.h"
#include "protocol/messages/leader_and_isr.h"
#include "protocol/messages/stop_replica.h"

namespace kb::broker {
namespace {

template <typename Message>
Message round_trip(const Message& m, int16_t version) {
  protocol::OutBuffer out;
  protocol::Writer w(out);
  m.encode(w, version);
  auto bytes = out.flatten();
  protocol::Reader r(bytes.data(), bytes.size());
  Message decoded;
  decoded.decode(r, version);
  EXPECT_TRUE(r.at_end());
  return decoded;
}

TEST(CheckControllerRequest, AcceptsCurrentAndNewerEpochs) {
  EXPECT_EQ(check_controller_request(5, 100, 5, 100), ErrorCode::kNone);
  EXPECT_EQ(check_controller_request(6, 100, 5, 100), ErrorCode::kNone);
  // A newer broker epoch: the controller learned of a re-registration first.
  EXPECT_EQ(check_controller_request(5, 101, 5, 100), ErrorCode::kNone);
  EXPECT_EQ(check_controller_request(5, kUnknownBrokerEpoch, 5, 100), ErrorCode::kNone);
}

TEST(CheckControllerRequest, RefusesStaleEpochs) {
  EXPECT_EQ(check_controller_request(4, 100, 5, 100), ErrorCode::kStaleControllerEpoch);
  EXPECT_EQ(check_controller_request(5, 99, 5, 100), ErrorCode::kStaleBrokerEpoch);
  // Both stale: the broker epoch is checked first, as in Kafka.
  EXPECT_EQ(check_controller_request(4, 99, 5, 100), ErrorCode::kStaleBrokerEpoch);
}

TEST(AdmitControllerRequest, RaisesTheKnownEpochOnlyWhenAccepted) {
  BrokerServices services;
  services.broker_id = 1;
  services.broker_epoch = 50;
  services.controller_epoch = 3;
  EXPECT_EQ(admit_controller_request(services, "LeaderAndIsr", 0, 4, 50), ErrorCode::kNone);
  EXPECT_EQ(services.controller_epoch.load(), 4);
  EXPECT_EQ(admit_controller_request(services, "LeaderAndIsr", 0, 3, 50),
            ErrorCode::kStaleControllerEpoch);
  EXPECT_EQ(services.controller_epoch.load(), 4);
  EXPECT_EQ(admit_controller_request(services, "StopReplica", 0, 9, 49),
            ErrorCode::kStaleBrokerEpoch);
  EXPECT_EQ(services.controller_epoch.load(), 4);
  EXPECT_EQ(admit_controller_request(services, "UpdateMetadata", 0, 4, -1), ErrorCode::kNone);
}

TEST(IsActiveController, FalseWithoutAController) {
  BrokerServices services;
  EXPECT_FALSE(is_active_controller(services));
}

protocol::LeaderAndIsrPartitionState partition_state(const std::string& topic, int32_t p,
                                                     int32_t leader, bool is_new) {
  protocol::LeaderAndIsrPartitionState s;
  s.topic_name = topic;
  s.partition_index = p;
  s.controller_epoch = 3;
  s.leader = leader;
  s.leader_epoch = 10 + p;
  s.isr = {leader, 9};
  s.zk_version = 20 + p;
  s.replicas = {9, leader};
  s.adding_replicas = {};
  s.is_new = is_new;
  return s;
}

protocol::LeaderAndIsrRequest leader_and_isr(int16_t version) {
  protocol::LeaderAndIsrRequest r;
  r.controller_id = 1;
  r.controller_epoch = 3;
  r.broker_epoch = version >= 2 ? 77 : -1;
  std::vector<protocol::LeaderAndIsrPartitionState> states = {partition_state("a", 0, 1, true),
                                                              partition_state("a", 1, 2, false),
                                                              partition_state("b", 0, 1, true)};
  if (version <= 1) {
    r.ungrouped_partition_states = states;
  } else {
    r.topic_states.push_back({"a", {states[0], states[1]}});
    r.topic_states.push_back({"b", {states[2]}});
  }
  r.live_leaders.push_back({1, "host1", 9091});
  r.live_leaders.push_back({2, "host2", 9092});
  return round_trip(r, version);
}

class LeaderAndIsrVersions : public ::testing::TestWithParam<int16_t> {};

TEST_P(LeaderAndIsrVersions, ConvertsPartitionStatesToRoles) {
  int16_t v = GetParam();
  auto request = leader_and_isr(v);
  auto roles = partition_roles(request, v);
  ASSERT_EQ(roles.size(), 3u);
  EXPECT_EQ(roles[0].tp, (TopicPartition{"a", 0}));
  EXPECT_EQ(roles[1].tp, (TopicPartition{"a", 1}));
  EXPECT_EQ(roles[2].tp, (TopicPartition{"b", 0}));
  const PartitionRole& r = roles[1];
  EXPECT_EQ(r.controller_epoch, ControllerEpoch(3));
  EXPECT_EQ(r.leader, BrokerId(2));
  EXPECT_EQ(r.leader_epoch, LeaderEpoch(11));
  EXPECT_EQ(r.isr, (std::vector<BrokerId>{BrokerId(2), BrokerId(9)}));
  EXPECT_EQ(r.zk_version, ZkVersion(21));
  EXPECT_EQ(r.replicas, (std::vector<BrokerId>{BrokerId(9), BrokerId(2)}));
  EXPECT_FALSE(r.is_new);
  // is_new exists from v1; v0 decodes the default (false).
  EXPECT_EQ(roles[0].is_new, v >= 1);
  EXPECT_EQ(request.broker_epoch, v >= 2 ? 77 : -1);

  auto leaders = live_leader_endpoints(request);
  ASSERT_EQ(leaders.size(), 2u);
  EXPECT_EQ(leaders.at(BrokerId(2)).host, "host2");
  EXPECT_EQ(leaders.at(BrokerId(2)).port, 9092);
  EXPECT_EQ(leaders.at(BrokerId(1)).id, BrokerId(1));
}

TEST_P(LeaderAndIsrVersions, ResponseListsEveryPartitionInOrder) {
  int16_t v = GetParam();
  auto roles = partition_roles(leader_and_isr(v), v);
  std::map<TopicPartition, ErrorCode> results = {
      {{"a", 0}, ErrorCode::kNone},
      {{"a", 1}, ErrorCode::kStaleControllerEpoch}};  // b-0 missing: not applied
  auto response = round_trip(leader_and_isr_response(roles, results, ErrorCode::kNone), v);
  EXPECT_EQ(response.error_code, 0);
  ASSERT_EQ(response.partition_errors.size(), 3u);
  EXPECT_EQ(response.partition_errors[0].topic_name, "a");
  EXPECT_EQ(response.partition_errors[0].error_code, 0);
  EXPECT_EQ(response.partition_errors[1].partition_index, 1);
  EXPECT_EQ(response.partition_errors[1].error_code, to_wire(ErrorCode::kStaleControllerEpoch));
  EXPECT_EQ(response.partition_errors[2].topic_name, "b");
  EXPECT_EQ(response.partition_errors[2].error_code, to_wire(ErrorCode::kUnknownServerError));

  auto refused =
      round_trip(leader_and_isr_response(roles, results, ErrorCode::kStaleBrokerEpoch), v);
  EXPECT_EQ(refused.error_code, to_wire(ErrorCode::kStaleBrokerEpoch));
  ASSERT_EQ(refused.partition_errors.size(), 3u);
  for (const auto& p : refused.partition_errors)
    EXPECT_EQ(p.error_code, to_wire(ErrorCode::kStaleBrokerEpoch));
}

INSTANTIATE_TEST_SUITE_P(AllVersions, LeaderAndIsrVersions,
                         ::testing::Values(int16_t{0}, int16_t{1}, int16_t{2}, int16_t{3},
                                           int16_t{4}));

class StopReplicaVersions : public ::testing::TestWithParam<int16_t> {};

TEST_P(StopReplicaVersions, ConvertsPartitionsAndAnswers) {
  int16_t v = GetParam();
  protocol::StopReplicaRequest r;
  r.controller_id = 1;
  r.controller_epoch = 2;
  r.broker_epoch = 5;
  r.delete_partitions = true;
  if (v == 0) {
    r.ungrouped_partitions = {{"x", 0}, {"x", 1}, {"y", 3}};
  } else {
    r.topics = {{"x", {0, 1}}, {"y", {3}}};
  }
  auto decoded = round_trip(r, v);
  EXPECT_TRUE(decoded.delete_partitions);
  auto partitions = stop_replica_partitions(decoded, v);
  ASSERT_EQ(partitions.size(), 3u);
  EXPECT_EQ(partitions[0], (TopicPartition{"x", 0}));
  EXPECT_EQ(partitions[2], (TopicPartition{"y", 3}));

  std::map<TopicPartition, ErrorCode> results = {{{"x", 0}, ErrorCode::kNone},
                                                 {{"x", 1}, ErrorCode::kKafkaStorageError},
                                                 {{"y", 3}, ErrorCode::kNone}};
  auto response = round_trip(stop_replica_response(partitions, results, ErrorCode::kNone), v);
  ASSERT_EQ(response.partition_errors.size(), 3u);
  EXPECT_EQ(response.partition_errors[1].error_code, to_wire(ErrorCode::kKafkaStorageError));
  EXPECT_EQ(response.partition_errors[2].topic_name, "y");

  auto refused =
      round_trip(stop_replica_response(partitions, results, ErrorCode::kStaleControllerEpoch), v);
  EXPECT_EQ(refused.error_code, to_wire(ErrorCode::kStaleControllerEpoch));
  EXPECT_TRUE(refused.partition_errors.empty());
}

INSTANTIATE_TEST_SUITE_P(AllVersions, StopReplicaVersions,
                         ::testing::Values(int16_t{0}, int16_t{1}, int16_t{2}));

}  // namespace
}  // namespace kb::broker
