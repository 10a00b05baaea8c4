#pragma once
// The partitions this broker hosts and their role. For now a broker hosts only partitions it
// leads with ISR = {itself} (replication comes with the replication issue), so the high watermark
// follows the log end offset on every append.
//
// Thread safety: the partition map is guarded by a shared mutex (lookups from network threads,
// changes from the metadata sync thread). Each Partition's log is internally synchronised.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <shared_mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "broker/purgatory.h"
#include "broker/storage/log.h"
#include "broker/storage/log_manager.h"
#include "common/error_code.h"
#include "common/types.h"

namespace kb::broker {

// A partition this broker leads. Only the ISR's size matters until followers exist (the
// replication issue): it decides min.insync.replicas for acks=all.
class Partition {
 public:
  Partition(TopicPartition tp, std::shared_ptr<storage::Log> log, LeaderEpoch epoch,
            const std::vector<int32_t>& isr)
      : tp_(std::move(tp)),
        log_(std::move(log)),
        leader_epoch_(epoch.value()),
        isr_size_(isr.size()) {}
  const TopicPartition& tp() const { return tp_; }
  const std::shared_ptr<storage::Log>& log() const { return log_; }
  LeaderEpoch leader_epoch() const { return LeaderEpoch(leader_epoch_.load()); }
  void set_leader_epoch(LeaderEpoch e) { leader_epoch_ = e.value(); }
  size_t isr_size() const { return isr_size_.load(); }
  void set_isr(const std::vector<int32_t>& isr) { isr_size_ = isr.size(); }

 private:
  TopicPartition tp_;
  std::shared_ptr<storage::Log> log_;
  std::atomic<int32_t> leader_epoch_;
  std::atomic<size_t> isr_size_;
};

// One partition of a LeaderAndIsr request, as the broker applies it.
struct PartitionRole {
  TopicPartition tp;
  ControllerEpoch controller_epoch{0};
  BrokerId leader{-1};
  LeaderEpoch leader_epoch{0};
  std::vector<BrokerId> isr;
  ZkVersion zk_version{0};
  std::vector<BrokerId> replicas;
  bool is_new = false;
};

// Where a follower fetches from: the leader's inter-broker endpoint (LeaderAndIsr live_leaders).
struct LeaderEndpoint {
  BrokerId id{-1};
  std::string host;
  int32_t port = 0;
};

using LogConfigLookup = std::function<storage::LogConfig(const std::string& topic)>;

struct AppendOutcome {
  ErrorCode error = ErrorCode::kNone;
  int64_t base_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
};

class ReplicaManager {
 public:
  ReplicaManager(storage::LogManager& logs, Purgatory& fetch_purgatory)
      : logs_(logs), fetch_purgatory_(fetch_purgatory) {}

  std::shared_ptr<Partition> get(const TopicPartition& tp) const;
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

  // Makes this broker the leader of `tp` (creating its log when missing).
  void become_leader(const TopicPartition& tp, LeaderEpoch epoch, std::vector<int32_t> isr,
                     const storage::LogConfig& config);
  // Stops hosting `tp`; deletes its data when `delete_data`.
  void stop_replica(const TopicPartition& tp, bool delete_data);
  void update_config(const std::string& topic, const storage::LogConfig& config);

  // Appends already-validated v2 batches (rewritten in place). `min_insync_replicas` applies
  // only when acks == -1.
  AppendOutcome append(const TopicPartition& tp, std::span<uint8_t> batches, int16_t acks,
                       int32_t min_insync_replicas);

 private:
  storage::LogManager& logs_;
  Purgatory& fetch_purgatory_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<TopicPartition, std::shared_ptr<Partition>> partitions_;
};

}  // namespace kb::broker
