#include "coordinator/controller/reassignment.h"

#include <algorithm>
#include <sstream>

namespace kb::coordinator::controller {
namespace {

bool contains(const std::vector<BrokerId>& v, BrokerId id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

// Elements of `a` not in `b`, in `a`'s order (Scala's Seq.diff for duplicate-free lists).
std::vector<BrokerId> minus(const std::vector<BrokerId>& a, const std::vector<BrokerId>& b) {
  std::vector<BrokerId> out;
  for (BrokerId id : a) {
    if (!contains(b, id)) out.push_back(id);
  }
  return out;
}

std::vector<int32_t> to_ints(const std::vector<BrokerId>& ids) {
  std::vector<int32_t> out;
  out.reserve(ids.size());
  for (BrokerId id : ids) out.push_back(id.value());
  return out;
}

std::string join(const std::vector<BrokerId>& ids) {
  std::ostringstream out;
  for (size_t i = 0; i < ids.size(); ++i) out << (i ? "," : "") << ids[i];
  return out.str();
}

std::string describe(const ReplicaSets& s) {
  return "(replicas=[" + join(s.replicas) + "], adding=[" + join(s.adding) + "], removing=[" +
         join(s.removing) + "])";
}

// Stores `sets` as the partition's assignment in the working context and returns the topic's
// whole assignment (what /brokers/topics/T must hold).
TopicAssignment set_assignment(DecisionBuilder& b, const TopicPartition& tp,
                               const ReplicaSets& sets) {
  TopicAssignment a = b.ctx().topics.at(tp.topic);
  a.partitions[tp.partition] = to_ints(sets.replicas);
  if (sets.adding.empty()) {
    a.adding_replicas.erase(tp.partition);
  } else {
    a.adding_replicas[tp.partition] = to_ints(sets.adding);
  }
  if (sets.removing.empty()) {
    a.removing_replicas.erase(tp.partition);
  } else {
    a.removing_replicas[tp.partition] = to_ints(sets.removing);
  }
  b.change(change::SetTopicAssignment{tp.topic, a});
  return a;
}

// Kafka's stopRemovedReplicasOfReassignedPartition: Offline (out of the ISR, StopReplica without
// delete), then StopReplica(delete=true). Like Kafka 2.4 it does not wait for the deletion's
// response: the replicas are forgotten right away.
void stop_removed_replicas(DecisionBuilder& b, const TopicPartition& tp,
                           const std::vector<BrokerId>& removed) {
  if (removed.empty()) return;
  std::vector<PartitionReplica> replicas;
  for (BrokerId r : removed) replicas.push_back({tp, r});
  b.replicas_to(replicas, ReplicaState::kOffline);
  b.replicas_to(replicas, ReplicaState::kDeletionStarted);
  b.replicas_to(replicas, ReplicaState::kDeletionSuccessful);
  b.replicas_to(replicas, ReplicaState::kNonExistent);
}

// Phase B: the target replicas are in sync.
void complete_reassignment(DecisionBuilder& b, const TopicPartition& tp,
                           const ReplicaSets& reassignment) {
  const std::vector<BrokerId> target = reassignment.target();
  // B1
  std::vector<PartitionReplica> adding;
  for (BrokerId r : reassignment.adding) adding.push_back({tp, r});
  if (!adding.empty()) b.replicas_to(adding, ReplicaState::kOnline);
  // B2: memory only; ZooKeeper keeps ORS until B6 so a failover can still finish the job.
  set_assignment(b, tp, ReplicaSets{target, {}, {}});
  // B3
  if (const PartitionLeadership* l = b.ctx().find_leadership(tp)) {
    const BrokerId leader = l->leader_and_isr.leader;
    if (!contains(target, leader) || !b.ctx().is_live(leader)) {
      b.log("Leader " + std::to_string(leader.value()) + " of partition " + tp.to_string() +
            " being reassigned is not a live member of [" + join(target) + "]; re-electing");
      b.partitions_to({tp}, PartitionState::kOnline, ElectionStrategy::kReassign);
    } else {
      b.bump_leader_epoch(tp, target);
    }
  } else {
    b.log("Partition " + tp.to_string() + " being reassigned has no leadership info");
  }
  // B4, B5
  stop_removed_replicas(b, tp, reassignment.removing);
  // B6
  b.write(zk::SetTopicAssignment{tp.topic, b.ctx().topics.at(tp.topic)});
  // B7
  b.write(zk::RemoveReassignment{tp});
  b.mark_reassignment(tp, std::nullopt);
  b.log("Completed reassignment of partition " + tp.to_string() + " to [" + join(target) + "]");
  // B8
  b.add_update_metadata(b.ctx().live_or_shutting_down_ids(), {tp});
  b.send_batch();
  if (b.ctx().is_queued_for_deletion(tp.topic)) b.resume_deletion_for_topics({tp.topic});
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ReplicaSets

std::vector<BrokerId> ReplicaSets::origin() const {
  return minus(replicas, adding);
}

std::vector<BrokerId> ReplicaSets::target() const {
  return minus(replicas, removing);
}

ReplicaSets ReplicaSets::reassign_to(const std::vector<BrokerId>& new_target) const {
  const std::vector<BrokerId> old = origin();
  ReplicaSets out;
  for (BrokerId id : new_target) {
    if (!contains(out.replicas, id)) out.replicas.push_back(id);
  }
  for (BrokerId id : old) {
    if (!contains(out.replicas, id)) out.replicas.push_back(id);
  }
  out.adding = minus(out.replicas, old);
  out.removing = minus(out.replicas, new_target);
  return out;
}

ReplicaSets ReplicaSets::of(const ControllerContext& context, const TopicPartition& tp) {
  ReplicaSets out;
  auto topic = context.topics.find(tp.topic);
  if (topic == context.topics.end()) return out;
  const TopicAssignment& a = topic->second;
  auto lookup = [&tp](const ReplicaAssignment& m) {
    auto it = m.find(tp.partition);
    return it == m.end() ? std::vector<BrokerId>{} : to_broker_ids(it->second);
  };
  out.replicas = lookup(a.partitions);
  out.adding = lookup(a.adding_replicas);
  out.removing = lookup(a.removing_replicas);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks

std::optional<std::string> reassignment_rejection(const ControllerContext& context,
                                                  const TopicPartition& tp,
                                                  const std::vector<BrokerId>& target) {
  if (context.is_queued_for_deletion(tp.topic)) return "the topic is being deleted";
  if (!context.has_partition(tp)) return "the partition does not exist";
  if (target.empty()) return "the target replica list is empty";
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i].value() < 0)
      return "broker id " + std::to_string(target[i].value()) + " is invalid";
    if (std::find(target.begin(), target.begin() + i, target[i]) != target.begin() + i) {
      return "broker " + std::to_string(target[i].value()) + " is listed twice";
    }
  }
  // Replicas already assigned may be down (they catch up when they return); new ones must exist.
  for (BrokerId r : ReplicaSets::of(context, tp).reassign_to(target).adding) {
    if (!context.is_live(r)) return "broker " + std::to_string(r.value()) + " is not alive";
  }
  return std::nullopt;
}

bool is_reassignment_complete(const ControllerContext& context, const TopicPartition& tp) {
  const ReplicaSets sets = ReplicaSets::of(context, tp);
  if (!sets.being_reassigned()) return true;
  const PartitionLeadership* l = context.find_leadership(tp);
  if (l == nullptr) return false;
  const std::vector<BrokerId>& isr = l->leader_and_isr.isr;
  const std::vector<BrokerId> target = sets.target();
  return std::all_of(target.begin(), target.end(), [&isr](BrokerId r) { return contains(isr, r); });
}

// ---------------------------------------------------------------------------------------------
// Steps

void on_partition_reassignment(DecisionBuilder& b, const TopicPartition& tp,
                               const ReplicaSets& wanted) {
  // Phase U. ZooKeeper first: it is the only durable record of ORS if this controller dies.
  const ReplicaSets current = ReplicaSets::of(b.ctx(), tp);
  if (current != wanted) {
    TopicAssignment a = set_assignment(b, tp, wanted);
    b.write(zk::SetTopicAssignment{tp.topic, std::move(a)});
    b.log("Updated assignment of partition " + tp.to_string() + " from " + describe(current) +
          " to " + describe(wanted));
    // A replaced reassignment may leave replicas that neither the old nor the new one keeps.
    stop_removed_replicas(b, tp, minus(current.replicas, wanted.replicas));
  }
  b.mark_reassignment(tp, wanted.target());
  if (b.ctx().is_queued_for_deletion(tp.topic) &&
      !b.ctx().topics_ineligible_for_deletion.contains(tp.topic)) {
    b.change(change::SetIneligibleForDeletion{tp.topic, true});
  }
  if (is_reassignment_complete(b.ctx(), tp)) {
    complete_reassignment(b, tp, wanted);
    return;
  }
  // Phase A. A1: everyone in RS learns the new replica list under a new leader epoch.
  b.bump_leader_epoch(tp, wanted.replicas);
  // A2: replicas to add start as NewReplica (only those not started already, e.g. on resume).
  std::vector<PartitionReplica> fresh;
  for (BrokerId r : wanted.adding) {
    if (b.ctx().replica_state({tp, r}) == ReplicaState::kNonExistent) fresh.push_back({tp, r});
  }
  if (!fresh.empty()) b.replicas_to(fresh, ReplicaState::kNew);
}

void start_reassignments(DecisionBuilder& b,
                         const std::map<TopicPartition, std::vector<BrokerId>>& requested,
                         bool skip_unchanged) {
  for (const auto& [tp, target] : requested) {
    if (auto why = reassignment_rejection(b.ctx(), tp, target)) {
      b.log("Dropping reassignment of partition " + tp.to_string() + " to [" + join(target) +
            "] from " + ReassignPartitionsZNode::path() + ": " + *why);
      b.write(zk::RemoveReassignment{tp});
      // The failover context marks every znode entry; keep only a reassignment actually running.
      auto marked = b.ctx().partitions_being_reassigned.find(tp);
      if (marked != b.ctx().partitions_being_reassigned.end()) {
        const ReplicaSets sets = ReplicaSets::of(b.ctx(), tp);
        if (!sets.being_reassigned()) {
          b.mark_reassignment(tp, std::nullopt);
        } else if (marked->second != sets.target()) {
          b.mark_reassignment(tp, sets.target());
        }
      }
      continue;
    }
    const ReplicaSets current = ReplicaSets::of(b.ctx(), tp);
    const ReplicaSets wanted = current.reassign_to(target);
    if (skip_unchanged && current == wanted) {
      auto marked = b.ctx().partitions_being_reassigned.find(tp);
      if (marked != b.ctx().partitions_being_reassigned.end() && marked->second == target) continue;
    }
    b.log("Starting reassignment of partition " + tp.to_string() + " to [" + join(target) + "]");
    on_partition_reassignment(b, tp, wanted);
  }
}

void complete_caught_up_reassignments(DecisionBuilder& b,
                                      const std::vector<TopicPartition>& partitions) {
  for (const TopicPartition& tp : partitions) {
    if (!b.ctx().partitions_being_reassigned.contains(tp) || !b.ctx().has_partition(tp)) continue;
    if (!is_reassignment_complete(b.ctx(), tp)) continue;
    const ReplicaSets sets = ReplicaSets::of(b.ctx(), tp);
    b.log("Target replicas [" + join(sets.target()) +
          "] have all caught up with the leader for reassigning partition " + tp.to_string());
    on_partition_reassignment(b, tp, sets);
  }
}

void resume_reassignments_for_brokers(DecisionBuilder& b, const std::set<BrokerId>& brokers) {
  const auto running = b.ctx().partitions_being_reassigned;  // the steps below change it
  for (const auto& [tp, _] : running) {
    if (!b.ctx().has_partition(tp)) continue;
    const ReplicaSets sets = ReplicaSets::of(b.ctx(), tp);
    const std::vector<BrokerId> target = sets.target();
    if (std::any_of(target.begin(), target.end(),
                    [&brokers](BrokerId r) { return brokers.contains(r); })) {
      on_partition_reassignment(b, tp, sets);
    }
  }
}

void resume_reassignments_at_failover(
    DecisionBuilder& b, const std::map<TopicPartition, std::vector<BrokerId>>& znode) {
  start_reassignments(b, znode, /*skip_unchanged=*/false);
  // Reassignments recorded only in /brokers/topics/T (adding/removing replicas).
  for (const TopicPartition& tp : b.ctx().all_partitions()) {
    if (znode.contains(tp)) continue;
    const ReplicaSets sets = ReplicaSets::of(b.ctx(), tp);
    if (!sets.being_reassigned() || b.ctx().is_queued_for_deletion(tp.topic)) continue;
    b.log("Resuming reassignment of partition " + tp.to_string() + " " + describe(sets));
    on_partition_reassignment(b, tp, sets);
  }
}

Decision decide_partition_reassignment(const ControllerContext& context,
                                       const PartitionReassignmentEvent& e) {
  DecisionBuilder b(context);
  start_reassignments(b, e.reassignment, /*skip_unchanged=*/true);
  return b.finish();
}

}  // namespace kb::coordinator::controller

namespace kb::coordinator::controller {
namespace {

// Kafka's replicasAreValid; nullopt (a cancellation) is always valid.
std::optional<std::string> invalid_target(const ControllerContext& context,
                                          const TopicPartition& tp,
                                          const std::optional<std::vector<BrokerId>>& target) {
  if (!target) return std::nullopt;
  if (target->empty()) return "The replica list is empty.";
  for (size_t i = 0; i < target->size(); ++i) {
    const BrokerId r = (*target)[i];
    if (r.value() < 0) return "Broker id " + std::to_string(r.value()) + " is invalid.";
    if (std::find(target->begin(), target->begin() + i, r) != target->begin() + i)
      return "Broker " + std::to_string(r.value()) + " is listed twice.";
  }
  for (BrokerId r : ReplicaSets::of(context, tp).reassign_to(*target).adding) {
    if (!context.is_live(r)) return "Broker " + std::to_string(r.value()) + " is not alive.";
  }
  return std::nullopt;
}

}  // namespace

Decision decide_api_partition_reassignment(const ControllerContext& context,
                                           const ApiPartitionReassignmentEvent& e) {
  DecisionBuilder b(context);
  std::map<TopicPartition, ReassignmentResult> results;
  for (const auto& [tp, target] : e.reassignments) {
    if (auto why = invalid_target(b.ctx(), tp, target)) {
      results[tp] = {ErrorCode::kInvalidReplicaAssignment, *why};
      continue;
    }
    // Kafka's maybeBuildReassignment: a cancellation targets the original replicas.
    const ReplicaSets current = ReplicaSets::of(b.ctx(), tp);
    if (!current.being_reassigned() && !target) {
      results[tp] = {ErrorCode::kNoReassignmentInProgress, std::nullopt};
      continue;
    }
    if (b.ctx().is_queued_for_deletion(tp.topic) || !b.ctx().has_partition(tp)) {
      results[tp] = {ErrorCode::kUnknownTopicOrPartition, "The partition does not exist."};
      continue;
    }
    const ReplicaSets wanted = current.reassign_to(target ? *target : current.origin());
    // The latest request wins over a znode-initiated reassignment of the same partition.
    b.write(zk::RemoveReassignment{tp});
    b.log(std::string(target ? "Starting" : "Cancelling") + " reassignment of partition " +
          tp.to_string() + " through the API: " + describe(current) + " -> " + describe(wanted));
    on_partition_reassignment(b, tp, wanted);
    results[tp] = {};
  }
  Decision d = b.finish();
  d.reassignment_results = std::move(results);
  return d;
}

std::map<TopicPartition, OngoingReassignment> list_partition_reassignments(
    const ControllerContext& context,
    const std::optional<std::vector<TopicPartition>>& partitions) {
  std::vector<TopicPartition> asked;
  if (partitions) {
    asked = *partitions;
  } else {
    for (const auto& [tp, _] : context.partitions_being_reassigned) asked.push_back(tp);
  }
  std::map<TopicPartition, OngoingReassignment> out;
  for (const TopicPartition& tp : asked) {
    const ReplicaSets sets = ReplicaSets::of(context, tp);
    if (sets.being_reassigned()) out[tp] = {sets.replicas, sets.adding, sets.removing};
  }
  return out;
}

}  // namespace kb::coordinator::controller
