#include "broker/replica_manager.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>

#include "broker/task_thread.h"
#include "common/config/config.h"
#include "common/logging.h"
#include "coordinator/kafka_zk.h"

namespace kb::broker {

namespace {
int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

ReplicationSettings ReplicationSettings::from_config(const config::ConfigValues& config) {
  ReplicationSettings s;
  s.replica_lag_time_max_ms = config.get_long("replica.lag.time.max.ms");
  auto& f = s.fetcher;
  f.num_fetchers = config.get_int("num.replica.fetchers");
  f.max_wait_ms = config.get_int("replica.fetch.wait.max.ms");
  f.min_bytes = config.get_int("replica.fetch.min.bytes");
  f.partition_max_bytes = config.get_int("replica.fetch.max.bytes");
  f.response_max_bytes = config.get_int("replica.fetch.response.max.bytes");
  f.backoff_ms = config.get_int("replica.fetch.backoff.ms");
  f.socket_timeout_ms = config.get_int("replica.socket.timeout.ms");
  return s;
}

IsrStore IsrStore::from_kafka_zk(coordinator::KafkaZk& zk) {
  IsrStore store;
  store.write = [&zk](const TopicPartition& tp, const State& state,
                      ZkVersion expected) -> std::optional<ZkVersion> {
    coordinator::LeaderAndIsr lai{state.leader, state.leader_epoch, state.isr,
                                  state.controller_epoch};
    auto r = zk.update_partition_state(tp, lai, expected, std::nullopt);
    if (r.code == coordinator::ZkCode::kOk) return r.new_version;
    if (r.code == coordinator::ZkCode::kBadVersion) return std::nullopt;
    throw std::runtime_error("ISR update of " + tp.to_string() + " failed with ZooKeeper code " +
                             std::to_string(static_cast<int>(r.code)));
  };
  store.read = [&zk](const TopicPartition& tp) -> std::optional<State> {
    auto s = zk.get_partition_state(tp.topic, tp.partition);
    if (!s) return std::nullopt;
    return State{s->state.leader, s->state.leader_epoch, s->state.isr, s->state.controller_epoch,
                 s->version};
  };
  store.propagate = [&zk](const std::set<TopicPartition>& partitions) {
    zk.propagate_isr_changes(partitions);
  };
  return store;
}

ReplicaManager::ReplicaManager(storage::LogManager& logs, Purgatory& fetch_purgatory,
                               BrokerId local_broker)
    : logs_(logs),
      fetch_purgatory_(fetch_purgatory),
      local_broker_(local_broker.value()),
      produce_purgatory_("reaper-Produce") {}

ReplicaManager::~ReplicaManager() {
  shutdown();
}

void ReplicaManager::start(ReplicationSettings settings, IsrStore isr_store) {
  if (local_broker_.load() < 0) {
    // Fetchers identify themselves with replica_id = broker id; -1 would make them consumers.
    throw std::logic_error("ReplicaManager::start needs the broker id (constructor argument)");
  }
  if (started_.exchange(true)) return;
  settings_ = settings;
  settings_.fetcher.local_broker = local_broker_.load();
  isr_store_ = std::move(isr_store);
  fetchers_ = std::make_unique<replication::ReplicaFetcherManager>(
      settings_.fetcher, [this](const TopicPartition& tp) { return get_hosted(tp); });
  isr_thread_ = std::make_unique<TaskThread>("isr");
  last_isr_propagation_ms_ = wall_ms();
  schedule_shrink();
  schedule_propagation();
}

void ReplicaManager::shutdown() {
  if (fetchers_) fetchers_->shutdown();
  if (isr_thread_) isr_thread_->stop();
  produce_purgatory_.stop();
}

void ReplicaManager::schedule_shrink() {
  auto period =
      std::chrono::milliseconds(std::max<int64_t>(settings_.replica_lag_time_max_ms / 2, 1));
  isr_thread_->post_after(period, [this] {
    maybe_shrink_isr(wall_ms());
    schedule_shrink();
  });
}

void ReplicaManager::schedule_propagation() {
  isr_thread_->post_after(std::chrono::milliseconds(settings_.isr_change_propagation_interval_ms),
                          [this] {
                            maybe_propagate_isr_changes(wall_ms());
                            schedule_propagation();
                          });
}

std::shared_ptr<Partition> ReplicaManager::get(const TopicPartition& tp) const {
  auto p = get_hosted(tp);
  return p && p->is_leader() ? p : nullptr;
}

std::shared_ptr<Partition> ReplicaManager::get_hosted(const TopicPartition& tp) const {
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

std::shared_ptr<Partition> ReplicaManager::get_or_create_partition(
    const TopicPartition& tp, const storage::LogConfig& config) {
  if (auto p = get_hosted(tp)) return p;
  auto log = logs_.get_or_create_log(tp, config);
  std::unique_lock lock(mutex_);
  auto [it, inserted] =
      partitions_.emplace(tp, std::make_shared<Partition>(tp, log, BrokerId(local_broker_.load())));
  return it->second;
}

std::map<TopicPartition, ErrorCode> ReplicaManager::apply_leader_and_isr(
    BrokerId local_broker, const std::vector<PartitionRole>& partitions,
    const std::map<BrokerId, LeaderEndpoint>& leaders, const LogConfigLookup& log_config) {
  local_broker_ = local_broker.value();
  std::map<TopicPartition, ErrorCode> out;
  std::vector<const PartitionRole*> to_lead, to_follow;
  for (const auto& role : partitions) {
    bool hosted =
        std::find(role.replicas.begin(), role.replicas.end(), local_broker) != role.replicas.end();
    if (!hosted) {
      out[role.tp] = ErrorCode::kUnknownTopicOrPartition;
      continue;
    }
    auto existing = get_hosted(role.tp);
    if (existing && existing->leader_epoch() >= role.leader_epoch) {
      KB_LOG_WARN("state.change") << "Ignoring LeaderAndIsr for " << role.tp.to_string()
                                  << ": leader epoch " << role.leader_epoch.value()
                                  << " is not newer than " << existing->leader_epoch().value();
      out[role.tp] = ErrorCode::kStaleControllerEpoch;
      continue;
    }
    (role.leader == local_broker ? to_lead : to_follow).push_back(&role);
  }

  // Leaders: stop fetching them, take over with the new epoch.
  std::set<TopicPartition> leading;
  for (const auto* role : to_lead) leading.insert(role->tp);
  if (fetchers_ && !leading.empty()) fetchers_->remove_fetchers(leading);
  for (const auto* role : to_lead) {
    try {
      auto partition = get_or_create_partition(role->tp, log_config(role->tp.topic));
      partition->make_leader(*role, wall_ms());
      out[role->tp] = ErrorCode::kNone;
      on_high_watermark_moved(role->tp);
    } catch (const std::exception& e) {
      KB_LOG_ERROR("state.change")
          << "Cannot become leader of " << role->tp.to_string() << ": " << e.what();
      out[role->tp] = ErrorCode::kKafkaStorageError;
    }
  }

  // Followers: stop serving produce, (re)start fetching from the new leader with truncation.
  std::map<TopicPartition, std::pair<LeaderEndpoint, LeaderEpoch>> fetch_from;
  std::set<TopicPartition> not_fetching;
  for (const auto* role : to_follow) {
    try {
      auto partition = get_or_create_partition(role->tp, log_config(role->tp.topic));
      bool changed = partition->make_follower(*role);
      out[role->tp] = ErrorCode::kNone;
      // Waiting acks=all produces on it can now only fail with NOT_LEADER_OR_FOLLOWER.
      produce_purgatory_.check(role->tp);
      fetch_purgatory_.check(role->tp);
      auto leader = leaders.find(role->leader);
      if (leader == leaders.end() || role->leader.value() < 0) {
        // Kafka: a follower whose leader is not live waits for the next LeaderAndIsr.
        not_fetching.insert(role->tp);
        continue;
      }
      if (changed) fetch_from[role->tp] = {leader->second, role->leader_epoch};
    } catch (const std::exception& e) {
      KB_LOG_ERROR("state.change")
          << "Cannot become follower of " << role->tp.to_string() << ": " << e.what();
      out[role->tp] = ErrorCode::kKafkaStorageError;
    }
  }
  if (fetchers_) {
    if (!not_fetching.empty()) fetchers_->remove_fetchers(not_fetching);
    if (!fetch_from.empty()) fetchers_->add_fetchers(fetch_from);
    fetchers_->shutdown_idle_threads();
  } else if (!fetch_from.empty()) {
    KB_LOG_WARN("state.change") << "Replication not started: " << fetch_from.size()
                                << " follower partition(s) will not fetch";
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
  if (fetchers_) fetchers_->shutdown_idle_threads();
  return out;
}

void ReplicaManager::stop_replica(const TopicPartition& tp, bool delete_data) {
  if (fetchers_) fetchers_->remove_fetchers({tp});
  {
    std::unique_lock lock(mutex_);
    partitions_.erase(tp);
  }
  produce_purgatory_.check(tp);
  fetch_purgatory_.check(tp);
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
  auto result = partition->append_as_leader(batches, acks, min_insync_replicas, wall_ms());
  out.error = result.error;
  if (result.error != ErrorCode::kNone) return out;
  out.base_offset = result.first_offset.value();
  out.last_offset = result.last_offset.value();
  out.log_append_time = result.log_append_time;
  out.log_start_offset = result.log_start_offset.value();
  // New data for waiting (follower) fetches; a moved HW also wakes consumers and producers.
  fetch_purgatory_.check(tp);
  produce_purgatory_.check(tp);
  return out;
}

void ReplicaManager::await_replication(const std::shared_ptr<replication::DelayedProduce>& op) {
  if (op->try_complete()) return;
  // Purgatory::add retries once after registering, so a HW move in between is not missed.
  produce_purgatory_.add(op, op->keys());
}

ReplicationCheck ReplicaManager::check_replicated(const TopicPartition& tp, int64_t required_offset,
                                                  int32_t min_insync_replicas) const {
  auto partition = get_hosted(tp);
  if (!partition) return {true, ErrorCode::kNotLeaderOrFollower};
  return partition->check_replicated(required_offset, min_insync_replicas);
}

void ReplicaManager::on_high_watermark_moved(const TopicPartition& tp) {
  produce_purgatory_.check(tp);
  fetch_purgatory_.check(tp);
}

void ReplicaManager::record_follower_fetch(const TopicPartition& tp, BrokerId follower,
                                           int64_t fetch_offset) {
  auto partition = get(tp);
  if (!partition) return;
  bool may_expand = false;
  bool hw_moved = partition->record_follower_fetch(follower, fetch_offset, wall_ms(), &may_expand);
  if (hw_moved) on_high_watermark_moved(tp);
  if (may_expand && isr_thread_) {
    auto key = std::make_pair(tp, follower.value());
    {
      std::lock_guard lock(isr_change_mu_);
      if (!expansion_scheduled_.insert(key).second) return;  // already queued
    }
    isr_thread_->post([this, key] {
      {
        std::lock_guard lock(isr_change_mu_);
        expansion_scheduled_.erase(key);
      }
      maybe_expand_isr(key.first, BrokerId(key.second));
    });
  }
}

void ReplicaManager::maybe_expand_isr(const TopicPartition& tp, BrokerId follower) {
  auto partition = get(tp);
  if (!partition) return;
  auto proposal = partition->propose_expand(follower);
  if (proposal && write_isr(*proposal)) isr_expands_++;
}

void ReplicaManager::maybe_shrink_isr(int64_t now) {
  std::vector<std::shared_ptr<Partition>> leaders;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [tp, p] : partitions_)
      if (p->is_leader()) leaders.push_back(p);
  }
  for (const auto& p : leaders) {
    auto proposal = p->propose_shrink(now, settings_.replica_lag_time_max_ms);
    if (!proposal) continue;
    log::state_change("Shrinking ISR of " + p->tp().to_string() + ": followers lag more than " +
                      std::to_string(settings_.replica_lag_time_max_ms) + " ms");
    if (write_isr(*proposal)) isr_shrinks_++;
  }
}

bool ReplicaManager::write_isr(const IsrProposal& proposal) {
  if (!isr_store_.write) return false;
  auto partition = get(proposal.tp);
  if (!partition) return false;
  IsrStore::State state{proposal.leader, proposal.leader_epoch, proposal.new_isr,
                        proposal.controller_epoch, proposal.zk_version};
  try {
    auto version = isr_store_.write(proposal.tp, state, proposal.zk_version);
    if (!version) {
      // Someone (the controller) rewrote the state. If it is still our epoch, adopt its
      // zkVersion so the next attempt can succeed; otherwise a LeaderAndIsr is on its way.
      auto current = isr_store_.read ? isr_store_.read(proposal.tp) : std::nullopt;
      if (current && current->leader_epoch == proposal.leader_epoch) {
        partition->adopt_zk_version(proposal.leader_epoch, current->version);
      }
      KB_LOG_INFO("state.change") << "ISR update of " << proposal.tp.to_string()
                                  << " hit a stale zkVersion " << proposal.zk_version.value()
                                  << "; skipped";
      return false;
    }
    if (!partition->apply_isr(proposal, *version)) return false;
  } catch (const std::exception& e) {
    KB_LOG_WARN("state.change") << "ISR update of " << proposal.tp.to_string()
                                << " failed: " << e.what();
    return false;
  }
  {
    std::lock_guard lock(isr_change_mu_);
    pending_isr_changes_.insert(proposal.tp);
    last_isr_change_ms_ = wall_ms();
  }
  on_high_watermark_moved(proposal.tp);
  return true;
}

void ReplicaManager::maybe_propagate_isr_changes(int64_t now) {
  std::set<TopicPartition> changes;
  {
    std::lock_guard lock(isr_change_mu_);
    if (pending_isr_changes_.empty()) return;
    bool quiet = last_isr_change_ms_ + settings_.isr_change_blackout_ms < now;
    bool overdue = last_isr_propagation_ms_ + settings_.isr_change_max_delay_ms < now;
    if (!quiet && !overdue) return;
    changes.swap(pending_isr_changes_);
    last_isr_propagation_ms_ = now;
  }
  if (!isr_store_.propagate) return;
  try {
    isr_store_.propagate(changes);
  } catch (const std::exception& e) {
    KB_LOG_WARN("state.change") << "Cannot write the ISR change notification: " << e.what();
    std::lock_guard lock(isr_change_mu_);
    pending_isr_changes_.insert(changes.begin(), changes.end());
  }
}

size_t ReplicaManager::partition_count() const {
  std::shared_lock lock(mutex_);
  return partitions_.size();
}

size_t ReplicaManager::under_replicated_partitions() const {
  std::shared_lock lock(mutex_);
  size_t n = 0;
  for (const auto& [tp, p] : partitions_) n += p->is_under_replicated() ? 1 : 0;
  return n;
}

size_t ReplicaManager::leader_count() const {
  std::shared_lock lock(mutex_);
  size_t n = 0;
  for (const auto& [tp, p] : partitions_) n += p->is_leader() ? 1 : 0;
  return n;
}

}  // namespace kb::broker
