#include "coordinator/controller/controller_context.h"

#include <type_traits>

namespace kb::coordinator::controller {

std::vector<BrokerId> to_broker_ids(const std::vector<int32_t>& ids) {
  std::vector<BrokerId> out;
  out.reserve(ids.size());
  for (int32_t id : ids) out.emplace_back(id);
  return out;
}

bool ControllerContext::is_live(BrokerId id) const {
  return live_brokers.contains(id) && !shutting_down_brokers.contains(id);
}

std::vector<BrokerId> ControllerContext::live_or_shutting_down_ids() const {
  std::vector<BrokerId> out;
  for (const auto& [id, _] : live_brokers) out.push_back(id);
  return out;
}

std::set<BrokerId> ControllerContext::live_ids() const {
  std::set<BrokerId> out;
  for (const auto& [id, _] : live_brokers) {
    if (!shutting_down_brokers.contains(id)) out.insert(id);
  }
  return out;
}

bool ControllerContext::has_partition(const TopicPartition& tp) const {
  auto it = topics.find(tp.topic);
  return it != topics.end() && it->second.partitions.contains(tp.partition);
}

std::vector<BrokerId> ControllerContext::replicas(const TopicPartition& tp) const {
  auto it = topics.find(tp.topic);
  if (it == topics.end()) return {};
  auto p = it->second.partitions.find(tp.partition);
  if (p == it->second.partitions.end()) return {};
  return to_broker_ids(p->second);
}

std::vector<TopicPartition> ControllerContext::partitions_of(const std::string& topic) const {
  std::vector<TopicPartition> out;
  auto it = topics.find(topic);
  if (it == topics.end()) return out;
  for (const auto& [p, _] : it->second.partitions) out.push_back({topic, p});
  return out;
}

std::vector<TopicPartition> ControllerContext::all_partitions() const {
  std::vector<TopicPartition> out;
  for (const auto& [topic, assignment] : topics) {
    for (const auto& [p, _] : assignment.partitions) out.push_back({topic, p});
  }
  return out;
}

std::vector<TopicPartition> ControllerContext::partitions_on_broker(BrokerId id) const {
  std::vector<TopicPartition> out;
  for (const auto& [topic, assignment] : topics) {
    for (const auto& [p, replicas] : assignment.partitions) {
      for (int32_t r : replicas) {
        if (r == id.value()) {
          out.push_back({topic, p});
          break;
        }
      }
    }
  }
  return out;
}

std::vector<PartitionReplica> ControllerContext::replicas_on_brokers(
    const std::set<BrokerId>& ids) const {
  std::vector<PartitionReplica> out;
  for (const auto& [topic, assignment] : topics) {
    for (const auto& [p, replicas] : assignment.partitions) {
      for (int32_t r : replicas) {
        if (ids.contains(BrokerId(r))) out.push_back({{topic, p}, BrokerId(r)});
      }
    }
  }
  return out;
}

std::vector<PartitionReplica> ControllerContext::replicas_of_topic(const std::string& topic) const {
  std::vector<PartitionReplica> out;
  for (const auto& tp : partitions_of(topic)) {
    for (BrokerId r : replicas(tp)) out.push_back({tp, r});
  }
  return out;
}

PartitionState ControllerContext::partition_state(const TopicPartition& tp) const {
  auto it = partition_states.find(tp);
  return it == partition_states.end() ? PartitionState::kNonExistent : it->second;
}

ReplicaState ControllerContext::replica_state(const PartitionReplica& r) const {
  auto it = replica_states.find(r);
  return it == replica_states.end() ? ReplicaState::kNonExistent : it->second;
}

const PartitionLeadership* ControllerContext::find_leadership(const TopicPartition& tp) const {
  auto it = leadership.find(tp);
  return it == leadership.end() ? nullptr : &it->second;
}

bool ControllerContext::unclean_leader_election_enabled(const std::string& topic) const {
  auto it = unclean_leader_election_overrides.find(topic);
  return it != unclean_leader_election_overrides.end() ? it->second
                                                       : settings.unclean_leader_election_default;
}

void apply_change(ControllerContext& ctx, const ContextChange& c) {
  std::visit(
      [&ctx](const auto& ch) {
        using T = std::decay_t<decltype(ch)>;
        if constexpr (std::is_same_v<T, change::SetLiveBroker>) {
          ctx.live_brokers[ch.id] = ch.broker;
        } else if constexpr (std::is_same_v<T, change::RemoveLiveBroker>) {
          ctx.live_brokers.erase(ch.id);
        } else if constexpr (std::is_same_v<T, change::SetShuttingDown>) {
          if (ch.shutting_down) {
            ctx.shutting_down_brokers.insert(ch.id);
          } else {
            ctx.shutting_down_brokers.erase(ch.id);
          }
        } else if constexpr (std::is_same_v<T, change::SetTopicAssignment>) {
          ctx.topics[ch.topic] = ch.assignment;
        } else if constexpr (std::is_same_v<T, change::RemoveTopic>) {
          for (const auto& tp : ctx.partitions_of(ch.topic)) {
            ctx.leadership.erase(tp);
            ctx.partition_states.erase(tp);
            ctx.partitions_being_reassigned.erase(tp);
            for (BrokerId r : ctx.replicas(tp)) ctx.replica_states.erase({tp, r});
          }
          ctx.topics.erase(ch.topic);
          ctx.topics_to_delete.erase(ch.topic);
          ctx.topics_ineligible_for_deletion.erase(ch.topic);
          ctx.unclean_leader_election_overrides.erase(ch.topic);
        } else if constexpr (std::is_same_v<T, change::SetLeadership>) {
          ctx.leadership[ch.partition] = ch.leadership;
        } else if constexpr (std::is_same_v<T, change::SetPartitionState>) {
          ctx.partition_states[ch.partition] = ch.state;
        } else if constexpr (std::is_same_v<T, change::SetReplicaState>) {
          // NonExistent is the absence of an entry, so the map does not grow with deleted topics.
          if (ch.state == ReplicaState::kNonExistent) {
            ctx.replica_states.erase(ch.replica);
          } else {
            ctx.replica_states[ch.replica] = ch.state;
          }
        } else if constexpr (std::is_same_v<T, change::SetQueuedForDeletion>) {
          if (ch.queued) {
            ctx.topics_to_delete.insert(ch.topic);
          } else {
            ctx.topics_to_delete.erase(ch.topic);
          }
        } else if constexpr (std::is_same_v<T, change::SetIneligibleForDeletion>) {
          if (ch.ineligible) {
            ctx.topics_ineligible_for_deletion.insert(ch.topic);
          } else {
            ctx.topics_ineligible_for_deletion.erase(ch.topic);
          }
        } else if constexpr (std::is_same_v<T, change::SetUncleanOverride>) {
          if (ch.enabled) {
            ctx.unclean_leader_election_overrides[ch.topic] = *ch.enabled;
          } else {
            ctx.unclean_leader_election_overrides.erase(ch.topic);
          }
        }
      },
      c);
}

ControllerContext context_from_snapshot(const ControllerSnapshot& s,
                                        const ControllerSettings& settings) {
  ControllerContext ctx;
  ctx.controller_id = s.controller_id;
  ctx.epoch = s.epoch;
  ctx.epoch_zk_version = s.epoch_zk_version;
  ctx.settings = settings;
  ctx.live_brokers = s.brokers;
  ctx.topics = s.topics;
  ctx.unclean_leader_election_overrides = s.unclean_leader_election_overrides;
  for (const auto& [tp, target] : s.reassignments) {
    if (ctx.has_partition(tp)) ctx.partitions_being_reassigned[tp] = target;
  }
  // Leadership only for partitions that still have an assignment: a /state left behind by a
  // half-finished deletion must not resurrect the partition.
  for (const auto& [tp, l] : s.partition_states) {
    if (ctx.has_partition(tp)) ctx.leadership[tp] = l;
  }
  for (const auto& tp : ctx.all_partitions()) {
    const PartitionLeadership* l = ctx.find_leadership(tp);
    PartitionState state = PartitionState::kNew;
    if (l != nullptr) {
      state = ctx.is_live(l->leader_and_isr.leader) ? PartitionState::kOnline
                                                    : PartitionState::kOffline;
    }
    ctx.partition_states[tp] = state;
    for (BrokerId r : ctx.replicas(tp)) {
      ctx.replica_states[{tp, r}] =
          ctx.is_live(r) ? ReplicaState::kOnline : ReplicaState::kDeletionIneligible;
    }
  }
  return ctx;
}

}  // namespace kb::coordinator::controller
