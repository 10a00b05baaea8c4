#include "broker/replica_manager.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "common/logging.h"

namespace kb::broker {

namespace {
int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

std::shared_ptr<Partition> ReplicaManager::get(const TopicPartition& tp) const {
  std::shared_lock lock(mutex_);
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : it->second;
}

std::vector<TopicPartition> ReplicaManager::partitions() const {
  std::shared_lock lock(mutex_);
  std::vector<TopicPartition> out;
  out.reserve(partitions_.size());
  for (const auto& [tp, p] : partitions_) out.push_back(tp);
  return out;
}

void ReplicaManager::become_leader(const TopicPartition& tp, LeaderEpoch epoch,
                                   std::vector<int32_t> isr, const storage::LogConfig& config) {
  {
    std::shared_lock lock(mutex_);
    auto it = partitions_.find(tp);
    if (it != partitions_.end()) {
      if (it->second->leader_epoch() != epoch) {
        log::state_change("Broker became leader of " + tp.to_string() + " with leader epoch " +
                          std::to_string(epoch.value()));
      }
      it->second->set_leader_epoch(epoch);
      it->second->set_isr(isr);
      return;
    }
  }
  auto log = logs_.get_or_create_log(tp, config);
  // A single-replica leader has committed everything it holds.
  log->set_high_watermark(log->log_end_offset());
  auto partition = std::make_shared<Partition>(tp, log, epoch, isr);
  {
    std::unique_lock lock(mutex_);
    partitions_.emplace(tp, partition);
  }
  log::state_change("Broker became leader of " + tp.to_string() + " with leader epoch " +
                    std::to_string(epoch.value()) + ", log end offset " +
                    std::to_string(log->log_end_offset().value()));
}

// Interim (until followers replicate): leaders as before; a follower only keeps its log.
std::map<TopicPartition, ErrorCode> ReplicaManager::apply_leader_and_isr(
    BrokerId local_broker, const std::vector<PartitionRole>& partitions,
    const std::map<BrokerId, LeaderEndpoint>& /*leaders*/, const LogConfigLookup& log_config) {
  std::map<TopicPartition, ErrorCode> out;
  for (const auto& role : partitions) {
    bool hosted = std::find(role.replicas.begin(), role.replicas.end(), local_broker) !=
                  role.replicas.end();
    if (!hosted) {
      out[role.tp] = ErrorCode::kUnknownTopicOrPartition;
      continue;
    }
    auto existing = get(role.tp);
    if (existing && existing->leader_epoch() >= role.leader_epoch) {
      out[role.tp] = ErrorCode::kStaleControllerEpoch;
      continue;
    }
    std::vector<int32_t> isr;
    for (auto b : role.isr) isr.push_back(b.value());
    if (role.leader == local_broker) {
      become_leader(role.tp, role.leader_epoch, isr, log_config(role.tp.topic));
    } else {
      stop_replica(role.tp, false);
      logs_.get_or_create_log(role.tp, log_config(role.tp.topic));
    }
    out[role.tp] = ErrorCode::kNone;
  }
  return out;
}

std::map<TopicPartition, ErrorCode> ReplicaManager::stop_replicas(
    const std::vector<TopicPartition>& partitions, bool delete_partitions) {
  std::map<TopicPartition, ErrorCode> out;
  for (const auto& tp : partitions) {
    stop_replica(tp, delete_partitions);
    out[tp] = ErrorCode::kNone;
  }
  return out;
}

void ReplicaManager::stop_replica(const TopicPartition& tp, bool delete_data) {
  {
    std::unique_lock lock(mutex_);
    partitions_.erase(tp);
  }
  if (delete_data) logs_.delete_log(tp);
  log::state_change("Broker stopped replica " + tp.to_string() +
                    (delete_data ? " and deleted its data" : ""));
}

void ReplicaManager::update_config(const std::string& topic, const storage::LogConfig& config) {
  std::shared_lock lock(mutex_);
  for (auto& [tp, p] : partitions_) {
    if (tp.topic == topic) p->log()->update_config(config);
  }
}

AppendOutcome ReplicaManager::append(const TopicPartition& tp, std::span<uint8_t> batches,
                                     int16_t acks, int32_t min_insync_replicas) {
  AppendOutcome out;
  auto partition = get(tp);
  if (!partition) {
    out.error = ErrorCode::kNotLeaderOrFollower;
    return out;
  }
  if (acks == -1 && static_cast<int32_t>(partition->isr_size()) < min_insync_replicas) {
    out.error = ErrorCode::kNotEnoughReplicas;
    return out;
  }
  auto& log = partition->log();
  auto result = log->append_as_leader(batches, partition->leader_epoch(), now_ms());
  out.error = result.error;
  if (result.error != ErrorCode::kNone) return out;
  out.base_offset = result.first_offset.value();
  out.log_append_time = result.log_append_time;
  out.log_start_offset = result.log_start_offset.value();
  log->set_high_watermark(log->log_end_offset());
  fetch_purgatory_.check(tp);
  return out;
}

}  // namespace kb::broker
