#pragma once
// Kafka's leader-election rules (reference §4.2) as pure functions. Each takes the partition's
// replica assignment (in order; the first is the preferred leader), its current /state, who is
// live, and the controller's epoch, and returns the new /state or nullopt ("no leader can be
// chosen", the partition keeps its current state). The caller writes the result with a
// conditional setData at the cached zkVersion, fenced on /controller_epoch.
//
// Every result carries leader_epoch + 1 and the current controller epoch: brokers compare leader
// epochs strictly, so a decision that does not bump the epoch would be ignored by them.
//
// Thread-safety: pure functions; safe from any thread.
#include <optional>
#include <set>
#include <vector>

#include "common/types.h"
#include "coordinator/znodes.h"

namespace kb::coordinator::controller {

struct ElectionResult {
  LeaderAndIsr leader_and_isr;
  // The leader was not in the ISR (unclean election): data may have been lost. Counted by the
  // kafka.controller:type=ControllerStats,name=UncleanLeaderElectionsPerSec equivalent.
  bool unclean = false;
  auto operator<=>(const ElectionResult&) const = default;
};

// New or offline partition with an existing /state. First replica in assignment order that is
// live and in the ISR; the ISR becomes its live members. Otherwise, when unclean election is
// allowed for the topic, the first live replica with ISR = [it].
std::optional<ElectionResult> offline_partition_election(const std::vector<BrokerId>& assignment,
                                                         const LeaderAndIsr& current,
                                                         const std::set<BrokerId>& live,
                                                         bool unclean_allowed,
                                                         ControllerEpoch controller_epoch);

// Reassignment: the first of the *target* replicas that is live and in the ISR; ISR unchanged.
std::optional<ElectionResult> reassign_partition_election(const std::vector<BrokerId>& target,
                                                          const LeaderAndIsr& current,
                                                          const std::set<BrokerId>& live,
                                                          ControllerEpoch controller_epoch);

// Preferred replica: assignment.front(), only if live and in the ISR; ISR unchanged.
std::optional<ElectionResult> preferred_replica_election(const std::vector<BrokerId>& assignment,
                                                         const LeaderAndIsr& current,
                                                         const std::set<BrokerId>& live,
                                                         ControllerEpoch controller_epoch);

// Controlled shutdown. `live_or_shutting_down` includes the brokers in controlled shutdown: they
// are still registered. Leader: first replica in assignment order that is registered, in the
// ISR and not shutting down. ISR: the current ISR minus every shutting-down broker.
std::optional<ElectionResult> controlled_shutdown_election(
    const std::vector<BrokerId>& assignment, const LeaderAndIsr& current,
    const std::set<BrokerId>& live_or_shutting_down, const std::set<BrokerId>& shutting_down,
    ControllerEpoch controller_epoch);

// A partition without /state (NewPartition -> OnlinePartition): leader = the first live replica,
// ISR = all live replicas in assignment order, leader epoch 0. nullopt when no replica is live.
std::optional<LeaderAndIsr> initial_leader_and_isr(const std::vector<BrokerId>& assignment,
                                                   const std::set<BrokerId>& live,
                                                   ControllerEpoch controller_epoch);

// OfflineReplica: the replica leaves the ISR; if it led, the leader becomes -1. A single-member
// ISR is kept as it is, so the last in-sync replica stays recorded and can be elected cleanly
// when it comes back (reference §11.4). nullopt when the replica is not in the ISR (no write).
std::optional<LeaderAndIsr> remove_replica_from_isr(const LeaderAndIsr& current, BrokerId replica,
                                                    ControllerEpoch controller_epoch);

}  // namespace kb::coordinator::controller
