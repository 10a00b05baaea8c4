// AlterPartitionReassignments / ListPartitionReassignments decisions (Kafka 2.4's
// processApiPartitionReassignment and processListPartitionReassignments): per-partition errors,
// starting and cancelling through the same phases as the znode path, and the listing.
#include <gtest/gtest.h>

#include "coordinator/controller/decisions.h"
#include "coordinator/controller/reassignment.h"
#include "coordinator/controller/tests/test_util.h"

namespace kb::coordinator::controller {
namespace {

using namespace test;
using Writes = std::vector<ZkWrite>;
using Target = std::optional<std::vector<BrokerId>>;

TopicAssignment assignment(std::map<int32_t, std::vector<int32_t>> partitions,
                           std::map<int32_t, std::vector<int32_t>> adding = {},
                           std::map<int32_t, std::vector<int32_t>> removing = {}) {
  return TopicAssignment{std::move(partitions), std::move(adding), std::move(removing), {}};
}

ApiPartitionReassignmentEvent alter(std::map<TopicPartition, Target> targets) {
  return ApiPartitionReassignmentEvent{std::move(targets)};
}

// Brokers 1-3 live; t-0 on [1,2] led by 1 (leader epoch 3, zkVersion 7).
ControllerContext two_replicas_on_1_and_2() {
  ControllerContext ctx = make_context({1, 2, 3});
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 7);
  return ctx;
}

ErrorCode error_of(const Decision& d, const TopicPartition& p) {
  return d.reassignment_results.at(p).error;
}

TEST(ApiReassignmentTest, BadTargetsGetInvalidReplicaAssignment) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  add_partition(ctx, tp("t", 1), {1, 2}, lai(1, 0, {1, 2}, 4), 0);
  add_partition(ctx, tp("t", 2), {1, 2}, lai(1, 0, {1, 2}, 4), 0);
  add_partition(ctx, tp("t", 3), {1, 2}, lai(1, 0, {1, 2}, 4), 0);
  Decision d = decide_api_partition_reassignment(ctx, alter({
                                                          {tp("t", 0), Bs({2, 9})},  // no broker 9
                                                          {tp("t", 1), Bs({})},
                                                          {tp("t", 2), Bs({3, 3})},
                                                          {tp("t", 3), Bs({-1, 2})},
                                                      }));
  for (int p : {0, 1, 2, 3})
    EXPECT_EQ(error_of(d, tp("t", p)), ErrorCode::kInvalidReplicaAssignment) << p;
  EXPECT_EQ(d.reassignment_results.at(tp("t", 0)).message, "Broker 9 is not alive.");
  EXPECT_EQ(d.reassignment_results.at(tp("t", 2)).message, "Broker 3 is listed twice.");
  EXPECT_TRUE(d.zk_writes.empty());
  EXPECT_TRUE(d.requests.empty());
}

TEST(ApiReassignmentTest, UnknownPartitionAndTopicBeingDeleted) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  add_partition(ctx, tp("gone", 0), {1, 2}, lai(1, 0, {1, 2}, 4), 0);
  ctx.topics_to_delete.insert("gone");
  Decision d = decide_api_partition_reassignment(
      ctx, alter({{tp("t", 5), Bs({1, 2})}, {tp("ghost", 0), Bs({3})}, {tp("gone", 0), Bs({3})}}));
  EXPECT_EQ(error_of(d, tp("t", 5)), ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(error_of(d, tp("ghost", 0)), ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(error_of(d, tp("gone", 0)), ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(d.reassignment_results.at(tp("t", 5)).message, "The partition does not exist.");
  EXPECT_TRUE(d.zk_writes.empty());
}

TEST(ApiReassignmentTest, CancellingWithoutReassignmentIsNoReassignmentInProgress) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  Decision d = decide_api_partition_reassignment(
      ctx, alter({{tp("t", 0), std::nullopt}, {tp("ghost", 0), std::nullopt}}));
  EXPECT_EQ(error_of(d, tp("t", 0)), ErrorCode::kNoReassignmentInProgress);
  EXPECT_EQ(error_of(d, tp("ghost", 0)), ErrorCode::kNoReassignmentInProgress);
  EXPECT_TRUE(d.zk_writes.empty());
}

TEST(ApiReassignmentTest, StartRunsPhaseUAndAWithoutWritingTheAdminZnode) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  Decision d = decide_api_partition_reassignment(ctx, alter({{tp("t", 0), Bs({2, 3})}}));
  EXPECT_EQ(error_of(d, tp("t", 0)), ErrorCode::kNone);
  // The only znode work on /admin/reassign_partitions is dropping a znode entry for the
  // partition (the latest request wins); the record is /brokers/topics/t's adding/removing.
  EXPECT_EQ(
      d.zk_writes,
      (Writes{zk::RemoveReassignment{tp("t", 0)},
              zk::SetTopicAssignment{"t", assignment({{0, {2, 3, 1}}}, {{0, {3}}}, {{0, {1}}})},
              update(tp("t", 0), lai(1, 4, {1, 2}, 5), 7)}));
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.partitions_being_reassigned.at(tp("t", 0)), Bs({2, 3}));
  EXPECT_EQ(ctx.replica_state({tp("t", 0), B(3)}), ReplicaState::kNew);

  // Listed while running, with the full replica set and the adding/removing halves.
  auto listed = list_partition_reassignments(ctx, std::nullopt);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed.at(tp("t", 0)), (OngoingReassignment{Bs({2, 3, 1}), Bs({3}), Bs({1})}));
}

TEST(ApiReassignmentTest, CancelRevertsToTheOriginalReplicas) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  apply_decision(ctx, decide_api_partition_reassignment(ctx, alter({{tp("t", 0), Bs({2, 3})}})));
  Decision d = decide_api_partition_reassignment(ctx, alter({{tp("t", 0), std::nullopt}}));
  EXPECT_EQ(error_of(d, tp("t", 0)), ErrorCode::kNone);
  // Back to the original replicas, in Kafka's order (RS - AR of [2,3,1]); the replica being
  // added (3) is stopped and deleted.
  const ZkWrite reverted{zk::SetTopicAssignment{"t", assignment({{0, {2, 1}}})}};
  EXPECT_NE(std::find(d.zk_writes.begin(), d.zk_writes.end(), reverted), d.zk_writes.end());
  bool deleted_on_3 = false;
  for (const auto& r : d.requests)
    if (const auto* s = std::get_if<StopReplicaRequest>(&r))
      deleted_on_3 |= s->target == B(3) && s->delete_partitions;
  EXPECT_TRUE(deleted_on_3);
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.replicas(tp("t", 0)), Bs({2, 1}));
  EXPECT_FALSE(ctx.partitions_being_reassigned.contains(tp("t", 0)));
  EXPECT_EQ(ctx.replica_state({tp("t", 0), B(3)}), ReplicaState::kNonExistent);
  EXPECT_TRUE(list_partition_reassignments(ctx, std::nullopt).empty());
}

TEST(ApiReassignmentTest, NewTargetReplacesARunningOne) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  apply_decision(ctx, decide_api_partition_reassignment(ctx, alter({{tp("t", 0), Bs({2, 3})}})));
  Decision d = decide_api_partition_reassignment(ctx, alter({{tp("t", 0), Bs({1, 3})}}));
  EXPECT_EQ(error_of(d, tp("t", 0)), ErrorCode::kNone);
  apply_decision(ctx, d);
  EXPECT_EQ(ReplicaSets::of(ctx, tp("t", 0)), (ReplicaSets{Bs({1, 3, 2}), Bs({3}), Bs({2})}));
  EXPECT_EQ(ctx.partitions_being_reassigned.at(tp("t", 0)), Bs({1, 3}));
}

TEST(ApiReassignmentTest, ListOnlyReportsPartitionsBeingReassigned) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  add_partition(ctx, tp("t", 1), {1, 2}, lai(1, 0, {1, 2}, 4), 0);
  apply_decision(ctx, decide_api_partition_reassignment(ctx, alter({{tp("t", 1), Bs({3})}})));
  EXPECT_EQ(list_partition_reassignments(ctx, std::vector{tp("t", 0), tp("nope", 0)}).size(), 0u);
  auto one = list_partition_reassignments(ctx, std::vector{tp("t", 0), tp("t", 1)});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one.at(tp("t", 1)).adding, Bs({3}));
}

}  // namespace
}  // namespace kb::coordinator::controller
