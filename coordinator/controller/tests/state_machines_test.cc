#include "coordinator/controller/state_machines.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace kb::coordinator::controller {
namespace {

using P = PartitionState;
using R = ReplicaState;

const P kAllPartitionStates[] = {P::kNew, P::kOnline, P::kOffline, P::kNonExistent};
const R kAllReplicaStates[] = {R::kNew,
                               R::kOnline,
                               R::kOffline,
                               R::kDeletionStarted,
                               R::kDeletionSuccessful,
                               R::kDeletionIneligible,
                               R::kNonExistent};

// The reference's table (§4.3), written independently of the implementation's.
TEST(StateMachinesTest, PartitionTransitionsExactlyAsReference) {
  std::set<std::pair<P, P>> valid = {
      {P::kNonExistent, P::kNew}, {P::kNew, P::kOnline},          {P::kOnline, P::kOnline},
      {P::kOffline, P::kOnline},  {P::kNew, P::kOffline},         {P::kOnline, P::kOffline},
      {P::kOffline, P::kOffline}, {P::kOffline, P::kNonExistent},
  };
  int checked = 0;
  for (P from : kAllPartitionStates) {
    for (P to : kAllPartitionStates) {
      EXPECT_EQ(is_valid_transition(from, to), valid.contains({from, to}))
          << state_name(from) << " -> " << state_name(to);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 16);
}

TEST(StateMachinesTest, ReplicaTransitionsExactlyAsReference) {
  std::set<std::pair<R, R>> valid = {
      {R::kNonExistent, R::kNew},
      {R::kNew, R::kOnline},
      {R::kOnline, R::kOnline},
      {R::kOffline, R::kOnline},
      {R::kDeletionIneligible, R::kOnline},
      {R::kNew, R::kOffline},
      {R::kOnline, R::kOffline},
      {R::kOffline, R::kOffline},
      {R::kDeletionIneligible, R::kOffline},
      {R::kOffline, R::kDeletionStarted},
      {R::kDeletionStarted, R::kDeletionSuccessful},
      {R::kOffline, R::kDeletionIneligible},
      {R::kDeletionStarted, R::kDeletionIneligible},
      {R::kDeletionSuccessful, R::kNonExistent},
  };
  for (R from : kAllReplicaStates) {
    for (R to : kAllReplicaStates) {
      EXPECT_EQ(is_valid_transition(from, to), valid.contains({from, to}))
          << state_name(from) << " -> " << state_name(to);
    }
  }
}

TEST(StateMachinesTest, SomeInvalidTransitionsSpelledOut) {
  EXPECT_FALSE(is_valid_transition(P::kNonExistent, P::kOnline));  // must pass through New
  EXPECT_FALSE(is_valid_transition(P::kOnline, P::kNonExistent));  // must go Offline first
  EXPECT_FALSE(is_valid_transition(P::kNew, P::kNew));
  EXPECT_FALSE(is_valid_transition(R::kOnline, R::kDeletionStarted));
  EXPECT_FALSE(is_valid_transition(R::kOnline, R::kDeletionIneligible));
  EXPECT_FALSE(is_valid_transition(R::kDeletionStarted, R::kNonExistent));
  EXPECT_FALSE(is_valid_transition(R::kDeletionSuccessful, R::kOnline));
}

TEST(StateMachinesTest, TablesHaveOneRulePerTargetState) {
  EXPECT_EQ(partition_transition_rules().size(), 4u);
  EXPECT_EQ(replica_transition_rules().size(), 7u);
  std::set<P> targets;
  for (const auto& rule : partition_transition_rules()) targets.insert(rule.target);
  EXPECT_EQ(targets.size(), 4u);
  EXPECT_EQ(valid_previous_states(P::kOnline).size(), 3u);
  EXPECT_EQ(valid_previous_states(R::kOnline).size(), 4u);
}

TEST(StateMachinesTest, KafkaNamesAndNumbers) {
  EXPECT_EQ(state_name(P::kOnline), "OnlinePartition");
  EXPECT_EQ(state_name(R::kDeletionIneligible), "ReplicaDeletionIneligible");
  EXPECT_EQ(static_cast<int>(P::kNonExistent), 3);
  EXPECT_EQ(static_cast<int>(R::kNonExistent), 7);
}

}  // namespace
}  // namespace kb::coordinator::controller
