// The leader epoch cache: Kafka's assign/endOffsetFor/truncate rules, the leader-epoch-checkpoint
// text format, and its upkeep by the Log (appends, truncation, reload).
#include <gtest/gtest.h>

#include <filesystem>

#include "broker/storage/checkpoint_file.h"
#include "broker/storage/file_util.h"
#include "broker/storage/leader_epoch_cache.h"
#include "broker/storage/log.h"
#include "broker/storage/tests/test_util.h"

namespace kb::storage {
namespace {

using testing::TempDir;

TEST(LeaderEpochCacheTest, CheckpointTextFormatRoundTrip) {
  std::vector<EpochEntry> entries{{0, 0}, {3, 120}, {4, 500}};
  std::string text = encode_leader_epoch_checkpoint(entries);
  EXPECT_EQ(text, "0\n3\n0 0\n3 120\n4 500\n");
  EXPECT_EQ(parse_leader_epoch_checkpoint(text), entries);
  EXPECT_EQ(parse_leader_epoch_checkpoint("0\n0\n"), std::vector<EpochEntry>{});
  EXPECT_THROW(parse_leader_epoch_checkpoint("1\n0\n"), CheckpointError);
  EXPECT_THROW(parse_leader_epoch_checkpoint("0\n2\n1 5\n"), CheckpointError);
  EXPECT_THROW(parse_leader_epoch_checkpoint("0\n1\n1\n"), CheckpointError);
  EXPECT_THROW(parse_leader_epoch_checkpoint("0\n1\n1 x\n"), CheckpointError);
}

TEST(LeaderEpochCacheTest, AssignKeepsEpochsAndOffsetsIncreasing) {
  LeaderEpochCache cache("");
  cache.assign(1, 0);
  cache.assign(1, 10);  // same epoch, later offset: no new entry
  cache.assign(2, 10);
  cache.assign(5, 30);
  EXPECT_EQ(cache.entries(), (std::vector<EpochEntry>{{1, 0}, {2, 10}, {5, 30}}));
  // A new epoch starting before existing entries replaces them (a diverged follower's view).
  cache.assign(3, 20);
  EXPECT_EQ(cache.entries(), (std::vector<EpochEntry>{{1, 0}, {2, 10}, {3, 20}}));
  cache.assign(-1, 40);  // undefined epochs are never recorded
  EXPECT_EQ(cache.latest_epoch(), 3);
  EXPECT_EQ(cache.latest_start_offset(), 20);
}

TEST(LeaderEpochCacheTest, EndOffsetForFollowsKafka) {
  LeaderEpochCache cache("");
  EXPECT_EQ(cache.end_offset_for(0, 100), std::make_pair(-1, int64_t{-1}));  // empty
  cache.assign(2, 10);
  cache.assign(4, 30);
  cache.assign(7, 50);
  EXPECT_EQ(cache.end_offset_for(7, 80), std::make_pair(7, int64_t{80}));  // latest: log end
  EXPECT_EQ(cache.end_offset_for(4, 80), std::make_pair(4, int64_t{50}));
  // An epoch the leader never had: the largest smaller epoch, ending where the next starts.
  EXPECT_EQ(cache.end_offset_for(5, 80), std::make_pair(4, int64_t{50}));
  // Older than every entry: the requested epoch, ending at the first start offset.
  EXPECT_EQ(cache.end_offset_for(1, 80), std::make_pair(1, int64_t{10}));
  // Newer than every entry, or undefined.
  EXPECT_EQ(cache.end_offset_for(9, 80), std::make_pair(-1, int64_t{-1}));
  EXPECT_EQ(cache.end_offset_for(-1, 80), std::make_pair(-1, int64_t{-1}));
}

TEST(LeaderEpochCacheTest, TruncationFromEndAndStart) {
  LeaderEpochCache cache("");
  cache.assign(1, 0);
  cache.assign(2, 10);
  cache.assign(3, 20);
  cache.truncate_from_end(20);  // epoch 3 started at 20: gone
  EXPECT_EQ(cache.entries(), (std::vector<EpochEntry>{{1, 0}, {2, 10}}));
  cache.truncate_from_end(15);  // nothing starts at or after 15
  EXPECT_EQ(cache.entries(), (std::vector<EpochEntry>{{1, 0}, {2, 10}}));
  cache.assign(3, 20);
  cache.truncate_from_start(12);  // epoch 2 covers 12: kept, moved to start there
  EXPECT_EQ(cache.entries(), (std::vector<EpochEntry>{{2, 12}, {3, 20}}));
  cache.truncate_from_start(20);
  EXPECT_EQ(cache.entries(), (std::vector<EpochEntry>{{3, 20}}));
}

TEST(LeaderEpochCacheTest, PersistsAndReloads) {
  TempDir dir;
  std::string path = dir.sub(std::string(kLeaderEpochCheckpoint));
  {
    LeaderEpochCache cache(path);
    cache.assign(0, 0);
    cache.assign(6, 42);
  }
  EXPECT_EQ(read_whole_file(path), std::optional<std::string>("0\n2\n0 0\n6 42\n"));
  LeaderEpochCache reloaded(path);
  EXPECT_EQ(reloaded.entries(), (std::vector<EpochEntry>{{0, 0}, {6, 42}}));
}

TEST(LeaderEpochCacheTest, LogMaintainsTheCache) {
  TempDir dir;
  std::string part = dir.sub("t-0");
  {
    auto log = Log::open(testing::log_options(part));
    testing::append(*log, testing::make_batch(3), 1000, LeaderEpoch(1));  // 0..2
    testing::append(*log, testing::make_batch(2), 1000, LeaderEpoch(1));  // 3..4
    testing::append(*log, testing::make_batch(2), 1000, LeaderEpoch(4));  // 5..6
    EXPECT_EQ(log->leader_epochs().entries(), (std::vector<EpochEntry>{{1, 0}, {4, 5}}));
    EXPECT_EQ(log->end_offset_for_epoch(1), std::make_pair(1, int64_t{5}));
    EXPECT_EQ(log->end_offset_for_epoch(4), std::make_pair(4, int64_t{7}));

    // A follower copies batches unchanged: their epochs go into its own cache.
    auto follower = Log::open(testing::log_options(dir.sub("f-0")));
    auto read = log->read(Offset(0), 1 << 20, Offset(7), true);
    auto bytes = testing::read_slices(read.slices);
    ASSERT_EQ(follower->append_as_follower(bytes).error, ErrorCode::kNone);
    EXPECT_EQ(follower->leader_epochs().entries(), (std::vector<EpochEntry>{{1, 0}, {4, 5}}));
    follower->truncate_to(Offset(4));
    EXPECT_EQ(follower->leader_epochs().entries(), (std::vector<EpochEntry>{{1, 0}}));
    follower->truncate_fully_and_start_at(Offset(9));
    EXPECT_TRUE(follower->leader_epochs().entries().empty());
  }
  auto reopened = Log::open(testing::log_options(part));
  EXPECT_EQ(reopened->leader_epochs().entries(), (std::vector<EpochEntry>{{1, 0}, {4, 5}}));
}

}  // namespace
}  // namespace kb::storage
