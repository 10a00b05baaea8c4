#pragma once
// One partition hosted by this broker, as leader or follower (Kafka 2.4's Partition): its log,
// its leader epoch and controller-given state, and as leader what it knows of each follower
// (log end offset, lastCaughtUpTime) from which the high watermark and the ISR follow.
//
// Thread-safety: every public method is thread-safe. `role_mu_` (shared) is held shared by
// leader appends and exclusively by role changes, so an append never lands in a log whose role
// just changed; `mu_` guards the replica state (ISR, followers, zkVersion). The log does its own
// locking. Lock order: role_mu_, then mu_.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "broker/replication/replication_math.h"
#include "broker/storage/log.h"
#include "common/error_code.h"
#include "common/types.h"

namespace kb::broker {

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

// Whether an acks=all produce may answer (Kafka's checkEnoughReplicasReachOffset).
struct ReplicationCheck {
  bool done = false;
  ErrorCode error = ErrorCode::kNone;
};

// A proposed ISR change, valid only while the partition keeps the epoch and zkVersion it was
// computed at.
struct IsrProposal {
  TopicPartition tp;
  BrokerId leader{-1};
  LeaderEpoch leader_epoch{0};
  ControllerEpoch controller_epoch{0};
  ZkVersion zk_version{0};
  std::vector<BrokerId> new_isr;
};

class Partition {
 public:
  Partition(TopicPartition tp, std::shared_ptr<storage::Log> log, BrokerId local_broker);

  const TopicPartition& tp() const { return tp_; }
  const std::shared_ptr<storage::Log>& log() const { return log_; }
  LeaderEpoch leader_epoch() const { return LeaderEpoch(leader_epoch_.load()); }
  bool is_leader() const { return is_leader_.load(); }
  BrokerId leader() const { return BrokerId(leader_id_.load()); }
  size_t isr_size() const;
  std::vector<BrokerId> isr() const;
  ZkVersion zk_version() const;
  int64_t leader_epoch_start_offset() const;
  bool is_under_replicated() const;

  // LeaderAndIsr made us leader: new epoch, ISR and replicas from the request; the epoch starts
  // at our log end (recorded in the leader epoch cache); followers are reset as Kafka does.
  // Returns true when the high watermark moved (waiting fetches/produces may complete).
  bool make_leader(const PartitionRole& role, int64_t now_ms);
  // LeaderAndIsr made us follower of `role.leader`. Returns true when the leader or the epoch
  // changed (the fetcher must restart with truncation).
  bool make_follower(const PartitionRole& role);

  // Leader appends (produce). kNotLeaderOrFollower when not leader; kNotEnoughReplicas when
  // acks=all and the ISR is below `min_insync_replicas`.
  storage::AppendResult append_as_leader(std::span<uint8_t> batches, int16_t acks,
                                         int32_t min_insync_replicas, int64_t now_ms);
  // Follower appends the leader's batches unchanged and follows its high watermark.
  storage::AppendResult append_as_follower(std::span<const uint8_t> batches,
                                           int64_t leader_high_watermark,
                                           int64_t leader_log_start_offset);

  // Leader: a follower fetched from `fetch_offset`. Returns true when the high watermark moved.
  // Sets *may_expand when the follower is outside the ISR but eligible to rejoin.
  bool record_follower_fetch(BrokerId follower, int64_t fetch_offset, int64_t now_ms,
                             bool* may_expand);
  // Leader: moves the HW up to the smallest ISR log end offset. True when it moved.
  bool maybe_advance_high_watermark();

  ReplicationCheck check_replicated(int64_t required_offset, int32_t min_insync_replicas) const;

  // ISR upkeep (leader only; nullopt when nothing changes).
  std::optional<IsrProposal> propose_shrink(int64_t now_ms, int64_t max_lag_ms) const;
  // Adds `follower` (Kafka expands for the fetching follower only) when it may rejoin.
  std::optional<IsrProposal> propose_expand(BrokerId follower) const;
  // Applies a proposal after its ZooKeeper write succeeded with `new_zk_version`; false (and
  // nothing changes) when the partition moved on meanwhile.
  bool apply_isr(const IsrProposal& proposal, ZkVersion new_zk_version);
  // After a BADVERSION: the stored state is ours (same leader epoch): adopt its zkVersion.
  bool adopt_zk_version(LeaderEpoch epoch, ZkVersion version);

 private:
  std::optional<IsrProposal> proposal_locked(std::set<int32_t> new_isr) const;
  bool advance_hw_locked();

  const TopicPartition tp_;
  const std::shared_ptr<storage::Log> log_;
  const int32_t local_;

  mutable std::shared_mutex role_mu_;
  std::atomic<int32_t> leader_epoch_{-1};
  std::atomic<bool> is_leader_{false};
  std::atomic<int32_t> leader_id_{-1};

  mutable std::mutex mu_;
  std::set<int32_t> isr_;
  std::vector<int32_t> replicas_;
  int32_t controller_epoch_ = 0;
  int32_t zk_version_ = 0;
  int64_t leader_epoch_start_offset_ = -1;
  std::map<int32_t, replication::FollowerState> followers_;
};

}  // namespace kb::broker
