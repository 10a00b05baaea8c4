#include "coordinator/controller/runtime/decision_executor.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace kb::coordinator::controller {
namespace {

const TopicPartition kA{"t", 0};
const TopicPartition kB{"t", 1};

LeaderAndIsr state(int32_t leader, int32_t leader_epoch, std::vector<int32_t> isr) {
  LeaderAndIsr s;
  s.leader = BrokerId(leader);
  s.leader_epoch = LeaderEpoch(leader_epoch);
  for (int32_t b : isr) s.isr.push_back(BrokerId(b));
  s.controller_epoch = ControllerEpoch(1);
  return s;
}

// Records every write round; answers from a script (per partition, per round) or kOk.
class FakeWriter : public ControllerZkWriter {
 public:
  std::vector<WriteOutcome> write(const std::vector<ZkWrite>& writes,
                                  ZkVersion epoch_zk_version) override {
    rounds.push_back(writes);
    fences.push_back(epoch_zk_version);
    std::vector<WriteOutcome> out;
    for (const auto& w : writes) {
      WriteStatus status = WriteStatus::kOk;
      if (fence_all) status = WriteStatus::kFenced;
      if (const auto* u = std::get_if<zk::UpdatePartitionState>(&w)) {
        auto it = bad_rounds.find(u->partition);
        if (it != bad_rounds.end() && it->second > 0) {
          --it->second;
          status = WriteStatus::kBadVersion;
        }
      }
      out.push_back({status, status == WriteStatus::kOk ? ZkCode::kOk : ZkCode::kBadVersion});
    }
    return out;
  }
  std::optional<PartitionLeadership> read_partition_state(const TopicPartition& tp) override {
    reads.push_back(tp);
    auto it = current.find(tp);
    if (it == current.end()) return std::nullopt;
    return it->second;
  }

  bool fence_all = false;
  std::map<TopicPartition, int> bad_rounds;  // partition -> how many rounds fail BADVERSION
  std::map<TopicPartition, PartitionLeadership> current;
  std::vector<std::vector<ZkWrite>> rounds;
  std::vector<ZkVersion> fences;
  std::vector<TopicPartition> reads;
};

// A decision moving each partition's leadership from its context version to version+1 with
// `leader`, followed by UpdateMetadata to brokers 2 and 1 and a LeaderAndIsr to 1.
Decision elect(const ControllerContext& c, int32_t leader) {
  Decision d;
  for (const auto& tp : {kA, kB}) {
    const PartitionLeadership* current = c.find_leadership(tp);
    const LeaderAndIsr next =
        state(leader, current->leader_and_isr.leader_epoch.value() + 1, {leader});
    d.zk_writes.push_back(zk::UpdatePartitionState{tp, next, current->zk_version});
    d.changes.push_back(
        change::SetLeadership{tp, {next, ZkVersion(current->zk_version.value() + 1)}});
  }
  d.requests.push_back(UpdateMetadataRequest{BrokerId(2), {}, {}});
  d.requests.push_back(UpdateMetadataRequest{BrokerId(1), {}, {}});
  d.requests.push_back(LeaderAndIsrRequest{BrokerId(1), {}, {}});
  d.state_change_log.push_back("test election");
  return d;
}

class DecisionExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context.epoch_zk_version = ZkVersion(7);
    apply_change(context, change::SetLeadership{kA, {state(1, 3, {1, 2}), ZkVersion(10)}});
    apply_change(context, change::SetLeadership{kB, {state(1, 5, {1, 2}), ZkVersion(20)}});
  }

  DecisionExecutor executor() {
    return DecisionExecutor(writer, [this](const ControllerContext& c, const BrokerRequest& r) {
      sent.push_back(std::visit([](const auto& x) { return x.target.value(); }, r));
      // Requests are encoded with the context after apply_decision.
      leader_of_a_when_sent.push_back(c.find_leadership(kA)->leader_and_isr.leader.value());
    });
  }

  ControllerContext context;
  FakeWriter writer;
  std::vector<int32_t> sent;
  std::vector<int32_t> leader_of_a_when_sent;
};

TEST_F(DecisionExecutorTest, WritesFencedThenAppliesThenSendsInOrder) {
  ExecutionResult r = executor().execute(context, elect(context, 2), {});
  EXPECT_TRUE(r.applied);
  EXPECT_FALSE(r.fenced);
  EXPECT_EQ(r.attempts, 1);
  ASSERT_EQ(writer.rounds.size(), 1u);
  EXPECT_EQ(writer.rounds[0].size(), 2u);
  EXPECT_EQ(writer.fences[0], ZkVersion(7));
  EXPECT_EQ(sent, (std::vector<int32_t>{2, 1, 1}));
  EXPECT_EQ(leader_of_a_when_sent, (std::vector<int32_t>{2, 2, 2}));
  EXPECT_EQ(context.find_leadership(kA)->zk_version, ZkVersion(11));
  EXPECT_EQ(context.find_leadership(kB)->zk_version, ZkVersion(21));
}

TEST_F(DecisionExecutorTest, FencedWriteDropsTheDecision) {
  writer.fence_all = true;
  ExecutionResult r = executor().execute(context, elect(context, 2), {});
  EXPECT_TRUE(r.fenced);
  EXPECT_FALSE(r.applied);
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(context.find_leadership(kA)->leader_and_isr.leader, BrokerId(1));  // unchanged
}

TEST_F(DecisionExecutorTest, BadVersionRereadsAndDecidesAgainWithoutRepeatingCommittedWrites) {
  writer.bad_rounds[kA] = 1;
  // A leader shrank the ISR of A meanwhile: epoch 3 -> still 3, zkVersion 10 -> 11.
  writer.current[kA] = {state(1, 3, {1}), ZkVersion(11)};
  int redecisions = 0;
  ExecutionResult r =
      executor().execute(context, elect(context, 2), [&](const ControllerContext& c) {
        ++redecisions;
        // The re-read state is in the context.
        EXPECT_EQ(c.find_leadership(kA)->zk_version, ZkVersion(11));
        return elect(c, 2);
      });
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(redecisions, 1);
  EXPECT_EQ(writer.reads, (std::vector<TopicPartition>{kA}));
  ASSERT_EQ(writer.rounds.size(), 2u);
  // Round 2 only rewrites A, now expecting the re-read version; B's write already committed.
  ASSERT_EQ(writer.rounds[1].size(), 1u);
  const auto& retry = std::get<zk::UpdatePartitionState>(writer.rounds[1][0]);
  EXPECT_EQ(retry.partition, kA);
  EXPECT_EQ(retry.expected_version, ZkVersion(11));
  EXPECT_EQ(context.find_leadership(kA)->zk_version, ZkVersion(12));
  EXPECT_EQ(context.find_leadership(kB)->zk_version, ZkVersion(21));
  EXPECT_EQ(sent, (std::vector<int32_t>{2, 1, 1}));  // sent once, after the final round
}

TEST_F(DecisionExecutorTest, RetriesAreBoundedAndLeaveTheContextTruthful) {
  writer.bad_rounds[kA] = 1000;
  writer.current[kA] = {state(3, 9, {3}), ZkVersion(50)};
  ExecutionResult r = executor().execute(context, elect(context, 2),
                                         [](const ControllerContext& c) { return elect(c, 2); });
  EXPECT_EQ(r.attempts, DecisionExecutor::kMaxAttempts);
  EXPECT_EQ(writer.rounds.size(), static_cast<size_t>(DecisionExecutor::kMaxAttempts));
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(context.find_leadership(kA)->leader_and_isr.leader, BrokerId(3));
  EXPECT_EQ(context.find_leadership(kA)->zk_version, ZkVersion(50));
}

TEST_F(DecisionExecutorTest, NoRedecideMeansNoRetry) {
  writer.bad_rounds[kA] = 1;
  writer.current[kA] = {state(1, 3, {1}), ZkVersion(11)};
  ExecutionResult r = executor().execute(context, elect(context, 2), {});
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(context.find_leadership(kA)->zk_version, ZkVersion(11));  // re-read, not assumed
}

}  // namespace
}  // namespace kb::coordinator::controller
