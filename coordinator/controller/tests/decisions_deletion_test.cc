// Topic deletion in its two steps: StopReplica(delete=true) to every replica, then, once every
// replica has confirmed, the znode deletion.
#include <gtest/gtest.h>

#include "coordinator/controller/decisions.h"
#include "coordinator/controller/tests/test_util.h"

namespace kb::coordinator::controller {
namespace {

using namespace test;
using Requests = std::vector<BrokerRequest>;
using Writes = std::vector<ZkWrite>;

TopicDeletionStopReplicaResponseEvent response(int replica, const TopicPartition& p,
                                               ErrorCode error = ErrorCode::kNone) {
  TopicDeletionStopReplicaResponseEvent e;
  e.replica = B(replica);
  e.partition_errors[p] = error;
  return e;
}

TEST(TopicDeletionTest, StopReplicaThenZnodeDeletionOnceAllReplicasConfirmed) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("d", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 2);
  add_partition(ctx, tp("keep", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 0);

  // Step 1.
  Decision d = decide_topic_deletion(ctx, {{"d", "ghost"}});
  EXPECT_EQ(d.zk_writes, (Writes{
                             zk::DeleteZnode{"/admin/delete_topics/ghost"},  // unknown topic
                             // OfflineReplica of 1 shrinks the ISR; 2, the last member of a
                             // leaderless ISR, changes nothing and is not written
                             update(tp("d", 0), lai(-1, 4, {2}, 5), 2),
                         }));
  // Leader -2 (with epoch 0 and zkVersion 0) makes brokers forget the partition.
  const auto gone = um_part(tp("d", 0), lai(-2, 0, {1, 2}, 4), 0, {1, 2});
  EXPECT_EQ(d.requests, (Requests{
                            um(1, {gone}, {1, 2}),
                            um(2, {gone}, {1, 2}),
                            sr(1, false, {{tp("d", 0), -2}}),
                            sr(2, false, {{tp("d", 0), -2}}),
                            sr(1, true, {{tp("d", 0), -2}}),
                            sr(2, true, {{tp("d", 0), -2}}),
                        }));
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.partition_state(tp("d", 0)), PartitionState::kNonExistent);
  EXPECT_EQ(ctx.replica_state({tp("d", 0), B(1)}), ReplicaState::kDeletionStarted);
  EXPECT_TRUE(ctx.is_queued_for_deletion("d"));

  // Step 2: the first confirmation is not enough.
  Decision first = decide_topic_deletion_stop_replica_response(ctx, response(1, tp("d", 0)));
  EXPECT_TRUE(first.zk_writes.empty());
  EXPECT_TRUE(first.requests.empty());
  apply_decision(ctx, first);
  EXPECT_EQ(ctx.replica_state({tp("d", 0), B(1)}), ReplicaState::kDeletionSuccessful);

  Decision last = decide_topic_deletion_stop_replica_response(ctx, response(2, tp("d", 0)));
  EXPECT_EQ(last.zk_writes, (Writes{zk::DeleteTopic{"d"}}));
  EXPECT_TRUE(last.requests.empty());
  apply_decision(ctx, last);
  EXPECT_FALSE(ctx.topics.contains("d"));
  EXPECT_FALSE(ctx.leadership.contains(tp("d", 0)));
  EXPECT_FALSE(ctx.partition_states.contains(tp("d", 0)));
  EXPECT_FALSE(ctx.replica_states.contains({tp("d", 0), B(1)}));
  EXPECT_FALSE(ctx.is_queued_for_deletion("d"));
  EXPECT_TRUE(ctx.topics.contains("keep"));
}

TEST(TopicDeletionTest, DisabledDeletionOnlyRemovesMarkers) {
  ControllerContext ctx = make_context({1});
  ctx.settings.delete_topic_enable = false;
  add_partition(ctx, tp("d", 0), {1}, lai(1, 0, {1}, 4));
  Decision d = decide_topic_deletion(ctx, {{"d"}});
  EXPECT_EQ(d.zk_writes, (Writes{zk::DeleteZnode{"/admin/delete_topics/d"}}));
  EXPECT_TRUE(d.requests.empty());
  apply_decision(ctx, d);
  EXPECT_FALSE(ctx.is_queued_for_deletion("d"));
}

TEST(TopicDeletionTest, OfflineReplicaMakesTopicIneligibleUntilBrokerReturns) {
  ControllerContext ctx = make_context({1});
  add_partition(ctx, tp("e", 0), {1, 2}, lai(1, 3, {1}, 4), 0);  // replica 2 is offline

  Decision d = decide_topic_deletion(ctx, {{"e"}});
  EXPECT_TRUE(d.zk_writes.empty());
  EXPECT_TRUE(d.requests.empty());
  apply_decision(ctx, d);
  EXPECT_TRUE(ctx.topics_ineligible_for_deletion.contains("e"));

  // Broker 2 registers: deletion resumes and both replicas get StopReplica(delete=true).
  BrokerChangeEvent back;
  back.registered = {{B(1), broker(1)}, {B(2), broker(2)}};
  Decision resumed = decide_broker_change(ctx, back);
  ASSERT_GE(resumed.requests.size(), 2u);
  const size_t n = resumed.requests.size();
  EXPECT_EQ(resumed.requests[n - 2], sr(1, true, {{tp("e", 0), -2}}));
  EXPECT_EQ(resumed.requests[n - 1], sr(2, true, {{tp("e", 0), -2}}));
  apply_decision(ctx, resumed);
  EXPECT_FALSE(ctx.topics_ineligible_for_deletion.contains("e"));
  EXPECT_EQ(ctx.replica_state({tp("e", 0), B(2)}), ReplicaState::kDeletionStarted);
}

TEST(TopicDeletionTest, FailedStopReplicaIsRetriedOnTheNextResume) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("d", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 2);
  apply_decision(ctx, decide_topic_deletion(ctx, {{"d"}}));

  Decision failed = decide_topic_deletion_stop_replica_response(
      ctx, response(1, tp("d", 0), ErrorCode::kKafkaStorageError));
  EXPECT_TRUE(failed.requests.empty());  // replica 2 is still in progress
  apply_decision(ctx, failed);
  EXPECT_EQ(ctx.replica_state({tp("d", 0), B(1)}), ReplicaState::kDeletionIneligible);
  EXPECT_TRUE(ctx.topics_ineligible_for_deletion.contains("d"));

  // Replica 2 succeeds: the failed replica goes back to Offline, the topic becomes eligible.
  Decision ok2 = decide_topic_deletion_stop_replica_response(ctx, response(2, tp("d", 0)));
  EXPECT_EQ(ok2.requests, (Requests{sr(1, false, {{tp("d", 0), -2}})}));
  apply_decision(ctx, ok2);
  EXPECT_EQ(ctx.replica_state({tp("d", 0), B(1)}), ReplicaState::kOffline);
  EXPECT_FALSE(ctx.topics_ineligible_for_deletion.contains("d"));

  // The next resume (here: the deletion request seen again) restarts replica 1 only.
  Decision again = decide_topic_deletion(ctx, {{"d"}});
  EXPECT_EQ(again.requests.back(), sr(1, true, {{tp("d", 0), -2}}));
  apply_decision(ctx, again);
  Decision done = decide_topic_deletion_stop_replica_response(ctx, response(1, tp("d", 0)));
  EXPECT_EQ(done.zk_writes, (Writes{zk::DeleteTopic{"d"}}));
}

TEST(TopicDeletionTest, ReplicaOfDeletedTopicOnDeadBrokerFailsDeletion) {
  ControllerContext ctx = make_context({1, 2});
  add_partition(ctx, tp("d", 0), {1, 2}, lai(1, 3, {1, 2}, 4), 2);
  apply_decision(ctx, decide_topic_deletion(ctx, {{"d"}}));

  BrokerChangeEvent e;
  e.registered = {{B(1), broker(1)}};
  Decision d = decide_broker_change(ctx, e);
  apply_decision(ctx, d);
  EXPECT_EQ(ctx.replica_state({tp("d", 0), B(2)}), ReplicaState::kDeletionIneligible);
  EXPECT_TRUE(ctx.topics_ineligible_for_deletion.contains("d"));
  // No election for a topic being deleted.
  for (const auto& w : d.zk_writes)
    EXPECT_FALSE(std::holds_alternative<zk::UpdatePartitionState>(w));
}

}  // namespace
}  // namespace kb::coordinator::controller
