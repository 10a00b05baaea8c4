#pragma once
// The controller's decisions: (context, event data) -> Decision. A Decision says what to write
// to ZooKeeper, what to send to which broker, what to log, and how the context changes; the
// event loop executes it. Nothing here blocks, talks to ZooKeeper or opens a socket.
//
// Executing a Decision (the caller's contract):
// - Each ZkWrite is sent, in order, as a multi [check(/controller_epoch, epoch_zk_version), op].
//   A failed epoch check means another controller exists: resign, drop the Decision.
//   A partition write that fails BADVERSION means a leader changed the ISR meanwhile: re-read
//   /state into the context and decide again (Kafka retries the election in a loop).
// - Then apply_decision(context, decision) (the context assumes every write succeeded; a
//   setData produces zkVersion expected+1, a create zkVersion 0).
// - Then requests go out in vector order. They come in batches; within a batch all LeaderAndIsr
//   precede all UpdateMetadata, which precede all StopReplica (Kafka's order, so that a broker
//   learns leaders before their metadata, and stops replicas last). The sender stamps
//   controller id, controller epoch and the target's broker epoch on each.
//
// Thread-safety: pure functions; the context is read only.
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/error_code.h"
#include "common/types.h"
#include "coordinator/controller/controller_context.h"
#include "coordinator/controller/events.h"
#include "coordinator/znodes.h"

namespace kb::coordinator::controller {

// Leader value sent in UpdateMetadata for partitions of a topic being deleted: brokers drop them.
inline constexpr BrokerId kLeaderDuringDelete{-2};
// Leader epoch sent in StopReplica for a topic being deleted (deletion does not bump the epoch).
inline constexpr LeaderEpoch kEpochDuringDelete{-2};

// ---- ZooKeeper writes ----
namespace zk {
// Creates .../partitions/P and .../P/state (new partition).
struct CreatePartitionState {
  TopicPartition partition;
  LeaderAndIsr state;
  auto operator<=>(const CreatePartitionState&) const = default;
};
// Conditional setData of .../P/state.
struct UpdatePartitionState {
  TopicPartition partition;
  LeaderAndIsr state;
  ZkVersion expected_version;
  auto operator<=>(const UpdatePartitionState&) const = default;
};
// /brokers/topics/T (recursively), /config/topics/T and /admin/delete_topics/T
// (KafkaZk::delete_topic_znodes).
struct DeleteTopic {
  std::string topic;
  auto operator<=>(const DeleteTopic&) const = default;
};
// One admin or notification znode: /admin/delete_topics/T for unknown topics,
// /admin/preferred_replica_election, /isr_change_notification/isr_change_N.
struct DeleteZnode {
  std::string path;
  auto operator<=>(const DeleteZnode&) const = default;
};
// Unconditional setData of /brokers/topics/T with the whole topic's assignment (v2 JSON with
// adding_replicas / removing_replicas): reassignment phases U and B6.
struct SetTopicAssignment {
  std::string topic;
  TopicAssignment assignment;
  auto operator<=>(const SetTopicAssignment&) const = default;
};
// Drops one partition from /admin/reassign_partitions: the executor reads the znode, rewrites it
// without the partition (conditional on the version read) or deletes it when nothing is left.
// A read-modify-write because the znode is the reassignment tool's, not the controller's copy;
// nothing to do when the znode or the entry is gone.
struct RemoveReassignment {
  TopicPartition partition;
  auto operator<=>(const RemoveReassignment&) const = default;
};
}  // namespace zk
using ZkWrite = std::variant<zk::CreatePartitionState, zk::UpdatePartitionState, zk::DeleteTopic,
                             zk::DeleteZnode, zk::SetTopicAssignment, zk::RemoveReassignment>;

// ---- controller -> broker requests ----
struct LeaderAndIsrPartition {
  TopicPartition partition;
  LeaderAndIsr state;  // as in /state (its controller_epoch is the one that wrote it)
  ZkVersion zk_version;
  std::vector<BrokerId> replicas;
  bool is_new = false;
  auto operator<=>(const LeaderAndIsrPartition&) const = default;
};
struct LeaderAndIsrRequest {
  BrokerId target;
  std::vector<LeaderAndIsrPartition> partitions;
  std::vector<BrokerId> live_leaders;  // leaders named above that are registered (endpoints)
  auto operator<=>(const LeaderAndIsrRequest&) const = default;
};
struct UpdateMetadataPartition {
  TopicPartition partition;
  LeaderAndIsr state;  // leader kLeaderDuringDelete for topics being deleted
  ZkVersion zk_version;
  std::vector<BrokerId> replicas;
  std::vector<BrokerId> offline_replicas;
  auto operator<=>(const UpdateMetadataPartition&) const = default;
};
struct UpdateMetadataRequest {
  BrokerId target;
  std::vector<UpdateMetadataPartition> partitions;  // incremental; may be empty
  std::vector<BrokerId> live_brokers;  // all registered brokers; endpoints from the context
  auto operator<=>(const UpdateMetadataRequest&) const = default;
};
struct StopReplicaPartition {
  TopicPartition partition;
  LeaderEpoch leader_epoch;  // current, -1 without leadership, -2 for topics being deleted
  auto operator<=>(const StopReplicaPartition&) const = default;
};
// StopReplica v0-2 (Kafka 2.4) carries one delete flag per request, so a broker may get two.
struct StopReplicaRequest {
  BrokerId target;
  bool delete_partitions = false;
  std::vector<StopReplicaPartition> partitions;
  auto operator<=>(const StopReplicaRequest&) const = default;
};
using BrokerRequest = std::variant<LeaderAndIsrRequest, UpdateMetadataRequest, StopReplicaRequest>;

struct DecisionCounters {
  int unclean_leader_elections = 0;
  int failed_elections = 0;  // partitions left without a leader (offline partitions metric)
  auto operator<=>(const DecisionCounters&) const = default;
};

struct ControlledShutdownReply {
  ErrorCode error = ErrorCode::kNone;
  std::vector<TopicPartition> remaining_partitions;  // still led by the broker
};

// One partition of ListPartitionReassignments' answer.
struct OngoingReassignment {
  std::vector<BrokerId> replicas;
  std::vector<BrokerId> adding;
  std::vector<BrokerId> removing;
  auto operator<=>(const OngoingReassignment&) const = default;
};

// One partition's answer to AlterPartitionReassignments.
struct ReassignmentResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> message;  // null unless Kafka 2.4 sends one
  auto operator<=>(const ReassignmentResult&) const = default;
};

// One partition's answer to ElectLeaders. With kNone the controller wrote `leader` to /state;
// the request handler still waits for the broker's metadata to show it (DelayedElectLeader).
struct ElectionOutcome {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> message;
  BrokerId leader{-1};
  auto operator<=>(const ElectionOutcome&) const = default;
};

struct ElectLeadersReply {
  std::map<TopicPartition, ElectionOutcome> results;  // one per requested partition
};

// ControllerContext::partitions_being_reassigned has no ContextChange yet; decisions record its
// updates here and apply_decision() replays them after `changes`. nullopt target: finished.
struct ReassignmentMark {
  TopicPartition partition;
  std::optional<std::vector<BrokerId>> target;
  auto operator<=>(const ReassignmentMark&) const = default;
};

struct Decision {
  std::vector<ZkWrite> zk_writes;
  std::vector<BrokerRequest> requests;
  std::vector<std::string> state_change_log;
  DecisionCounters counters;
  std::vector<ContextChange> changes;  // replayed by apply_decision
  // Replayed by apply_decision after `changes`.
  std::vector<ReassignmentMark> reassignment_marks;
  std::optional<ControlledShutdownReply> controlled_shutdown_reply;
  // ApiPartitionReassignmentEvent: one result per requested partition.
  std::map<TopicPartition, ReassignmentResult> reassignment_results;
  std::optional<ElectLeadersReply> elect_leaders_reply;
  bool resign = false;  // ControllerChange: this broker is no longer the controller
};

void apply_decision(ControllerContext& context, const Decision& decision);

// ---- decisions ----
// Failover after winning the election (§3.2 steps 5-9): `context` is context_from_snapshot().
// UpdateMetadata (brokers only) to everyone first, then LeaderAndIsr for every live replica,
// shrinking of ISRs for offline replicas, elections for New/Offline partitions, then deletions
// and pending preferred elections resume.
Decision decide_failover(const ControllerContext& context, const ControllerSnapshot& snapshot);

Decision decide_broker_change(const ControllerContext& context, const BrokerChangeEvent& e);
Decision decide_broker_modification(const ControllerContext& context,
                                    const BrokerModificationEvent& e);
Decision decide_topic_change(const ControllerContext& context, const TopicChangeEvent& e);
Decision decide_partition_modifications(const ControllerContext& context,
                                        const PartitionModificationsEvent& e);
Decision decide_topic_deletion(const ControllerContext& context, const TopicDeletionEvent& e);
Decision decide_topic_deletion_stop_replica_response(
    const ControllerContext& context, const TopicDeletionStopReplicaResponseEvent& e);
Decision decide_isr_change_notification(const ControllerContext& context,
                                        const IsrChangeNotificationEvent& e);
// Admin-triggered (/admin/preferred_replica_election); the admin node is deleted afterwards.
Decision decide_preferred_replica_election(const ControllerContext& context,
                                           const PreferredReplicaElectionEvent& e);
Decision decide_controlled_shutdown(const ControllerContext& context,
                                    const ControlledShutdownEvent& e);
// ElectLeaders (elect_leaders.cc), Kafka 2.4's processReplicaLeaderElection for the admin
// client: unknown partitions get UNKNOWN_TOPIC_OR_PARTITION, topics being deleted
// INVALID_TOPIC_EXCEPTION, partitions whose wanted leader already leads ELECTION_NOT_NEEDED;
// the rest are elected in one batch (preferred: the assignment head if live and in the ISR;
// unclean: a live in-sync replica, else any live replica regardless of the topic's
// unclean.leader.election.enable) and get PREFERRED_LEADER_NOT_AVAILABLE or
// ELIGIBLE_LEADERS_NOT_AVAILABLE when no leader could be chosen.
Decision decide_elect_leaders(const ControllerContext& context, const ElectLeadersEvent& e);
Decision decide_auto_rebalance(const ControllerContext& context);
Decision decide_controller_change(const ControllerContext& context, const ControllerChangeEvent& e);
// /admin/reassign_partitions (reassignment.cc): starts the listed reassignments (Kafka 2.4's
// onPartitionReassignment), drops invalid entries from the znode, and skips partitions already
// being reassigned to the same target (the znode's rewrite by this controller fires the watch).
Decision decide_partition_reassignment(const ControllerContext& context,
                                       const PartitionReassignmentEvent& e);

// AlterPartitionReassignments (reassignment.cc), Kafka 2.4's processApiPartitionReassignment:
// per partition INVALID_REPLICA_ASSIGNMENT for a bad target (empty, duplicates, negative ids,
// new replicas on brokers that are not alive), NO_REASSIGNMENT_IN_PROGRESS for a cancellation
// of a partition not being reassigned, UNKNOWN_TOPIC_OR_PARTITION for a partition that does
// not exist or whose topic is being deleted; otherwise the reassignment starts (or, cancelled,
// reverts to the original replicas) through the same phases as the znode path, and the
// partition leaves /admin/reassign_partitions (the latest request wins).
Decision decide_api_partition_reassignment(const ControllerContext& context,
                                           const ApiPartitionReassignmentEvent& e);

// ListPartitionReassignments: the given partitions (nullopt: all partitions marked as being
// reassigned) whose assignment has adding or removing replicas.
std::map<TopicPartition, OngoingReassignment> list_partition_reassignments(
    const ControllerContext& context, const std::optional<std::vector<TopicPartition>>& partitions);

// Fraction of the partitions preferring each broker (assignment head) that it does not lead;
// topics being deleted and partitions without leadership are left out.
std::map<BrokerId, double> leader_imbalance(const ControllerContext& context);

// Dispatch for the event loop. Lifecycle events (Startup, Reelect, Expire,
// RegisterBrokerAndReelect) return an empty Decision: they are ZooKeeper work for the event loop
// itself.
Decision decide(const ControllerContext& context, const ControllerEvent& event);

}  // namespace kb::coordinator::controller
