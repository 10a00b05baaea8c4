// Decision scenarios with small hand-built contexts: each test spells out the exact ZooKeeper
// writes and broker requests Kafka's controller would produce.
#include "coordinator/controller/decisions.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "coordinator/controller/tests/test_util.h"

namespace kb::coordinator::controller {
namespace {

using namespace test;
using Requests = std::vector<BrokerRequest>;
using Writes = std::vector<ZkWrite>;

BrokerChangeEvent registered(std::vector<std::pair<int, int64_t>> brokers) {
  BrokerChangeEvent e;
  for (auto [id, epoch] : brokers) e.registered[B(id)] = broker(id, epoch);
  return e;
}

// ---- broker failure ----

TEST(BrokerFailureTest, LeaderDiesOfflineElectionThenFollowerIsrShrink) {
  ControllerContext ctx = make_context({1, 2, 3});
  add_partition(ctx, tp("t", 0), {1, 2, 3}, lai(1, 3, {1, 2, 3}, 4), 7);
  add_partition(ctx, tp("t", 1), {2, 1, 3}, lai(2, 1, {2, 1, 3}, 4), 2);

  Decision d = decide_broker_change(ctx, registered({{2, 100}, {3, 100}}));

  const LeaderAndIsr t0 = lai(2, 4, {2, 3}, 5);  // elected: epoch +1, controller epoch 5
  const LeaderAndIsr t1 = lai(2, 2, {2, 3}, 5);  // follower 1 removed from the ISR
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("t", 0), t0, 7), update(tp("t", 1), t1, 2)}));
  const auto l0 = lair_part(tp("t", 0), t0, 8, {1, 2, 3});
  const auto l1 = lair_part(tp("t", 1), t1, 3, {2, 1, 3});
  const auto u0 = um_part(tp("t", 0), t0, 8, {1, 2, 3}, {1});
  const auto u1 = um_part(tp("t", 1), t1, 3, {2, 1, 3}, {1});
  EXPECT_EQ(d.requests, (Requests{
                            // batch 1: election (recipients: live replicas)
                            lair(2, {l0}, {2}),
                            lair(3, {l0}, {2}),
                            um(2, {u0}, {2, 3}),
                            um(3, {u0}, {2, 3}),
                            // batch 2: OfflineReplica for broker 1 (StopReplica to a dead
                            // broker is dropped)
                            lair(2, {l0, l1}, {2}),
                            lair(3, {l0, l1}, {2}),
                            um(2, {u0, u1}, {2, 3}),
                            um(3, {u0, u1}, {2, 3}),
                        }));
  EXPECT_EQ(d.counters, DecisionCounters{});

  apply_decision(ctx, d);
  EXPECT_FALSE(ctx.live_brokers.contains(B(1)));
  EXPECT_EQ(ctx.partition_state(tp("t", 0)), PartitionState::kOnline);
  EXPECT_EQ(ctx.replica_state({tp("t", 0), B(1)}), ReplicaState::kOffline);
  EXPECT_EQ(ctx.leadership.at(tp("t", 0)), (PartitionLeadership{t0, ZkVersion(8)}));
  EXPECT_EQ(ctx.leadership.at(tp("t", 1)), (PartitionLeadership{t1, ZkVersion(3)}));
}

TEST(BrokerFailureTest, LastIsrMemberDiesLeaderMinusOneIsrKept) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1}, 4), 5);

  Decision d = decide_broker_change(ctx, registered({{2, 100}}));

  const LeaderAndIsr s = lai(-1, 4, {1}, 5);
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("t", 0), s, 5)}));
  EXPECT_EQ(d.requests, (Requests{lair(2, {lair_part(tp("t", 0), s, 6, {1, 2})}, {}),
                                  um(2, {um_part(tp("t", 0), s, 6, {1, 2}, {1})}, {2})}));
  EXPECT_EQ(d.counters.failed_elections, 1);
  EXPECT_EQ(d.counters.unclean_leader_elections, 0);

  // The broker comes back: it is the ISR, so it is elected cleanly.
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.partition_state(tp("t", 0)), PartitionState::kOffline);
  Decision back = decide_broker_change(ctx, registered({{1, 200}, {2, 100}}));
  const LeaderAndIsr e = lai(1, 5, {1}, 5);
  EXPECT_EQ(back.zk_writes, (Writes{update(tp("t", 0), e, 6)}));
  const auto cur = lair_part(tp("t", 0), s, 6, {1, 2});
  const auto ucur = um_part(tp("t", 0), s, 6, {1, 2});
  const auto elected = lair_part(tp("t", 0), e, 7, {1, 2});
  const auto uel = um_part(tp("t", 0), e, 7, {1, 2});
  EXPECT_EQ(back.requests, (Requests{
                               um(2, {}, {1, 2}),      // existing brokers: broker list only
                               um(1, {ucur}, {1, 2}),  // the new broker: every partition
                               lair(1, {cur}, {}),
                               um(1, {ucur}, {1, 2}),
                               um(2, {ucur}, {1, 2}),
                               lair(1, {elected}, {1}),
                               lair(2, {elected}, {1}),
                               um(1, {uel}, {1, 2}),
                               um(2, {uel}, {1, 2}),
                           }));
  EXPECT_EQ(back.counters, DecisionCounters{});
}

TEST(BrokerFailureTest, UncleanElectionFollowsPerTopicOverride) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("a", 0), {1, 2}, lai(1, 3, {1}, 4), 0);
  add_partition(ctx, tp("b", 0), {1, 2}, lai(1, 3, {1}, 4), 0);
  ctx.unclean_leader_election_overrides["a"] = true;

  Decision d = decide_broker_change(ctx, registered({{2, 100}}));
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("a", 0), lai(2, 4, {2}, 5), 0),
                                 update(tp("b", 0), lai(-1, 4, {1}, 5), 0)}));
  EXPECT_EQ(d.counters.unclean_leader_elections, 1);
  EXPECT_EQ(d.counters.failed_elections, 1);
}

TEST(BrokerFailureTest, UncleanBrokerDefaultWithTopicOverrideOff) {
  ControllerContext ctx = make_context({1, 2});
  ctx.settings.unclean_leader_election_default = true;
  add_partition(ctx, tp("a", 0), {1, 2}, lai(1, 3, {1}, 4), 0);
  add_partition(ctx, tp("b", 0), {1, 2}, lai(1, 3, {1}, 4), 0);
  ctx.unclean_leader_election_overrides["a"] = false;

  Decision d = decide_broker_change(ctx, registered({{2, 100}}));
  // Elections come first (b-0), then the ISR shrink of the partition left without one (a-0).
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("b", 0), lai(2, 4, {2}, 5), 0),
                                 update(tp("a", 0), lai(-1, 4, {1}, 5), 0)}));
  EXPECT_EQ(d.counters.unclean_leader_elections, 1);
}

TEST(BrokerFailureTest, NoLeaderLostStillSendsBrokerList) {
  ControllerContext ctx = make_context({1, 2, 3});
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1}, 4), 0);  // 3 hosts nothing

  Decision d = decide_broker_change(ctx, registered({{1, 100}, {2, 100}}));
  EXPECT_TRUE(d.zk_writes.empty());
  EXPECT_EQ(d.requests, (Requests{um(1, {}, {1, 2}), um(2, {}, {1, 2})}));
}

TEST(BrokerChangeTest, BouncedBrokerIsFailureThenStartup) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 0);

  // Same ids, but broker 1 re-registered (higher czxid) before its old session expired.
  Decision d = decide_broker_change(ctx, registered({{1, 200}, {2, 100}}));

  const LeaderAndIsr s = lai(2, 4, {2}, 5);
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("t", 0), s, 0)}));
  const auto l = lair_part(tp("t", 0), s, 1, {1, 2});
  const auto u_failed = um_part(tp("t", 0), s, 1, {1, 2}, {1});
  const auto u_back = um_part(tp("t", 0), s, 1, {1, 2});
  EXPECT_EQ(d.requests, (Requests{
                            // failure: election, then OfflineReplica (no ISR change needed)
                            lair(2, {l}, {2}),
                            um(2, {u_failed}, {2}),
                            lair(2, {l}, {2}),
                            um(2, {u_failed}, {2}),
                            // startup
                            um(2, {}, {1, 2}),
                            um(1, {u_back}, {1, 2}),
                            lair(1, {l}, {2}),
                            um(1, {u_back}, {1, 2}),
                            um(2, {u_back}, {1, 2}),
                        }));
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.live_brokers.at(B(1)).epoch, BrokerEpoch(200));
  EXPECT_EQ(ctx.replica_state({tp("t", 0), B(1)}), ReplicaState::kOnline);
}

TEST(BrokerChangeTest, ModificationSendsBrokerListOnlyWhenChanged) {
  ControllerContext ctx = make_context({1, 2});
  LiveBroker moved = broker(2);
  moved.info.endpoints[0].port = 9999;
  Decision d = decide_broker_modification(ctx, {B(2), moved});
  EXPECT_EQ(d.requests, (Requests{um(1, {}, {1, 2}), um(2, {}, {1, 2})}));
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.live_brokers.at(B(2)).info.endpoints[0].port, 9999);
  EXPECT_TRUE(decide_broker_modification(ctx, {B(2), moved}).requests.empty());
}

// ---- new topics and partitions ----

TEST(NewTopicTest, NewToOnlineFirstLiveLeaderLiveIsr) {
  ControllerContext ctx = make_context({1, 2, 3});
  TopicChangeEvent e;
  e.topics = {"n"};
  e.new_assignments["n"].partitions = {{0, {1, 2}}, {1, {4, 3}}, {2, {4}}};

  Decision d = decide_topic_change(ctx, e);

  const LeaderAndIsr s0 = lai(1, 0, {1, 2}, 5);
  const LeaderAndIsr s1 = lai(3, 0, {3}, 5);
  EXPECT_EQ(d.zk_writes, (Writes{create(tp("n", 0), s0), create(tp("n", 1), s1)}));
  const auto l0 = lair_part(tp("n", 0), s0, 0, {1, 2}, true);
  const auto l1 = lair_part(tp("n", 1), s1, 0, {4, 3}, true);
  const std::vector<UpdateMetadataPartition> u = {um_part(tp("n", 0), s0, 0, {1, 2}),
                                                  um_part(tp("n", 1), s1, 0, {4, 3}, {4})};
  EXPECT_EQ(d.requests, (Requests{lair(1, {l0}, {1}), lair(2, {l0}, {1}), lair(3, {l1}, {3}),
                                  um(1, u, {1, 2, 3}), um(2, u, {1, 2, 3}), um(3, u, {1, 2, 3})}));
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.partition_state(tp("n", 0)), PartitionState::kOnline);
  EXPECT_EQ(ctx.partition_state(tp("n", 2)), PartitionState::kNew);  // no live replica yet
  EXPECT_EQ(ctx.replica_state({tp("n", 1), B(4)}), ReplicaState::kOnline);
  EXPECT_FALSE(ctx.leadership.contains(tp("n", 2)));

  // Broker 4 arrives: n-2 leaves New.
  Decision later = decide_broker_change(ctx, registered({{1, 100}, {2, 100}, {3, 100}, {4, 1}}));
  ASSERT_FALSE(later.zk_writes.empty());
  EXPECT_EQ(later.zk_writes.back(), create(tp("n", 2), lai(4, 0, {4}, 5)));
}

TEST(NewTopicTest, UncleanOverrideOfNewTopicIsRecordedAndRemovedTopicForgotten) {
  ControllerContext ctx = make_context({1});
  add_partition(ctx, tp("old", 0), {1}, lai(1, 0, {1}, 4));
  TopicChangeEvent e;
  e.topics = {"n"};
  e.new_assignments["n"].partitions = {{0, {1}}};
  e.new_unclean_overrides["n"] = true;
  Decision d = decide_topic_change(ctx, e);
  apply_decision(ctx, d);
  EXPECT_TRUE(ctx.unclean_leader_election_enabled("n"));
  EXPECT_FALSE(ctx.topics.contains("old"));
  EXPECT_FALSE(ctx.leadership.contains(tp("old", 0)));
}

TEST(PartitionModificationsTest, OnlyAddedPartitionsAreCreated) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 3);
  PartitionModificationsEvent e{"t", {}};
  e.assignment.partitions = {{0, {1, 2}}, {1, {2, 1}}};
  Decision d = decide_partition_modifications(ctx, e);
  EXPECT_EQ(d.zk_writes, (Writes{create(tp("t", 1), lai(2, 0, {2, 1}, 5))}));
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.replicas(tp("t", 1)), Bs({2, 1}));
  EXPECT_EQ(ctx.leadership.at(tp("t", 0)).zk_version, ZkVersion(3));

  ctx.topics_to_delete.insert("t");
  e.assignment.partitions[2] = {1};
  EXPECT_TRUE(decide_partition_modifications(ctx, e).zk_writes.empty());
}

// ---- controlled shutdown ----

TEST(ControlledShutdownTest, MovesLeadershipShrinksIsrAndReportsRemaining) {
  ControllerContext ctx = make_context({1, 2, 3});
  add_partition(ctx, tp("a", 0), {1, 2, 3}, lai(1, 3, {1, 2, 3}, 4), 2);  // led, movable
  add_partition(ctx, tp("a", 1), {2, 1}, lai(2, 1, {2, 1}, 4), 1);        // followed
  add_partition(ctx, tp("a", 2), {1, 2}, lai(1, 1, {1}, 4), 0);           // led, stuck
  add_partition(ctx, tp("s", 0), {1}, lai(1, 0, {1}, 4), 0);              // one replica

  Decision d = decide_controlled_shutdown(ctx, {B(1), BrokerEpoch(100)});

  const LeaderAndIsr a0 = lai(2, 4, {2, 3}, 5);
  const LeaderAndIsr a1 = lai(2, 2, {2}, 5);
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("a", 0), a0, 2), update(tp("a", 1), a1, 1)}));
  const auto l0 = lair_part(tp("a", 0), a0, 3, {1, 2, 3});
  const auto u0 = um_part(tp("a", 0), a0, 3, {1, 2, 3}, {1});  // shutting down = offline
  const auto l1 = lair_part(tp("a", 1), a1, 2, {2, 1});
  const auto u1 = um_part(tp("a", 1), a1, 2, {2, 1}, {1});
  EXPECT_EQ(d.requests, (Requests{
                            // the shutting-down broker still receives requests
                            lair(1, {l0}, {2}),
                            lair(2, {l0}, {2}),
                            lair(3, {l0}, {2}),
                            um(1, {u0}, {1, 2, 3}),
                            um(2, {u0}, {1, 2, 3}),
                            um(3, {u0}, {1, 2, 3}),
                            lair(2, {l1}, {2}),
                            um(1, {u1}, {1, 2, 3}),
                            um(2, {u1}, {1, 2, 3}),
                            um(3, {u1}, {1, 2, 3}),
                            sr(1, false, {{tp("a", 1), 2}}),
                        }));
  ASSERT_TRUE(d.controlled_shutdown_reply);
  EXPECT_EQ(d.controlled_shutdown_reply->error, ErrorCode::kNone);
  EXPECT_EQ(d.controlled_shutdown_reply->remaining_partitions,
            (std::vector<TopicPartition>{tp("a", 2)}));
  apply_decision(ctx, d);
  EXPECT_TRUE(ctx.shutting_down_brokers.contains(B(1)));
  EXPECT_FALSE(ctx.is_live(B(1)));
  EXPECT_TRUE(ctx.is_live_or_shutting_down(B(1)));
}

TEST(ControlledShutdownTest, UnknownBrokerAndStaleEpoch) {
  ControllerContext ctx = make_context({1, 2});
  Decision unknown = decide_controlled_shutdown(ctx, {B(9), BrokerEpoch(1)});
  ASSERT_TRUE(unknown.controlled_shutdown_reply);
  EXPECT_EQ(unknown.controlled_shutdown_reply->error, ErrorCode::kBrokerNotAvailable);
  Decision stale = decide_controlled_shutdown(ctx, {B(2), BrokerEpoch(99)});
  EXPECT_EQ(stale.controlled_shutdown_reply->error, ErrorCode::kStaleBrokerEpoch);
  EXPECT_TRUE(stale.changes.empty());
  Decision unknown_epoch = decide_controlled_shutdown(ctx, {B(2), BrokerEpoch(-1)});
  EXPECT_EQ(unknown_epoch.controlled_shutdown_reply->error, ErrorCode::kNone);
}

TEST(ControlledShutdownTest, ShuttingDownBrokerThenDiesLeavesShutdownSet) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("a", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 0);
  apply_decision(ctx, decide_controlled_shutdown(ctx, {B(1), BrokerEpoch(100)}));
  EXPECT_EQ(ctx.leadership.at(tp("a", 0)).leader_and_isr, lai(2, 4, {2}, 5));
  apply_decision(ctx, decide_broker_change(ctx, registered({{2, 100}})));
  EXPECT_TRUE(ctx.shutting_down_brokers.empty());
}

// ---- preferred replica election and auto rebalance ----

TEST(PreferredElectionDecisionTest, AdminTriggered) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("p", 0), {1, 2}, lai(2, 3, {1, 2}, 4), 3);  // elected
  add_partition(ctx, tp("p", 1), {1, 2}, lai(2, 3, {2}, 4), 0);     // preferred not in ISR
  add_partition(ctx, tp("p", 2), {1, 2}, lai(1, 3, {1, 2}, 4), 0);  // already preferred

  Decision d =
      decide_preferred_replica_election(ctx, {{tp("p", 0), tp("p", 1), tp("p", 2), tp("x", 0)}});
  const LeaderAndIsr s = lai(1, 4, {1, 2}, 5);
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("p", 0), s, 3),
                                 zk::DeleteZnode{"/admin/preferred_replica_election"}}));
  const auto l = lair_part(tp("p", 0), s, 4, {1, 2});
  const auto u = um_part(tp("p", 0), s, 4, {1, 2});
  EXPECT_EQ(d.requests, (Requests{lair(1, {l}, {1}), lair(2, {l}, {1}), um(1, {u}, {1, 2}),
                                  um(2, {u}, {1, 2})}));
}

ControllerContext imbalanced() {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("r", 0), {1, 2}, lai(2, 3, {1, 2}, 4), 0);  // candidate
  add_partition(ctx, tp("r", 1), {1, 2}, lai(1, 3, {1, 2}, 4), 0);  // balanced
  add_partition(ctx, tp("r", 2), {2, 1}, lai(2, 3, {1, 2}, 4), 0);  // balanced
  add_partition(ctx, tp("r", 3), {1, 2}, lai(2, 3, {2}, 4), 0);     // preferred not in ISR
  return ctx;
}

TEST(AutoRebalanceTest, ImbalanceRatioPerPreferredBroker) {
  auto ratios = leader_imbalance(imbalanced());
  EXPECT_DOUBLE_EQ(ratios.at(B(1)), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(ratios.at(B(2)), 0.0);
}

TEST(AutoRebalanceTest, ElectsPreferredForEligiblePartitionsAboveThreshold) {
  Decision d = decide_auto_rebalance(imbalanced());
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("r", 0), lai(1, 4, {1, 2}, 5), 0)}));
  EXPECT_EQ(d.requests.size(), 4u);  // LeaderAndIsr + UpdateMetadata to both brokers
}

TEST(AutoRebalanceTest, NothingAtOrBelowThresholdOrDuringReassignment) {
  ControllerContext ctx = imbalanced();
  ctx.settings.leader_imbalance_per_broker_percentage = 67;  // 0.666 <= 0.67
  EXPECT_TRUE(decide_auto_rebalance(ctx).zk_writes.empty());
  ctx = imbalanced();
  ctx.partitions_being_reassigned[tp("r", 1)] = Bs({2, 1});
  EXPECT_TRUE(decide_auto_rebalance(ctx).zk_writes.empty());
}

// ---- ISR change notification ----

TEST(IsrChangeTest, CacheUpdatedMetadataSentNotificationsDeletedNoEpochBump) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 5);
  IsrChangeNotificationEvent e;
  e.sequence_nodes = {"isr_change_0000000001"};
  e.states[tp("t", 0)] = {lai(1, 3, {1}, 4), ZkVersion(6)};
  e.states[tp("gone", 0)] = {lai(1, 3, {1}, 4), ZkVersion(1)};
  Decision d = decide_isr_change_notification(ctx, e);
  EXPECT_EQ(d.zk_writes,
            (Writes{zk::DeleteZnode{"/isr_change_notification/isr_change_0000000001"}}));
  const auto u = um_part(tp("t", 0), lai(1, 3, {1}, 4), 6, {1, 2});
  EXPECT_EQ(d.requests, (Requests{um(1, {u}, {1, 2}), um(2, {u}, {1, 2})}));
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.leadership.at(tp("t", 0)).zk_version, ZkVersion(6));
  EXPECT_FALSE(ctx.leadership.contains(tp("gone", 0)));
}

// ---- failover ----

TEST(FailoverTest, BrokerListFirstThenLeaderAndIsrThenElections) {
  ControllerSnapshot snap;
  snap.controller_id = B(1);
  snap.epoch = ControllerEpoch(3);
  snap.epoch_zk_version = ZkVersion(3);
  snap.brokers = {{B(1), broker(1)}, {B(2), broker(2)}};
  snap.topics["t"].partitions = {{0, {1, 2}}, {1, {2, 3}}, {2, {1, 2}}};
  snap.partition_states[tp("t", 0)] = {lai(1, 3, {1, 2}, 2), ZkVersion(4)};
  snap.partition_states[tp("t", 1)] = {lai(3, 2, {3, 2}, 2), ZkVersion(1)};  // leader dead
  snap.partition_states[tp("gone", 0)] = {lai(1, 1, {1}, 2), ZkVersion(0)};  // no assignment
  ControllerContext ctx = context_from_snapshot(snap, ControllerSettings{});

  EXPECT_EQ(ctx.partition_state(tp("t", 0)), PartitionState::kOnline);
  EXPECT_EQ(ctx.partition_state(tp("t", 1)), PartitionState::kOffline);
  EXPECT_EQ(ctx.partition_state(tp("t", 2)), PartitionState::kNew);
  EXPECT_EQ(ctx.replica_state({tp("t", 1), B(3)}), ReplicaState::kDeletionIneligible);
  EXPECT_FALSE(ctx.leadership.contains(tp("gone", 0)));

  Decision d = decide_failover(ctx, snap);

  const LeaderAndIsr t0 = lai(1, 3, {1, 2}, 2);
  const LeaderAndIsr t1_shrunk = lai(-1, 3, {2}, 3);
  const LeaderAndIsr t1 = lai(2, 4, {2}, 3);
  const LeaderAndIsr t2 = lai(1, 0, {1, 2}, 3);
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("t", 1), t1_shrunk, 1), update(tp("t", 1), t1, 2),
                                 create(tp("t", 2), t2)}));
  const auto l0 = lair_part(tp("t", 0), t0, 4, {1, 2});
  const auto u0 = um_part(tp("t", 0), t0, 4, {1, 2});
  const auto l1_old = lair_part(tp("t", 1), lai(3, 2, {3, 2}, 2), 1, {2, 3});
  const auto u1_old = um_part(tp("t", 1), lai(3, 2, {3, 2}, 2), 1, {2, 3}, {3});
  const auto l1_shrunk = lair_part(tp("t", 1), t1_shrunk, 2, {2, 3});
  const auto u1_shrunk = um_part(tp("t", 1), t1_shrunk, 2, {2, 3}, {3});
  const auto l1 = lair_part(tp("t", 1), t1, 3, {2, 3});
  const auto u1 = um_part(tp("t", 1), t1, 3, {2, 3}, {3});
  const auto l2 = lair_part(tp("t", 2), t2, 0, {1, 2}, true);
  const auto u2 = um_part(tp("t", 2), t2, 0, {1, 2});
  EXPECT_EQ(d.requests, (Requests{
                            // step 6: the broker list, before anything names a leader
                            um(1, {}, {1, 2}),
                            um(2, {}, {1, 2}),
                            // step 7: current state to every live replica
                            lair(1, {l0}, {1}),
                            lair(2, {l0, l1_old}, {1}),
                            um(1, {u0, u1_old}, {1, 2}),
                            um(2, {u0, u1_old}, {1, 2}),
                            // offline replica 3 leaves the ISR (it led: leader -1)
                            lair(2, {l1_shrunk}, {}),
                            um(1, {u1_shrunk}, {1, 2}),
                            um(2, {u1_shrunk}, {1, 2}),
                            // step 8: elections for Offline and New partitions
                            lair(1, {l2}, {1}),
                            lair(2, {l1, l2}, {1, 2}),
                            um(1, {u1, u2}, {1, 2}),
                            um(2, {u1, u2}, {1, 2}),
                        }));
}

TEST(FailoverTest, PendingPreferredElectionAndDeletionMarkersHandled) {
  ControllerSnapshot snap;
  snap.controller_id = B(1);
  snap.epoch = ControllerEpoch(3);
  snap.brokers = {{B(1), broker(1)}, {B(2), broker(2)}};
  snap.topics["t"].partitions = {{0, {1, 2}}};
  snap.partition_states[tp("t", 0)] = {lai(2, 3, {1, 2}, 2), ZkVersion(4)};
  snap.topics_marked_for_deletion = {"ghost"};
  snap.pending_preferred_elections = {tp("t", 0)};
  ControllerContext ctx = context_from_snapshot(snap, ControllerSettings{});
  Decision d = decide_failover(ctx, snap);
  EXPECT_EQ(d.zk_writes, (Writes{zk::DeleteZnode{"/admin/delete_topics/ghost"},
                                 update(tp("t", 0), lai(1, 4, {1, 2}, 3), 4),
                                 zk::DeleteZnode{"/admin/preferred_replica_election"}}));
}

// ---- fencing, logging ----

TEST(FencingTest, StateWrittenByNewerControllerIsNotOverwritten) {
  ControllerContext ctx = make_context({1, 2});                     // epoch 5
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1, 2}, 6), 0);  // written by epoch 6
  Decision d = decide_broker_change(ctx, registered({{2, 100}}));
  EXPECT_TRUE(d.zk_writes.empty());
  bool logged = false;
  for (const auto& line : d.state_change_log) {
    logged = logged || line.find("another controller") != std::string::npos;
  }
  EXPECT_TRUE(logged);
}

TEST(StateChangeLogTest, NamesPartitionsStatesAndNewLeadership) {
  ControllerContext ctx = make_context({1, 2});
  ctx.settings.log_replica_transitions = true;
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 7);
  Decision d = decide_broker_change(ctx, registered({{2, 100}}));
  const std::vector<std::string> expected = {
      "Changed partition t-0 from OnlinePartition to OfflinePartition",
      "Changed partition t-0 from OfflinePartition to OnlinePartition with state (leader=2, "
      "leaderEpoch=4, isr=[2], controllerEpoch=5, zkVersion=8)",
      "Changed state of replica 1 of partition t-0 from OnlineReplica to OfflineReplica",
  };
  for (const auto& line : expected) {
    EXPECT_NE(std::find(d.state_change_log.begin(), d.state_change_log.end(), line),
              d.state_change_log.end())
        << line;
  }
}

TEST(StateChangeLogTest, ReplicaTransitionsOnlyWhenAskedFor) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("t", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 7);
  Decision d = decide_broker_change(ctx, registered({{2, 100}}));
  for (const auto& line : d.state_change_log) {
    EXPECT_EQ(line.find("Changed state of replica"), std::string::npos) << line;
  }
  EXPECT_FALSE(d.state_change_log.empty());  // partition transitions are always logged
}

// ---- controller change, dispatch ----

TEST(ControllerChangeTest, ResignWhenAnotherBrokerIsController) {
  ControllerContext ctx = make_context({1});
  EXPECT_FALSE(decide_controller_change(ctx, {B(1)}).resign);
  EXPECT_TRUE(decide_controller_change(ctx, {B(2)}).resign);
  EXPECT_TRUE(decide_controller_change(ctx, {std::nullopt}).resign);
  ControllerContext inactive;
  EXPECT_FALSE(decide_controller_change(inactive, {B(2)}).resign);
}

TEST(DispatchTest, VisitRoutesEvents) {
  ControllerContext ctx = make_context({1, 2});
  Decision d = decide(ctx, ControllerEvent{registered({{1, 100}})});
  EXPECT_EQ(d.requests, (Requests{um(1, {}, {1})}));
  EXPECT_TRUE(decide(ctx, ControllerEvent{ExpireEvent{}}).requests.empty());
}

}  // namespace
}  // namespace kb::coordinator::controller
