// The consumer's group membership: coordinator lookup, JoinGroup/SyncGroup with the range
// assignor, heartbeats, OffsetCommit/OffsetFetch and LeaveGroup.
#include <algorithm>
#include <set>

#include "clients/detail/call.h"
#include "clients/detail/offset_commit.h"
#include "clients/detail/consumer_state.h"
#include "clients/errors.h"
#include "protocol/consumer_protocol.h"
#include "protocol/messages/find_coordinator.h"
#include "protocol/messages/heartbeat.h"
#include "protocol/messages/join_group.h"
#include "protocol/messages/leave_group.h"
#include "protocol/messages/metadata.h"
#include "protocol/messages/offset_commit.h"
#include "protocol/messages/offset_fetch.h"
#include "protocol/messages/sync_group.h"

namespace kb::clients {

std::map<std::string, std::vector<TopicPartition>> range_assign(
    const std::map<std::string, std::vector<std::string>>& subscriptions,
    const std::map<std::string, int32_t>& partition_counts) {
  std::map<std::string, std::vector<TopicPartition>> out;
  std::map<std::string, std::vector<std::string>> members_of;  // topic -> members (sorted: map)
  for (const auto& [member, topics] : subscriptions) {
    out[member];
    for (const auto& t : std::set<std::string>(topics.begin(), topics.end())) {
      members_of[t].push_back(member);
    }
  }
  for (const auto& [topic, members] : members_of) {
    auto it = partition_counts.find(topic);
    if (it == partition_counts.end() || members.empty()) continue;
    int32_t n = it->second;
    auto m = static_cast<int32_t>(members.size());
    int32_t per = n / m, extra = n % m;
    for (int32_t i = 0; i < m; ++i) {
      int32_t start = per * i + std::min(i, extra);
      int32_t count = per + (i < extra ? 1 : 0);
      for (int32_t p = start; p < start + count; ++p) out[members[i]].push_back({topic, p});
    }
  }
  return out;
}

namespace detail {

namespace {

bool coordinator_error(ErrorCode e) {
  return e == ErrorCode::kNotCoordinator || e == ErrorCode::kCoordinatorNotAvailable ||
         e == ErrorCode::kCoordinatorLoadInProgress;
}

// Errors after which the member must join again.
bool rejoin_error(ErrorCode e) {
  return e == ErrorCode::kRebalanceInProgress || e == ErrorCode::kIllegalGeneration ||
         e == ErrorCode::kUnknownMemberId || e == ErrorCode::kFencedInstanceId;
}

void sleep_backoff(std::chrono::milliseconds& delay, Clock::time_point deadline) {
  auto until = std::min(deadline, Clock::now() + delay);
  std::this_thread::sleep_until(until);
  delay = std::min(delay * 2, std::chrono::milliseconds(1000));
}

}  // namespace

GroupMember::GroupMember(const ConsumerConfig& config) : config_(config) {
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
}

GroupMember::~GroupMember() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  heartbeat_.join();
}

Connection& GroupMember::coordinator(MetadataClient& metadata, std::optional<int32_t>& cached,
                                     Clock::time_point deadline) {
  if (!cached) {
    protocol::FindCoordinatorRequest req;
    req.key = config_.group_id;
    req.key_type = 0;
    auto resp =
        detail::call<protocol::FindCoordinatorResponse>(metadata.any(deadline), req, deadline);
    auto e = static_cast<ErrorCode>(resp.error_code);
    if (e != ErrorCode::kNone) throw ClientError(e, describe_error(e, resp.error_message));
    cached = resp.node_id;
  }
  return metadata.to_broker(BrokerId{*cached}, deadline);
}

template <typename Attempt>
ErrorCode GroupMember::at_coordinator(MetadataClient& metadata, std::optional<int32_t>& cached,
                                      Clock::time_point deadline, Attempt attempt) {
  std::chrono::milliseconds delay{100};
  while (true) {
    ErrorCode e = ErrorCode::kNone;
    try {
      e = attempt(coordinator(metadata, cached, deadline));
    } catch (const NetworkError&) {
      cached.reset();
      // Another attempt needs time to connect; one started at the deadline would only replace
      // this error with a less telling one.
      if (Clock::now() + delay >= deadline) throw;
      sleep_backoff(delay, deadline);
      continue;
    } catch (const ClientError& ce) {
      // FindCoordinator's own errors (the offsets topic being created) are retriable too.
      if (!coordinator_error(ce.code()) || Clock::now() >= deadline) throw;
      e = ce.code();
    }
    if (!coordinator_error(e)) return e;
    cached.reset();
    if (Clock::now() >= deadline) return e;
    sleep_backoff(delay, deadline);
  }
}

std::vector<TopicPartition> GroupMember::join(MetadataClient& metadata,
                                              const std::vector<std::string>& topics,
                                              Clock::time_point deadline) {
  protocol::ConsumerSubscription sub;
  sub.topics = topics;
  std::vector<uint8_t> sub_bytes = protocol::encode_subscription(sub);
  std::chrono::milliseconds delay{100};
  while (true) {
    std::string member_id;
    {
      std::lock_guard lock(mu_);
      member_id = member_id_;
      generation_ = -1;
    }
    rejoin_needed_ = false;
    joined_ = false;
    protocol::JoinGroupResponse jr;
    // The coordinator answers JoinGroup only when every member has rejoined: allow it the
    // rebalance timeout rather than the usual request bound.
    Clock::time_point join_deadline =
        std::max(deadline, Clock::now() + config_.max_poll_interval + std::chrono::seconds(5));
    ErrorCode e = at_coordinator(metadata, coordinator_, deadline, [&](Connection& conn) {
      protocol::JoinGroupRequest req;
      req.group_id = config_.group_id;
      req.session_timeout_ms = static_cast<int32_t>(config_.session_timeout.count());
      req.rebalance_timeout_ms = static_cast<int32_t>(config_.max_poll_interval.count());
      req.member_id = member_id;
      req.protocol_type = protocol::kConsumerProtocolType;
      req.protocols.push_back({"range", sub_bytes});
      jr = detail::call<protocol::JoinGroupResponse>(conn, req, join_deadline);
      return static_cast<ErrorCode>(jr.error_code);
    });
    if (e == ErrorCode::kMemberIdRequired) {
      // JoinGroup v4+: the coordinator hands out the member id first (KIP-394).
      std::lock_guard lock(mu_);
      member_id_ = jr.member_id;
      continue;
    }
    if (e == ErrorCode::kUnknownMemberId) {
      std::lock_guard lock(mu_);
      member_id_.clear();
    }
    if (e == ErrorCode::kRebalanceInProgress || e == ErrorCode::kUnknownMemberId ||
        e == ErrorCode::kIllegalGeneration) {
      if (Clock::now() >= deadline) throw ClientError(e);
      sleep_backoff(delay, deadline);
      continue;
    }
    if (e != ErrorCode::kNone) throw ClientError(e);
    {
      std::lock_guard lock(mu_);
      member_id_ = jr.member_id;
      generation_ = jr.generation_id;
    }

    protocol::SyncGroupRequest sync;
    sync.group_id = config_.group_id;
    sync.generation_id = jr.generation_id;
    sync.member_id = jr.member_id;
    if (jr.leader == jr.member_id) {
      // The leader assigns: every member's subscription, and the partition counts from metadata.
      std::map<std::string, std::vector<std::string>> subs;
      std::set<std::string> all;
      for (const auto& m : jr.members) {
        auto s = protocol::decode_subscription(m.metadata);
        subs[m.member_id] = s ? s->topics : std::vector<std::string>{};
        for (const auto& t : subs[m.member_id]) all.insert(t);
      }
      ClusterMetadata cluster =
          metadata.fetch(std::vector<std::string>(all.begin(), all.end()), deadline);
      std::map<std::string, int32_t> counts;
      for (const auto& [name, t] : cluster.topics) {
        if (t.error == ErrorCode::kNone) counts[name] = static_cast<int32_t>(t.partitions.size());
      }
      for (const auto& [member, tps] : range_assign(subs, counts)) {
        protocol::ConsumerAssignment a;
        for (const auto& tp : tps) a.partitions[tp.topic].push_back(tp.partition);
        sync.assignments.push_back({member, protocol::encode_assignment(a)});
      }
    }
    protocol::SyncGroupResponse sr;
    e = at_coordinator(metadata, coordinator_, deadline, [&](Connection& conn) {
      sr = detail::call<protocol::SyncGroupResponse>(conn, sync, join_deadline);
      return static_cast<ErrorCode>(sr.error_code);
    });
    if (rejoin_error(e)) {
      if (e == ErrorCode::kUnknownMemberId) {
        std::lock_guard lock(mu_);
        member_id_.clear();
      }
      if (Clock::now() >= deadline) throw ClientError(e);
      continue;
    }
    if (e != ErrorCode::kNone) throw ClientError(e);
    std::vector<TopicPartition> out;
    if (!sr.assignment.empty()) {
      auto a = protocol::decode_assignment(sr.assignment);
      if (!a) throw ClientError(ErrorCode::kInconsistentGroupProtocol, "Malformed assignment");
      for (const auto& [t, parts] : a->partitions) {
        for (int32_t p : parts) out.push_back({t, p});
      }
    }
    std::sort(out.begin(), out.end());
    joined_ = true;
    cv_.notify_all();  // the heartbeat thread starts counting from now
    return out;
  }
}

void GroupMember::commit(MetadataClient& metadata, const std::map<TopicPartition, int64_t>& offsets,
                         Clock::time_point deadline) {
  if (offsets.empty()) return;
  protocol::OffsetCommitRequest req;
  {
    std::lock_guard lock(mu_);
    req = detail::offset_commit_request(config_.group_id, joined_ ? generation_ : -1,
                                        joined_ ? member_id_ : "", offsets);
  }
  ErrorCode partition_error = ErrorCode::kNone;
  ErrorCode e = at_coordinator(metadata, coordinator_, deadline, [&](Connection& conn) {
    auto resp = detail::call<protocol::OffsetCommitResponse>(conn, req, deadline);
    partition_error = ErrorCode::kNone;
    for (const auto& t : resp.topics) {
      for (const auto& p : t.partitions) {
        auto pe = static_cast<ErrorCode>(p.error_code);
        if (pe == ErrorCode::kNone) continue;
        // A coordinator error in any partition means the whole request must go elsewhere.
        if (coordinator_error(pe)) return pe;
        partition_error = pe;
      }
    }
    return ErrorCode::kNone;
  });
  if (e == ErrorCode::kNone) e = partition_error;
  if (rejoin_error(e)) rejoin_needed_ = true;
  if (e != ErrorCode::kNone) throw ClientError(e, "Commit failed: " + error_message(e));
}

std::map<TopicPartition, CommittedOffset> GroupMember::fetch_committed(
    MetadataClient& metadata, const std::vector<TopicPartition>& tps, Clock::time_point deadline) {
  std::map<TopicPartition, CommittedOffset> out;
  if (tps.empty()) return out;
  std::vector<TopicPartition> sorted = tps;
  std::sort(sorted.begin(), sorted.end());
  protocol::OffsetFetchRequest req;
  req.group_id = config_.group_id;
  req.topics.emplace();
  for (const auto& tp : sorted) {
    if (req.topics->empty() || req.topics->back().name != tp.topic) {
      req.topics->emplace_back();
      req.topics->back().name = tp.topic;
    }
    req.topics->back().partition_indexes.push_back(tp.partition);
  }
  ErrorCode e = at_coordinator(metadata, coordinator_, deadline, [&](Connection& conn) {
    auto resp = detail::call<protocol::OffsetFetchResponse>(conn, req, deadline);
    auto top = static_cast<ErrorCode>(resp.error_code);
    if (top != ErrorCode::kNone) return top;
    out.clear();
    for (const auto& t : resp.topics) {
      for (const auto& p : t.partitions) {
        auto pe = static_cast<ErrorCode>(p.error_code);
        if (coordinator_error(pe)) return pe;
        if (pe == ErrorCode::kNone && p.committed_offset >= 0) {
          out[{t.name, p.partition_index}] = CommittedOffset{p.committed_offset, p.metadata};
        }
      }
    }
    return ErrorCode::kNone;
  });
  if (e != ErrorCode::kNone) throw ClientError(e);
  return out;
}

void GroupMember::leave(MetadataClient& metadata, Clock::time_point deadline) {
  std::string member_id;
  {
    std::lock_guard lock(mu_);
    member_id = member_id_;
    generation_ = -1;
  }
  if (!joined_ || member_id.empty()) return;
  joined_ = false;
  try {
    at_coordinator(metadata, coordinator_, deadline, [&](Connection& conn) {
      protocol::LeaveGroupRequest req;
      req.group_id = config_.group_id;
      req.member_id = member_id;
      req.members.push_back({member_id, std::nullopt});
      auto resp = detail::call<protocol::LeaveGroupResponse>(conn, req, deadline);
      return static_cast<ErrorCode>(resp.error_code);
    });
  } catch (const std::exception&) {
    // Leaving is a courtesy that speeds up the rebalance; the session timeout covers failures.
  }
}

void GroupMember::heartbeat_loop() {
  MetadataClient metadata(config_.client);
  std::optional<int32_t> cached;
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, config_.heartbeat_interval);
    if (stop_) break;
    // Heartbeats continue after a rebalance was announced, until the rejoin starts: the
    // coordinator keeps the session alive on them while it waits for this member to rejoin.
    if (generation_ < 0) continue;
    protocol::HeartbeatRequest req;
    req.group_id = config_.group_id;
    req.generation_id = generation_;
    req.member_id = member_id_;
    lock.unlock();
    ErrorCode e = ErrorCode::kNone;
    try {
      // Bounded by the session timeout: a heartbeat later than that is useless anyway.
      Clock::time_point deadline = Clock::now() + config_.session_timeout;
      Connection& conn = coordinator(metadata, cached, deadline);
      auto resp = detail::call<protocol::HeartbeatResponse>(conn, req, deadline);
      e = static_cast<ErrorCode>(resp.error_code);
    } catch (const ClientError& ce) {
      e = ce.code();
    } catch (const std::exception&) {
      e = ErrorCode::kNetworkException;
    }
    if (coordinator_error(e) || e == ErrorCode::kNetworkException) cached.reset();
    if (rejoin_error(e)) rejoin_needed_ = true;
    lock.lock();
  }
}

}  // namespace detail
}  // namespace kb::clients
