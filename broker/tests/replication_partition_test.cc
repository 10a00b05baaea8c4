// Leader/follower roles on real logs: LeaderAndIsr application (stale epochs, leader epoch
// cache), the leader's high watermark driven by follower fetches, acks=all through
// DelayedProduce (completion, NOT_ENOUGH_REPLICAS[_AFTER_APPEND], expiry), and ISR shrink/expand
// with a fake ZooKeeper store and the /isr_change_notification batching.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "broker/purgatory.h"
#include "broker/replica_manager.h"
#include "broker/replication/delayed_produce.h"
#include "broker/storage/log_manager.h"
#include "broker/storage/tests/test_util.h"

namespace kb::broker {
namespace {

using namespace std::chrono_literals;
using storage::testing::make_batch;
using storage::testing::TempDir;

const TopicPartition kTp{"orders", 0};
constexpr int32_t kMe = 1;

PartitionRole role(int32_t leader, int32_t epoch, std::vector<int32_t> isr,
                   std::vector<int32_t> replicas = {1, 2, 3}, int32_t zk_version = 0) {
  PartitionRole r;
  r.tp = kTp;
  r.controller_epoch = ControllerEpoch(1);
  r.leader = BrokerId(leader);
  r.leader_epoch = LeaderEpoch(epoch);
  for (int32_t b : isr) r.isr.emplace_back(b);
  for (int32_t b : replicas) r.replicas.emplace_back(b);
  r.zk_version = ZkVersion(zk_version);
  return r;
}

class ReplicationPartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::LogManagerOptions options;
    options.log_dirs = {dir_.path()};
    logs_ = std::make_unique<storage::LogManager>(options);
    logs_->load();
    replicas_ = std::make_unique<ReplicaManager>(*logs_, fetch_purgatory_, BrokerId(kMe));
  }
  void TearDown() override {
    replicas_->shutdown();
    fetch_purgatory_.stop();
  }
  std::map<TopicPartition, ErrorCode> apply(const PartitionRole& r) {
    return replicas_->apply_leader_and_isr(BrokerId(kMe), {r}, {},
                                           [](const std::string&) { return storage::LogConfig{}; });
  }
  AppendOutcome produce(int records, int16_t acks = 1, int32_t min_isr = 1) {
    auto bytes = make_batch(records);
    return replicas_->append(kTp, bytes, acks, min_isr);
  }
  int64_t hw() { return replicas_->get_hosted(kTp)->log()->high_watermark().value(); }

  TempDir dir_;
  std::unique_ptr<storage::LogManager> logs_;
  Purgatory fetch_purgatory_;
  std::unique_ptr<ReplicaManager> replicas_;
};

TEST_F(ReplicationPartitionTest, LeaderHighWatermarkFollowsIsrFetches) {
  ASSERT_EQ(apply(role(kMe, 3, {1, 2, 3}))[kTp], ErrorCode::kNone);
  auto p = replicas_->get(kTp);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->is_leader());
  EXPECT_EQ(p->leader_epoch_start_offset(), 0);
  ASSERT_EQ(produce(5).error, ErrorCode::kNone);  // offsets 0..4
  EXPECT_EQ(hw(), 0);                             // followers have nothing yet
  replicas_->record_follower_fetch(kTp, BrokerId(2), 5);
  EXPECT_EQ(hw(), 0);  // follower 3 is in the ISR and still unknown
  replicas_->record_follower_fetch(kTp, BrokerId(3), 3);
  EXPECT_EQ(hw(), 3);
  replicas_->record_follower_fetch(kTp, BrokerId(3), 5);
  EXPECT_EQ(hw(), 5);
  // The new epoch was recorded where it started.
  EXPECT_EQ(p->log()->leader_epochs().entries(), (std::vector<storage::EpochEntry>{{3, 0}}));
  // A fetch from a broker that is not a replica changes nothing.
  replicas_->record_follower_fetch(kTp, BrokerId(9), 100);
  EXPECT_EQ(hw(), 5);
}

TEST_F(ReplicationPartitionTest, StaleLeaderEpochIsRefusedPerPartition) {
  ASSERT_EQ(apply(role(kMe, 5, {1}))[kTp], ErrorCode::kNone);
  EXPECT_EQ(apply(role(kMe, 5, {1}))[kTp], ErrorCode::kStaleControllerEpoch);
  EXPECT_EQ(apply(role(2, 4, {2}))[kTp], ErrorCode::kStaleControllerEpoch);
  EXPECT_TRUE(replicas_->get(kTp)->is_leader());
  auto not_hosted = role(2, 6, {2}, {2, 3});
  EXPECT_EQ(apply(not_hosted)[kTp], ErrorCode::kUnknownTopicOrPartition);
}

TEST_F(ReplicationPartitionTest, FollowerRefusesProduceAndFollowsTheLeadersWatermark) {
  ASSERT_EQ(apply(role(kMe, 1, {1, 2}))[kTp], ErrorCode::kNone);
  ASSERT_EQ(produce(2).error, ErrorCode::kNone);
  ASSERT_EQ(apply(role(2, 2, {2}))[kTp], ErrorCode::kNone);
  EXPECT_EQ(replicas_->get(kTp), nullptr);  // not served to clients any more
  auto follower = replicas_->get_hosted(kTp);
  ASSERT_TRUE(follower);
  EXPECT_FALSE(follower->is_leader());
  EXPECT_EQ(follower->leader().value(), 2);
  EXPECT_EQ(produce(1).error, ErrorCode::kNotLeaderOrFollower);
  // The leader's batches are appended unchanged; HW = min(leader HW, own LEO).
  storage::LogOptions o = storage::testing::log_options(dir_.path() + "/leader-0");
  auto leader_log = storage::Log::open(o);
  storage::testing::append(*leader_log, make_batch(4), 1000, LeaderEpoch(2));  // 0..3
  auto bytes =
      storage::testing::read_slices(leader_log->read(Offset(2), 1 << 20, Offset(4), true).slices);
  // Our log ends at 2; the leader's batch starts at 0: the fetcher would have truncated first.
  follower->log()->truncate_to(Offset(0));
  auto all =
      storage::testing::read_slices(leader_log->read(Offset(0), 1 << 20, Offset(4), true).slices);
  ASSERT_EQ(follower->append_as_follower(all, /*leader hw=*/10, /*leader start=*/0).error,
            ErrorCode::kNone);
  EXPECT_EQ(follower->log()->log_end_offset().value(), 4);
  EXPECT_EQ(follower->log()->high_watermark().value(), 4);
  EXPECT_EQ(follower->log()->leader_epochs().latest_epoch(), 2);
  (void)bytes;
}

TEST_F(ReplicationPartitionTest, AcksAllWaitsForTheIsr) {
  ASSERT_EQ(apply(role(kMe, 1, {1, 2}))[kTp], ErrorCode::kNone);
  auto out = produce(3, -1, 2);
  ASSERT_EQ(out.error, ErrorCode::kNone);
  EXPECT_EQ(out.last_offset, 2);
  std::atomic<int> responses{0};
  std::vector<replication::ProducePartitionStatus> answer;
  std::mutex answer_mu;
  replication::ProducePartitionStatus s;
  s.tp = kTp;
  s.required_offset = out.last_offset + 1;
  s.min_insync_replicas = 2;
  s.pending = true;
  auto op = std::make_shared<replication::DelayedProduce>(
      DelayedOperation::Clock::now() + 10s, std::vector{s},
      [this](const TopicPartition& tp, int64_t req, int32_t min_isr) {
        return replicas_->check_replicated(tp, req, min_isr);
      },
      [&](const std::vector<replication::ProducePartitionStatus>& done) {
        std::lock_guard lock(answer_mu);
        answer = done;
        responses++;
      });
  replicas_->await_replication(op);
  EXPECT_EQ(responses.load(), 0);
  replicas_->record_follower_fetch(kTp, BrokerId(2), 2);  // not all yet
  EXPECT_EQ(responses.load(), 0);
  replicas_->record_follower_fetch(kTp, BrokerId(2), 3);  // HW 3: done
  ASSERT_EQ(responses.load(), 1);
  EXPECT_EQ(answer.at(0).error, ErrorCode::kNone);
  // ISR below min.insync before the append.
  EXPECT_EQ(produce(1, -1, 3).error, ErrorCode::kNotEnoughReplicas);
  // Enough when appending, too few once replicated: NOT_ENOUGH_REPLICAS_AFTER_APPEND.
  EXPECT_EQ(replicas_->check_replicated(kTp, 3, 3).error, ErrorCode::kNotEnoughReplicasAfterAppend);
}

TEST_F(ReplicationPartitionTest, DelayedProduceExpiresWithRequestTimedOut) {
  ASSERT_EQ(apply(role(kMe, 1, {1, 2}))[kTp], ErrorCode::kNone);
  auto out = produce(1, -1, 1);
  ASSERT_EQ(out.error, ErrorCode::kNone);
  std::atomic<int> responses{0};
  std::vector<replication::ProducePartitionStatus> answer;
  replication::ProducePartitionStatus waiting, failed;
  waiting.tp = kTp;
  waiting.required_offset = out.last_offset + 1;
  waiting.pending = true;
  failed.tp = TopicPartition{"other", 0};
  failed.error = ErrorCode::kCorruptMessage;  // its append failed: answered as is
  auto op = std::make_shared<replication::DelayedProduce>(
      DelayedOperation::Clock::now() + 100ms, std::vector{waiting, failed},
      [this](const TopicPartition& tp, int64_t req, int32_t min_isr) {
        return replicas_->check_replicated(tp, req, min_isr);
      },
      [&](const std::vector<replication::ProducePartitionStatus>& done) {
        answer = done;
        responses++;
      });
  replicas_->await_replication(op);
  for (int i = 0; i < 100 && responses.load() == 0; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(responses.load(), 1);
  EXPECT_EQ(answer.at(0).error, ErrorCode::kRequestTimedOut);
  EXPECT_EQ(answer.at(1).error, ErrorCode::kCorruptMessage);
  // Completing later does not answer twice.
  replicas_->record_follower_fetch(kTp, BrokerId(2), 1);
  EXPECT_EQ(op->try_complete(), true);
  EXPECT_EQ(responses.load(), 1);
}

TEST_F(ReplicationPartitionTest, DelayedProduceFailsWhenLeadershipMoves) {
  ASSERT_EQ(apply(role(kMe, 1, {1, 2}))[kTp], ErrorCode::kNone);
  auto out = produce(1, -1, 1);
  std::atomic<int> responses{0};
  ErrorCode error = ErrorCode::kNone;
  replication::ProducePartitionStatus s;
  s.tp = kTp;
  s.required_offset = out.last_offset + 1;
  s.pending = true;
  auto op = std::make_shared<replication::DelayedProduce>(
      DelayedOperation::Clock::now() + 10s, std::vector{s},
      [this](const TopicPartition& tp, int64_t req, int32_t min_isr) {
        return replicas_->check_replicated(tp, req, min_isr);
      },
      [&](const std::vector<replication::ProducePartitionStatus>& done) {
        error = done.at(0).error;
        responses++;
      });
  replicas_->await_replication(op);
  ASSERT_EQ(apply(role(2, 2, {2}))[kTp], ErrorCode::kNone);
  ASSERT_EQ(responses.load(), 1);
  EXPECT_EQ(error, ErrorCode::kNotLeaderOrFollower);
}

struct FakeZk {
  std::mutex mu;
  IsrStore::State stored;
  std::vector<std::set<TopicPartition>> notifications;
  bool fail_next_with_bad_version = false;
  IsrStore store() {
    IsrStore s;
    s.write = [this](const TopicPartition&, const IsrStore::State& state,
                     ZkVersion expected) -> std::optional<ZkVersion> {
      std::lock_guard lock(mu);
      if (fail_next_with_bad_version || expected != stored.version) {
        fail_next_with_bad_version = false;
        return std::nullopt;
      }
      stored = state;
      stored.version = ZkVersion(expected.value() + 1);
      return stored.version;
    };
    s.read = [this](const TopicPartition&) -> std::optional<IsrStore::State> {
      std::lock_guard lock(mu);
      return stored;
    };
    s.propagate = [this](const std::set<TopicPartition>& tps) {
      std::lock_guard lock(mu);
      notifications.push_back(tps);
    };
    return s;
  }
};

TEST_F(ReplicationPartitionTest, IsrShrinksAndExpandsThroughZooKeeper) {
  FakeZk zk;
  zk.stored.version = ZkVersion(7);
  ReplicationSettings settings;
  settings.replica_lag_time_max_ms = 600000;  // the periodic task stays out of the way
  settings.isr_change_propagation_interval_ms = 600000;
  replicas_->start(settings, zk.store());
  ASSERT_EQ(apply(role(kMe, 4, {1, 2, 3}, {1, 2, 3}, /*zk_version=*/7))[kTp], ErrorCode::kNone);
  ASSERT_EQ(produce(4).error, ErrorCode::kNone);
  auto p = replicas_->get(kTp);
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  replicas_->record_follower_fetch(kTp, BrokerId(2), 4);  // 2 caught up now; 3 never fetches
  // Within the lag limit nobody is removed.
  replicas_->maybe_shrink_isr(now + 1000);
  EXPECT_EQ(p->isr_size(), 3u);
  // Past the limit both go: 3 never caught up, 2 last caught up at about `now`.
  replicas_->maybe_shrink_isr(now + settings.replica_lag_time_max_ms + 1000);
  auto isr = p->isr();
  EXPECT_EQ(isr, (std::vector<BrokerId>{BrokerId(1)}));
  EXPECT_EQ(replicas_->isr_shrinks(), 1);
  EXPECT_EQ(p->zk_version().value(), 8);
  EXPECT_EQ(zk.stored.isr, (std::vector<BrokerId>{BrokerId(1)}));
  EXPECT_EQ(zk.stored.leader_epoch.value(), 4);
  EXPECT_EQ(replicas_->under_replicated_partitions(), 1u);
  // Alone in the ISR the leader commits everything.
  EXPECT_EQ(hw(), 4);

  // Follower 3 catches up to the HW: it rejoins (on the ISR thread); 2 has not fetched since and
  // stays out (Kafka expands for the fetching follower only).
  replicas_->record_follower_fetch(kTp, BrokerId(3), 4);
  // isr_expands() counts after the change is fully recorded (ISR, zkVersion, notification).
  for (int i = 0; i < 200 && replicas_->isr_expands() < 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(p->isr(), (std::vector<BrokerId>{BrokerId(1), BrokerId(3)}));
  EXPECT_EQ(replicas_->isr_expands(), 1);
  EXPECT_EQ(p->zk_version().value(), 9);

  // Both changes go out in one notification, once ISR changes have been quiet for 5 s.
  replicas_->maybe_propagate_isr_changes(now + 1000);
  EXPECT_TRUE(zk.notifications.empty());
  replicas_->maybe_propagate_isr_changes(now + 6000);
  ASSERT_EQ(zk.notifications.size(), 1u);
  EXPECT_EQ(zk.notifications[0], std::set<TopicPartition>{kTp});
  replicas_->maybe_propagate_isr_changes(now + 12000);
  EXPECT_EQ(zk.notifications.size(), 1u);  // nothing new

  // A stale zkVersion (the controller wrote meanwhile, same leader epoch): skipped, the
  // version adopted, and the next attempt succeeds.
  {
    std::lock_guard lock(zk.mu);
    zk.stored.version = ZkVersion(20);
  }
  replicas_->record_follower_fetch(kTp, BrokerId(2), 4);
  for (int i = 0; i < 100 && p->zk_version().value() != 20; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(p->isr_size(), 2u);
  EXPECT_EQ(p->zk_version().value(), 20);
  replicas_->maybe_expand_isr(kTp, BrokerId(2));
  EXPECT_EQ(p->isr_size(), 3u);
  EXPECT_EQ(p->zk_version().value(), 21);
}

}  // namespace
}  // namespace kb::broker
