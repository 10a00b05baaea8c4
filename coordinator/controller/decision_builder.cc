#include "coordinator/controller/decision_builder.h"

#include <algorithm>
#include <sstream>

#include "coordinator/controller/elections.h"

namespace kb::coordinator::controller {
namespace {

bool contains(const std::vector<BrokerId>& v, BrokerId id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

std::string join(const std::vector<BrokerId>& ids) {
  std::ostringstream out;
  for (size_t i = 0; i < ids.size(); ++i) out << (i ? "," : "") << ids[i];
  return out.str();
}

std::string replica_name(const PartitionReplica& r) {
  return "replica " + std::to_string(r.replica.value()) + " of partition " +
         r.partition.to_string();
}

}  // namespace

std::string describe(const LeaderAndIsr& s, ZkVersion zk_version) {
  std::ostringstream out;
  out << "(leader=" << s.leader << ", leaderEpoch=" << s.leader_epoch << ", isr=[" << join(s.isr)
      << "], controllerEpoch=" << s.controller_epoch << ", zkVersion=" << zk_version << ")";
  return out.str();
}

void DecisionBuilder::change(ContextChange c) {
  apply_change(work_, c);
  decision_.changes.push_back(std::move(c));
}

// ---------------------------------------------------------------------------------------------
// Batch

void DecisionBuilder::add_leader_and_isr(const std::vector<BrokerId>& brokers,
                                         const TopicPartition& tp, bool is_new) {
  for (BrokerId b : brokers) {
    if (!work_.is_live_or_shutting_down(b)) continue;
    // A partition appears once per broker and batch; is_new is sticky (reference §5.1).
    bool& flag = leader_and_isr_[b][tp];
    flag = flag || is_new;
  }
  add_update_metadata(work_.live_or_shutting_down_ids(), {tp});
}

void DecisionBuilder::add_update_metadata(const std::vector<BrokerId>& brokers,
                                          const std::vector<TopicPartition>& partitions) {
  for (BrokerId b : brokers) {
    if (!work_.is_live_or_shutting_down(b)) continue;
    auto& set = update_metadata_[b];
    set.insert(partitions.begin(), partitions.end());
  }
}

void DecisionBuilder::add_stop_replica(BrokerId broker, const TopicPartition& tp,
                                       bool delete_partition) {
  if (!work_.is_live_or_shutting_down(broker)) return;
  bool& flag = stop_replica_[broker][tp];
  flag = flag || delete_partition;
}

void DecisionBuilder::send_batch() {
  const std::vector<BrokerId> registered = work_.live_or_shutting_down_ids();
  for (const auto& [broker, partitions] : leader_and_isr_) {
    LeaderAndIsrRequest req{broker, {}, {}};
    std::set<BrokerId> leaders;
    for (const auto& [tp, is_new] : partitions) {
      const PartitionLeadership* l = work_.find_leadership(tp);
      if (l == nullptr) continue;  // nothing to say yet about a partition without /state
      req.partitions.push_back({tp, l->leader_and_isr, l->zk_version, work_.replicas(tp), is_new});
      if (work_.is_live_or_shutting_down(l->leader_and_isr.leader)) {
        leaders.insert(l->leader_and_isr.leader);
      }
    }
    req.live_leaders.assign(leaders.begin(), leaders.end());
    if (!req.partitions.empty()) decision_.requests.emplace_back(std::move(req));
  }
  for (const auto& [broker, partitions] : update_metadata_) {
    UpdateMetadataRequest req{broker, {}, registered};
    for (const TopicPartition& tp : partitions) {
      const PartitionLeadership* l = work_.find_leadership(tp);
      if (l == nullptr) continue;
      std::vector<BrokerId> replicas = work_.replicas(tp);
      std::vector<BrokerId> offline;
      for (BrokerId r : replicas) {
        if (!work_.is_live(r)) offline.push_back(r);
      }
      if (work_.is_queued_for_deletion(tp.topic)) {
        // Brokers drop partitions whose leader is -2 from their metadata cache.
        LeaderAndIsr during_delete{kLeaderDuringDelete, LeaderEpoch(0), l->leader_and_isr.isr,
                                   l->leader_and_isr.controller_epoch};
        req.partitions.push_back({tp, during_delete, ZkVersion(0), replicas, offline});
      } else {
        req.partitions.push_back({tp, l->leader_and_isr, l->zk_version, replicas, offline});
      }
    }
    decision_.requests.emplace_back(std::move(req));
  }
  for (const auto& [broker, partitions] : stop_replica_) {
    // Without-delete first: a replica going Offline is stopped before deletion starts.
    for (bool del : {false, true}) {
      StopReplicaRequest req{broker, del, {}};
      for (const auto& [tp, d] : partitions) {
        if (d != del) continue;
        LeaderEpoch epoch = kNoLeaderEpoch;
        if (work_.is_queued_for_deletion(tp.topic)) {
          epoch = kEpochDuringDelete;
        } else if (const PartitionLeadership* l = work_.find_leadership(tp)) {
          epoch = l->leader_and_isr.leader_epoch;
        }
        req.partitions.push_back({tp, epoch});
      }
      if (!req.partitions.empty()) decision_.requests.emplace_back(std::move(req));
    }
  }
  leader_and_isr_.clear();
  update_metadata_.clear();
  stop_replica_.clear();
}

// ---------------------------------------------------------------------------------------------
// Partition state machine

void DecisionBuilder::log_partition(const TopicPartition& tp, PartitionState from,
                                    PartitionState to, const std::string& extra) {
  log("Changed partition " + tp.to_string() + " from " + std::string(state_name(from)) + " to " +
      std::string(state_name(to)) + extra);
}

void DecisionBuilder::update_leadership(const TopicPartition& tp, const LeaderAndIsr& state) {
  const PartitionLeadership* l = work_.find_leadership(tp);
  ZkVersion expected = l->zk_version;
  write(zk::UpdatePartitionState{tp, state, expected});
  change(change::SetLeadership{tp, {state, ZkVersion(expected.value() + 1)}});
}

bool DecisionBuilder::init_partition(const TopicPartition& tp) {
  std::vector<BrokerId> replicas = work_.replicas(tp);
  auto state = initial_leader_and_isr(replicas, work_.live_ids(), work_.epoch);
  if (!state) {
    log("Failed to change partition " + tp.to_string() +
        " from NewPartition to OnlinePartition: no live replica in [" + join(replicas) + "]");
    return false;
  }
  write(zk::CreatePartitionState{tp, *state});
  change(change::SetLeadership{tp, {*state, ZkVersion(0)}});
  add_leader_and_isr(state->isr, tp, /*is_new=*/true);
  return true;
}

bool DecisionBuilder::elect_partition(const TopicPartition& tp, ElectionStrategy strategy) {
  const PartitionLeadership* l = work_.find_leadership(tp);
  if (l == nullptr) {
    log("Failed to elect a leader for partition " + tp.to_string() + ": no leadership info");
    return false;
  }
  const LeaderAndIsr& current = l->leader_and_isr;
  // A /state written by a newer controller means we are a zombie; do not overwrite it.
  if (current.controller_epoch > work_.epoch) {
    log("Aborted election for partition " + tp.to_string() +
        ": state written by another controller with epoch " +
        std::to_string(current.controller_epoch.value()));
    return false;
  }
  const std::vector<BrokerId> assignment = work_.replicas(tp);
  const std::set<BrokerId> live = work_.live_ids();
  std::optional<ElectionResult> result;
  std::vector<BrokerId> recipients;
  switch (strategy) {
    case ElectionStrategy::kOffline:
    case ElectionStrategy::kAdminUnclean:
      result = offline_partition_election(assignment, current, live,
                                          strategy == ElectionStrategy::kAdminUnclean ||
                                              work_.unclean_leader_election_enabled(tp.topic),
                                          work_.epoch);
      for (BrokerId r : assignment) {
        if (live.contains(r)) recipients.push_back(r);
      }
      break;
    case ElectionStrategy::kReassign: {
      auto it = work_.partitions_being_reassigned.find(tp);
      const std::vector<BrokerId>& target =
          it != work_.partitions_being_reassigned.end() ? it->second : assignment;
      result = reassign_partition_election(target, current, live, work_.epoch);
      recipients = target;
      break;
    }
    case ElectionStrategy::kPreferred:
      result = preferred_replica_election(assignment, current, live, work_.epoch);
      recipients = assignment;
      break;
    case ElectionStrategy::kControlledShutdown: {
      std::vector<BrokerId> registered = work_.live_or_shutting_down_ids();
      std::set<BrokerId> registered_set(registered.begin(), registered.end());
      result = controlled_shutdown_election(assignment, current, registered_set,
                                            work_.shutting_down_brokers, work_.epoch);
      for (BrokerId r : assignment) {
        if (registered_set.contains(r)) recipients.push_back(r);
      }
      break;
    }
  }
  if (!result) {
    if (strategy == ElectionStrategy::kOffline) ++decision_.counters.failed_elections;
    log("Failed to elect a leader for partition " + tp.to_string() + " with state " +
        describe(current, l->zk_version) + ", live brokers [" +
        join(std::vector<BrokerId>(live.begin(), live.end())) + "]");
    return false;
  }
  if (result->unclean) {
    ++decision_.counters.unclean_leader_elections;
    log("Unclean leader election for partition " + tp.to_string() + ": broker " +
        std::to_string(result->leader_and_isr.leader.value()) +
        " was not in the ISR; data loss may occur");
  }
  update_leadership(tp, result->leader_and_isr);
  add_leader_and_isr(recipients, tp, /*is_new=*/false);
  return true;
}

void DecisionBuilder::partitions_to(const std::vector<TopicPartition>& partitions,
                                    PartitionState target, ElectionStrategy strategy) {
  for (const TopicPartition& tp : partitions) {
    PartitionState from = work_.partition_state(tp);
    if (!is_valid_transition(from, target)) {
      log("Invalid transition of partition " + tp.to_string() + " from " +
          std::string(state_name(from)) + " to " + std::string(state_name(target)));
      continue;
    }
    if (target == PartitionState::kOnline) {
      bool ok = from == PartitionState::kNew ? init_partition(tp) : elect_partition(tp, strategy);
      if (!ok) continue;  // stays where it was
      const PartitionLeadership* l = work_.find_leadership(tp);
      log_partition(tp, from, target, " with state " + describe(l->leader_and_isr, l->zk_version));
    } else {
      log_partition(tp, from, target);
    }
    change(change::SetPartitionState{tp, target});
  }
  send_batch();
}

void DecisionBuilder::trigger_online_partitions() {
  std::vector<TopicPartition> todo;
  for (const auto& [tp, state] : work_.partition_states) {
    if ((state == PartitionState::kNew || state == PartitionState::kOffline) &&
        !work_.is_queued_for_deletion(tp.topic)) {
      todo.push_back(tp);
    }
  }
  partitions_to(todo, PartitionState::kOnline, ElectionStrategy::kOffline);
}

// ---------------------------------------------------------------------------------------------
// Replica state machine

void DecisionBuilder::replica_to_offline(const PartitionReplica& r) {
  const TopicPartition& tp = r.partition;
  add_stop_replica(r.replica, tp, /*delete=*/false);
  const PartitionLeadership* l = work_.find_leadership(tp);
  if (l == nullptr) {
    // Brokers still learn that the replica is offline.
    add_update_metadata(work_.live_or_shutting_down_ids(), {tp});
    return;
  }
  if (l->leader_and_isr.controller_epoch > work_.epoch) {
    log("Aborted ISR shrink for partition " + tp.to_string() +
        ": state written by another controller");
    return;
  }
  if (auto shrunk = remove_replica_from_isr(l->leader_and_isr, r.replica, work_.epoch)) {
    update_leadership(tp, *shrunk);
  }
  if (!work_.is_queued_for_deletion(tp.topic)) {
    std::vector<BrokerId> others;
    for (BrokerId b : work_.replicas(tp)) {
      if (b != r.replica) others.push_back(b);
    }
    add_leader_and_isr(others, tp, /*is_new=*/false);
  }
}

void DecisionBuilder::replicas_to(const std::vector<PartitionReplica>& replicas,
                                  ReplicaState target) {
  for (const PartitionReplica& r : replicas) {
    ReplicaState from = work_.replica_state(r);
    if (!is_valid_transition(from, target)) {
      log("Invalid transition of " + replica_name(r) + " from " + std::string(state_name(from)) +
          " to " + std::string(state_name(target)));
      continue;
    }
    const PartitionLeadership* l = work_.find_leadership(r.partition);
    switch (target) {
      case ReplicaState::kNew:
        if (l != nullptr) {
          if (l->leader_and_isr.leader == r.replica) {
            log("Refused to make " + replica_name(r) + " a NewReplica: it is the leader");
            continue;
          }
          add_leader_and_isr({r.replica}, r.partition, /*is_new=*/true);
        }
        break;
      case ReplicaState::kOnline:
        if (from == ReplicaState::kNew) {
          std::vector<BrokerId> current = work_.replicas(r.partition);
          if (!contains(current, r.replica)) {
            TopicAssignment a = work_.topics.at(r.partition.topic);
            a.partitions[r.partition.partition].push_back(r.replica.value());
            change(change::SetTopicAssignment{r.partition.topic, std::move(a)});
          }
        } else if (l != nullptr) {
          add_leader_and_isr({r.replica}, r.partition, /*is_new=*/false);
        }
        break;
      case ReplicaState::kOffline:
        replica_to_offline(r);
        break;
      case ReplicaState::kDeletionStarted:
        add_stop_replica(r.replica, r.partition, /*delete=*/true);
        break;
      case ReplicaState::kNonExistent: {
        auto it = work_.topics.find(r.partition.topic);
        if (it != work_.topics.end()) {
          TopicAssignment a = it->second;
          auto& list = a.partitions[r.partition.partition];
          list.erase(std::remove(list.begin(), list.end(), r.replica.value()), list.end());
          change(change::SetTopicAssignment{r.partition.topic, std::move(a)});
        }
        break;
      }
      case ReplicaState::kDeletionSuccessful:
      case ReplicaState::kDeletionIneligible:
        break;  // bookkeeping only
    }
    if (work_.settings.log_replica_transitions) {
      log("Changed state of " + replica_name(r) + " from " + std::string(state_name(from)) +
          " to " + std::string(state_name(target)));
    }
    change(change::SetReplicaState{r, target});
  }
  send_batch();
}

// ---------------------------------------------------------------------------------------------
// Compositions

void DecisionBuilder::on_new_partition_creation(const std::vector<TopicPartition>& partitions) {
  std::vector<PartitionReplica> replicas;
  for (const auto& tp : partitions) {
    for (BrokerId r : work_.replicas(tp)) replicas.push_back({tp, r});
  }
  partitions_to(partitions, PartitionState::kNew);
  replicas_to(replicas, ReplicaState::kNew);
  partitions_to(partitions, PartitionState::kOnline, ElectionStrategy::kOffline);
  replicas_to(replicas, ReplicaState::kOnline);
}

void DecisionBuilder::on_broker_startup(const std::set<BrokerId>& brokers) {
  log("New broker startup callback for " +
      join(std::vector<BrokerId>(brokers.begin(), brokers.end())));
  std::vector<BrokerId> existing;
  for (BrokerId b : work_.live_or_shutting_down_ids()) {
    if (!brokers.contains(b)) existing.push_back(b);
  }
  // Existing brokers learn the new endpoints; new brokers get every partition's state.
  add_update_metadata(existing, {});
  send_batch();
  std::vector<TopicPartition> with_leadership;
  for (const auto& [tp, _] : work_.leadership) with_leadership.push_back(tp);
  add_update_metadata(std::vector<BrokerId>(brokers.begin(), brokers.end()), with_leadership);
  send_batch();

  std::vector<PartitionReplica> replicas = work_.replicas_on_brokers(brokers);
  replicas_to(replicas, ReplicaState::kOnline);
  trigger_online_partitions();

  std::set<std::string> deleting;
  for (const auto& r : replicas) {
    if (work_.is_queued_for_deletion(r.partition.topic)) deleting.insert(r.partition.topic);
  }
  if (!deleting.empty()) resume_deletion_for_topics(deleting);
}

void DecisionBuilder::on_broker_failure(const std::set<BrokerId>& brokers) {
  log("Broker failure callback for " + join(std::vector<BrokerId>(brokers.begin(), brokers.end())));
  for (BrokerId b : brokers) {
    if (work_.shutting_down_brokers.contains(b)) change(change::SetShuttingDown{b, false});
  }
  on_replicas_become_offline(work_.replicas_on_brokers(brokers));
}

void DecisionBuilder::on_replicas_become_offline(const std::vector<PartitionReplica>& replicas) {
  std::vector<PartitionReplica> for_deletion, others;
  for (const auto& r : replicas) {
    (work_.is_queued_for_deletion(r.partition.topic) ? for_deletion : others).push_back(r);
  }
  // Every partition whose leader is not live, not only those of the dead brokers: a leader in
  // controlled shutdown counts as gone too.
  std::vector<TopicPartition> leaderless;
  for (const auto& [tp, l] : work_.leadership) {
    if (!work_.is_live(l.leader_and_isr.leader) && !work_.is_queued_for_deletion(tp.topic)) {
      leaderless.push_back(tp);
    }
  }
  partitions_to(leaderless, PartitionState::kOffline);
  trigger_online_partitions();
  replicas_to(others, ReplicaState::kOffline);
  if (!for_deletion.empty()) fail_replica_deletion(for_deletion);
  if (leaderless.empty()) {
    // No LeaderAndIsr went out, but brokers must still learn the broker list changed.
    add_update_metadata(work_.live_or_shutting_down_ids(), {});
    send_batch();
  }
}

// ---------------------------------------------------------------------------------------------
// Topic deletion

void DecisionBuilder::queue_for_deletion(const std::set<std::string>& topics) {
  for (const std::string& topic : topics) {
    if (work_.is_queued_for_deletion(topic)) continue;
    change(change::SetQueuedForDeletion{topic, true});
    bool ineligible = false;
    for (const auto& r : work_.replicas_of_topic(topic)) {
      if (!work_.is_live(r.replica) || work_.partitions_being_reassigned.contains(r.partition)) {
        ineligible = true;
      }
    }
    if (ineligible) change(change::SetIneligibleForDeletion{topic, true});
  }
  resume_deletions();
}

void DecisionBuilder::resume_deletion_for_topics(const std::set<std::string>& topics) {
  for (const std::string& topic : topics) {
    if (work_.topics_ineligible_for_deletion.contains(topic)) {
      change(change::SetIneligibleForDeletion{topic, false});
    }
  }
  resume_deletions();
}

void DecisionBuilder::fail_replica_deletion(const std::vector<PartitionReplica>& replicas) {
  std::vector<PartitionReplica> failed;
  for (const auto& r : replicas) {
    if (!work_.is_queued_for_deletion(r.partition.topic)) continue;
    failed.push_back(r);
    if (!work_.topics_ineligible_for_deletion.contains(r.partition.topic)) {
      change(change::SetIneligibleForDeletion{r.partition.topic, true});
    }
  }
  replicas_to(failed, ReplicaState::kDeletionIneligible);
  resume_deletions();
}

void DecisionBuilder::resume_deletions() {
  const std::set<std::string> queued = work_.topics_to_delete;
  std::set<std::string> remaining;
  for (const std::string& topic : queued) {
    auto replicas = work_.replicas_of_topic(topic);
    bool all_done = std::all_of(replicas.begin(), replicas.end(), [&](const auto& r) {
      return work_.replica_state(r) == ReplicaState::kDeletionSuccessful;
    });
    if (all_done) {
      complete_delete_topic(topic);
    } else {
      remaining.insert(topic);
    }
  }
  auto any_in = [&](const std::string& topic, ReplicaState s) {
    auto replicas = work_.replicas_of_topic(topic);
    return std::any_of(replicas.begin(), replicas.end(),
                       [&](const auto& r) { return work_.replica_state(r) == s; });
  };
  // Eligibility is judged before failed replicas are reset: a topic whose StopReplica failed is
  // restarted by the *next* resume (next event), not in the same breath as its failure, so a
  // persistently failing broker is not hammered with StopReplica in a tight loop.
  std::set<std::string> start;
  for (const std::string& topic : remaining) {
    if (!any_in(topic, ReplicaState::kDeletionStarted) &&
        !work_.topics_ineligible_for_deletion.contains(topic)) {
      start.insert(topic);
    }
  }
  for (const std::string& topic : remaining) {
    if (any_in(topic, ReplicaState::kDeletionStarted)) continue;
    if (!any_in(topic, ReplicaState::kDeletionIneligible)) continue;
    // Failed replicas go back to Offline and the topic becomes eligible again.
    change(change::SetIneligibleForDeletion{topic, false});
    std::vector<PartitionReplica> failed;
    for (const auto& r : work_.replicas_of_topic(topic)) {
      if (work_.replica_state(r) == ReplicaState::kDeletionIneligible) failed.push_back(r);
    }
    replicas_to(failed, ReplicaState::kOffline);
  }
  for (const std::string& topic : start) on_topic_deletion(topic);
}

void DecisionBuilder::on_topic_deletion(const std::string& topic) {
  log("Topic deletion (re)started for " + topic);
  std::vector<TopicPartition> partitions = work_.partitions_of(topic);
  // On a restart the partitions are already NonExistent; only the replicas are retried.
  std::vector<TopicPartition> unseen;
  for (const auto& tp : partitions) {
    if (work_.partition_state(tp) != PartitionState::kNonExistent) unseen.push_back(tp);
  }
  partitions_to(unseen, PartitionState::kOffline);
  partitions_to(unseen, PartitionState::kNonExistent);
  // Leader -2 makes every broker drop the partitions from its metadata cache.
  add_update_metadata(work_.live_or_shutting_down_ids(), partitions);
  send_batch();

  std::vector<PartitionReplica> dead, alive;
  for (const auto& r : work_.replicas_of_topic(topic)) {
    if (work_.replica_state(r) == ReplicaState::kDeletionSuccessful) continue;
    (work_.is_live(r.replica) ? alive : dead).push_back(r);
  }
  if (!dead.empty()) {
    replicas_to(dead, ReplicaState::kDeletionIneligible);
    if (!work_.topics_ineligible_for_deletion.contains(topic)) {
      change(change::SetIneligibleForDeletion{topic, true});
    }
  }
  replicas_to(alive, ReplicaState::kOffline);
  replicas_to(alive, ReplicaState::kDeletionStarted);
}

// ---------------------------------------------------------------------------------------------
// Partition reassignment

void DecisionBuilder::mark_reassignment(const TopicPartition& tp,
                                        std::optional<std::vector<BrokerId>> target) {
  if (target) {
    work_.partitions_being_reassigned[tp] = *target;
  } else {
    work_.partitions_being_reassigned.erase(tp);
  }
  decision_.reassignment_marks.push_back({tp, std::move(target)});
}

bool DecisionBuilder::bump_leader_epoch(const TopicPartition& tp,
                                        const std::vector<BrokerId>& recipients) {
  const PartitionLeadership* l = work_.find_leadership(tp);
  if (l == nullptr || l->leader_and_isr.controller_epoch > work_.epoch) {
    log("Failed to bump the leader epoch of partition " + tp.to_string() + " being reassigned: " +
        (l == nullptr ? "no leadership info" : "state written by a newer controller"));
    return false;
  }
  LeaderAndIsr bumped = l->leader_and_isr;
  bumped.leader_epoch = LeaderEpoch(bumped.leader_epoch.value() + 1);
  bumped.controller_epoch = work_.epoch;
  update_leadership(tp, bumped);
  const PartitionLeadership* now = work_.find_leadership(tp);
  log("Bumped the leader epoch of partition " + tp.to_string() + " being reassigned to " +
      describe(now->leader_and_isr, now->zk_version) + " for replicas [" + join(recipients) + "]");
  add_leader_and_isr(recipients, tp, /*is_new=*/false);
  send_batch();
  return true;
}

void DecisionBuilder::complete_delete_topic(const std::string& topic) {
  replicas_to(work_.replicas_of_topic(topic), ReplicaState::kNonExistent);
  write(zk::DeleteTopic{topic});
  change(change::RemoveTopic{topic});
  log("Deletion of topic " + topic + " successfully completed");
}

}  // namespace kb::coordinator::controller
