#pragma once
// The controller's in-memory view of the cluster (the role of Kafka's ControllerContext): what
// it has read from ZooKeeper plus the state machines' current states. Decisions read it; the
// only way it changes is through ContextChange records, so that a decision can compute its
// effects on a private copy and the event loop can replay exactly those effects afterwards
// (apply_change), once the fenced ZooKeeper writes have succeeded.
//
// Thread-safety: none. Owned by the controller's event thread.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "common/types.h"
#include "coordinator/controller/state_machines.h"
#include "coordinator/znodes.h"

namespace kb::coordinator::controller {

struct LiveBroker {
  BrokerInfo info;
  BrokerEpoch epoch{-1};  // czxid of /brokers/ids/N; a higher one means the broker bounced
  // Compares what brokers are told about (endpoints, rack) and the epoch; a new registration
  // timestamp alone is not worth an UpdateMetadata round.
  bool operator==(const LiveBroker& o) const {
    return info.id == o.info.id && info.endpoints == o.info.endpoints && info.rack == o.info.rack &&
           epoch == o.epoch;
  }
};

// A partition's /state znode as cached by the controller.
struct PartitionLeadership {
  LeaderAndIsr leader_and_isr;
  ZkVersion zk_version{0};  // Stat.version of /state: the expected version of the next write
  auto operator<=>(const PartitionLeadership&) const = default;
};

struct PartitionReplica {
  TopicPartition partition;
  BrokerId replica{-1};
  auto operator<=>(const PartitionReplica&) const = default;
};

// Settings the decisions depend on (broker config keys in comments).
struct ControllerSettings {
  bool unclean_leader_election_default = false;     // unclean.leader.election.enable
  bool delete_topic_enable = true;                  // delete.topic.enable
  int leader_imbalance_per_broker_percentage = 10;  // leader.imbalance.per.broker.percentage
  // Per-replica state-machine transitions are TRACE lines in Kafka: with a failover over 100,000
  // partitions they are 300,000 lines, so they are only produced when log.level is TRACE.
  bool log_replica_transitions = false;
};

struct ControllerContext {
  BrokerId controller_id{-1};
  ControllerEpoch epoch{0};
  ZkVersion epoch_zk_version{0};  // fences every write (check op on /controller_epoch)
  ControllerSettings settings;

  // Registered brokers. A broker in controlled shutdown stays here (it still gets requests) and
  // is also in shutting_down_brokers (it no longer counts as live for elections).
  std::map<BrokerId, LiveBroker> live_brokers;
  std::set<BrokerId> shutting_down_brokers;

  std::map<std::string, TopicAssignment> topics;
  std::map<TopicPartition, PartitionLeadership> leadership;
  std::map<TopicPartition, PartitionState> partition_states;
  std::map<PartitionReplica, ReplicaState> replica_states;

  std::set<std::string> topics_to_delete;
  // Queued topics that cannot progress now (offline replica, reassignment, failed StopReplica).
  std::set<std::string> topics_ineligible_for_deletion;
  // Partition -> target replicas of an ongoing reassignment.
  std::map<TopicPartition, std::vector<BrokerId>> partitions_being_reassigned;

  // Per-topic `unclean.leader.election.enable` from /config/topics/T; absent = broker default.
  std::map<std::string, bool> unclean_leader_election_overrides;

  // ---- queries ----
  // Live for elections: registered and not shutting down.
  bool is_live(BrokerId id) const;
  // Entitled to requests: registered (shutting-down brokers included).
  bool is_live_or_shutting_down(BrokerId id) const { return live_brokers.contains(id); }
  std::vector<BrokerId> live_or_shutting_down_ids() const;  // ascending
  std::set<BrokerId> live_ids() const;                      // excludes shutting down

  bool has_partition(const TopicPartition& tp) const;
  std::vector<BrokerId> replicas(const TopicPartition& tp) const;  // assignment order
  std::vector<TopicPartition> partitions_of(const std::string& topic) const;
  std::vector<TopicPartition> all_partitions() const;
  std::vector<TopicPartition> partitions_on_broker(BrokerId id) const;
  std::vector<PartitionReplica> replicas_on_brokers(const std::set<BrokerId>& ids) const;
  std::vector<PartitionReplica> replicas_of_topic(const std::string& topic) const;

  PartitionState partition_state(const TopicPartition& tp) const;  // NonExistent when absent
  ReplicaState replica_state(const PartitionReplica& r) const;     // NonExistent when absent
  const PartitionLeadership* find_leadership(const TopicPartition& tp) const;

  bool is_queued_for_deletion(const std::string& topic) const {
    return topics_to_delete.contains(topic);
  }
  bool unclean_leader_election_enabled(const std::string& topic) const;
};

// ---- the changes a decision makes to the context ----
namespace change {
struct SetLiveBroker {
  BrokerId id;
  LiveBroker broker;
};
struct RemoveLiveBroker {
  BrokerId id;
};
struct SetShuttingDown {
  BrokerId id;
  bool shutting_down;
};
struct SetTopicAssignment {
  std::string topic;
  TopicAssignment assignment;
};
struct RemoveTopic {
  std::string topic;
};  // assignment, leadership, states, deletion marks
struct SetLeadership {
  TopicPartition partition;
  PartitionLeadership leadership;
};
struct SetPartitionState {
  TopicPartition partition;
  PartitionState state;
};
struct SetReplicaState {
  PartitionReplica replica;
  ReplicaState state;
};
struct SetQueuedForDeletion {
  std::string topic;
  bool queued;
};
struct SetIneligibleForDeletion {
  std::string topic;
  bool ineligible;
};
struct SetUncleanOverride {
  std::string topic;
  std::optional<bool> enabled;
};  // nullopt: default
}  // namespace change

using ContextChange =
    std::variant<change::SetLiveBroker, change::RemoveLiveBroker, change::SetShuttingDown,
                 change::SetTopicAssignment, change::RemoveTopic, change::SetLeadership,
                 change::SetPartitionState, change::SetReplicaState, change::SetQueuedForDeletion,
                 change::SetIneligibleForDeletion, change::SetUncleanOverride>;

void apply_change(ControllerContext& context, const ContextChange& c);

// Everything read from ZooKeeper at failover (reference §3.2 step 4-5).
struct ControllerSnapshot {
  BrokerId controller_id{-1};
  ControllerEpoch epoch{0};
  ZkVersion epoch_zk_version{0};
  std::map<BrokerId, LiveBroker> brokers;
  std::map<std::string, TopicAssignment> topics;
  std::map<TopicPartition, PartitionLeadership> partition_states;  // partitions with a /state
  std::set<std::string> topics_marked_for_deletion;                // /admin/delete_topics children
  std::map<TopicPartition, std::vector<BrokerId>> reassignments;   // /admin/reassign_partitions
  std::vector<TopicPartition> pending_preferred_elections;  // /admin/preferred_replica_election
  std::map<std::string, bool> unclean_leader_election_overrides;  // from /config/topics/T
};

// Builds the context a new controller starts from, with the initial state-machine states of
// §3.2 steps 7-8 (replicas Online or DeletionIneligible; partitions New, Online or Offline).
ControllerContext context_from_snapshot(const ControllerSnapshot& snapshot,
                                        const ControllerSettings& settings);

std::vector<BrokerId> to_broker_ids(const std::vector<int32_t>& ids);

}  // namespace kb::coordinator::controller
