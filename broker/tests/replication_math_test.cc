// The pure replication rules: follower fetch bookkeeping (lastCaughtUpTime), the high-watermark
// rule, ISR shrink/expand candidates and the follower truncation offset (KIP-101/279).
#include "broker/replication/replication_math.h"
#include "broker/replication/replica_fetcher.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace kb::broker::replication {
namespace {

FollowerState at(int64_t leo, int64_t caught_up_ms = 0) {
  FollowerState s;
  s.log_end_offset = leo;
  s.last_caught_up_ms = caught_up_ms;
  return s;
}

TEST(ReplicationMathTest, FollowerCaughtUpWhenFetchingTheLeadersEnd) {
  FollowerState f = reset_follower(/*in_isr=*/false, /*epoch start=*/100, /*now=*/1000);
  EXPECT_EQ(f.last_caught_up_ms, 0);
  EXPECT_EQ(f.log_end_offset, -1);
  record_follower_fetch(f, /*fetch_offset=*/90, /*leader_leo=*/120, /*now=*/2000);
  EXPECT_EQ(f.last_caught_up_ms, 0);  // 90 < 100 (the leader's LEO at the previous "fetch")
  EXPECT_EQ(f.log_end_offset, 90);
  // It now has everything the leader had at its previous fetch: caught up as of that fetch.
  record_follower_fetch(f, 120, 150, 3000);
  EXPECT_EQ(f.last_caught_up_ms, 2000);
  // Fetching at the leader's end: caught up now.
  record_follower_fetch(f, 150, 150, 4000);
  EXPECT_EQ(f.last_caught_up_ms, 4000);
  EXPECT_EQ(reset_follower(true, 0, 777).last_caught_up_ms, 777);
}

TEST(ReplicationMathTest, HighWatermarkIsTheSmallestIsrLogEnd) {
  std::map<int32_t, FollowerState> followers{{2, at(40)}, {3, at(10)}};
  // Leader 1 at 50; ISR {1,2}: min(50, 40) = 40; follower 3 outside the ISR does not count.
  EXPECT_EQ(advanced_high_watermark(0, 50, {1, 2}, 1, followers), std::optional<int64_t>(40));
  EXPECT_EQ(advanced_high_watermark(0, 50, {1, 2, 3}, 1, followers), std::optional<int64_t>(10));
  // Never backwards, and no change when equal.
  EXPECT_EQ(advanced_high_watermark(45, 50, {1, 2}, 1, followers), std::nullopt);
  EXPECT_EQ(advanced_high_watermark(40, 50, {1, 2}, 1, followers), std::nullopt);
  // Leader alone: its own LEO.
  EXPECT_EQ(advanced_high_watermark(0, 50, {1}, 1, followers), std::optional<int64_t>(50));
  // A follower in the ISR that has not fetched yet (unknown LEO) holds the HW.
  followers[4] = at(-1);
  EXPECT_EQ(advanced_high_watermark(0, 50, {1, 2, 4}, 1, followers), std::nullopt);
}

TEST(ReplicationMathTest, OutOfSyncFollowersByLastCaughtUpTime) {
  std::map<int32_t, FollowerState> followers{
      {2, at(50, /*caught up*/ 9000)}, {3, at(50, 1000)}, {4, at(0, 4000)}};
  // now 10000, lag limit 5000: 3 (9000 ms behind) and 4 (6000) are out; 2 is fine; the leader
  // (1) is never removed; 5 has no state (never fetched) and is out too.
  EXPECT_EQ(out_of_sync_followers({1, 2, 3, 4, 5}, 1, followers, 10000, 5000),
            (std::set<int32_t>{3, 4, 5}));
  EXPECT_EQ(out_of_sync_followers({1, 2}, 1, followers, 10000, 5000), std::set<int32_t>{});
  // Exactly at the limit is still in sync.
  EXPECT_EQ(out_of_sync_followers({1, 4}, 1, followers, 9000, 5000), std::set<int32_t>{});
}

TEST(ReplicationMathTest, FollowerJoinsIsrAtHighWatermarkAndEpochStart) {
  EXPECT_TRUE(follower_may_join_isr(at(30), /*hw=*/30, /*epoch start=*/20));
  EXPECT_FALSE(follower_may_join_isr(at(29), 30, 20));  // below the HW
  EXPECT_FALSE(follower_may_join_isr(at(30), 30, 35));  // not past the epoch start yet
  EXPECT_FALSE(follower_may_join_isr(at(-1), 0, 0));    // unknown
}

TEST(ReplicationMathTest, TruncationOffsets) {
  TruncationInput in;
  in.local_leo = 100;
  in.local_hw = 60;
  // Leader without epoch info: back to our high watermark.
  in.leader_epoch = -1;
  in.leader_end_offset = -1;
  EXPECT_EQ(follower_truncation(in), (TruncationDecision{60, true}));
  // Old leader answering an offset without an epoch: min(leader end, LEO).
  in.leader_end_offset = 80;
  EXPECT_EQ(follower_truncation(in), (TruncationDecision{80, true}));
  // Same epoch on both sides: min(leader end, LEO).
  in.leader_epoch = 5;
  in.local_end_for_leader_epoch = {5, 100};
  EXPECT_EQ(follower_truncation(in), (TruncationDecision{80, true}));
  in.leader_end_offset = 150;
  EXPECT_EQ(follower_truncation(in), (TruncationDecision{100, true}));  // nothing to cut
  // The leader's epoch 5 is one we never had (our largest below it is 3, ending at 70): cut to
  // 70 and ask again with epoch 3.
  in.local_end_for_leader_epoch = {3, 70};
  EXPECT_EQ(follower_truncation(in), (TruncationDecision{70, false}));
  // We have no epochs at all: min(leader end, LEO).
  in.local_end_for_leader_epoch = {-1, -1};
  in.leader_end_offset = 90;
  EXPECT_EQ(follower_truncation(in), (TruncationDecision{90, true}));
}

TEST(ReplicationMathTest, FetcherIdFollowsKafkasHash) {
  // Java: "topic".hashCode() = 110546223; Utils.abs(31 * h + p) % n (int arithmetic).
  EXPECT_EQ(fetcher_id_for(TopicPartition{"topic", 0}, 1), 0);
  int64_t h = 110546223;
  for (int p = 0; p < 4; ++p) {
    int32_t mixed = static_cast<int32_t>(static_cast<uint32_t>(31 * h + p));
    EXPECT_EQ(fetcher_id_for(TopicPartition{"topic", p}, 3), std::abs(mixed) % 3);
  }
}

}  // namespace
}  // namespace kb::broker::replication
