#pragma once
// The partitions this broker hosts, as leader or follower, and replication around them (Kafka
// 2.4's ReplicaManager): LeaderAndIsr/StopReplica, leader appends with acks=all through the
// produce purgatory, the leader's view of follower fetches (high watermark, ISR expansion), the
// periodic ISR shrink, ISR writes to ZooKeeper with /isr_change_notification, and the replica
// fetcher threads of followers.
//
// Thread safety: the partition map is guarded by a shared mutex (lookups from network threads,
// changes from the controller-request thread). Partition state is internally synchronised.
// ZooKeeper writes (ISR changes) run only on the replication task thread, never on a network
// thread.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/purgatory.h"
#include "broker/replication/delayed_produce.h"
#include "broker/replication/partition.h"
#include "broker/replication/replica_fetcher.h"
#include "broker/storage/log.h"
#include "broker/storage/log_manager.h"
#include "common/error_code.h"
#include "common/types.h"

namespace kb::config {
class ConfigValues;
}
namespace kb::coordinator {
class KafkaZk;
}

namespace kb::broker {

class TaskThread;

using LogConfigLookup = std::function<storage::LogConfig(const std::string& topic)>;

struct AppendOutcome {
  ErrorCode error = ErrorCode::kNone;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
};

struct ReplicationSettings {
  int64_t replica_lag_time_max_ms = 30000;  // replica.lag.time.max.ms
  // Kafka's batching of /isr_change_notification: checked every 2.5 s, pending changes go out
  // once no ISR changed for 5 s (blackout) or 60 s passed since the last notification.
  int64_t isr_change_propagation_interval_ms = 2500;
  int64_t isr_change_blackout_ms = 5000;
  int64_t isr_change_max_delay_ms = 60000;
  replication::FetcherSettings fetcher;  // local_broker is filled from the broker id
  // The broker config's replica.* keys.
  static ReplicationSettings from_config(const config::ConfigValues& config);
};

// Where ISR changes go; ReplicaManager::start builds it from KafkaZk, tests inject fakes.
struct IsrStore {
  struct State {
    BrokerId leader{-1};
    LeaderEpoch leader_epoch{0};
    std::vector<BrokerId> isr;
    ControllerEpoch controller_epoch{0};
    ZkVersion version{-1};
  };
  // Conditional write of .../partitions/P/state at `expected`; the new zkVersion, or nullopt on
  // BADVERSION. Throws on other errors.
  std::function<std::optional<ZkVersion>(const TopicPartition&, const State&, ZkVersion expected)>
      write;
  std::function<std::optional<State>(const TopicPartition&)> read;
  // Creates one /isr_change_notification/isr_change_<seq> for these partitions.
  std::function<void(const std::set<TopicPartition>&)> propagate;
  static IsrStore from_kafka_zk(coordinator::KafkaZk& zk);
};

class ReplicaManager {
 public:
  ReplicaManager(storage::LogManager& logs, Purgatory& fetch_purgatory,
                 BrokerId local_broker = BrokerId(-1));
  ~ReplicaManager();

  // Starts replication: the ISR shrink task (every replica.lag.time.max.ms / 2), ISR change
  // propagation, and enables follower fetchers. Call once, after ZooKeeper registration and
  // before the first LeaderAndIsr can arrive. Without it the broker still leads partitions (as
  // before) but runs no fetchers and never changes the ISR.
  void start(ReplicationSettings settings, IsrStore isr_store);
  // Stops fetchers, the ISR task and the produce purgatory (expiring waiting produces). Call
  // before LogManager::shutdown. Idempotent.
  void shutdown();

  // The partition when this broker LEADS it (what produce/fetch/list-offsets serve); null
  // otherwise, followers included.
  std::shared_ptr<Partition> get(const TopicPartition& tp) const;
  // Any hosted partition, leader or follower.
  std::shared_ptr<Partition> get_hosted(const TopicPartition& tp) const;
  // All hosted partitions, leaders and followers.
  std::vector<TopicPartition> partitions() const;

  // Applies the partitions of one LeaderAndIsr request whose controller epoch the handler has
  // already checked. Per partition: kNone; kStaleControllerEpoch when the request's leader epoch
  // is not newer than the one this broker has (the partition is left alone, as Kafka does);
  // kUnknownTopicOrPartition when this broker is not among the replicas. Leaders are made
  // first, then followers (which start fetching from `leaders`). Blocking (creates logs,
  // truncates): call it off the network threads.
  std::map<TopicPartition, ErrorCode> apply_leader_and_isr(
      BrokerId local_broker, const std::vector<PartitionRole>& partitions,
      const std::map<BrokerId, LeaderEndpoint>& leaders, const LogConfigLookup& log_config);
  // StopReplica: stops fetching and serving each partition; deletes its log when asked.
  // Per-partition error (kNone normally). Blocking.
  std::map<TopicPartition, ErrorCode> stop_replicas(const std::vector<TopicPartition>& partitions,
                                                    bool delete_partitions);

  // Stops hosting `tp`; deletes its data when `delete_data`.
  void stop_replica(const TopicPartition& tp, bool delete_data);
  void update_config(const std::string& topic, const storage::LogConfig& config);

  // Appends already-validated v2 batches (rewritten in place) as leader. `min_insync_replicas`
  // applies only when acks == -1 (kNotEnoughReplicas before the append).
  AppendOutcome append(const TopicPartition& tp, std::span<uint8_t> batches, int16_t acks,
                       int32_t min_insync_replicas);
  // acks=all: parks `op` until its partitions' high watermarks pass their appends.
  void await_replication(const std::shared_ptr<replication::DelayedProduce>& op);
  ReplicationCheck check_replicated(const TopicPartition& tp, int64_t required_offset,
                                    int32_t min_insync_replicas) const;

  // Leader side of a follower's Fetch: records its fetch offset (lastCaughtUpTime, LEO),
  // advances the HW (completing waiting produces/fetches) and schedules an ISR expansion on the
  // ISR thread when the follower caught up. No-op when this broker does not lead `tp`.
  void record_follower_fetch(const TopicPartition& tp, BrokerId follower, int64_t fetch_offset);

  // One pass of the periodic tasks (the task thread runs them; tests call them directly).
  void maybe_shrink_isr(int64_t now_ms);
  void maybe_expand_isr(const TopicPartition& tp, BrokerId follower);
  void maybe_propagate_isr_changes(int64_t now_ms);

  // Metrics.
  size_t under_replicated_partitions() const;
  int64_t isr_shrinks() const { return isr_shrinks_.load(); }
  int64_t isr_expands() const { return isr_expands_.load(); }
  size_t leader_count() const;
  size_t partition_count() const;

 private:
  std::shared_ptr<Partition> get_or_create_partition(const TopicPartition& tp,
                                                     const storage::LogConfig& config);
  // Writes an ISR proposal to ZooKeeper and applies it; true when applied.
  bool write_isr(const IsrProposal& proposal);
  void on_high_watermark_moved(const TopicPartition& tp);
  void schedule_shrink();
  void schedule_propagation();

  storage::LogManager& logs_;
  Purgatory& fetch_purgatory_;
  std::atomic<int32_t> local_broker_;
  Purgatory produce_purgatory_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<TopicPartition, std::shared_ptr<Partition>> partitions_;

  ReplicationSettings settings_;
  IsrStore isr_store_;
  std::unique_ptr<replication::ReplicaFetcherManager> fetchers_;
  std::unique_ptr<TaskThread> isr_thread_;  // ZooKeeper writes and the periodic ISR tasks
  std::atomic<bool> started_{false};

  std::mutex isr_change_mu_;
  std::set<TopicPartition> pending_isr_changes_;
  int64_t last_isr_propagation_ms_ = 0;
  int64_t last_isr_change_ms_ = 0;
  std::set<std::pair<TopicPartition, int32_t>> expansion_scheduled_;  // guarded by isr_change_mu_

  std::atomic<int64_t> isr_shrinks_{0};
  std::atomic<int64_t> isr_expands_{0};
};

}  // namespace kb::broker
