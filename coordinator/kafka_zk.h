#pragma once
// Typed Kafka operations over ZooKeeper (the role of Kafka's KafkaZkClient): paths and JSON come
// from znodes.h; this file adds the protocols (checked ephemeral registration, controller
// election, epoch-fenced writes, pipelined partition-state writes).
#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/types.h"
#include "coordinator/zk_client.h"
#include "coordinator/znodes.h"

namespace kb::coordinator {

struct TopicAssignmentWithVersion {
  TopicAssignment assignment;
  ZkVersion version{-1};
};

struct PartitionStateWithVersion {
  LeaderAndIsr state;
  ZkVersion version{-1};  // the partition's zkVersion ("partition epoch")
};

struct ControllerElection {
  ControllerEpoch epoch{0};
  ZkVersion epoch_zk_version{-1};  // Stat.version of /controller_epoch; fences later writes
};

enum class CreateTopicResult { kCreated, kAlreadyExists };

// Outcome of one partition-state write.
struct PartitionWriteResult {
  ZkCode code = ZkCode::kOk;
  ZkVersion new_version{-1};             // valid when code == kOk
  bool controller_epoch_mismatch = false;  // the /controller_epoch check failed (we are fenced)
};

// Thread-safety: all methods are blocking and may be called from any thread except the ZooKeeper
// completion thread (ZkClient rejects that with std::logic_error). Watch callbacks run on the
// completion thread and must only enqueue work; re-arm a watch by calling the same watch_*
// method again from your own thread. Unexpected ZooKeeper errors throw ZkError; decode failures
// throw ZnodeDecodeError.
class KafkaZk {
 public:
  explicit KafkaZk(ZkClient& zk) : zk_(zk) {}
  ZkClient& client() { return zk_; }

  // ---- startup ----
  void create_top_level_paths();  // reference §1.1, each persistent with null data
  // Reads /cluster/id, creating it with a fresh 22-char url-safe base64 UUID when missing.
  std::string get_or_create_cluster_id();
  // Checked ephemeral /brokers/ids/N (multi: create null + setData version 0). Returns the
  // broker epoch (the node's czxid). If another session holds the id, re-checks every 500 ms for
  // session_timeout_ms + kExpirySlackMs (a killed broker's node goes when its session expires),
  // then throws ZkError("Broker id N is already registered by a live broker (session 0x...)").
  BrokerEpoch register_broker(const BrokerInfo& info, int session_timeout_ms);
  static constexpr int kExpirySlackMs = 2000;  // ZooKeeper expires sessions on tick boundaries

  // ---- brokers ----
  std::vector<BrokerId> get_sorted_broker_ids();
  std::optional<std::pair<BrokerInfo, BrokerEpoch>> get_broker(BrokerId id);
  std::map<BrokerId, std::pair<BrokerInfo, BrokerEpoch>> get_all_brokers_and_epochs();

  // ---- topics ----
  std::vector<std::string> get_all_topics();  // sorted
  std::optional<TopicAssignmentWithVersion> get_topic_assignment(const std::string& topic);
  // Writes /config/topics/T (set or create), then creates /brokers/topics/T (v2 JSON).
  CreateTopicResult create_topic(const std::string& topic, const ReplicaAssignment& assignment,
                                 const TopicConfigMap& configs);
  // Rewrites /brokers/topics/T (adding partitions). expected: kAnyVersion-like when nullopt.
  // Returns kOk, kNoNode or kBadVersion.
  ZkCode set_topic_assignment(const std::string& topic, const TopicAssignment& assignment,
                              std::optional<ZkVersion> expected_version = std::nullopt);

  // ---- partition state ----
  std::optional<PartitionStateWithVersion> get_partition_state(const std::string& topic,
                                                               int32_t partition);
  // Creates .../partitions, .../partitions/P (ignoring NodeExists) and .../P/state, all
  // pipelined. With an epoch zkVersion, each state create is a multi fenced on /controller_epoch.
  std::map<TopicPartition, PartitionWriteResult> create_partition_states(
      const std::map<TopicPartition, LeaderAndIsr>& states,
      std::optional<ZkVersion> controller_epoch_zk_version = std::nullopt);
  // Conditional setData of each state on its expected zkVersion, pipelined; kBadVersion when
  // the partition moved on.
  std::map<TopicPartition, PartitionWriteResult> update_partition_states(
      const std::map<TopicPartition, std::pair<LeaderAndIsr, ZkVersion>>& updates,
      std::optional<ZkVersion> controller_epoch_zk_version = std::nullopt);
  PartitionWriteResult update_partition_state(
      const TopicPartition& tp, const LeaderAndIsr& state, ZkVersion expected_version,
      std::optional<ZkVersion> controller_epoch_zk_version = std::nullopt);

  // ---- topic configs ----
  TopicConfigMap get_topic_config(const std::string& topic);  // empty when none
  // Writes /config/topics/T, then the /config/changes/config_change_ notification.
  void set_topic_config(const std::string& topic, const TopicConfigMap& configs);

  // ---- deletion ----
  // kOk, kNodeExists (already marked) or kNoNode (no such topic).
  ZkCode mark_topic_for_deletion(const std::string& topic);
  std::vector<std::string> get_topics_marked_for_deletion();  // sorted
  // Deletes /brokers/topics/T (recursively), /config/topics/T and /admin/delete_topics/T in one
  // multi, fenced when an epoch zkVersion is given. Returns kOk (also when already gone) or the
  // failing code (kBadVersion on the epoch check: fenced).
  ZkCode delete_topic_znodes(const std::string& topic,
                             std::optional<ZkVersion> controller_epoch_zk_version = std::nullopt);

  // ---- watches (callback on the completion thread; each call re-arms) ----
  std::vector<std::string> watch_topics(std::function<void()> on_change);  // children
  std::optional<TopicAssignmentWithVersion> watch_topic(const std::string& topic,
                                                        std::function<void()> on_change);
  std::optional<PartitionStateWithVersion> watch_partition_state(
      const TopicPartition& tp, std::function<void()> on_change);
  std::vector<std::string> watch_config_changes(std::function<void()> on_change);  // sorted
  std::vector<std::string> watch_delete_topics(std::function<void()> on_change);   // sorted
  std::vector<BrokerId> watch_broker_ids(std::function<void()> on_change);         // sorted
  // Exists+data watch on /controller; returns the current controller id, if any.
  std::optional<BrokerId> watch_controller(std::function<void()> on_change);
  void unwatch(const std::string& path);  // drops handlers for that path (data and children)

  // ---- controller ----
  std::optional<BrokerId> get_controller_id();
  // (epoch, zkVersion) of /controller_epoch, or nullopt when missing.
  std::optional<ControllerElection> get_controller_epoch();
  // §3.1: if /controller is free, create it (ephemeral) and bump /controller_epoch in one multi
  // conditional on the epoch's zkVersion. nullopt: someone else is (or just became) controller.
  std::optional<ControllerElection> try_elect_controller(BrokerId me);
  // Runs `ops` in one multi preceded by check(/controller_epoch, epoch_zk_version).
  MultiResult fenced_multi(std::vector<ZkOp> ops, ZkVersion epoch_zk_version);
  // True if a fenced_multi failed on its epoch check (the controller moved).
  static bool controller_moved(const MultiResult& result);
  // Deletes /controller if the epoch check passes (resignation). kOk also when already gone.
  ZkCode delete_controller(ZkVersion epoch_zk_version);

  // ---- ISR changes by partition leaders (replication; reference §7.4) ----
  // Creates /isr_change_notification/isr_change_<seq> (persistent sequential) naming these
  // partitions: {"version":1,"partitions":[{"topic":..,"partition":..}]}. No-op when empty.
  void propagate_isr_changes(const std::set<TopicPartition>& partitions);

 private:
  std::optional<GetDataResult> watch_data(const std::string& path, std::function<void()> cb);
  std::vector<std::string> watch_children(const std::string& path, std::function<void()> cb);
  PartitionWriteResult to_write_result(const MultiResult& r, bool fenced) const;

  ZkClient& zk_;
  std::atomic<int64_t> registered_session_{0};  // session that last registered this broker (ZOOKEEPER-2985)
};

// 16 random bytes (a version-4 UUID) as url-safe base64 without padding: 22 characters.
std::string generate_cluster_id();

}  // namespace kb::coordinator
