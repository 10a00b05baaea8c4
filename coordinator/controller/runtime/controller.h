#pragma once
// The controller as a running service (the role of Kafka's KafkaController): one event thread
// that drains a queue of ControllerEvents. ZooKeeper watchers and request handlers only enqueue;
// the thread reads what an event needs from ZooKeeper, calls the pure decide_*() functions,
// executes the Decision (writes fenced on the /controller_epoch zkVersion, then requests through
// the ControllerChannel) and applies it to its ControllerContext.
//
// Every broker runs one; it is active only while this broker holds /controller.
//
// Thread-safety: public methods may be called from any thread except the ZooKeeper completion
// thread (enqueueing from there is done internally by the watchers).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error_code.h"
#include "common/types.h"
#include "coordinator/controller/channel.h"
#include "coordinator/controller/channel/request_encoding.h"
#include "coordinator/controller/controller_context.h"
#include "coordinator/controller/decisions.h"

namespace kb::coordinator {
class KafkaZk;
}

namespace kb::coordinator::controller {

// What a ControlledShutdown gets from a broker that is not (or no longer) the controller: Kafka
// answers ControllerMovedException, whose wire code is STALE_CONTROLLER_EPOCH (11), not
// NOT_CONTROLLER (41).
inline constexpr ErrorCode kControllerMoved = ErrorCode::kStaleControllerEpoch;

struct ControllerOptions {
  BrokerId broker_id{-1};
  ControllerSettings settings;
  bool auto_leader_rebalance_enable = true;  // auto.leader.rebalance.enable
  std::chrono::milliseconds leader_imbalance_check_interval{300000};  // ...check.interval.seconds
  // The listener whose endpoint the controller connects to (inter.broker.listener.name, or the
  // listener of security.inter.broker.protocol).
  std::string inter_broker_listener_name = "PLAINTEXT";
  InterBrokerVersions versions;
};

// AlterPartitionReassignments' answer: a top-level error (NOT_CONTROLLER when this broker is not
// or stops being the controller) or one result per partition.
struct AlterReassignmentsReply {
  ErrorCode error = ErrorCode::kNone;
  std::map<TopicPartition, ReassignmentResult> results;
};

// ListPartitionReassignments' answer: a top-level error or the ongoing reassignments.
struct ListReassignmentsReply {
  ErrorCode error = ErrorCode::kNone;
  std::map<TopicPartition, OngoingReassignment> reassignments;
};

struct Reply;

// Counters the tests and (later) the metrics endpoint read.
struct ControllerMetrics {
  bool active = false;                   // ActiveControllerCount
  int32_t offline_partitions = 0;        // OfflinePartitionsCount
  int64_t unclean_leader_elections = 0;  // UncleanLeaderElectionsPerSec (count)
  int64_t controller_changes = 0;        // times this broker became controller
  // Failover: from winning the election to every live broker having answered UpdateMetadata.
  int64_t last_failover_ms = -1;
};

class Controller {
 public:
  Controller(KafkaZk& zk, ControllerChannel& channel, ControllerOptions options);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts the event thread and enqueues the StartupEvent (arm the /controller watch, elect).
  void startup();
  // Resigns if active (deletes /controller fenced on the epoch) and stops the thread.
  void shutdown();

  bool is_active() const { return active_.load(); }
  // The controller this broker last saw in /controller (-1 when none).
  BrokerId controller_id() const { return BrokerId(controller_id_.load()); }
  // Epoch this broker holds while active; 0 otherwise.
  ControllerEpoch epoch() const { return ControllerEpoch(epoch_.load()); }

  // ZooKeeper session events, forwarded by the broker. On expiry the controller resigns; after
  // the broker has re-registered in a new session it runs the election again.
  void on_session_expired();
  void on_new_session();

  // A ControlledShutdown request (handler thread). `reply` runs on the controller thread; it
  // gets kControllerMoved when this broker is not (or stops being) the controller, and
  // STALE_BROKER_EPOCH when `epoch` is older than the registration's.
  void controlled_shutdown(BrokerId id, BrokerEpoch epoch,
                           std::function<void(const ControlledShutdownReply&)> reply);

  // AlterPartitionReassignments / ListPartitionReassignments (handler thread); `reply` runs on
  // the controller thread, with NOT_CONTROLLER when this broker is not the controller.
  void alter_partition_reassignments(
      std::map<TopicPartition, std::optional<std::vector<BrokerId>>> reassignments,
      std::function<void(const AlterReassignmentsReply&)> reply);
  void list_partition_reassignments(std::optional<std::vector<TopicPartition>> partitions,
                                    std::function<void(const ListReassignmentsReply&)> reply);

  // An ElectLeaders request (handler thread) for an explicit partition list. `reply` runs on
  // the controller thread once the elected leaders are written to ZooKeeper; every partition
  // gets NOT_CONTROLLER when this broker is not (or stops being) the controller.
  void elect_leaders(ElectionType type, std::vector<TopicPartition> partitions,
                     std::function<void(const ElectLeadersReply&)> reply);

  ControllerMetrics metrics() const;

 private:
  void enqueue_request(ControllerEvent event, Reply reply);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> active_{false};
  std::atomic<int32_t> controller_id_{-1};
  std::atomic<int32_t> epoch_{0};
};

}  // namespace kb::coordinator::controller
