#include "broker/replication/partition.h"

#include <algorithm>

#include "common/logging.h"

namespace kb::broker {

namespace {
std::vector<BrokerId> to_ids(const std::set<int32_t>& s) {
  std::vector<BrokerId> out;
  for (int32_t id : s) out.emplace_back(id);
  return out;
}
std::string ids_text(const std::set<int32_t>& s) {
  std::string out = "[";
  for (int32_t id : s) out += (out.size() > 1 ? "," : "") + std::to_string(id);
  return out + "]";
}
}  // namespace

Partition::Partition(TopicPartition tp, std::shared_ptr<storage::Log> log, BrokerId local_broker)
    : tp_(std::move(tp)), log_(std::move(log)), local_(local_broker.value()) {}

size_t Partition::isr_size() const {
  std::lock_guard lock(mu_);
  return isr_.size();
}

std::vector<BrokerId> Partition::isr() const {
  std::lock_guard lock(mu_);
  return to_ids(isr_);
}

ZkVersion Partition::zk_version() const {
  std::lock_guard lock(mu_);
  return ZkVersion(zk_version_);
}

int64_t Partition::leader_epoch_start_offset() const {
  std::lock_guard lock(mu_);
  return leader_epoch_start_offset_;
}

bool Partition::is_under_replicated() const {
  if (!is_leader()) return false;
  std::lock_guard lock(mu_);
  return isr_.size() < replicas_.size();
}

bool Partition::make_leader(const PartitionRole& role, int64_t now_ms) {
  std::unique_lock role_lock(role_mu_);
  std::lock_guard lock(mu_);
  bool new_leader = !is_leader_.load();
  controller_epoch_ = role.controller_epoch.value();
  zk_version_ = role.zk_version.value();
  replicas_.clear();
  for (auto r : role.replicas) replicas_.push_back(r.value());
  isr_.clear();
  for (auto r : role.isr) isr_.insert(r.value());
  // The new epoch starts at our log end: followers that diverged truncate to it (KIP-101).
  leader_epoch_start_offset_ = log_->log_end_offset().value();
  log_->leader_epochs().assign(role.leader_epoch.value(), leader_epoch_start_offset_);
  std::map<int32_t, replication::FollowerState> followers;
  for (int32_t r : replicas_) {
    if (r == local_) continue;
    auto state = replication::reset_follower(isr_.count(r) > 0, leader_epoch_start_offset_, now_ms);
    // A leader that stays leader keeps what it learnt of the followers' logs.
    auto old = followers_.find(r);
    if (!new_leader && old != followers_.end()) state.log_end_offset = old->second.log_end_offset;
    followers.emplace(r, state);
  }
  followers_ = std::move(followers);
  leader_epoch_ = role.leader_epoch.value();
  leader_id_ = local_;
  is_leader_ = true;
  log::state_change("Leader " + tp_.to_string() + " starts at leader epoch " +
                    std::to_string(role.leader_epoch.value()) + " from offset " +
                    std::to_string(leader_epoch_start_offset_) + " with high watermark " +
                    std::to_string(log_->high_watermark().value()) + ", ISR " + ids_text(isr_));
  return advance_hw_locked();
}

bool Partition::make_follower(const PartitionRole& role) {
  std::unique_lock role_lock(role_mu_);
  std::lock_guard lock(mu_);
  bool changed = is_leader_.load() || leader_id_.load() != role.leader.value() ||
                 leader_epoch_.load() != role.leader_epoch.value();
  controller_epoch_ = role.controller_epoch.value();
  zk_version_ = role.zk_version.value();
  replicas_.clear();
  for (auto r : role.replicas) replicas_.push_back(r.value());
  isr_.clear();  // a follower does not track the ISR (Kafka clears it too)
  followers_.clear();
  leader_epoch_start_offset_ = -1;
  leader_epoch_ = role.leader_epoch.value();
  leader_id_ = role.leader.value();
  is_leader_ = false;
  log::state_change("Follower " + tp_.to_string() + " follows broker " +
                    std::to_string(role.leader.value()) + " at leader epoch " +
                    std::to_string(role.leader_epoch.value()));
  return changed;
}

storage::AppendResult Partition::append_as_leader(std::span<uint8_t> batches, int16_t acks,
                                                  int32_t min_insync_replicas, int64_t now_ms) {
  std::shared_lock role_lock(role_mu_);
  storage::AppendResult result;
  if (!is_leader_.load()) {
    result.error = ErrorCode::kNotLeaderOrFollower;
    return result;
  }
  if (acks == -1 && static_cast<int32_t>(isr_size()) < min_insync_replicas) {
    result.error = ErrorCode::kNotEnoughReplicas;
    return result;
  }
  result = log_->append_as_leader(batches, leader_epoch(), now_ms);
  if (result.error == ErrorCode::kNone) {
    std::lock_guard lock(mu_);
    advance_hw_locked();  // a leader alone in the ISR commits at once
  }
  return result;
}

storage::AppendResult Partition::append_as_follower(std::span<const uint8_t> batches,
                                                    int64_t leader_high_watermark,
                                                    int64_t leader_log_start_offset) {
  std::shared_lock role_lock(role_mu_);
  storage::AppendResult result;
  if (is_leader_.load()) {
    result.error = ErrorCode::kNotLeaderOrFollower;
    return result;
  }
  if (!batches.empty()) result = log_->append_as_follower(batches);
  if (result.error != ErrorCode::kNone) return result;
  // Kafka: the follower's HW is min(leader HW, own LEO); its log start follows the leader's.
  int64_t leo = log_->log_end_offset().value();
  if (leader_log_start_offset > log_->log_start_offset().value()) {
    log_->set_log_start_offset(Offset(std::min(leader_log_start_offset, leo)));
  }
  log_->set_high_watermark(Offset(std::min(leader_high_watermark, leo)));
  return result;
}

bool Partition::record_follower_fetch(BrokerId follower, int64_t fetch_offset, int64_t now_ms,
                                      bool* may_expand) {
  std::lock_guard lock(mu_);
  *may_expand = false;
  if (!is_leader_.load()) return false;
  auto it = followers_.find(follower.value());
  if (it == followers_.end()) return false;  // not an assigned replica
  replication::record_follower_fetch(it->second, fetch_offset, log_->log_end_offset().value(),
                                     now_ms);
  *may_expand = isr_.count(follower.value()) == 0 &&
                replication::follower_may_join_isr(it->second, log_->high_watermark().value(),
                                                   leader_epoch_start_offset_);
  return advance_hw_locked();
}

bool Partition::maybe_advance_high_watermark() {
  std::lock_guard lock(mu_);
  return advance_hw_locked();
}

bool Partition::advance_hw_locked() {
  if (!is_leader_.load()) return false;
  auto next = replication::advanced_high_watermark(
      log_->high_watermark().value(), log_->log_end_offset().value(), isr_, local_, followers_);
  if (!next) return false;
  log_->set_high_watermark(Offset(*next));
  return true;
}

ReplicationCheck Partition::check_replicated(int64_t required_offset,
                                             int32_t min_insync_replicas) const {
  if (!is_leader()) return {true, ErrorCode::kNotLeaderOrFollower};
  if (log_->high_watermark().value() < required_offset) return {false, ErrorCode::kNone};
  if (static_cast<int32_t>(isr_size()) < min_insync_replicas) {
    return {true, ErrorCode::kNotEnoughReplicasAfterAppend};
  }
  return {true, ErrorCode::kNone};
}

std::optional<IsrProposal> Partition::proposal_locked(std::set<int32_t> new_isr) const {
  if (new_isr == isr_ || new_isr.empty()) return std::nullopt;
  IsrProposal p;
  p.tp = tp_;
  p.leader = BrokerId(local_);
  p.leader_epoch = LeaderEpoch(leader_epoch_.load());
  p.controller_epoch = ControllerEpoch(controller_epoch_);
  p.zk_version = ZkVersion(zk_version_);
  p.new_isr = to_ids(new_isr);
  return p;
}

std::optional<IsrProposal> Partition::propose_shrink(int64_t now_ms, int64_t max_lag_ms) const {
  std::lock_guard lock(mu_);
  if (!is_leader_.load()) return std::nullopt;
  auto lagging = replication::out_of_sync_followers(isr_, local_, followers_, now_ms, max_lag_ms);
  if (lagging.empty()) return std::nullopt;
  std::set<int32_t> next = isr_;
  for (int32_t id : lagging) next.erase(id);
  return proposal_locked(std::move(next));
}

std::optional<IsrProposal> Partition::propose_expand(BrokerId follower) const {
  std::lock_guard lock(mu_);
  if (!is_leader_.load() || isr_.count(follower.value())) return std::nullopt;
  auto it = followers_.find(follower.value());
  if (it == followers_.end() ||
      !replication::follower_may_join_isr(it->second, log_->high_watermark().value(),
                                          leader_epoch_start_offset_)) {
    return std::nullopt;
  }
  std::set<int32_t> next = isr_;
  next.insert(follower.value());
  return proposal_locked(std::move(next));
}

bool Partition::apply_isr(const IsrProposal& proposal, ZkVersion new_zk_version) {
  std::lock_guard lock(mu_);
  if (!is_leader_.load() || leader_epoch_.load() != proposal.leader_epoch.value() ||
      zk_version_ != proposal.zk_version.value()) {
    return false;
  }
  std::set<int32_t> next;
  for (auto id : proposal.new_isr) next.insert(id.value());
  log::state_change("ISR of " + tp_.to_string() + " changes from " + ids_text(isr_) + " to " +
                    ids_text(next) + " at zkVersion " + std::to_string(new_zk_version.value()));
  isr_ = std::move(next);
  zk_version_ = new_zk_version.value();
  advance_hw_locked();  // a smaller ISR may commit more
  return true;
}

bool Partition::adopt_zk_version(LeaderEpoch epoch, ZkVersion version) {
  std::lock_guard lock(mu_);
  if (!is_leader_.load() || leader_epoch_.load() != epoch.value()) return false;
  zk_version_ = version.value();
  return true;
}

}  // namespace kb::broker
