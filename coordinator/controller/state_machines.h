#pragma once
// The controller's partition and replica state machines, reduced to what they are in Kafka:
// a set of states and, per target state, the states it may be entered from. The table is data
// (not a switch) so that it can be reviewed against the reference (§4.3, §4.4) line by line and
// so that an invalid transition is refused in one place. The actions that go with a transition
// (elections, ZooKeeper writes, requests) live in decision_builder.cc.
//
// Thread-safety: pure functions over immutable tables; safe from any thread.
#include <cstdint>
#include <span>
#include <string_view>

namespace kb::coordinator::controller {

// Numbered as Kafka numbers them, so that logs and metrics can be compared with a real cluster.
enum class PartitionState : int8_t { kNew = 0, kOnline = 1, kOffline = 2, kNonExistent = 3 };

enum class ReplicaState : int8_t {
  kNew = 1,
  kOnline = 2,
  kOffline = 3,
  kDeletionStarted = 4,
  kDeletionSuccessful = 5,
  kDeletionIneligible = 6,
  kNonExistent = 7,
};

template <typename State>
struct TransitionRule {
  State target;
  std::span<const State> valid_previous;
};

// The tables themselves, one rule per target state.
std::span<const TransitionRule<PartitionState>> partition_transition_rules();
std::span<const TransitionRule<ReplicaState>> replica_transition_rules();

std::span<const PartitionState> valid_previous_states(PartitionState target);
std::span<const ReplicaState> valid_previous_states(ReplicaState target);

bool is_valid_transition(PartitionState from, PartitionState to);
bool is_valid_transition(ReplicaState from, ReplicaState to);

// Kafka's names ("OnlinePartition", "ReplicaDeletionStarted"), used in the state-change log so
// operators can grep it the way they grep Kafka's.
std::string_view state_name(PartitionState state);
std::string_view state_name(ReplicaState state);

}  // namespace kb::coordinator::controller
