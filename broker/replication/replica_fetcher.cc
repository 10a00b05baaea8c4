#include "broker/replication/replica_fetcher.h"

#include <algorithm>
#include <chrono>

#include "broker/replication/blocking_client.h"
#include "common/logging.h"
#include "common/thread_name.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/list_offsets.h"
#include "protocol/messages/offset_for_leader_epoch.h"
#include "protocol/wire.h"

namespace kb::broker::replication {

namespace {

constexpr int16_t kFetchVersion = 11;
constexpr int16_t kOffsetForLeaderEpochVersion = 3;
constexpr int16_t kListOffsetsVersion = 2;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

template <typename Message>
std::vector<uint8_t> encode(const Message& m, int16_t version) {
  protocol::OutBuffer out;
  protocol::Writer w(out);
  m.encode(w, version);
  return out.flatten();
}

template <typename Message>
Message decode(const ResponseBody& bytes, int16_t version) {
  Message m;
  protocol::Reader r(bytes.data(), bytes.size());
  m.decode(r, version);
  return m;
}

}  // namespace

int fetcher_id_for(const TopicPartition& tp, int num_fetchers) {
  // Java's String.hashCode, then Utils.abs(31 * hash + partition) % n, as Kafka assigns.
  int32_t hash = 0;
  for (unsigned char c : tp.topic)
    hash = static_cast<int32_t>(31u * static_cast<uint32_t>(hash) + c);
  int32_t mixed =
      static_cast<int32_t>(31u * static_cast<uint32_t>(hash) + static_cast<uint32_t>(tp.partition));
  int32_t positive = mixed == INT32_MIN ? 0 : (mixed < 0 ? -mixed : mixed);  // Utils.abs
  return positive % std::max(num_fetchers, 1);
}

class ReplicaFetcherThread::Impl {
 public:
  Impl(const LeaderEndpoint& leader, const std::string& client_id, int timeout_ms)
      : client(leader.host, leader.port, client_id, std::chrono::milliseconds(timeout_ms)) {}
  BlockingClient client;
};

ReplicaFetcherThread::ReplicaFetcherThread(std::string name, LeaderEndpoint leader,
                                           FetcherSettings settings, FollowerLookup lookup,
                                           FollowerProgress progress)
    : name_(std::move(name)),
      leader_(std::move(leader)),
      settings_(settings),
      lookup_(std::move(lookup)),
      progress_(std::move(progress)),
      impl_(std::make_unique<Impl>(leader_, name_, settings.socket_timeout_ms)),
      thread_([this] {
        // "ReplicaFetcherThread-F-L" cut to 15 characters would lose the ids.
        set_current_thread_name("kb-fetch-" + name_.substr(name_.find('-') + 1));
        run();
      }) {}

ReplicaFetcherThread::~ReplicaFetcherThread() {
  shutdown();
}

void ReplicaFetcherThread::shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  impl_->client.interrupt();
  if (thread_.joinable()) thread_.join();
}

void ReplicaFetcherThread::add_partitions(const std::map<TopicPartition, LeaderEpoch>& partitions) {
  {
    std::lock_guard lock(mu_);
    for (const auto& [tp, epoch] : partitions) {
      FetchState state;
      state.epoch = epoch;
      auto p = lookup_(tp);
      state.fetch_offset = p ? p->log()->log_end_offset().value() : 0;
      partitions_[tp] = state;
    }
  }
  cv_.notify_all();
}

void ReplicaFetcherThread::remove_partitions(const std::set<TopicPartition>& partitions) {
  std::lock_guard lock(mu_);
  for (const auto& tp : partitions) partitions_.erase(tp);
}

size_t ReplicaFetcherThread::partition_count() const {
  std::lock_guard lock(mu_);
  return partitions_.size();
}

template <typename Fn>
void ReplicaFetcherThread::update_state(const TopicPartition& tp, LeaderEpoch epoch, Fn fn) {
  std::lock_guard lock(mu_);
  auto it = partitions_.find(tp);
  if (it != partitions_.end() && it->second.epoch == epoch) fn(it->second);
}

void ReplicaFetcherThread::delay(const TopicPartition& tp, LeaderEpoch epoch) {
  int64_t until = now_ms() + settings_.backoff_ms;
  update_state(tp, epoch, [&](FetchState& s) { s.delayed_until_ms = until; });
}

void ReplicaFetcherThread::run() {
  while (true) {
    std::map<TopicPartition, FetchState> truncating, fetching;
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
      int64_t now = now_ms();
      int64_t next_ready = INT64_MAX;
      for (const auto& [tp, s] : partitions_) {
        if (s.delayed_until_ms > now) {
          next_ready = std::min(next_ready, s.delayed_until_ms);
          continue;
        }
        (s.truncating ? truncating : fetching).emplace(tp, s);
      }
      if (truncating.empty() && fetching.empty()) {
        auto wait = next_ready == INT64_MAX ? std::chrono::milliseconds(settings_.backoff_ms)
                                            : std::chrono::milliseconds(next_ready - now);
        cv_.wait_for(lock, wait);
        continue;
      }
    }
    bool ok = true;
    try {
      if (!truncating.empty()) ok = truncate_round(truncating);
      if (ok && !fetching.empty()) ok = fetch_round(fetching);
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;  // shutdown() interrupted the connection
      }
      KB_LOG_WARN("replication") << "[" << name_ << "] Error talking to leader " << leader_.id
                                 << " at " << leader_.host << ":" << leader_.port << ": "
                                 << e.what();
      ok = false;
    }
    if (!ok) {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(settings_.backoff_ms),
                   [this] { return stopping_; });
    }
  }
}

bool ReplicaFetcherThread::truncate_round(const std::map<TopicPartition, FetchState>& work) {
  protocol::OffsetForLeaderEpochRequest request;
  request.replica_id = settings_.local_broker;
  std::map<TopicPartition, int32_t> asked;  // our latest epoch per partition
  for (const auto& [tp, state] : work) {
    auto partition = lookup_(tp);
    // Never truncate a log we lead (LeaderAndIsr may have moved it since the snapshot).
    if (!partition || partition->is_leader() || partition->leader_epoch() != state.epoch) continue;
    auto& log = *partition->log();
    auto latest = log.leader_epochs().latest_epoch();
    if (!latest) {
      // No epoch information: Kafka falls back to truncating to the high watermark.
      int64_t hw = log.high_watermark().value();
      log.truncate_to(Offset(hw));
      int64_t leo = log.log_end_offset().value();
      update_state(tp, state.epoch, [&](FetchState& s) {
        s.truncating = false;
        s.fetch_offset = leo;
      });
      continue;
    }
    asked[tp] = *latest;
    auto topic = std::find_if(request.topics.begin(), request.topics.end(),
                              [&](const auto& t) { return t.topic == tp.topic; });
    if (topic == request.topics.end()) {
      request.topics.emplace_back();
      request.topics.back().topic = tp.topic;
      topic = std::prev(request.topics.end());
    }
    protocol::OffsetForLeaderEpochRequest::OffsetForLeaderPartition p;
    p.partition = tp.partition;
    p.current_leader_epoch = state.epoch.value();
    p.leader_epoch = *latest;
    topic->partitions.push_back(p);
  }
  if (asked.empty()) return true;
  auto body = impl_->client.roundtrip(protocol::OffsetForLeaderEpochRequest::kApiKey,
                                      kOffsetForLeaderEpochVersion,
                                      encode(request, kOffsetForLeaderEpochVersion));
  auto response =
      decode<protocol::OffsetForLeaderEpochResponse>(body, kOffsetForLeaderEpochVersion);
  for (const auto& topic : response.topics) {
    for (const auto& p : topic.partitions) {
      TopicPartition tp{topic.topic, p.partition};
      auto state_it = work.find(tp);
      auto partition = lookup_(tp);
      if (state_it == work.end() || !partition || !asked.count(tp)) continue;
      LeaderEpoch epoch = state_it->second.epoch;
      if (partition->is_leader() || partition->leader_epoch() != epoch) continue;
      auto error = static_cast<ErrorCode>(p.error_code);
      if (error != ErrorCode::kNone) {
        // NOT_LEADER / FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH: the next LeaderAndIsr fixes
        // our view; until then retry after the backoff.
        KB_LOG_INFO("replication") << "[" << name_ << "] OffsetForLeaderEpoch for "
                                   << tp.to_string() << " failed: " << error_name(error);
        delay(tp, epoch);
        continue;
      }
      auto& log = *partition->log();
      TruncationInput in;
      in.local_leo = log.log_end_offset().value();
      in.local_hw = log.high_watermark().value();
      in.leader_epoch = p.leader_epoch;
      in.leader_end_offset = p.end_offset;
      if (p.leader_epoch >= 0)
        in.local_end_for_leader_epoch = log.end_offset_for_epoch(p.leader_epoch);
      TruncationDecision d = follower_truncation(in);
      if (d.offset < in.local_leo) {
        KB_LOG_INFO("replication")
            << "[" << name_ << "] Truncating " << tp.to_string() << " to " << d.offset
            << " (leader epoch " << p.leader_epoch << " ends at " << p.end_offset << ")";
        log.truncate_to(Offset(d.offset));
      }
      int64_t leo = log.log_end_offset().value();
      update_state(tp, epoch, [&](FetchState& s) {
        s.truncating = !d.complete;
        s.fetch_offset = leo;
      });
    }
  }
  return true;
}

bool ReplicaFetcherThread::fetch_round(const std::map<TopicPartition, FetchState>& work) {
  protocol::FetchRequest request;
  request.replica_id = settings_.local_broker;
  request.max_wait_ms = settings_.max_wait_ms;
  request.min_bytes = settings_.min_bytes;
  request.max_bytes = settings_.response_max_bytes;
  request.isolation_level = 0;
  request.session_id = 0;
  request.session_epoch = -1;  // full fetch requests, no incremental sessions
  for (const auto& [tp, state] : work) {
    auto partition = lookup_(tp);
    if (!partition) continue;
    if (request.topics.empty() || request.topics.back().topic != tp.topic) {
      request.topics.emplace_back();
      request.topics.back().topic = tp.topic;
    }
    protocol::FetchRequest::FetchPartition p;
    p.partition = tp.partition;
    p.current_leader_epoch = state.epoch.value();
    p.fetch_offset = state.fetch_offset;
    p.log_start_offset = partition->log()->log_start_offset().value();
    p.partition_max_bytes = settings_.partition_max_bytes;
    request.topics.back().partitions.push_back(p);
  }
  if (request.topics.empty()) return true;
  auto body = impl_->client.roundtrip(protocol::FetchRequest::kApiKey, kFetchVersion,
                                      encode(request, kFetchVersion));
  auto response = decode<protocol::FetchResponse>(body, kFetchVersion);
  if (response.error_code != 0) {
    KB_LOG_WARN("replication") << "[" << name_ << "] Fetch failed: "
                               << error_name(static_cast<ErrorCode>(response.error_code));
    return false;
  }
  for (const auto& topic : response.responses) {
    for (const auto& p : topic.partitions) {
      TopicPartition tp{topic.topic, p.partition_index};
      auto state_it = work.find(tp);
      auto partition = lookup_(tp);
      if (state_it == work.end() || !partition) continue;
      const FetchState& state = state_it->second;
      auto error = static_cast<ErrorCode>(p.error_code);
      if (error == ErrorCode::kOffsetOutOfRange) {
        handle_out_of_range(tp, state);
        continue;
      }
      if (error != ErrorCode::kNone) {
        if (error != ErrorCode::kNotLeaderOrFollower && error != ErrorCode::kFencedLeaderEpoch &&
            error != ErrorCode::kUnknownLeaderEpoch) {
          KB_LOG_WARN("replication") << "[" << name_ << "] Fetch of " << tp.to_string()
                                     << " failed: " << error_name(error);
        }
        delay(tp, state.epoch);
        continue;
      }
      // Still ours at the same epoch and offset? (LeaderAndIsr may have moved it meanwhile.)
      bool current = false;
      update_state(tp, state.epoch, [&](FetchState& s) {
        current = !s.truncating && s.fetch_offset == state.fetch_offset;
      });
      if (!current || partition->leader_epoch() != state.epoch || partition->is_leader()) continue;
      auto bytes = p.records.bytes();
      auto result = partition->append_as_follower(bytes, p.high_watermark, p.log_start_offset);
      if (result.error != ErrorCode::kNone) {
        KB_LOG_WARN("replication") << "[" << name_ << "] Follower append to " << tp.to_string()
                                   << " failed: " << error_name(result.error);
        if (result.error == ErrorCode::kOffsetOutOfRange) {
          update_state(tp, state.epoch, [](FetchState& s) { s.truncating = true; });
        } else {
          delay(tp, state.epoch);
        }
        continue;
      }
      int64_t leo = partition->log()->log_end_offset().value();
      update_state(tp, state.epoch, [&](FetchState& s) { s.fetch_offset = leo; });
      if (progress_ && !bytes.empty()) progress_(tp);
    }
  }
  return true;
}

void ReplicaFetcherThread::handle_out_of_range(const TopicPartition& tp, const FetchState& state) {
  auto partition = lookup_(tp);
  if (!partition) return;
  // Ask the leader for its log start: beyond our log end means our data is gone on the leader
  // (retention) and we restart empty there; otherwise our log runs past the leader's end and
  // the epoch-based truncation resolves it.
  protocol::ListOffsetsRequest request;
  request.replica_id = settings_.local_broker;
  request.topics.emplace_back();
  request.topics.back().name = tp.topic;
  protocol::ListOffsetsRequest::ListOffsetsPartition p;
  p.partition_index = tp.partition;
  p.timestamp = -2;  // earliest
  request.topics.back().partitions.push_back(p);
  auto body = impl_->client.roundtrip(protocol::ListOffsetsRequest::kApiKey, kListOffsetsVersion,
                                      encode(request, kListOffsetsVersion));
  auto response = decode<protocol::ListOffsetsResponse>(body, kListOffsetsVersion);
  int64_t leader_start = -1;
  for (const auto& t : response.topics)
    for (const auto& r : t.partitions)
      if (r.error_code == 0) leader_start = r.offset;
  auto& log = *partition->log();
  if (leader_start > log.log_end_offset().value()) {
    KB_LOG_INFO("replication") << "[" << name_ << "] " << tp.to_string()
                               << " is behind the leader's log start " << leader_start
                               << ": restarting the local log there";
    log.truncate_fully_and_start_at(Offset(leader_start));
    update_state(tp, state.epoch, [&](FetchState& s) { s.fetch_offset = leader_start; });
    return;
  }
  update_state(tp, state.epoch, [&](FetchState& s) {
    s.truncating = true;
    s.delayed_until_ms = now_ms() + settings_.backoff_ms;
  });
}

// ---------------------------------------------------------------------------------------------

ReplicaFetcherManager::ReplicaFetcherManager(FetcherSettings settings, FollowerLookup lookup,
                                             FollowerProgress progress)
    : settings_(settings), lookup_(std::move(lookup)), progress_(std::move(progress)) {}

ReplicaFetcherManager::~ReplicaFetcherManager() {
  shutdown();
}

void ReplicaFetcherManager::add_fetchers(
    const std::map<TopicPartition, std::pair<LeaderEndpoint, LeaderEpoch>>& adds) {
  // A partition may only be fetched by one thread: drop it everywhere first.
  std::set<TopicPartition> moving;
  for (const auto& [tp, target] : adds) moving.insert(tp);
  remove_fetchers(moving);
  std::lock_guard lock(mu_);
  if (stopped_) return;
  std::map<std::pair<int32_t, int>, std::map<TopicPartition, LeaderEpoch>> per_thread;
  for (const auto& [tp, target] : adds) {
    const auto& [leader, epoch] = target;
    auto key = std::make_pair(leader.id.value(), fetcher_id_for(tp, settings_.num_fetchers));
    auto it = threads_.find(key);
    if (it != threads_.end() &&
        (it->second->leader().host != leader.host || it->second->leader().port != leader.port)) {
      it->second->shutdown();  // the leader moved to another endpoint
      threads_.erase(it);
      it = threads_.end();
    }
    if (it == threads_.end()) {
      std::string name =
          "ReplicaFetcherThread-" + std::to_string(key.second) + "-" + std::to_string(key.first);
      threads_.emplace(
          key, std::make_unique<ReplicaFetcherThread>(name, leader, settings_, lookup_, progress_));
    }
    per_thread[key][tp] = epoch;
  }
  for (const auto& [key, partitions] : per_thread) threads_.at(key)->add_partitions(partitions);
}

void ReplicaFetcherManager::remove_fetchers(const std::set<TopicPartition>& partitions) {
  std::lock_guard lock(mu_);
  for (auto& [key, thread] : threads_) thread->remove_partitions(partitions);
}

void ReplicaFetcherManager::shutdown_idle_threads() {
  std::lock_guard lock(mu_);
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->second->partition_count() == 0) {
      it->second->shutdown();
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
}

void ReplicaFetcherManager::shutdown() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  for (auto& [key, thread] : threads_) thread->shutdown();
  threads_.clear();
}

size_t ReplicaFetcherManager::thread_count() const {
  std::lock_guard lock(mu_);
  return threads_.size();
}

}  // namespace kb::broker::replication
