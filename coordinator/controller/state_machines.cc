#include "coordinator/controller/state_machines.h"

#include <algorithm>
#include <array>

namespace kb::coordinator::controller {
namespace {

using P = PartitionState;
using R = ReplicaState;

// ---- partitions (reference §4.3) ----
constexpr std::array kFromNonExistent = {P::kNonExistent};
constexpr std::array kIntoOnlineOrOffline = {P::kNew, P::kOnline, P::kOffline};
constexpr std::array kFromOffline = {P::kOffline};

constexpr std::array<TransitionRule<PartitionState>, 4> kPartitionRules = {{
    {P::kNew, kFromNonExistent},
    {P::kOnline, kIntoOnlineOrOffline},
    {P::kOffline, kIntoOnlineOrOffline},
    {P::kNonExistent, kFromOffline},
}};

// ---- replicas (reference §4.4) ----
constexpr std::array kReplicaFromNonExistent = {R::kNonExistent};
constexpr std::array kIntoOnlineOrOffline_R = {R::kNew, R::kOnline, R::kOffline,
                                               R::kDeletionIneligible};
constexpr std::array kFromOfflineReplica = {R::kOffline};
constexpr std::array kFromDeletionStarted = {R::kDeletionStarted};
constexpr std::array kIntoIneligible = {R::kOffline, R::kDeletionStarted};
constexpr std::array kFromDeletionSuccessful = {R::kDeletionSuccessful};

constexpr std::array<TransitionRule<ReplicaState>, 7> kReplicaRules = {{
    {R::kNew, kReplicaFromNonExistent},
    {R::kOnline, kIntoOnlineOrOffline_R},
    {R::kOffline, kIntoOnlineOrOffline_R},
    {R::kDeletionStarted, kFromOfflineReplica},
    {R::kDeletionSuccessful, kFromDeletionStarted},
    {R::kDeletionIneligible, kIntoIneligible},
    {R::kNonExistent, kFromDeletionSuccessful},
}};

template <typename State, size_t N>
std::span<const State> lookup(const std::array<TransitionRule<State>, N>& rules, State target) {
  for (const auto& rule : rules) {
    if (rule.target == target) return rule.valid_previous;
  }
  return {};
}

template <typename State>
bool contains(std::span<const State> states, State s) {
  return std::find(states.begin(), states.end(), s) != states.end();
}

}  // namespace

std::span<const TransitionRule<PartitionState>> partition_transition_rules() {
  return kPartitionRules;
}
std::span<const TransitionRule<ReplicaState>> replica_transition_rules() {
  return kReplicaRules;
}

std::span<const PartitionState> valid_previous_states(PartitionState target) {
  return lookup(kPartitionRules, target);
}
std::span<const ReplicaState> valid_previous_states(ReplicaState target) {
  return lookup(kReplicaRules, target);
}

bool is_valid_transition(PartitionState from, PartitionState to) {
  return contains(valid_previous_states(to), from);
}
bool is_valid_transition(ReplicaState from, ReplicaState to) {
  return contains(valid_previous_states(to), from);
}

std::string_view state_name(PartitionState state) {
  switch (state) {
    case P::kNew:
      return "NewPartition";
    case P::kOnline:
      return "OnlinePartition";
    case P::kOffline:
      return "OfflinePartition";
    case P::kNonExistent:
      return "NonExistentPartition";
  }
  return "UnknownPartitionState";
}

std::string_view state_name(ReplicaState state) {
  switch (state) {
    case R::kNew:
      return "NewReplica";
    case R::kOnline:
      return "OnlineReplica";
    case R::kOffline:
      return "OfflineReplica";
    case R::kDeletionStarted:
      return "ReplicaDeletionStarted";
    case R::kDeletionSuccessful:
      return "ReplicaDeletionSuccessful";
    case R::kDeletionIneligible:
      return "ReplicaDeletionIneligible";
    case R::kNonExistent:
      return "NonExistentReplica";
  }
  return "UnknownReplicaState";
}

}  // namespace kb::coordinator::controller
