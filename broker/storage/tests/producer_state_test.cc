// Idempotent producer state: the pure rules (ProducerStateManager) and the Log hooks (leader
// duplicates answered with the original offsets, follower appends, rebuild on load and truncation).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "broker/storage/log.h"
#include "broker/storage/producer_snapshot.h"
#include "broker/storage/producer_state.h"
#include "broker/storage/tests/test_util.h"

namespace kb::storage {
namespace {

using testing::log_options;
using testing::TempDir;

ProducerBatchFacts facts(int64_t pid, int16_t epoch, int32_t seq, int32_t records,
                         int64_t first_offset) {
  return ProducerBatchFacts{pid, epoch, seq, records - 1, first_offset, 1000};
}

// Checks one batch and commits it when accepted.
ProducerCheck leader_append(ProducerStateManager& state, const ProducerBatchFacts& b) {
  ProducerStateManager::Staged staged;
  std::vector<ProducerBatchFacts> one{b};
  auto check = state.check_leader_append(one, &staged);
  if (check.error == ErrorCode::kNone && !check.duplicate) state.commit(std::move(staged));
  return check;
}

TEST(ProducerStateTest, InOrderBatchesAreAccepted) {
  ProducerStateManager state;
  EXPECT_EQ(leader_append(state, facts(7, 0, 0, 3, 0)).error, ErrorCode::kNone);
  EXPECT_EQ(leader_append(state, facts(7, 0, 3, 2, 3)).error, ErrorCode::kNone);
  const ProducerEntry* e = state.find(7);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->epoch, 0);
  EXPECT_EQ(e->last_seq(), 4);
  EXPECT_EQ(e->last_offset(), 4);
}

TEST(ProducerStateTest, DuplicateReturnsTheOriginalBatch) {
  ProducerStateManager state;
  ASSERT_EQ(leader_append(state, facts(7, 0, 0, 3, 10)).error, ErrorCode::kNone);
  ASSERT_EQ(leader_append(state, facts(7, 0, 3, 1, 13)).error, ErrorCode::kNone);
  auto dup = leader_append(state, facts(7, 0, 0, 3, 99));
  EXPECT_EQ(dup.error, ErrorCode::kNone);
  ASSERT_TRUE(dup.duplicate.has_value());
  EXPECT_EQ(dup.duplicate->first_offset, 10);
  EXPECT_EQ(dup.duplicate->last_offset, 12);
  // Same base sequence but another length is not the same batch: out of order.
  auto other = leader_append(state, facts(7, 0, 0, 2, 99));
  EXPECT_FALSE(other.duplicate.has_value());
  EXPECT_EQ(other.error, ErrorCode::kOutOfOrderSequenceNumber);
}

TEST(ProducerStateTest, OnlyTheLastFiveBatchesAreRemembered) {
  ProducerStateManager state;
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(leader_append(state, facts(1, 0, i, 1, i)).error, ErrorCode::kNone);
  }
  EXPECT_EQ(state.find(1)->batches.size(), kProducerBatchWindow);
  // Sequence 0 fell out of the window: no longer recognised, and out of order.
  auto old = leader_append(state, facts(1, 0, 0, 1, 50));
  EXPECT_FALSE(old.duplicate.has_value());
  EXPECT_EQ(old.error, ErrorCode::kOutOfOrderSequenceNumber);
  // Sequence 1 is the oldest one kept.
  auto kept = leader_append(state, facts(1, 0, 1, 1, 50));
  ASSERT_TRUE(kept.duplicate.has_value());
  EXPECT_EQ(kept.duplicate->first_offset, 1);
}

TEST(ProducerStateTest, SequenceGapIsOutOfOrder) {
  ProducerStateManager state;
  ASSERT_EQ(leader_append(state, facts(1, 0, 0, 2, 0)).error, ErrorCode::kNone);
  EXPECT_EQ(leader_append(state, facts(1, 0, 3, 1, 2)).error, ErrorCode::kOutOfOrderSequenceNumber);
  // Nothing was committed by the refused batch.
  EXPECT_EQ(state.find(1)->last_seq(), 1);
  EXPECT_EQ(leader_append(state, facts(1, 0, 2, 1, 2)).error, ErrorCode::kNone);
}

TEST(ProducerStateTest, OlderEpochIsFenced) {
  ProducerStateManager state;
  ASSERT_EQ(leader_append(state, facts(1, 3, 0, 1, 0)).error, ErrorCode::kNone);
  EXPECT_EQ(leader_append(state, facts(1, 2, 1, 1, 1)).error, ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(leader_append(state, facts(1, 2, 0, 1, 1)).error, ErrorCode::kInvalidProducerEpoch);
}

TEST(ProducerStateTest, NewEpochMustStartAtZero) {
  ProducerStateManager state;
  ASSERT_EQ(leader_append(state, facts(1, 0, 0, 5, 0)).error, ErrorCode::kNone);
  EXPECT_EQ(leader_append(state, facts(1, 1, 5, 1, 5)).error, ErrorCode::kOutOfOrderSequenceNumber);
  // librdkafka bumps the epoch itself and restarts at 0.
  EXPECT_EQ(leader_append(state, facts(1, 1, 0, 1, 5)).error, ErrorCode::kNone);
  EXPECT_EQ(state.find(1)->epoch, 1);
  EXPECT_EQ(state.find(1)->batches.size(), 1u);
  // The old epoch's batches are no longer duplicates.
  EXPECT_EQ(leader_append(state, facts(1, 0, 0, 5, 9)).error, ErrorCode::kInvalidProducerEpoch);
}

TEST(ProducerStateTest, UnknownProducerMustStartAtZero) {
  ProducerStateManager state;
  EXPECT_EQ(leader_append(state, facts(42, 0, 17, 1, 0)).error, ErrorCode::kUnknownProducerId);
  EXPECT_EQ(state.find(42), nullptr);
  EXPECT_EQ(leader_append(state, facts(42, 0, 0, 1, 0)).error, ErrorCode::kNone);
}

TEST(ProducerStateTest, SequenceWrapsAtInt32Max) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  auto b = facts(1, 0, kMax - 1, 3, 0);
  EXPECT_EQ(b.last_sequence(), 0);  // kMax-1, kMax, 0
  ProducerStateManager state;
  state.apply_unchecked(facts(1, 0, kMax - 1, 2, 0));  // ends at kMax
  EXPECT_EQ(leader_append(state, facts(1, 0, 0, 1, 2)).error, ErrorCode::kNone);
}

TEST(ProducerStateTest, SeveralBatchesOfOneRequestAreCheckedInOrder) {
  ProducerStateManager state;
  ProducerStateManager::Staged staged;
  std::vector<ProducerBatchFacts> two{facts(1, 0, 0, 2, 0), facts(1, 0, 2, 2, 2)};
  ASSERT_EQ(state.check_leader_append(two, &staged).error, ErrorCode::kNone);
  EXPECT_EQ(state.find(1), nullptr);  // nothing before commit
  state.commit(std::move(staged));
  EXPECT_EQ(state.find(1)->last_seq(), 3);
  std::vector<ProducerBatchFacts> gap{facts(1, 0, 4, 1, 4), facts(1, 0, 6, 1, 5)};
  ProducerStateManager::Staged staged2;
  EXPECT_EQ(state.check_leader_append(gap, &staged2).error, ErrorCode::kOutOfOrderSequenceNumber);
}

TEST(ProducerStateTest, IdleProducersExpire) {
  ProducerStateManager state;
  ProducerBatchFacts old_batch = facts(7, 0, 0, 1, 0);
  old_batch.timestamp = 1000;
  ProducerBatchFacts recent = facts(8, 0, 0, 1, 1);
  recent.timestamp = 5000;
  ASSERT_EQ(leader_append(state, old_batch).error, ErrorCode::kNone);
  ASSERT_EQ(leader_append(state, recent).error, ErrorCode::kNone);
  EXPECT_EQ(state.remove_expired(/*now_ms=*/5999, /*max_age_ms=*/5000), 0u);
  EXPECT_EQ(state.remove_expired(/*now_ms=*/6000, /*max_age_ms=*/5000), 1u);  // 7 idle 5000 ms
  EXPECT_EQ(state.find(7), nullptr);
  ASSERT_NE(state.find(8), nullptr);
  // A forgotten producer is unknown again: a non-zero sequence is UNKNOWN_PRODUCER_ID.
  EXPECT_EQ(leader_append(state, facts(7, 0, 1, 1, 2)).error, ErrorCode::kUnknownProducerId);
}

TEST(ProducerStateTest, FollowerAppliesWithoutChecksAndEviction) {
  ProducerStateManager state;
  state.apply_unchecked(facts(1, 0, 5, 1, 0));  // would be UNKNOWN_PRODUCER_ID on a leader
  state.apply_unchecked(facts(2, 0, 0, 1, 10));
  EXPECT_EQ(state.find(1)->last_seq(), 5);
  EXPECT_EQ(leader_append(state, facts(1, 0, 6, 1, 11)).error, ErrorCode::kNone);
  state.evict_below(11);
  EXPECT_EQ(state.find(2), nullptr);
  EXPECT_NE(state.find(1), nullptr);
}

// ---- Log hooks ----

std::vector<uint8_t> idempotent_batch(int64_t pid, int16_t epoch, int32_t seq, int records) {
  records::RecordBatchBuilder b;
  b.set_producer(pid, epoch, seq);
  std::vector<uint8_t> v{1, 2, 3};
  for (int i = 0; i < records; ++i) b.add(std::nullopt, v, {}, 1000 + i);
  return b.build();
}

AppendResult leader(Log& log, const std::vector<uint8_t>& batch) {
  std::vector<uint8_t> copy = batch;  // the log rewrites offsets in place
  return log.append_as_leader(copy, LeaderEpoch(0), 1000);
}

TEST(ProducerStateLogTest, DuplicateIsAnsweredWithTheOriginalOffsetAndNotAppended) {
  TempDir dir;
  auto log = Log::open(log_options(dir.sub("t-0")));
  ASSERT_EQ(leader(*log, testing::make_batch(2)).error, ErrorCode::kNone);  // not idempotent
  auto first = idempotent_batch(5, 0, 0, 3);
  auto r1 = leader(*log, first);
  ASSERT_EQ(r1.error, ErrorCode::kNone);
  EXPECT_EQ(r1.first_offset, Offset(2));
  auto r2 = leader(*log, first);
  ASSERT_EQ(r2.error, ErrorCode::kNone);
  EXPECT_EQ(r2.first_offset, Offset(2));
  EXPECT_EQ(r2.last_offset, Offset(4));
  EXPECT_EQ(r2.log_append_time, -1);
  EXPECT_EQ(log->log_end_offset(), Offset(5));
  EXPECT_EQ(leader(*log, idempotent_batch(5, 0, 5, 1)).error, ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(log->log_end_offset(), Offset(5));
}

TEST(ProducerStateLogTest, StateIsRebuiltOnReopen) {
  TempDir dir;
  auto first = idempotent_batch(5, 0, 0, 3);
  {
    auto log = Log::open(log_options(dir.sub("t-0")));
    ASSERT_EQ(leader(*log, first).error, ErrorCode::kNone);
    ASSERT_EQ(leader(*log, idempotent_batch(5, 0, 3, 1)).error, ErrorCode::kNone);
    log->flush();
  }
  auto log = Log::open(log_options(dir.sub("t-0")));
  auto dup = leader(*log, first);
  EXPECT_EQ(dup.error, ErrorCode::kNone);
  EXPECT_EQ(dup.first_offset, Offset(0));
  EXPECT_EQ(log->log_end_offset(), Offset(4));
  EXPECT_EQ(leader(*log, idempotent_batch(5, 0, 4, 1)).first_offset, Offset(4));
}

TEST(ProducerStateLogTest, FollowerStateDetectsDuplicatesAfterLeadershipMoves) {
  TempDir dir;
  auto log = Log::open(log_options(dir.sub("t-0")));
  auto batch = idempotent_batch(9, 2, 0, 2);
  auto as_leader_wrote = batch;
  records::set_base_offset_and_epoch(as_leader_wrote, 0, 1);
  ASSERT_EQ(log->append_as_follower(as_leader_wrote).error, ErrorCode::kNone);
  // This replica becomes leader; the client retries the batch it never got an answer for.
  auto dup = leader(*log, batch);
  EXPECT_EQ(dup.error, ErrorCode::kNone);
  EXPECT_EQ(dup.first_offset, Offset(0));
  EXPECT_EQ(log->log_end_offset(), Offset(2));
}

TEST(ProducerStateLogTest, TruncationForgetsTheRemovedBatches) {
  TempDir dir;
  auto log = Log::open(log_options(dir.sub("t-0")));
  ASSERT_EQ(leader(*log, idempotent_batch(5, 0, 0, 2)).error, ErrorCode::kNone);
  auto second = idempotent_batch(5, 0, 2, 2);
  ASSERT_EQ(leader(*log, second).error, ErrorCode::kNone);
  log->truncate_to(Offset(2));
  // The truncated batch is no longer a duplicate: it is appended again at the new end.
  auto again = leader(*log, second);
  ASSERT_EQ(again.error, ErrorCode::kNone);
  EXPECT_EQ(again.first_offset, Offset(2));
  EXPECT_EQ(log->log_end_offset(), Offset(4));
  log->truncate_fully_and_start_at(Offset(10));
  EXPECT_EQ(leader(*log, idempotent_batch(5, 0, 4, 1)).error, ErrorCode::kUnknownProducerId);
}

}  // namespace
}  // namespace kb::storage

// ---- snapshots ----
namespace kb::storage {
namespace {

TEST(ProducerSnapshotTest, RoundTripKeepsTheWindow) {
  ProducerStateManager state;
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  for (int i = 0; i < 7; ++i) state.apply_unchecked(facts(1, 2, i * 2, 2, 100 + i * 2));
  state.apply_unchecked(facts(9, 0, kMax - 1, 3, 500));  // wraps to 0
  auto bytes = encode_producer_snapshot(state);
  ProducerStateManager back;
  ASSERT_TRUE(decode_producer_snapshot(bytes, &back));
  ASSERT_NE(back.find(1), nullptr);
  EXPECT_EQ(back.find(1)->epoch, 2);
  EXPECT_EQ(back.find(1)->batches, state.find(1)->batches);
  EXPECT_EQ(back.find(9)->batches, state.find(9)->batches);
  EXPECT_EQ(back.find(9)->batches.front().first_seq, kMax - 1);
  bytes[bytes.size() - 3] ^= 1;
  EXPECT_FALSE(decode_producer_snapshot(bytes, &back));
  EXPECT_FALSE(decode_producer_snapshot(std::span<const uint8_t>(bytes).first(5), &back));
}

std::vector<std::string> snapshot_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".snapshot") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ProducerSnapshotTest, CleanCloseWritesASnapshotThatLoadingUses) {
  TempDir dir;
  std::vector<std::vector<uint8_t>> sent;
  {
    auto log = Log::open(log_options(dir.sub("t-0")));
    for (int i = 0; i < 6; ++i) {
      sent.push_back(idempotent_batch(3, 0, i, 1));
      ASSERT_EQ(leader(*log, sent.back()).error, ErrorCode::kNone);
    }
  }
  EXPECT_EQ(snapshot_files(dir.sub("t-0")),
            (std::vector<std::string>{"00000000000000000006.snapshot"}));
  auto log = Log::open(log_options(dir.sub("t-0")));
  // The five newest are still duplicates after the restart; the oldest is out of the window.
  EXPECT_EQ(leader(*log, sent[1]).first_offset, Offset(1));
  EXPECT_EQ(leader(*log, sent[5]).first_offset, Offset(5));
  EXPECT_EQ(leader(*log, sent[0]).error, ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(log->log_end_offset(), Offset(6));
}

TEST(ProducerSnapshotTest, RollSnapshotsAreTruncatedAndScannedAfter) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = static_cast<int64_t>(idempotent_batch(1, 0, 0, 1).size()) * 2;
  auto log = Log::open(log_options(dir.sub("t-0"), config));
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(leader(*log, idempotent_batch(4, 0, i, 1)).error, ErrorCode::kNone);
  }
  EXPECT_EQ(
      snapshot_files(dir.sub("t-0")),
      (std::vector<std::string>{"00000000000000000002.snapshot", "00000000000000000004.snapshot"}));
  log->truncate_to(Offset(3));
  EXPECT_EQ(snapshot_files(dir.sub("t-0")),
            (std::vector<std::string>{"00000000000000000002.snapshot"}));
  // State = snapshot at 2 + the batch at offset 2 scanned after it.
  EXPECT_EQ(leader(*log, idempotent_batch(4, 0, 2, 1)).first_offset, Offset(2));
  EXPECT_EQ(leader(*log, idempotent_batch(4, 0, 3, 1)).first_offset, Offset(3));
  // A corrupt snapshot is ignored: the log is scanned instead.
  log.reset();
  for (const auto& name : snapshot_files(dir.sub("t-0"))) {
    std::filesystem::resize_file(dir.sub("t-0") + "/" + name, 7);
  }
  log = Log::open(log_options(dir.sub("t-0"), config));
  EXPECT_EQ(leader(*log, idempotent_batch(4, 0, 3, 1)).first_offset, Offset(3));
  EXPECT_EQ(leader(*log, idempotent_batch(4, 0, 4, 1)).first_offset, Offset(4));
}

}  // namespace
}  // namespace kb::storage
