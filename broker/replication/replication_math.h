#pragma once
// The pure decisions of replication (Kafka 2.4 Partition/Replica), kept free of state and
// threads so that they can be unit-tested: follower fetch bookkeeping, the high-watermark rule,
// ISR shrink and expand candidates, and the follower's truncation offset.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "common/types.h"

namespace kb::broker::replication {

// What the leader knows about one follower (Kafka's remote Replica).
struct FollowerState {
  int64_t log_end_offset = -1;  // -1: unknown (no fetch since this broker became leader)
  int64_t last_caught_up_ms = 0;
  int64_t last_fetch_leader_leo = -1;  // the leader's LEO at the follower's previous fetch
  int64_t last_fetch_ms = 0;
};

// A follower fetched from `fetch_offset` at `now_ms` while the leader's log ended at
// `leader_leo`. The follower counts as caught up at this fetch when it asked for everything the
// leader had, and at its previous fetch when it has now read everything the leader had then.
void record_follower_fetch(FollowerState& follower, int64_t fetch_offset, int64_t leader_leo,
                           int64_t now_ms);

// Kafka resets a follower on leader election: in the ISR it counts as caught up now.
FollowerState reset_follower(bool in_isr, int64_t leader_epoch_start_offset, int64_t now_ms);

// The high watermark: the smallest log end offset over the ISR (the leader included). A follower
// in the ISR whose LEO is unknown holds it back. Never moves backwards: returns nullopt when the
// result would not be larger than `current_hw`.
std::optional<int64_t> advanced_high_watermark(int64_t current_hw, int64_t leader_leo,
                                               const std::set<int32_t>& isr, int32_t leader_id,
                                               const std::map<int32_t, FollowerState>& followers);

// Followers in the ISR (never the leader) that have not caught up within `max_lag_ms`.
std::set<int32_t> out_of_sync_followers(const std::set<int32_t>& isr, int32_t leader_id,
                                        const std::map<int32_t, FollowerState>& followers,
                                        int64_t now_ms, int64_t max_lag_ms);

// A follower outside the ISR rejoins when it holds everything committed (LEO >= HW) and at least
// everything since the current leader epoch began (so it cannot miss a divergence).
bool follower_may_join_isr(const FollowerState& follower, int64_t high_watermark,
                           int64_t leader_epoch_start_offset);

// KIP-101/279 (Kafka's getOffsetTruncationState): where a follower truncates once the leader
// answered OffsetForLeaderEpoch for the follower's latest epoch with (leader_epoch,
// leader_end_offset).
//  - no end offset from the leader (it has no epoch info): our high watermark;
//  - no epoch in the answer (an old leader): min(leader end offset, our LEO);
//  - we hold the leader's epoch: min(leader end offset, our LEO), done;
//  - we don't (our largest epoch <= it differs): min(our end of that epoch, our LEO) and ask
//    again with the epoch we now hold (`complete` false);
//  - we have no epochs at all: min(leader end offset, our LEO).
struct TruncationInput {
  int64_t local_leo = 0;
  int64_t local_hw = 0;
  int32_t leader_epoch = -1;
  int64_t leader_end_offset = -1;
  // Our own Log::end_offset_for_epoch(leader_epoch); (-1, -1) when we have no such epoch.
  std::pair<int32_t, int64_t> local_end_for_leader_epoch{-1, -1};
};
struct TruncationDecision {
  int64_t offset = 0;
  bool complete = true;
  bool operator==(const TruncationDecision&) const = default;
};
TruncationDecision follower_truncation(const TruncationInput& in);

}  // namespace kb::broker::replication
