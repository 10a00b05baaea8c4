#pragma once
// Partition reassignment through /admin/reassign_partitions, Kafka 2.4's onPartitionReassignment
// (KIP-455 phases; reference §9.5). Internal to kb_controller: the steps work on a
// DecisionBuilder; decisions.cc calls them from the events that can move a reassignment on.
//
// Names as in Kafka: RS = the partition's current replicas, ORS = the original replicas,
// TRS = the target replicas, AR = TRS - ORS (adding), RR = ORS - TRS (removing).
//   Phase U: /brokers/topics/T gets RS = TRS + ORS (target first) with AR and RR.
//   Phase A (TRS not all in the ISR): leader epoch + 1, LeaderAndIsr to RS, AR -> NewReplica.
//   Phase B (TRS in the ISR): AR -> Online, RS = TRS, a leader from TRS (or an epoch bump),
//   RR -> Offline -> deleted, /brokers/topics/T = TRS, the partition leaves the admin znode,
//   UpdateMetadata to everyone.
// Phase B is re-checked whenever the ISR of a partition being reassigned changes, when a target
// broker starts, and at failover.
//
// Thread-safety: none; one builder per decision.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coordinator/controller/decision_builder.h"

namespace kb::coordinator::controller {

// One partition's full assignment (Kafka's ReplicaAssignment).
struct ReplicaSets {
  std::vector<BrokerId> replicas;  // RS, in znode order
  std::vector<BrokerId> adding;    // AR
  std::vector<BrokerId> removing;  // RR
  auto operator<=>(const ReplicaSets&) const = default;

  std::vector<BrokerId> origin() const;  // RS - AR
  std::vector<BrokerId> target() const;  // RS - RR
  bool being_reassigned() const { return !adding.empty() || !removing.empty(); }
  // RS = (target ++ origin) without duplicates, AR = RS - origin, RR = RS - target.
  ReplicaSets reassign_to(const std::vector<BrokerId>& target) const;
  static ReplicaSets of(const ControllerContext& context, const TopicPartition& tp);
};

// Why a requested target cannot start (Kafka drops such entries from the znode), nullopt when
// it can: the topic is being deleted, the partition does not exist, the list is empty, has
// duplicates or negative ids, or a replica to add is not a live broker.
std::optional<std::string> reassignment_rejection(const ControllerContext& context,
                                                  const TopicPartition& tp,
                                                  const std::vector<BrokerId>& target);

// Kafka's isReassignmentComplete: not being reassigned, or every target replica in the ISR of
// the cached /state (the caller refreshes it from ZooKeeper first).
bool is_reassignment_complete(const ControllerContext& context, const TopicPartition& tp);

// onPartitionReassignment for one partition: phase U when `wanted` differs from the current
// assignment, then phase A or B.
void on_partition_reassignment(DecisionBuilder& b, const TopicPartition& tp,
                               const ReplicaSets& wanted);

// Requested targets (the znode's content): invalid ones are dropped from the znode with a log
// line, valid ones start. `skip_unchanged` leaves partitions already being reassigned to the
// same target alone (event path); failover passes false to redo phase U/A.
void start_reassignments(DecisionBuilder& b,
                         const std::map<TopicPartition, std::vector<BrokerId>>& requested,
                         bool skip_unchanged);

// Phase B for the given partitions that are being reassigned and whose target is now in sync.
void complete_caught_up_reassignments(DecisionBuilder& b,
                                      const std::vector<TopicPartition>& partitions);

// Kafka's maybeResumeReassignments on broker startup: reassignments whose target names one of
// the started brokers run again (phase A resends LeaderAndIsr; phase B may now be reachable).
void resume_reassignments_for_brokers(DecisionBuilder& b, const std::set<BrokerId>& brokers);

// Failover (reference §3.2 step 9): the znode's entries first (validated like a new request),
// then partitions whose /brokers/topics/T still records adding/removing replicas.
void resume_reassignments_at_failover(DecisionBuilder& b,
                                      const std::map<TopicPartition, std::vector<BrokerId>>& znode);

}  // namespace kb::coordinator::controller
