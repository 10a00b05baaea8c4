#include "broker/replication/replication_math.h"

#include <algorithm>

namespace kb::broker::replication {

void record_follower_fetch(FollowerState& follower, int64_t fetch_offset, int64_t leader_leo,
                           int64_t now_ms) {
  if (fetch_offset >= leader_leo) {
    follower.last_caught_up_ms = std::max(follower.last_caught_up_ms, now_ms);
  } else if (follower.last_fetch_leader_leo >= 0 &&
             fetch_offset >= follower.last_fetch_leader_leo) {
    follower.last_caught_up_ms = std::max(follower.last_caught_up_ms, follower.last_fetch_ms);
  }
  follower.log_end_offset = fetch_offset;
  follower.last_fetch_leader_leo = leader_leo;
  follower.last_fetch_ms = now_ms;
}

FollowerState reset_follower(bool in_isr, int64_t leader_epoch_start_offset, int64_t now_ms) {
  FollowerState s;
  s.log_end_offset = -1;
  s.last_caught_up_ms = in_isr ? now_ms : 0;
  s.last_fetch_leader_leo = leader_epoch_start_offset;
  s.last_fetch_ms = now_ms;
  return s;
}

std::optional<int64_t> advanced_high_watermark(int64_t current_hw, int64_t leader_leo,
                                               const std::set<int32_t>& isr, int32_t leader_id,
                                               const std::map<int32_t, FollowerState>& followers) {
  int64_t candidate = leader_leo;
  for (int32_t id : isr) {
    if (id == leader_id) continue;
    auto it = followers.find(id);
    int64_t leo = it == followers.end() ? -1 : it->second.log_end_offset;
    if (leo < 0) return std::nullopt;  // unknown: cannot prove anything is replicated
    candidate = std::min(candidate, leo);
  }
  if (candidate <= current_hw) return std::nullopt;
  return candidate;
}

std::set<int32_t> out_of_sync_followers(const std::set<int32_t>& isr, int32_t leader_id,
                                        const std::map<int32_t, FollowerState>& followers,
                                        int64_t now_ms, int64_t max_lag_ms) {
  std::set<int32_t> out;
  for (int32_t id : isr) {
    if (id == leader_id) continue;
    auto it = followers.find(id);
    int64_t caught_up = it == followers.end() ? 0 : it->second.last_caught_up_ms;
    if (now_ms - caught_up > max_lag_ms) out.insert(id);
  }
  return out;
}

bool follower_may_join_isr(const FollowerState& follower, int64_t high_watermark,
                           int64_t leader_epoch_start_offset) {
  return follower.log_end_offset >= 0 && follower.log_end_offset >= high_watermark &&
         follower.log_end_offset >= leader_epoch_start_offset;
}

TruncationDecision follower_truncation(const TruncationInput& in) {
  if (in.leader_end_offset < 0) return {std::min(in.local_hw, in.local_leo), true};
  if (in.leader_epoch < 0) return {std::min(in.leader_end_offset, in.local_leo), true};
  const auto& [local_epoch, local_end] = in.local_end_for_leader_epoch;
  if (local_epoch < 0 || local_end < 0) {
    return {std::min(in.leader_end_offset, in.local_leo), true};
  }
  if (local_epoch != in.leader_epoch) return {std::min(local_end, in.local_leo), false};
  return {std::min(in.leader_end_offset, in.local_leo), true};
}

}  // namespace kb::broker::replication
