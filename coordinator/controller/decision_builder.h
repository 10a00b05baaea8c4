#pragma once
// Internal to kb_controller: the machinery the decisions share. A DecisionBuilder works on a
// private copy of the context; every mutation goes through change(), which applies it to the
// copy and records it in the Decision, so later steps of one decision see earlier ones (an
// election, then the ISR shrink of the same partition) and apply_decision() can replay them.
//
// The state-machine actions (reference §4.2-4.5) and Kafka's request batch (§3.4) live here;
// decisions.cc composes them into the scenarios.
//
// Thread-safety: none; one builder per decision.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coordinator/controller/controller_context.h"
#include "coordinator/controller/decisions.h"

namespace kb::coordinator::controller {

// kAdminUnclean is Kafka's OfflinePartitionLeaderElectionStrategy(allowUnclean = true): an
// ElectLeaders(UNCLEAN) request may pick a replica outside the ISR whatever the topic's
// unclean.leader.election.enable says (KIP-460).
enum class ElectionStrategy { kOffline, kReassign, kPreferred, kControlledShutdown, kAdminUnclean };

std::string describe(const LeaderAndIsr& state, ZkVersion zk_version);

class DecisionBuilder {
 public:
  explicit DecisionBuilder(const ControllerContext& context) : work_(context) {}

  const ControllerContext& ctx() const { return work_; }
  void change(ContextChange c);
  void log(std::string line) { decision_.state_change_log.push_back(std::move(line)); }
  void write(ZkWrite w) { decision_.zk_writes.push_back(std::move(w)); }
  Decision& decision() { return decision_; }
  Decision finish() { return std::move(decision_); }

  // ---- one request batch (Kafka's ControllerBrokerRequestBatch) ----
  // Requests only go to registered brokers; others are dropped here, as Kafka drops requests
  // for brokers without a channel. A LeaderAndIsr also puts the partition into UpdateMetadata
  // for every registered broker.
  void add_leader_and_isr(const std::vector<BrokerId>& brokers, const TopicPartition& tp,
                          bool is_new);
  void add_update_metadata(const std::vector<BrokerId>& brokers,
                           const std::vector<TopicPartition>& partitions);
  void add_stop_replica(BrokerId broker, const TopicPartition& tp, bool delete_partition);
  // Emits the batch (LeaderAndIsr, then UpdateMetadata, then StopReplica; brokers ascending)
  // with partition states as they are in the working context now, and starts a new one.
  void send_batch();

  // ---- state machines; each call is one batch, as in Kafka's handleStateChanges ----
  void partitions_to(const std::vector<TopicPartition>& partitions, PartitionState target,
                     ElectionStrategy strategy = ElectionStrategy::kOffline);
  void replicas_to(const std::vector<PartitionReplica>& replicas, ReplicaState target);

  // ---- shared compositions ----
  // New and Offline partitions (topics not being deleted) -> Online with the offline strategy.
  void trigger_online_partitions();
  void on_new_partition_creation(const std::vector<TopicPartition>& partitions);
  void on_broker_startup(const std::set<BrokerId>& brokers);
  void on_broker_failure(const std::set<BrokerId>& brokers);
  void on_replicas_become_offline(const std::vector<PartitionReplica>& replicas);

  // ---- topic deletion (reference §9.3) ----
  void queue_for_deletion(const std::set<std::string>& topics);
  void resume_deletion_for_topics(const std::set<std::string>& topics);  // clears ineligibility
  void fail_replica_deletion(const std::vector<PartitionReplica>& replicas);
  void resume_deletions();

  // ---- partition reassignment (reassignment.cc composes these) ----
  // Records partitions_being_reassigned[tp] = target (nullopt: erase) in the work copy and the
  // Decision (there is no ContextChange for it).
  void mark_reassignment(const TopicPartition& tp, std::optional<std::vector<BrokerId>> target);
  // Kafka's updateLeaderEpochAndSendRequest: /state with leader epoch + 1 (leader and ISR kept),
  // then LeaderAndIsr to `recipients` in one batch. False (nothing done) without a /state or
  // when a newer controller wrote it.
  bool bump_leader_epoch(const TopicPartition& tp, const std::vector<BrokerId>& recipients);

 private:
  bool init_partition(const TopicPartition& tp);
  bool elect_partition(const TopicPartition& tp, ElectionStrategy strategy);
  void replica_to_offline(const PartitionReplica& r);
  void update_leadership(const TopicPartition& tp, const LeaderAndIsr& state);
  void on_topic_deletion(const std::string& topic);
  void complete_delete_topic(const std::string& topic);
  void log_partition(const TopicPartition& tp, PartitionState from, PartitionState to,
                     const std::string& extra = "");

  ControllerContext work_;
  Decision decision_;
  // The open batch, keyed by target broker.
  std::map<BrokerId, std::map<TopicPartition, bool>> leader_and_isr_;  // -> is_new
  std::map<BrokerId, std::set<TopicPartition>> update_metadata_;       // may be empty
  std::map<BrokerId, std::map<TopicPartition, bool>> stop_replica_;    // -> delete
};

}  // namespace kb::coordinator::controller
