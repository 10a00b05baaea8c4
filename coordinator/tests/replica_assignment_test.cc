#include "coordinator/replica_assignment.h"

#include <gtest/gtest.h>

#include <set>

namespace kb::coordinator {
namespace {

std::vector<BrokerInfoLite> ids(std::vector<int32_t> v) {
  std::vector<BrokerInfoLite> out;
  for (int32_t id : v) out.push_back({id, std::nullopt});
  return out;
}

TEST(ReplicaAssignmentTest, RoundRobinDefault) {
  auto r = assign_replicas(ids({0, 1, 2}), 3, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.assignment, (ReplicaAssignment{{0, {0, 1}}, {1, {1, 2}}, {2, {2, 0}}}));
}

TEST(ReplicaAssignmentTest, RoundRobinSortsBrokerIds) {
  auto r = assign_replicas(ids({12, 10, 11}), 4, 3, AssignmentStrategy::kRoundRobin);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.assignment, (ReplicaAssignment{{0, {10, 11, 12}},
                                             {1, {11, 12, 10}},
                                             {2, {12, 10, 11}},
                                             {3, {10, 11, 12}}}));
}

TEST(ReplicaAssignmentTest, RoundRobinStartPartition) {
  auto r = assign_replicas(ids({0, 1, 2}), 2, 1, AssignmentStrategy::kRoundRobin, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.assignment, (ReplicaAssignment{{4, {1}}, {5, {2}}}));
}

TEST(ReplicaAssignmentTest, Errors) {
  auto r = assign_replicas(ids({0, 1}), 3, 3);
  EXPECT_EQ(r.error, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(r.message, "Replication factor: 3 larger than available brokers: 2.");
  EXPECT_EQ(assign_replicas(ids({0, 1}), 0, 1).error, ErrorCode::kInvalidPartitions);
  EXPECT_EQ(assign_replicas(ids({0, 1}), 1, 0).error, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(assign_replicas({}, 1, 1).error, ErrorCode::kInvalidReplicationFactor);
}

TEST(ReplicaAssignmentTest, KafkaFixedExamples) {
  auto a = assign_replicas(ids({0, 1, 2}), 6, 2, AssignmentStrategy::kKafkaRandom, 0, 0, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.assignment, (ReplicaAssignment{{0, {0, 1}}, {1, {1, 2}}, {2, {2, 0}},
                                             {3, {0, 2}}, {4, {1, 0}}, {5, {2, 1}}}));
  auto b = assign_replicas(ids({0, 1, 2, 3, 4}), 10, 3, AssignmentStrategy::kKafkaRandom, 0, 0, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.assignment, (ReplicaAssignment{{0, {0, 1, 2}}, {1, {1, 2, 3}}, {2, {2, 3, 4}},
                                             {3, {3, 4, 0}}, {4, {4, 0, 1}}, {5, {0, 2, 3}},
                                             {6, {1, 3, 4}}, {7, {2, 4, 0}}, {8, {3, 0, 1}},
                                             {9, {4, 1, 2}}}));
}

TEST(ReplicaAssignmentTest, KafkaFixedStartAlsoFixesShift) {
  // start 1 => shift 1: p0 first=1, follower (1+1+(1+0)%2)%3 = 0.
  auto r = assign_replicas(ids({0, 1, 2}), 1, 2, AssignmentStrategy::kKafkaRandom, 0, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.assignment, (ReplicaAssignment{{0, {1, 0}}}));
}

TEST(ReplicaAssignmentTest, KafkaRandomIsValid) {
  for (int round = 0; round < 20; ++round) {
    auto r = assign_replicas(ids({3, 5, 7, 9}), 12, 3, AssignmentStrategy::kKafkaRandom);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.assignment.size(), 12u);
    std::map<int32_t, int> leaders;
    for (const auto& [p, replicas] : r.assignment) {
      ASSERT_EQ(replicas.size(), 3u);
      EXPECT_EQ(std::set<int32_t>(replicas.begin(), replicas.end()).size(), 3u);
      ++leaders[replicas[0]];
    }
    for (const auto& [b, count] : leaders) EXPECT_EQ(count, 3);  // leaders spread evenly
  }
}

std::vector<BrokerInfoLite> racked() {
  return {{0, "r1"}, {1, "r3"}, {2, "r3"}, {3, "r2"}, {4, "r2"}, {5, "r1"}};
}

TEST(ReplicaAssignmentTest, RackAlternatedList) {
  EXPECT_EQ(rack_alternated_broker_list(racked()), (std::vector<int32_t>{0, 3, 1, 5, 4, 2}));
}

TEST(ReplicaAssignmentTest, RackAwareKafkaExample) {
  auto r = assign_replicas(racked(), 7, 3, AssignmentStrategy::kRackAware, 0, 0, 0);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.assignment, (ReplicaAssignment{{0, {0, 3, 1}}, {1, {3, 1, 5}}, {2, {1, 5, 4}},
                                             {3, {5, 4, 2}}, {4, {4, 2, 0}}, {5, {2, 0, 3}},
                                             {6, {0, 4, 2}}}));
}

TEST(ReplicaAssignmentTest, RackAwareSpreadsRacks) {
  auto brokers = racked();
  std::map<int32_t, std::string> rack;
  for (auto& b : brokers) rack[b.id] = *b.rack;
  auto r = assign_replicas(brokers, 30, 2, AssignmentStrategy::kRackAware);
  ASSERT_TRUE(r.ok());
  for (const auto& [p, replicas] : r.assignment) EXPECT_NE(rack[replicas[0]], rack[replicas[1]]);
}

TEST(ReplicaAssignmentTest, RackAwareMixedRacksFails) {
  auto r = assign_replicas({{0, "r1"}, {1, std::nullopt}}, 1, 1, AssignmentStrategy::kRackAware);
  EXPECT_EQ(r.error, ErrorCode::kInvalidReplicaAssignment);
  // No racks at all: plain Kafka placement.
  EXPECT_TRUE(assign_replicas(ids({0, 1}), 2, 2, AssignmentStrategy::kRackAware).ok());
}

TEST(ReplicaAssignmentTest, AddPartitions) {
  ReplicaAssignment existing{{0, {1, 2}}, {1, {2, 0}}};
  auto rr = assign_added_partitions(ids({0, 1, 2}), existing, 4, AssignmentStrategy::kRoundRobin);
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ(rr.assignment,
            (ReplicaAssignment{{0, {1, 2}}, {1, {2, 0}}, {2, {2, 0}}, {3, {0, 1}}}));
  // Kafka: start index = position of broker 1 = 1, shift 1, partitions 2 and 3.
  auto k = assign_added_partitions(ids({0, 1, 2}), existing, 4, AssignmentStrategy::kKafkaRandom);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k.assignment.at(2), (std::vector<int32_t>{0, 2}));  // first (2+1)%3=0, shift 1
  EXPECT_EQ(k.assignment.at(3), (std::vector<int32_t>{1, 2}));  // p=3: shift 2 -> 1+(2%2)=1
  EXPECT_EQ(assign_added_partitions(ids({0, 1, 2}), existing, 2, AssignmentStrategy::kRoundRobin)
                .error,
            ErrorCode::kInvalidPartitions);
}

}  // namespace
}  // namespace kb::coordinator
