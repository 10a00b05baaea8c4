#include "broker/replication/delayed_produce.h"

namespace kb::broker::replication {

DelayedProduce::DelayedProduce(Clock::time_point deadline,
                               std::vector<ProducePartitionStatus> statuses, Check check,
                               Respond respond)
    : DelayedOperation(deadline),
      statuses_(std::move(statuses)),
      check_(std::move(check)),
      respond_(std::move(respond)) {}

bool DelayedProduce::try_complete() {
  std::vector<ProducePartitionStatus> final_statuses;
  {
    std::lock_guard lock(mu_);
    if (done()) return true;
    bool all_done = true;
    for (auto& s : statuses_) {
      if (!s.pending) continue;
      ReplicationCheck c = check_(s.tp, s.required_offset, s.min_insync_replicas);
      if (c.done) {
        s.pending = false;
        s.error = c.error;
      } else {
        all_done = false;
      }
    }
    if (!all_done) return false;
    if (!claim()) return true;
    final_statuses = statuses_;
  }
  respond_(final_statuses);
  return true;
}

void DelayedProduce::expire() {
  std::vector<ProducePartitionStatus> final_statuses;
  {
    std::lock_guard lock(mu_);
    if (!claim()) return;
    for (auto& s : statuses_) {
      if (!s.pending) continue;
      // A last look: replication may have finished just before the deadline.
      ReplicationCheck c = check_(s.tp, s.required_offset, s.min_insync_replicas);
      s.pending = false;
      s.error = c.done ? c.error : ErrorCode::kRequestTimedOut;
    }
    final_statuses = statuses_;
  }
  respond_(final_statuses);
}

std::vector<TopicPartition> DelayedProduce::keys() const {
  std::lock_guard lock(mu_);
  std::vector<TopicPartition> out;
  for (const auto& s : statuses_)
    if (s.pending) out.push_back(s.tp);
  return out;
}

}  // namespace kb::broker::replication
