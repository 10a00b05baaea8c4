// ElectLeaders (API 43) decisions: Kafka 2.4's admin-triggered replica leader election.
#include <gtest/gtest.h>

#include "coordinator/controller/decisions.h"
#include "coordinator/controller/tests/test_util.h"

namespace kb::coordinator::controller {
namespace {

using namespace test;
using Requests = std::vector<BrokerRequest>;
using Writes = std::vector<ZkWrite>;

ElectLeadersEvent elect(ElectionType type, std::vector<TopicPartition> partitions) {
  return ElectLeadersEvent{type, std::move(partitions)};
}

TEST(ElectLeadersDecisionTest, PreferredResultsPerPartition) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("p", 0), {1, 2}, lai(2, 3, {1, 2}, 4), 3);  // elected
  add_partition(ctx, tp("p", 1), {1, 2}, lai(2, 3, {2}, 4), 0);     // preferred not in ISR
  add_partition(ctx, tp("p", 2), {1, 2}, lai(1, 3, {1, 2}, 4), 0);  // already preferred
  add_partition(ctx, tp("d", 0), {1, 2}, lai(2, 3, {1, 2}, 4), 0);  // being deleted
  ctx.topics_to_delete.insert("d");

  Decision d = decide_elect_leaders(
      ctx, elect(ElectionType::kPreferred,
                 {tp("p", 0), tp("p", 1), tp("p", 2), tp("x", 0), tp("d", 0), tp("p", 0)}));
  const LeaderAndIsr s = lai(1, 4, {1, 2}, 5);
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("p", 0), s, 3)}));
  const auto l = lair_part(tp("p", 0), s, 4, {1, 2});
  const auto u = um_part(tp("p", 0), s, 4, {1, 2});
  EXPECT_EQ(d.requests, (Requests{lair(1, {l}, {1}), lair(2, {l}, {1}), um(1, {u}, {1, 2}),
                                  um(2, {u}, {1, 2})}));
  EXPECT_EQ(d.counters.unclean_leader_elections, 0);

  ASSERT_TRUE(d.elect_leaders_reply);
  const auto& r = d.elect_leaders_reply->results;
  ASSERT_EQ(r.size(), 5u);  // the duplicate p-0 is one partition
  EXPECT_EQ(r.at(tp("p", 0)), (ElectionOutcome{ErrorCode::kNone, std::nullopt, B(1)}));
  EXPECT_EQ(r.at(tp("p", 1)).error, ErrorCode::kPreferredLeaderNotAvailable);
  EXPECT_EQ(r.at(tp("p", 1)).message,
            "Failed to elect leader for partition p-1 under strategy "
            "PreferredReplicaPartitionLeaderElectionStrategy");
  EXPECT_EQ(r.at(tp("p", 2)),
            (ElectionOutcome{ErrorCode::kElectionNotNeeded, std::nullopt, B(-1)}));
  EXPECT_EQ(r.at(tp("x", 0)), (ElectionOutcome{ErrorCode::kUnknownTopicOrPartition,
                                               "The partition does not exist.", B(-1)}));
  EXPECT_EQ(r.at(tp("d", 0)), (ElectionOutcome{ErrorCode::kInvalidTopicException,
                                               "The topic is being deleted", B(-1)}));
}

TEST(ElectLeadersDecisionTest, PreferredReplicaOfflineIsNotAvailable) {
  ControllerContext ctx = make_context({2});
  add_partition(ctx, tp("p", 0), {1, 2}, lai(2, 3, {1, 2}, 4), 0);
  Decision d = decide_elect_leaders(ctx, elect(ElectionType::kPreferred, {tp("p", 0)}));
  EXPECT_TRUE(d.zk_writes.empty());
  EXPECT_EQ(d.elect_leaders_reply->results.at(tp("p", 0)).error,
            ErrorCode::kPreferredLeaderNotAvailable);
}

// KIP-460: an UNCLEAN request elects a live replica outside the ISR even though the topic (and
// the broker default) has unclean.leader.election.enable=false, and counts as unclean.
TEST(ElectLeadersDecisionTest, UncleanElectsStaleReplicaWhateverTheConfig) {
  ControllerContext ctx = make_context({2, 3});
  ctx.settings.unclean_leader_election_default = false;
  ctx.unclean_leader_election_overrides["u"] = false;
  add_partition(ctx, tp("u", 0), {1, 2}, lai(-1, 3, {1}, 4), 6);  // only the stale 2 is live
  add_partition(ctx, tp("u", 1), {2, 3}, lai(3, 3, {3}, 4), 0);   // leader live: not needed
  add_partition(ctx, tp("u", 2), {1, 4}, lai(-1, 3, {1}, 4), 0);  // no live replica
  add_partition(ctx, tp("u", 3), {1, 3}, lai(-1, 3, {3}, 4), 2);  // ISR member 3 back: clean

  Decision d = decide_elect_leaders(
      ctx, elect(ElectionType::kUnclean, {tp("u", 0), tp("u", 1), tp("u", 2), tp("u", 3)}));
  const LeaderAndIsr s0 = lai(2, 4, {2}, 5);
  const LeaderAndIsr s3 = lai(3, 4, {3}, 5);
  EXPECT_EQ(d.zk_writes, (Writes{update(tp("u", 0), s0, 6), update(tp("u", 3), s3, 2)}));
  EXPECT_EQ(d.counters.unclean_leader_elections, 1);

  const auto& r = d.elect_leaders_reply->results;
  EXPECT_EQ(r.at(tp("u", 0)), (ElectionOutcome{ErrorCode::kNone, std::nullopt, B(2)}));
  EXPECT_EQ(r.at(tp("u", 1)).error, ErrorCode::kElectionNotNeeded);
  EXPECT_EQ(r.at(tp("u", 2)).error, ErrorCode::kEligibleLeadersNotAvailable);
  EXPECT_EQ(r.at(tp("u", 2)).message,
            "Failed to elect leader for partition u-2 under strategy "
            "OfflinePartitionLeaderElectionStrategy(true)");
  EXPECT_EQ(r.at(tp("u", 3)), (ElectionOutcome{ErrorCode::kNone, std::nullopt, B(3)}));
  // The new leader hears it first, then every live broker gets the metadata.
  ASSERT_FALSE(d.requests.empty());
  EXPECT_TRUE(std::holds_alternative<LeaderAndIsrRequest>(d.requests.front()));
}

// The same partition through a broker failure (not the admin API) stays leaderless.
TEST(ElectLeadersDecisionTest, OnlyTheAdminRequestIsUnclean) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("u", 0), {1, 2}, lai(1, 3, {1}, 4), 0);
  BrokerChangeEvent e;
  e.registered[B(2)] = broker(2);
  Decision d = decide(ctx, ControllerEvent{e});
  EXPECT_EQ(d.counters.unclean_leader_elections, 0);
  EXPECT_EQ(d.counters.failed_elections, 1);
}

TEST(ElectLeadersDecisionTest, NothingToElectWritesNothing) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("p", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 0);
  Decision d = decide(ctx, ControllerEvent{elect(ElectionType::kUnclean, {tp("p", 0)})});
  EXPECT_TRUE(d.zk_writes.empty());
  EXPECT_TRUE(d.requests.empty());
  ASSERT_TRUE(d.elect_leaders_reply);
  EXPECT_EQ(d.elect_leaders_reply->results.at(tp("p", 0)).error, ErrorCode::kElectionNotNeeded);
  EXPECT_EQ(event_name(ControllerEvent{ElectLeadersEvent{}}), "ReplicaLeaderElection");
}

}  // namespace
}  // namespace kb::coordinator::controller
