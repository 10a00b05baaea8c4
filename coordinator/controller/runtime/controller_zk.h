#pragma once
// The controller's ZooKeeper I/O, pipelined: every read or write of a batch is issued
// asynchronously and the caller waits once for all completions (ZooKeeper answers one session's
// requests in order), so loading or writing N partitions costs about one round trip, not N.
//
// Thread-safety: blocking; call from the controller thread (never the ZooKeeper completion
// thread).
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/types.h"
#include "coordinator/controller/controller_context.h"
#include "coordinator/controller/runtime/decision_executor.h"
#include "coordinator/kafka_zk.h"

namespace kb::coordinator::controller {

inline constexpr const char* kUncleanLeaderElectionKey = "unclean.leader.election.enable";

class ControllerZk : public ControllerZkWriter {
 public:
  explicit ControllerZk(KafkaZk& zk) : zk_(zk), client_(zk.client()) {}

  // ---- ControllerZkWriter ----
  std::vector<WriteOutcome> write(const std::vector<ZkWrite>& writes,
                                  ZkVersion epoch_zk_version) override;
  std::optional<PartitionLeadership> read_partition_state(const TopicPartition& tp) override;

  // ---- reads (watch = also leave a ZooKeeper watch on each node read) ----
  // Children of `path`, empty when it does not exist.
  std::vector<std::string> children(const std::string& path, bool watch);
  // Registrations of the given brokers (missing ones left out), epoch = czxid.
  std::map<BrokerId, LiveBroker> brokers(const std::vector<BrokerId>& ids, bool watch);
  // Every registered broker; watches the children of /brokers/ids when `watch`.
  std::map<BrokerId, LiveBroker> all_brokers(bool watch);
  std::map<std::string, TopicAssignment> topic_assignments(const std::vector<std::string>& topics,
                                                           bool watch);
  // unclean.leader.election.enable of each topic that sets it in /config/topics/T.
  std::map<std::string, bool> unclean_overrides(const std::vector<std::string>& topics);
  std::map<TopicPartition, PartitionLeadership> partition_states(
      const std::vector<TopicPartition>& partitions);
  // Partitions named by the given /isr_change_notification children (vanished ones skipped).
  std::set<TopicPartition> isr_change_partitions(const std::vector<std::string>& sequence_nodes);
  // /admin/preferred_replica_election content, nullopt when absent; `watch` arms an exists watch.
  std::optional<std::vector<TopicPartition>> preferred_replica_election(bool watch);
  std::map<TopicPartition, std::vector<BrokerId>> reassignments(bool watch);

  // Everything a new controller needs (reference §3.2 step 4), with watches on the nodes the
  // controller follows. Brokers, topics, configs and admin nodes are read in one pipelined wave,
  // then every partition /state in a second.
  // `before_details` runs between the waves with the broker ids and topics found, so that the
  // caller can register their data-watch handlers before the watches are armed.
  using ListsCallback =
      std::function<void(const std::vector<BrokerId>&, const std::vector<std::string>&)>;
  ControllerSnapshot load_snapshot(BrokerId me, ControllerEpoch epoch, ZkVersion epoch_zk_version,
                                   const ListsCallback& before_details);

 private:
  // Reads at least this many znodes through kReaderSessions extra sessions in parallel.
  static constexpr size_t kParallelReadThreshold = 4096;
  static constexpr size_t kReaderSessions = 12;
  // Partition-state writes per multi (each ~150 bytes; far below jute.maxbuffer).
  static constexpr size_t kStateWritesPerMulti = 100;
  std::vector<GetDataResult> get_data_many_parallel(const std::vector<std::string>& paths);
  // zk::RemoveReassignment: rewrite /admin/reassign_partitions without `tp`, or delete it.
  WriteOutcome remove_reassignment(const TopicPartition& tp, ZkVersion epoch_zk_version);

  KafkaZk& zk_;
  ZkClient& client_;
};

}  // namespace kb::coordinator::controller
