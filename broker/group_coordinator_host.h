#pragma once
// Runs the group coordinator inside the broker: its timers, its appends to __consumer_offsets
// through the ReplicaManager (acks=all, offsets.commit.timeout.ms), loading a partition's groups
// when this broker becomes its leader and dropping them when it stops leading, the periodic
// offset expiry, and creating __consumer_offsets on first use.
//
// Thread safety: every public method may be called from any thread.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "broker/group/group_coordinator.h"
#include "broker/replication/partition.h"

namespace kb::broker {

class BrokerServices;
class TaskThread;

inline constexpr const char* kOffsetsTopic = "__consumer_offsets";

class GroupCoordinatorHost {
 public:
  explicit GroupCoordinatorHost(BrokerServices& services);
  ~GroupCoordinatorHost();

  group::GroupCoordinator& coordinator() { return *coordinator_; }

  // LeaderAndIsr was applied: partitions of __consumer_offsets this broker now leads start
  // loading; those it follows are dropped.
  void on_leader_and_isr(const std::vector<PartitionRole>& roles, const std::vector<bool>& applied);
  // StopReplica for these partitions (of any topic): drops the offsets ones.
  void on_stop_replica(const std::vector<TopicPartition>& partitions);

  // True when __consumer_offsets exists in the metadata; otherwise asks for its creation (once
  // at a time) and returns false: callers answer COORDINATOR_NOT_AVAILABLE meanwhile.
  bool ensure_offsets_topic();

  // Stops timers and loads; appends still waiting are answered by the produce purgatory's
  // shutdown. Call before ReplicaManager::shutdown.
  void shutdown();

 private:
  class Environment;
  void schedule_expiry();

  BrokerServices& services_;
  std::unique_ptr<TaskThread> timers_;
  std::unique_ptr<TaskThread> loader_;
  std::unique_ptr<Environment> env_;
  std::unique_ptr<group::GroupCoordinator> coordinator_;
  std::atomic<bool> stopped_{false};
};

}  // namespace kb::broker
