// Partition reassignment decisions (Kafka 2.4's onPartitionReassignment): phase U/A when a
// target is requested, waiting while the target is not in the ISR, phase B once it is, invalid
// requests dropped from /admin/reassign_partitions, and the failover / broker-startup resumes.
#include "coordinator/controller/reassignment.h"

#include <gtest/gtest.h>

#include "coordinator/controller/decisions.h"
#include "coordinator/controller/tests/test_util.h"

namespace kb::coordinator::controller {
namespace {

using namespace test;
using Requests = std::vector<BrokerRequest>;
using Writes = std::vector<ZkWrite>;

TopicAssignment assignment(std::map<int32_t, std::vector<int32_t>> partitions,
                           std::map<int32_t, std::vector<int32_t>> adding = {},
                           std::map<int32_t, std::vector<int32_t>> removing = {}) {
  return TopicAssignment{std::move(partitions), std::move(adding), std::move(removing), {}};
}

PartitionReassignmentEvent reassign(std::map<TopicPartition, std::vector<BrokerId>> targets) {
  return PartitionReassignmentEvent{std::move(targets)};
}

IsrChangeNotificationEvent isr_change(const TopicPartition& p, LeaderAndIsr s, int zk_version) {
  IsrChangeNotificationEvent e;
  e.sequence_nodes = {"isr_change_0000000001"};
  e.states[p] = {std::move(s), ZkVersion(zk_version)};
  return e;
}

std::vector<StopReplicaRequest> stop_replicas(const Decision& d) {
  std::vector<StopReplicaRequest> out;
  for (const auto& r : d.requests)
    if (const auto* s = std::get_if<StopReplicaRequest>(&r)) out.push_back(*s);
  return out;
}

// The last LeaderAndIsr each broker got in this decision.
std::map<BrokerId, LeaderAndIsrPartition> last_leader_and_isr(const Decision& d) {
  std::map<BrokerId, LeaderAndIsrPartition> out;
  for (const auto& r : d.requests)
    if (const auto* l = std::get_if<LeaderAndIsrRequest>(&r)) out[l->target] = l->partitions.back();
  return out;
}

// Brokers 1-3 live; t-0 on [1,2] led by 1 (leader epoch 3, zkVersion 7).
ControllerContext two_replicas_on_1_and_2() {
  ControllerContext ctx = make_context({1, 2, 3});
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 7);
  return ctx;
}

// ---- ReplicaSets ----

TEST(ReplicaSetsTest, ReassignToPutsTargetFirstThenOriginals) {
  ReplicaSets current{Bs({1, 2, 3}), {}, {}};
  ReplicaSets wanted = current.reassign_to(Bs({3, 4, 2}));
  EXPECT_EQ(wanted, (ReplicaSets{Bs({3, 4, 2, 1}), Bs({4}), Bs({1})}));
  EXPECT_EQ(wanted.origin(), Bs({3, 2, 1}));
  EXPECT_EQ(wanted.target(), Bs({3, 4, 2}));
  EXPECT_TRUE(wanted.being_reassigned());
  // A new target replaces a running one relative to the *original* replicas.
  EXPECT_EQ(wanted.reassign_to(Bs({5})), (ReplicaSets{Bs({5, 3, 2, 1}), Bs({5}), Bs({3, 2, 1})}));
  EXPECT_FALSE(current.reassign_to(Bs({1, 2, 3})).being_reassigned());
}

// ---- phase U and A ----

TEST(ReassignmentTest, StartWritesFullReplicaSetBumpsEpochAndStartsNewReplica) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  Decision d = decide_partition_reassignment(ctx, reassign({{tp("t", 0), Bs({2, 3})}}));

  const LeaderAndIsr bumped = lai(1, 4, {1, 2}, 5);
  EXPECT_EQ(
      d.zk_writes,
      (Writes{zk::SetTopicAssignment{"t", assignment({{0, {2, 3, 1}}}, {{0, {3}}}, {{0, {1}}})},
              update(tp("t", 0), bumped, 7)}));
  const auto l = lair_part(tp("t", 0), bumped, 8, {2, 3, 1});
  const auto l_new = lair_part(tp("t", 0), bumped, 8, {2, 3, 1}, /*is_new=*/true);
  const auto u = um_part(tp("t", 0), bumped, 8, {2, 3, 1});
  EXPECT_EQ(d.requests, (Requests{
                            // A1: every replica of RS, under the new leader epoch
                            lair(1, {l}, {1}),
                            lair(2, {l}, {1}),
                            lair(3, {l}, {1}),
                            um(1, {u}, {1, 2, 3}),
                            um(2, {u}, {1, 2, 3}),
                            um(3, {u}, {1, 2, 3}),
                            // A2: the added replica becomes NewReplica
                            lair(3, {l_new}, {1}),
                            um(1, {u}, {1, 2, 3}),
                            um(2, {u}, {1, 2, 3}),
                            um(3, {u}, {1, 2, 3}),
                        }));

  apply_decision(ctx, d);
  EXPECT_EQ(ctx.partitions_being_reassigned.at(tp("t", 0)), Bs({2, 3}));
  EXPECT_EQ(ctx.replicas(tp("t", 0)), Bs({2, 3, 1}));
  EXPECT_EQ(ctx.replica_state({tp("t", 0), B(3)}), ReplicaState::kNew);
  EXPECT_EQ(ctx.leadership.at(tp("t", 0)), (PartitionLeadership{bumped, ZkVersion(8)}));
}

TEST(ReassignmentTest, WaitsWhileTargetNotInIsrThenCompletesWhenItIs) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  apply_decision(ctx, decide_partition_reassignment(ctx, reassign({{tp("t", 0), Bs({2, 3})}})));

  // An ISR change that does not bring 3 in: only metadata and the notification's deletion.
  Decision wait =
      decide_isr_change_notification(ctx, isr_change(tp("t", 0), lai(1, 4, {1, 2}, 5), 8));
  EXPECT_EQ(wait.zk_writes,
            (Writes{zk::DeleteZnode{"/isr_change_notification/isr_change_0000000001"}}));
  EXPECT_TRUE(stop_replicas(wait).empty());
  apply_decision(ctx, wait);
  EXPECT_TRUE(ctx.partitions_being_reassigned.contains(tp("t", 0)));

  // 3 joined the ISR: phase B. Leader 1 is not in the target, so 2 is elected; 1 leaves.
  Decision done =
      decide_isr_change_notification(ctx, isr_change(tp("t", 0), lai(1, 4, {1, 2, 3}, 5), 9));
  const LeaderAndIsr elected = lai(2, 5, {1, 2, 3}, 5);
  const LeaderAndIsr shrunk = lai(2, 6, {2, 3}, 5);
  EXPECT_EQ(done.zk_writes,
            (Writes{zk::DeleteZnode{"/isr_change_notification/isr_change_0000000001"},
                    update(tp("t", 0), elected, 9), update(tp("t", 0), shrunk, 10),
                    zk::SetTopicAssignment{"t", assignment({{0, {2, 3}}})},
                    zk::RemoveReassignment{tp("t", 0)}}));
  // The removed replica is stopped, then deleted; the new leader and follower get RS = TRS.
  const auto stops = stop_replicas(done);
  ASSERT_EQ(stops.size(), 2u);
  EXPECT_EQ(stops[0], (StopReplicaRequest{B(1), false, {{tp("t", 0), LeaderEpoch(6)}}}));
  EXPECT_EQ(stops[1], (StopReplicaRequest{B(1), true, {{tp("t", 0), LeaderEpoch(6)}}}));
  auto last = last_leader_and_isr(done);
  EXPECT_EQ(last.at(B(2)), lair_part(tp("t", 0), shrunk, 11, {2, 3}));
  EXPECT_EQ(last.at(B(3)), lair_part(tp("t", 0), shrunk, 11, {2, 3}));
  EXPECT_FALSE(last.contains(B(1)));
  // B8: everyone learns the final state last.
  EXPECT_EQ(done.requests.back(), um(3, {um_part(tp("t", 0), shrunk, 11, {2, 3})}, {1, 2, 3}));

  apply_decision(ctx, done);
  EXPECT_FALSE(ctx.partitions_being_reassigned.contains(tp("t", 0)));
  EXPECT_EQ(ctx.topics.at("t"), assignment({{0, {2, 3}}}));
  EXPECT_EQ(ctx.replica_state({tp("t", 0), B(1)}), ReplicaState::kNonExistent);
  EXPECT_EQ(ctx.replica_state({tp("t", 0), B(3)}), ReplicaState::kOnline);
  EXPECT_EQ(ctx.leadership.at(tp("t", 0)), (PartitionLeadership{shrunk, ZkVersion(11)}));
}

TEST(ReassignmentTest, LeaderInTargetKeepsLeadershipWithEpochBump) {
  ControllerContext ctx = make_context({1, 2, 3});
  add_partition(ctx, tp("t", 0), {2, 1}, lai(2, 3, {2, 1}, 4), 7);
  apply_decision(ctx, decide_partition_reassignment(ctx, reassign({{tp("t", 0), Bs({2, 3})}})));
  Decision done =
      decide_isr_change_notification(ctx, isr_change(tp("t", 0), lai(2, 4, {2, 1, 3}, 5), 9));
  EXPECT_EQ(done.zk_writes,
            (Writes{zk::DeleteZnode{"/isr_change_notification/isr_change_0000000001"},
                    update(tp("t", 0), lai(2, 5, {2, 1, 3}, 5), 9),  // B3: epoch bump only
                    update(tp("t", 0), lai(2, 6, {2, 3}, 5), 10),    // B4: 1 leaves the ISR
                    zk::SetTopicAssignment{"t", assignment({{0, {2, 3}}})},
                    zk::RemoveReassignment{tp("t", 0)}}));
}

TEST(ReassignmentTest, TargetAlreadyInIsrCompletesInOneDecision) {
  // Shrinking [1,2,3] to [2,3]: nothing to add, so phase B runs at once.
  ControllerContext ctx = make_context({1, 2, 3});
  add_partition(ctx, tp("t", 0), {1, 2, 3}, lai(1, 3, {1, 2, 3}, 4), 7);
  Decision d = decide_partition_reassignment(ctx, reassign({{tp("t", 0), Bs({2, 3})}}));
  EXPECT_EQ(d.zk_writes,
            (Writes{zk::SetTopicAssignment{"t", assignment({{0, {2, 3, 1}}}, {}, {{0, {1}}})},
                    update(tp("t", 0), lai(2, 4, {1, 2, 3}, 5), 7),
                    update(tp("t", 0), lai(2, 5, {2, 3}, 5), 8),
                    zk::SetTopicAssignment{"t", assignment({{0, {2, 3}}})},
                    zk::RemoveReassignment{tp("t", 0)}}));
  apply_decision(ctx, d);
  EXPECT_TRUE(ctx.partitions_being_reassigned.empty());
}

TEST(ReassignmentTest, SameTargetAlreadyRunningIsLeftAlone) {
  // The controller's own rewrite of the znode fires the watch again with the remaining entries.
  ControllerContext ctx = two_replicas_on_1_and_2();
  apply_decision(ctx, decide_partition_reassignment(ctx, reassign({{tp("t", 0), Bs({2, 3})}})));
  Decision again = decide_partition_reassignment(ctx, reassign({{tp("t", 0), Bs({2, 3})}}));
  EXPECT_TRUE(again.zk_writes.empty());
  EXPECT_TRUE(again.requests.empty());
}

// ---- invalid requests ----

TEST(ReassignmentTest, InvalidTargetsAreDroppedFromTheZnode) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  add_partition(ctx, tp("t", 1), {1, 2}, lai(1, 0, {1, 2}, 4), 0);
  add_partition(ctx, tp("t", 2), {1, 2}, lai(1, 0, {1, 2}, 4), 0);
  add_partition(ctx, tp("t", 3), {1, 2}, lai(1, 0, {1, 2}, 4), 0);
  Decision d = decide_partition_reassignment(ctx, reassign({
                                                      {tp("t", 0), Bs({2, 9})},  // no broker 9
                                                      {tp("t", 1), Bs({})},      // empty
                                                      {tp("t", 2), Bs({3, 3})},  // duplicate
                                                      {tp("t", 7), Bs({1, 2})},  // no partition
                                                      {tp("ghost", 0), Bs({1})},
                                                      {tp("t", 3), Bs({2, 1})},  // valid
                                                  }));
  Writes expected_drops{zk::RemoveReassignment{tp("ghost", 0)}, zk::RemoveReassignment{tp("t", 0)},
                        zk::RemoveReassignment{tp("t", 1)}, zk::RemoveReassignment{tp("t", 2)}};
  // The valid one (a reorder: same replicas) completes at once and leaves the znode too.
  ASSERT_GE(d.zk_writes.size(), expected_drops.size() + 1);
  EXPECT_EQ(Writes(d.zk_writes.begin(), d.zk_writes.begin() + 4), expected_drops);
  EXPECT_EQ(d.zk_writes.back(), ZkWrite{zk::RemoveReassignment{tp("t", 7)}});
  const ZkWrite reordered{zk::SetTopicAssignment{
      "t", assignment({{0, {1, 2}}, {1, {1, 2}}, {2, {1, 2}}, {3, {2, 1}}})}};
  EXPECT_NE(std::find(d.zk_writes.begin(), d.zk_writes.end(), reordered), d.zk_writes.end());
  int drop_lines = 0;
  for (const auto& line : d.state_change_log)
    if (line.starts_with("Dropping reassignment")) ++drop_lines;
  EXPECT_EQ(drop_lines, 5);
  apply_decision(ctx, d);
  EXPECT_TRUE(ctx.partitions_being_reassigned.empty());
  EXPECT_EQ(ctx.replicas(tp("t", 0)), Bs({1, 2}));
  EXPECT_EQ(ctx.replicas(tp("t", 3)), Bs({2, 1}));
}

TEST(ReassignmentTest, TopicBeingDeletedIsRejected) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  ctx.topics_to_delete.insert("t");
  EXPECT_EQ(reassignment_rejection(ctx, tp("t", 0), Bs({2, 3})), "the topic is being deleted");
  Decision d = decide_partition_reassignment(ctx, reassign({{tp("t", 0), Bs({2, 3})}}));
  EXPECT_EQ(d.zk_writes, (Writes{zk::RemoveReassignment{tp("t", 0)}}));
}

TEST(ReassignmentTest, DeadOriginalReplicaMayStayInTarget) {
  ControllerContext ctx = make_context({1, 3});  // 2 is down
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1}, 4), 7);
  EXPECT_EQ(reassignment_rejection(ctx, tp("t", 0), Bs({2, 3})), std::nullopt);
  EXPECT_EQ(reassignment_rejection(ctx, tp("t", 0), Bs({2, 4})), "broker 4 is not alive");
}

// ---- resumes ----

TEST(ReassignmentTest, FailoverResumesZnodeReassignmentAndDropsInvalidOnes) {
  // The previous controller finished phase U/A; the target caught up while nobody listened.
  ControllerSnapshot s;
  s.controller_id = B(1);
  s.epoch = ControllerEpoch(6);
  s.epoch_zk_version = ZkVersion(6);
  for (int id : {1, 2, 3}) s.brokers[B(id)] = broker(id);
  s.topics["t"] = assignment({{0, {2, 3, 1}}, {1, {1, 2}}}, {{0, {3}}}, {{0, {1}}});
  s.partition_states[tp("t", 0)] = {lai(1, 4, {1, 2, 3}, 5), ZkVersion(9)};
  s.partition_states[tp("t", 1)] = {lai(1, 0, {1, 2}, 5), ZkVersion(0)};
  s.reassignments[tp("t", 0)] = Bs({2, 3});
  s.reassignments[tp("t", 1)] = Bs({7});  // broker 7 does not exist
  ControllerContext ctx = context_from_snapshot(s, {});
  ASSERT_TRUE(ctx.partitions_being_reassigned.contains(tp("t", 1)));

  Decision d = decide_failover(ctx, s);
  EXPECT_NE(std::find(d.zk_writes.begin(), d.zk_writes.end(),
                      ZkWrite{zk::RemoveReassignment{tp("t", 1)}}),
            d.zk_writes.end());
  EXPECT_NE(std::find(d.zk_writes.begin(), d.zk_writes.end(),
                      ZkWrite{zk::RemoveReassignment{tp("t", 0)}}),
            d.zk_writes.end());
  EXPECT_NE(std::find(d.zk_writes.begin(), d.zk_writes.end(),
                      ZkWrite{zk::SetTopicAssignment{"t", assignment({{0, {2, 3}}, {1, {1, 2}}})}}),
            d.zk_writes.end());
  apply_decision(ctx, d);
  EXPECT_TRUE(ctx.partitions_being_reassigned.empty());
  EXPECT_EQ(ctx.replicas(tp("t", 0)), Bs({2, 3}));
  EXPECT_EQ(ctx.leadership.at(tp("t", 0)).leader_and_isr.leader, B(2));
  EXPECT_EQ(ctx.leadership.at(tp("t", 0)).leader_and_isr.isr, Bs({2, 3}));
}

TEST(ReassignmentTest, FailoverResumesAssignmentOnlyReassignmentInPhaseA) {
  ControllerSnapshot s;
  s.controller_id = B(1);
  s.epoch = ControllerEpoch(6);
  s.epoch_zk_version = ZkVersion(6);
  for (int id : {1, 2, 3}) s.brokers[B(id)] = broker(id);
  s.topics["t"] = assignment({{0, {2, 3, 1}}}, {{0, {3}}}, {{0, {1}}});
  s.partition_states[tp("t", 0)] = {lai(1, 4, {1, 2}, 5), ZkVersion(9)};
  ControllerContext ctx = context_from_snapshot(s, {});
  Decision d = decide_failover(ctx, s);
  // Phase A again: a leader epoch bump and nothing removed yet.
  EXPECT_NE(std::find(d.zk_writes.begin(), d.zk_writes.end(),
                      update(tp("t", 0), lai(1, 5, {1, 2}, 6), 9)),
            d.zk_writes.end());
  EXPECT_TRUE(stop_replicas(d).empty());
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.partitions_being_reassigned.at(tp("t", 0)), Bs({2, 3}));
}

TEST(ReassignmentTest, TargetBrokerStartupResumesReassignment) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  apply_decision(ctx, decide_partition_reassignment(ctx, reassign({{tp("t", 0), Bs({2, 3})}})));
  // Broker 3 bounces (new registration epoch): the reassignment resends its LeaderAndIsr.
  BrokerChangeEvent e;
  for (int id : {1, 2}) e.registered[B(id)] = broker(id);
  e.registered[B(3)] = broker(3, 200);
  Decision d = decide_broker_change(ctx, e);
  bool epoch_bumped = false;
  for (const auto& w : d.zk_writes)
    if (w == update(tp("t", 0), lai(1, 5, {1, 2}, 5), 8)) epoch_bumped = true;
  EXPECT_TRUE(epoch_bumped);
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.partitions_being_reassigned.at(tp("t", 0)), Bs({2, 3}));
}

TEST(ReassignmentTest, StaleIsrNotificationDoesNotRegressCachedState) {
  ControllerContext ctx = two_replicas_on_1_and_2();
  Decision d = decide_isr_change_notification(ctx, isr_change(tp("t", 0), lai(1, 2, {1}, 4), 6));
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.leadership.at(tp("t", 0)).zk_version, ZkVersion(7));
}

}  // namespace
}  // namespace kb::coordinator::controller
