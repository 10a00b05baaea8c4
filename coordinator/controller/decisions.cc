#include "coordinator/controller/decisions.h"

#include <algorithm>
#include <iterator>

#include "coordinator/controller/decision_builder.h"
#include "coordinator/controller/reassignment.h"

namespace kb::coordinator::controller {
namespace {

bool in_isr(const LeaderAndIsr& s, BrokerId id) {
  return std::find(s.isr.begin(), s.isr.end(), id) != s.isr.end();
}

std::vector<TopicPartition> sorted_unique(std::vector<TopicPartition> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Preferred election for partitions that are known, not being deleted and not already led by
// their preferred replica (re-electing the current leader would only bump the epoch).
void preferred_elections(DecisionBuilder& b, const std::vector<TopicPartition>& partitions) {
  std::vector<TopicPartition> todo;
  for (const auto& tp : sorted_unique(partitions)) {
    const ControllerContext& ctx = b.ctx();
    if (!ctx.has_partition(tp) || ctx.is_queued_for_deletion(tp.topic)) {
      b.log("Skipping preferred replica election for " + tp.to_string() +
            ": unknown or being deleted");
      continue;
    }
    const PartitionLeadership* l = ctx.find_leadership(tp);
    std::vector<BrokerId> replicas = ctx.replicas(tp);
    if (l != nullptr && !replicas.empty() && l->leader_and_isr.leader == replicas.front()) {
      continue;
    }
    todo.push_back(tp);
  }
  b.partitions_to(todo, PartitionState::kOnline, ElectionStrategy::kPreferred);
}

}  // namespace

void apply_decision(ControllerContext& context, const Decision& decision) {
  for (const ContextChange& c : decision.changes) apply_change(context, c);
  for (const ReassignmentMark& m : decision.reassignment_marks) {
    if (m.target) {
      context.partitions_being_reassigned[m.partition] = *m.target;
    } else {
      context.partitions_being_reassigned.erase(m.partition);
    }
  }
}

Decision decide_failover(const ControllerContext& context, const ControllerSnapshot& snapshot) {
  DecisionBuilder b(context);
  b.log("Controller " + std::to_string(context.controller_id.value()) +
        " initializing with epoch " + std::to_string(context.epoch.value()));
  // §3.2 step 5: the deletion queue. Markers for unknown topics, or all markers when deletion is
  // disabled, are removed; the rest wait for resume_deletions() below.
  std::set<std::string> to_queue;
  for (const std::string& topic : snapshot.topics_marked_for_deletion) {
    if (!context.topics.contains(topic) || !context.settings.delete_topic_enable) {
      b.write(zk::DeleteZnode{DeleteTopicsTopicZNode::path(topic)});
    } else {
      to_queue.insert(topic);
    }
  }
  for (const std::string& topic : to_queue) {
    b.change(change::SetQueuedForDeletion{topic, true});
    for (const auto& r : context.replicas_of_topic(topic)) {
      if (!context.is_live(r.replica) ||
          context.partitions_being_reassigned.contains(r.partition)) {
        b.change(change::SetIneligibleForDeletion{topic, true});
        break;
      }
    }
  }
  // Step 6: every broker learns the broker list before any LeaderAndIsr names a leader.
  b.add_update_metadata(context.live_or_shutting_down_ids(), {});
  b.send_batch();
  // Step 7: replica state machine startup (initial states come from context_from_snapshot).
  std::vector<PartitionReplica> online, offline;
  for (const auto& [r, state] : context.replica_states) {
    (state == ReplicaState::kOnline ? online : offline).push_back(r);
  }
  b.replicas_to(online, ReplicaState::kOnline);
  b.replicas_to(offline, ReplicaState::kOffline);
  // Step 8: partition state machine startup.
  b.trigger_online_partitions();
  // Step 9: reassignments (the znode's first), then deletions and preferred elections.
  resume_reassignments_at_failover(b, snapshot.reassignments);
  b.resume_deletions();
  if (!snapshot.pending_preferred_elections.empty()) {
    preferred_elections(b, snapshot.pending_preferred_elections);
    b.write(zk::DeleteZnode{PreferredReplicaElectionZNode::path()});
  }
  return b.finish();
}

Decision decide_broker_change(const ControllerContext& context, const BrokerChangeEvent& e) {
  DecisionBuilder b(context);
  std::set<BrokerId> added, dead, bounced;
  for (const auto& [id, broker] : e.registered) {
    auto it = context.live_brokers.find(id);
    if (it == context.live_brokers.end()) {
      added.insert(id);
    } else if (broker.epoch > it->second.epoch) {
      // Same id, newer registration: the broker restarted faster than its session expired.
      bounced.insert(id);
    }
  }
  for (const auto& [id, _] : context.live_brokers) {
    if (!e.registered.contains(id)) dead.insert(id);
  }
  if (!added.empty()) {
    for (BrokerId id : added) b.change(change::SetLiveBroker{id, e.registered.at(id)});
    b.on_broker_startup(added);
    resume_reassignments_for_brokers(b, added);
  }
  if (!bounced.empty()) {
    for (BrokerId id : bounced) b.change(change::RemoveLiveBroker{id});
    b.on_broker_failure(bounced);
    for (BrokerId id : bounced) b.change(change::SetLiveBroker{id, e.registered.at(id)});
    b.on_broker_startup(bounced);
    resume_reassignments_for_brokers(b, bounced);
  }
  if (!dead.empty()) {
    for (BrokerId id : dead) b.change(change::RemoveLiveBroker{id});
    b.on_broker_failure(dead);
  }
  return b.finish();
}

Decision decide_broker_modification(const ControllerContext& context,
                                    const BrokerModificationEvent& e) {
  DecisionBuilder b(context);
  auto it = context.live_brokers.find(e.id);
  if (it == context.live_brokers.end() || it->second == e.broker) return b.finish();
  b.change(change::SetLiveBroker{e.id, e.broker});
  b.log("Updated registration of broker " + std::to_string(e.id.value()));
  b.add_update_metadata(b.ctx().live_or_shutting_down_ids(), {});
  b.send_batch();
  return b.finish();
}

Decision decide_topic_change(const ControllerContext& context, const TopicChangeEvent& e) {
  DecisionBuilder b(context);
  for (const auto& [topic, _] : context.topics) {
    if (!e.topics.contains(topic)) b.change(change::RemoveTopic{topic});
  }
  std::vector<TopicPartition> created;
  for (const std::string& topic : e.topics) {
    if (context.topics.contains(topic)) continue;
    auto a = e.new_assignments.find(topic);
    if (a == e.new_assignments.end()) {
      b.log("New topic " + topic + " has no assignment in the event; ignored");
      continue;
    }
    b.change(change::SetTopicAssignment{topic, a->second});
    if (auto o = e.new_unclean_overrides.find(topic); o != e.new_unclean_overrides.end()) {
      b.change(change::SetUncleanOverride{topic, o->second});
    }
    for (const auto& tp : b.ctx().partitions_of(topic)) created.push_back(tp);
  }
  if (!created.empty()) b.on_new_partition_creation(created);
  return b.finish();
}

Decision decide_partition_modifications(const ControllerContext& context,
                                        const PartitionModificationsEvent& e) {
  DecisionBuilder b(context);
  auto known = context.topics.find(e.topic);
  if (known == context.topics.end()) return b.finish();
  TopicAssignment merged = known->second;
  std::vector<TopicPartition> added;
  for (const auto& [p, replicas] : e.assignment.partitions) {
    if (!merged.partitions.contains(p)) {
      merged.partitions[p] = replicas;
      added.push_back({e.topic, p});
    }
  }
  if (added.empty()) return b.finish();
  if (context.is_queued_for_deletion(e.topic)) {
    b.log("Skipping adding partitions to " + e.topic + ": the topic is being deleted");
    return b.finish();
  }
  b.change(change::SetTopicAssignment{e.topic, merged});
  b.on_new_partition_creation(added);
  return b.finish();
}

Decision decide_topic_deletion(const ControllerContext& context, const TopicDeletionEvent& e) {
  DecisionBuilder b(context);
  std::set<std::string> to_queue;
  for (const std::string& topic : e.marked_topics) {
    if (!context.topics.contains(topic)) {
      b.write(zk::DeleteZnode{DeleteTopicsTopicZNode::path(topic)});
    } else if (!context.settings.delete_topic_enable) {
      b.log("Ignoring deletion of " + topic + ": delete.topic.enable is false");
      b.write(zk::DeleteZnode{DeleteTopicsTopicZNode::path(topic)});
    } else {
      to_queue.insert(topic);
    }
  }
  if (!to_queue.empty()) b.queue_for_deletion(to_queue);
  return b.finish();
}

Decision decide_topic_deletion_stop_replica_response(
    const ControllerContext& context, const TopicDeletionStopReplicaResponseEvent& e) {
  DecisionBuilder b(context);
  std::vector<PartitionReplica> failed, deleted;
  for (const auto& [tp, error] : e.partition_errors) {
    if (!context.is_queued_for_deletion(tp.topic)) continue;
    PartitionReplica r{tp, e.replica};
    (error == ErrorCode::kNone && e.error == ErrorCode::kNone ? deleted : failed).push_back(r);
  }
  if (!failed.empty()) b.fail_replica_deletion(failed);
  if (!deleted.empty()) {
    b.replicas_to(deleted, ReplicaState::kDeletionSuccessful);
    b.resume_deletions();
  }
  return b.finish();
}

Decision decide_isr_change_notification(const ControllerContext& context,
                                        const IsrChangeNotificationEvent& e) {
  DecisionBuilder b(context);
  std::vector<TopicPartition> changed;
  for (const auto& [tp, leadership] : e.states) {
    if (!context.has_partition(tp)) continue;
    // After a BADVERSION the executor re-reads /state and decides again with the same event:
    // its older copy must not replace the fresher one.
    const PartitionLeadership* cached = b.ctx().find_leadership(tp);
    if (cached == nullptr || cached->zk_version <= leadership.zk_version) {
      b.change(change::SetLeadership{tp, leadership});
    }
    changed.push_back(tp);
  }
  // The leader already wrote /state itself; the controller only spreads the news.
  if (!changed.empty()) {
    b.add_update_metadata(b.ctx().live_or_shutting_down_ids(), changed);
    b.send_batch();
  }
  for (const std::string& node : e.sequence_nodes) {
    b.write(zk::DeleteZnode{IsrChangeNotificationZNode::path() + "/" + node});
  }
  // Kafka watches /state of reassigning partitions; here leaders announce ISR expansions through
  // these notifications, so this is where a reassignment's phase B becomes reachable.
  complete_caught_up_reassignments(b, changed);
  return b.finish();
}

Decision decide_preferred_replica_election(const ControllerContext& context,
                                           const PreferredReplicaElectionEvent& e) {
  DecisionBuilder b(context);
  preferred_elections(b, e.partitions);
  b.write(zk::DeleteZnode{PreferredReplicaElectionZNode::path()});
  return b.finish();
}

Decision decide_controlled_shutdown(const ControllerContext& context,
                                    const ControlledShutdownEvent& e) {
  DecisionBuilder b(context);
  ControlledShutdownReply reply;
  auto it = context.live_brokers.find(e.id);
  if (it == context.live_brokers.end()) {
    reply.error = ErrorCode::kBrokerNotAvailable;
  } else if (e.broker_epoch != BrokerEpoch(-1) && e.broker_epoch < it->second.epoch) {
    reply.error = ErrorCode::kStaleBrokerEpoch;
  }
  if (reply.error != ErrorCode::kNone) {
    b.decision().controlled_shutdown_reply = reply;
    return b.finish();
  }
  if (!context.shutting_down_brokers.contains(e.id)) {
    b.change(change::SetShuttingDown{e.id, true});
  }
  b.log("Controlled shutdown of broker " + std::to_string(e.id.value()));
  // Single-replica partitions have nowhere to go; deleting topics are about to vanish.
  auto movable = [&](const TopicPartition& tp) {
    return b.ctx().replicas(tp).size() > 1 && b.ctx().find_leadership(tp) != nullptr &&
           !b.ctx().is_queued_for_deletion(tp.topic);
  };
  std::vector<TopicPartition> led;
  std::vector<PartitionReplica> followed;
  for (const auto& tp : context.partitions_on_broker(e.id)) {
    if (!movable(tp)) continue;
    if (b.ctx().find_leadership(tp)->leader_and_isr.leader == e.id) {
      led.push_back(tp);
    } else {
      followed.push_back({tp, e.id});
    }
  }
  b.partitions_to(led, PartitionState::kOnline, ElectionStrategy::kControlledShutdown);
  // OfflineReplica sends the follower its StopReplica(delete=false) and shrinks the ISR.
  b.replicas_to(followed, ReplicaState::kOffline);
  for (const auto& tp : context.partitions_on_broker(e.id)) {
    if (movable(tp) && b.ctx().find_leadership(tp)->leader_and_isr.leader == e.id) {
      reply.remaining_partitions.push_back(tp);
    }
  }
  b.decision().controlled_shutdown_reply = reply;
  return b.finish();
}

std::map<BrokerId, double> leader_imbalance(const ControllerContext& context) {
  std::map<BrokerId, std::pair<int, int>> counts;  // preferred -> (not led by it, total)
  for (const auto& tp : context.all_partitions()) {
    if (context.is_queued_for_deletion(tp.topic)) continue;
    std::vector<BrokerId> replicas = context.replicas(tp);
    if (replicas.empty()) continue;
    auto& [not_led, total] = counts[replicas.front()];
    ++total;
    const PartitionLeadership* l = context.find_leadership(tp);
    if (l != nullptr && l->leader_and_isr.leader != replicas.front()) ++not_led;
  }
  std::map<BrokerId, double> out;
  for (const auto& [broker, c] : counts) out[broker] = double(c.first) / double(c.second);
  return out;
}

Decision decide_auto_rebalance(const ControllerContext& context) {
  DecisionBuilder b(context);
  // Moving leaders during a reassignment would fight it; wait until it finishes.
  if (!context.partitions_being_reassigned.empty()) return b.finish();
  const double threshold = context.settings.leader_imbalance_per_broker_percentage / 100.0;
  for (const auto& [broker, ratio] : leader_imbalance(context)) {
    if (ratio <= threshold) continue;
    b.log("Leader imbalance ratio for broker " + std::to_string(broker.value()) + " is " +
          std::to_string(ratio));
    std::vector<TopicPartition> candidates;
    for (const auto& tp : b.ctx().all_partitions()) {
      const ControllerContext& ctx = b.ctx();
      std::vector<BrokerId> replicas = ctx.replicas(tp);
      const PartitionLeadership* l = ctx.find_leadership(tp);
      if (replicas.empty() || replicas.front() != broker || l == nullptr) continue;
      if (l->leader_and_isr.leader == broker || ctx.is_queued_for_deletion(tp.topic)) continue;
      if (!ctx.is_live(broker) || !in_isr(l->leader_and_isr, broker)) continue;
      candidates.push_back(tp);
    }
    b.partitions_to(candidates, PartitionState::kOnline, ElectionStrategy::kPreferred);
  }
  return b.finish();
}

Decision decide_controller_change(const ControllerContext& context,
                                  const ControllerChangeEvent& e) {
  Decision d;
  // Only an active controller (one that won an election) can be deposed.
  d.resign = context.controller_id != BrokerId(-1) &&
             (!e.controller_id || *e.controller_id != context.controller_id);
  return d;
}

Decision decide(const ControllerContext& context, const ControllerEvent& event) {
  return std::visit(
      [&context](const auto& e) -> Decision {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, BrokerChangeEvent>) {
          return decide_broker_change(context, e);
        } else if constexpr (std::is_same_v<T, BrokerModificationEvent>) {
          return decide_broker_modification(context, e);
        } else if constexpr (std::is_same_v<T, TopicChangeEvent>) {
          return decide_topic_change(context, e);
        } else if constexpr (std::is_same_v<T, PartitionModificationsEvent>) {
          return decide_partition_modifications(context, e);
        } else if constexpr (std::is_same_v<T, TopicDeletionEvent>) {
          return decide_topic_deletion(context, e);
        } else if constexpr (std::is_same_v<T, TopicDeletionStopReplicaResponseEvent>) {
          return decide_topic_deletion_stop_replica_response(context, e);
        } else if constexpr (std::is_same_v<T, IsrChangeNotificationEvent>) {
          return decide_isr_change_notification(context, e);
        } else if constexpr (std::is_same_v<T, PreferredReplicaElectionEvent>) {
          return decide_preferred_replica_election(context, e);
        } else if constexpr (std::is_same_v<T, ControlledShutdownEvent>) {
          return decide_controlled_shutdown(context, e);
        } else if constexpr (std::is_same_v<T, ElectLeadersEvent>) {
          return decide_elect_leaders(context, e);
        } else if constexpr (std::is_same_v<T, AutoPreferredReplicaLeaderElectionEvent>) {
          return decide_auto_rebalance(context);
        } else if constexpr (std::is_same_v<T, ControllerChangeEvent>) {
          return decide_controller_change(context, e);
        } else if constexpr (std::is_same_v<T, PartitionReassignmentEvent>) {
          return decide_partition_reassignment(context, e);
        } else if constexpr (std::is_same_v<T, ApiPartitionReassignmentEvent>) {
          return decide_api_partition_reassignment(context, e);
        } else {
          // StartupEvent, ReelectEvent, ExpireEvent, RegisterBrokerAndReelectEvent: see the
          // header. ListPartitionReassignmentsEvent only reads the context.
          return Decision{};
        }
      },
      event);
}

std::string_view event_name(const ControllerEvent& event) {
  // In the order of the ControllerEvent alternatives.
  static constexpr std::string_view kNames[] = {
      "Startup",
      "BrokerChange",
      "BrokerModification",
      "TopicChange",
      "PartitionModifications",
      "TopicDeletion",
      "TopicDeletionStopReplicaResponse",
      "PartitionReassignment",
      "ApiPartitionReassignment",
      "ListPartitionReassignments",
      "IsrChangeNotification",
      "PreferredReplicaElection",
      "ControlledShutdown",
      "ReplicaLeaderElection",
      "AutoPreferredReplicaLeaderElection",
      "ControllerChange",
      "Reelect",
      "Expire",
      "RegisterBrokerAndReelect",
  };
  static_assert(std::size(kNames) == std::variant_size_v<ControllerEvent>);
  return kNames[event.index()];
}

}  // namespace kb::coordinator::controller
