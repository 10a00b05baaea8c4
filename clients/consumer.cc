// The consumer: configuration, assignment, positions, offset resets and Fetch (group membership
// is in consumer_group.cc).
#include "clients/consumer.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <thread>

#include "clients/detail/call.h"
#include "clients/detail/consumer_state.h"
#include "clients/errors.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/list_offsets.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/record_batch.h"

namespace kb::clients {

namespace {

int64_t parse_number(const std::string& key, const std::string& value, int64_t min) {
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || n < min) {
    throw std::invalid_argument("Invalid value " + value + " for configuration " + key);
  }
  return n;
}

bool parse_bool(const std::string& key, const std::string& value) {
  if (value == "true") return true;
  if (value == "false") return false;
  throw std::invalid_argument("Invalid value " + value + " for configuration " + key +
                              ": Expected value to be either true or false");
}

// Errors after which refreshing the metadata (a new leader) and fetching again can succeed.
bool leader_error(ErrorCode e) {
  return e == ErrorCode::kNotLeaderOrFollower || e == ErrorCode::kLeaderNotAvailable ||
         e == ErrorCode::kUnknownTopicOrPartition || e == ErrorCode::kReplicaNotAvailable ||
         e == ErrorCode::kFencedLeaderEpoch || e == ErrorCode::kUnknownLeaderEpoch ||
         e == ErrorCode::kKafkaStorageError || e == ErrorCode::kNetworkException;
}

std::optional<std::string> to_string(const std::optional<std::vector<uint8_t>>& bytes) {
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

void apply_consumer_properties(ConsumerConfig& config,
                               const std::map<std::string, std::string>& props,
                               std::vector<std::string>* ignored) {
  std::vector<std::string> rest;
  apply_properties(config.client, props, &rest);
  using ms = std::chrono::milliseconds;
  for (const auto& key : rest) {
    const std::string& v = props.at(key);
    if (key == "group.id") {
      config.group_id = v;
    } else if (key == "auto.offset.reset") {
      if (v != "earliest" && v != "latest" && v != "none") {
        throw std::invalid_argument("Invalid value " + v +
                                    " for configuration auto.offset.reset: String must be one "
                                    "of: latest, earliest, none");
      }
      config.auto_offset_reset = v;
    } else if (key == "enable.auto.commit") {
      config.enable_auto_commit = parse_bool(key, v);
    } else if (key == "auto.commit.interval.ms") {
      config.auto_commit_interval = ms(parse_number(key, v, 0));
    } else if (key == "session.timeout.ms") {
      config.session_timeout = ms(parse_number(key, v, 1));
    } else if (key == "heartbeat.interval.ms") {
      config.heartbeat_interval = ms(parse_number(key, v, 1));
    } else if (key == "max.poll.interval.ms") {
      config.max_poll_interval = ms(parse_number(key, v, 1));
    } else if (key == "fetch.min.bytes") {
      config.fetch_min_bytes = static_cast<int32_t>(parse_number(key, v, 0));
    } else if (key == "fetch.max.wait.ms") {
      config.fetch_max_wait = ms(parse_number(key, v, 0));
    } else if (key == "fetch.max.bytes") {
      config.fetch_max_bytes = static_cast<int32_t>(parse_number(key, v, 0));
    } else if (key == "max.partition.fetch.bytes") {
      config.max_partition_fetch_bytes = static_cast<int32_t>(parse_number(key, v, 0));
    } else if (ignored != nullptr) {
      ignored->push_back(key);
    }
  }
}

namespace {

// The connections' own bound on one response must let JoinGroup wait for a whole rebalance
// (Kafka's consumer does the same); every other call passes a tighter deadline.
ClientConfig connection_config(const ConsumerConfig& config) {
  ClientConfig c = config.client;
  c.request_timeout =
      std::max(c.request_timeout, config.max_poll_interval + std::chrono::milliseconds(5000));
  return c;
}

}  // namespace

Consumer::Consumer(ConsumerConfig config)
    : state_(std::make_unique<State>(config, connection_config(config))) {
  if (!state_->config.group_id.empty()) {
    state_->group = std::make_unique<detail::GroupMember>(state_->config);
  }
}

Consumer::~Consumer() {
  try {
    close();
  } catch (const std::exception&) {
    // A destructor must not throw; close() explicitly to see errors.
  }
}

void Consumer::assign(const std::vector<TopicPartition>& partitions) {
  state_->mode = State::Mode::kAssigned;
  state_->topics.clear();
  state_->pattern.reset();
  std::map<TopicPartition, std::optional<int64_t>> next;
  for (const auto& tp : partitions) {
    auto it = state_->positions.find(tp);
    next[tp] = it != state_->positions.end() ? it->second : std::nullopt;
  }
  state_->positions = std::move(next);
}

void Consumer::subscribe(const std::vector<std::string>& topics) {
  if (!state_->group) throw std::invalid_argument("subscribe() needs a group.id");
  state_->mode = State::Mode::kSubscribed;
  state_->topics = topics;
  std::sort(state_->topics.begin(), state_->topics.end());
  state_->pattern.reset();
  state_->positions.clear();
}

void Consumer::subscribe_pattern(const std::string& regex) {
  if (!state_->group) throw std::invalid_argument("subscribe() needs a group.id");
  try {
    state_->pattern.emplace(regex);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("Invalid regular expression '" + regex + "': " + e.what());
  }
  state_->mode = State::Mode::kSubscribed;
  state_->topics.clear();
  state_->positions.clear();
}

std::vector<TopicPartition> Consumer::assignment() const {
  std::vector<TopicPartition> out;
  for (const auto& [tp, pos] : state_->positions) out.push_back(tp);
  return out;
}

namespace {

// Joins (or rejoins) when the subscription needs it; true when the assignment changed.
void ensure_group(Consumer::State& s, Consumer& consumer, Clock::time_point deadline) {
  if (s.mode != Consumer::State::Mode::kSubscribed || !s.group->needs_join()) return;
  // Hand back what was consumed before the partitions may move to another member.
  if (s.config.enable_auto_commit && !s.positions.empty()) {
    try {
      consumer.commit_sync();
    } catch (const ClientError&) {
      // The generation is gone already; the new owner resumes from the last commit.
    }
  }
  std::vector<std::string> topics = s.topics;
  if (s.pattern) {
    topics.clear();
    ClusterMetadata cluster = s.metadata.fetch(std::nullopt, deadline);
    for (const auto& [name, t] : cluster.topics) {
      if (!t.is_internal && std::regex_match(name, *s.pattern)) topics.push_back(name);
    }
  }
  std::vector<TopicPartition> assigned = s.group->join(s.metadata, topics, deadline);
  std::map<TopicPartition, std::optional<int64_t>> next;
  for (const auto& tp : assigned) next[tp] = std::nullopt;  // from the committed offsets
  s.positions = std::move(next);
}

// ListOffsets for `tps` (kEarliest / kLatest), retried on leader errors until `deadline`.
std::map<TopicPartition, int64_t> list_offsets(Consumer::State& s,
                                               const std::vector<TopicPartition>& tps,
                                               int64_t which, Clock::time_point deadline) {
  std::map<TopicPartition, int64_t> out;
  std::vector<TopicPartition> pending = tps;
  std::chrono::milliseconds delay{100};
  while (!pending.empty()) {
    std::set<std::string> names;
    for (const auto& tp : pending) names.insert(tp.topic);
    ClusterMetadata cluster =
        s.metadata.fetch(std::vector<std::string>(names.begin(), names.end()), deadline);
    std::map<int32_t, std::vector<TopicPartition>> by_leader;
    for (const auto& tp : pending) {
      auto t = cluster.topics.find(tp.topic);
      if (t == cluster.topics.end()) continue;
      for (const auto& p : t->second.partitions) {
        if (p.id.value() == tp.partition && p.leader.value() >= 0) {
          by_leader[p.leader.value()].push_back(tp);
        }
      }
    }
    ErrorCode last = ErrorCode::kLeaderNotAvailable;
    for (const auto& [leader, list] : by_leader) {
      protocol::ListOffsetsRequest req;
      req.replica_id = -1;
      for (const auto& tp : list) {
        if (req.topics.empty() || req.topics.back().name != tp.topic) {
          req.topics.emplace_back();
          req.topics.back().name = tp.topic;
        }
        protocol::ListOffsetsRequest::ListOffsetsPartition p;
        p.partition_index = tp.partition;
        p.timestamp = which;
        req.topics.back().partitions.push_back(p);
      }
      try {
        int16_t version = 0;
        auto resp = detail::call<protocol::ListOffsetsResponse>(
            s.metadata.to_broker(BrokerId{leader}, deadline), req, deadline, &version);
        for (const auto& t : resp.topics) {
          for (const auto& p : t.partitions) {
            auto e = static_cast<ErrorCode>(p.error_code);
            if (e != ErrorCode::kNone) {
              if (!leader_error(e)) throw ClientError(e);
              last = e;
              continue;
            }
            int64_t offset = version == 0
                                 ? (p.old_style_offsets.empty() ? -1 : p.old_style_offsets.front())
                                 : p.offset;
            out[{t.name, p.partition_index}] = offset;
          }
        }
      } catch (const NetworkError&) {
        last = ErrorCode::kNetworkException;
      }
    }
    std::erase_if(pending, [&](const TopicPartition& tp) { return out.count(tp) != 0; });
    if (pending.empty()) break;
    if (Clock::now() + delay >= deadline) {
      throw ClientError(last, "Cannot list offsets of " + pending.front().to_string() + ": " +
                                  error_message(last));
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(1000));
  }
  return out;
}

// Resolves unknown positions: the committed offset, else auto.offset.reset.
void ensure_positions(Consumer::State& s, Clock::time_point deadline) {
  std::vector<TopicPartition> missing;
  for (const auto& [tp, pos] : s.positions) {
    if (!pos) missing.push_back(tp);
  }
  if (missing.empty()) return;
  if (s.group) {
    auto committed = s.group->fetch_committed(s.metadata, missing, deadline);
    for (const auto& [tp, c] : committed) s.positions[tp] = c.offset;
    std::erase_if(missing, [&](const TopicPartition& tp) { return committed.count(tp) != 0; });
  }
  if (missing.empty()) return;
  if (s.config.auto_offset_reset == "none") {
    throw ClientError(
        ErrorCode::kOffsetOutOfRange,
        "Undefined offset with no reset policy for partitions: " + missing.front().to_string());
  }
  int64_t which =
      s.config.auto_offset_reset == "earliest" ? OffsetQuery::kEarliest : OffsetQuery::kLatest;
  for (const auto& [tp, offset] : list_offsets(s, missing, which, deadline)) {
    s.positions[tp] = offset;
  }
}

}  // namespace

int64_t detail::take_records(const std::string& topic, int32_t partition,
                             std::span<const uint8_t> data, int64_t position,
                             int64_t high_watermark, std::vector<ConsumerRecord>* out) {
  for (auto batch : records::split_batches(data)) {
    records::BatchHeader h{};
    if (!records::parse_batch_header(batch, &h) || h.magic != 2) break;
    if (h.base_offset >= high_watermark) break;
    if (h.is_control()) {
      // Transaction markers are not records; step over them.
      if (h.last_offset() >= position && h.last_offset() < high_watermark) {
        position = h.last_offset() + 1;
      }
      continue;
    }
    std::vector<records::Record> recs;
    std::string error;
    if (!records::read_records(batch, &recs, &error)) {
      throw ClientError(ErrorCode::kCorruptMessage,
                        "Cannot decode a batch of " + topic + "-" + std::to_string(partition) +
                            " at offset " + std::to_string(h.base_offset) + ": " + error);
    }
    for (auto& r : recs) {
      if (r.offset < position || r.offset >= high_watermark) continue;
      ConsumerRecord cr;
      cr.topic = topic;
      cr.partition = partition;
      cr.offset = r.offset;
      cr.timestamp = r.timestamp;
      cr.log_append_time = h.log_append_time();
      cr.key = to_string(r.key);
      cr.value = to_string(r.value);
      for (auto& hd : r.headers) cr.headers.push_back({hd.key, to_string(hd.value)});
      out->push_back(std::move(cr));
      position = r.offset + 1;
    }
    // A compacted batch may end with removed records: continue after its last offset.
    if (h.last_offset() >= position && h.last_offset() < high_watermark) {
      position = h.last_offset() + 1;
    }
  }
  return position;
}

std::vector<ConsumerRecord> Consumer::poll(std::chrono::milliseconds timeout) {
  State& s = *state_;
  if (s.closed) throw std::logic_error("poll() on a closed consumer");
  Clock::time_point until = Clock::now() + timeout;
  std::vector<ConsumerRecord> out;
  std::chrono::milliseconds delay{100};
  while (true) {
    Clock::time_point deadline = std::max(until, s.metadata.default_deadline());
    if (s.group && s.config.enable_auto_commit && Clock::now() >= s.next_auto_commit) {
      if (s.next_auto_commit != Clock::time_point{}) {
        try {
          commit_sync();
        } catch (const ClientError&) {
          // Retried at the next interval (a rebalance in progress, a moving coordinator).
        }
      }
      s.next_auto_commit = Clock::now() + s.config.auto_commit_interval;
    }
    if (s.group) ensure_group(s, *this, deadline);
    ensure_positions(s, deadline);

    std::set<std::string> names;
    for (const auto& [tp, pos] : s.positions) names.insert(tp.topic);
    std::map<int32_t, std::vector<TopicPartition>> by_leader;
    bool missing_leader = false;
    if (!names.empty()) {
      ClusterMetadata cluster = s.metadata.last();
      bool stale = false;
      for (const auto& n : names) stale = stale || cluster.topics.count(n) == 0;
      if (stale) {
        cluster = s.metadata.fetch(std::vector<std::string>(names.begin(), names.end()), deadline);
      }
      for (const auto& [tp, pos] : s.positions) {
        int32_t leader = -1;
        auto t = cluster.topics.find(tp.topic);
        if (t != cluster.topics.end()) {
          for (const auto& p : t->second.partitions) {
            if (p.id.value() == tp.partition) leader = p.leader.value();
          }
        }
        if (leader < 0) {
          missing_leader = true;
        } else {
          by_leader[leader].push_back(tp);
        }
      }
    }
    bool refresh = missing_leader;
    for (const auto& [leader, tps] : by_leader) {
      auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      // Only the first leader without data may wait: the others are asked for what they have.
      auto wait = out.empty()
                      ? std::clamp(remaining, std::chrono::milliseconds(0), s.config.fetch_max_wait)
                      : std::chrono::milliseconds(0);
      protocol::FetchRequest req;
      req.replica_id = -1;
      req.max_wait_ms = static_cast<int32_t>(wait.count());
      req.min_bytes = s.config.fetch_min_bytes;
      req.max_bytes = s.config.fetch_max_bytes;
      req.isolation_level = 0;
      for (const auto& tp : tps) {
        if (req.topics.empty() || req.topics.back().topic != tp.topic) {
          req.topics.emplace_back();
          req.topics.back().topic = tp.topic;
        }
        protocol::FetchRequest::FetchPartition p;
        p.partition = tp.partition;
        p.fetch_offset = *s.positions.at(tp);
        p.partition_max_bytes = s.config.max_partition_fetch_bytes;
        req.topics.back().partitions.push_back(p);
      }
      protocol::FetchResponse resp;
      std::vector<uint8_t> reply;  // owns the bytes resp's records point into
      try {
        Connection& conn = s.metadata.to_broker(BrokerId{leader}, deadline);
        if (conn.version_for(protocol::FetchRequest::kApiKey) < 4) {
          throw ClientError(ErrorCode::kUnsupportedVersion,
                            "The broker does not support Fetch v4 (record batches)");
        }
        resp = detail::call<protocol::FetchResponse>(
            conn, req, Clock::now() + wait + s.config.client.request_timeout, nullptr, &reply);
      } catch (const NetworkError&) {
        refresh = true;
        continue;
      }
      std::vector<TopicPartition> reset;
      for (const auto& t : resp.responses) {
        for (const auto& p : t.partitions) {
          TopicPartition tp{t.topic, p.partition_index};
          auto it = s.positions.find(tp);
          if (it == s.positions.end() || !it->second) continue;
          auto e = static_cast<ErrorCode>(p.error_code);
          if (e == ErrorCode::kOffsetOutOfRange) {
            if (s.config.auto_offset_reset == "none") {
              throw ClientError(e,
                                "Offsets out of range with no configured reset policy for "
                                "partitions: {" +
                                    tp.to_string() + "=" + std::to_string(*it->second) + "}");
            }
            reset.push_back(tp);
            continue;
          }
          if (leader_error(e)) {
            refresh = true;
            continue;
          }
          if (e != ErrorCode::kNone) throw ClientError(e);
          it->second = detail::take_records(t.topic, p.partition_index, p.records.bytes(),
                                            *it->second, p.high_watermark, &out);
        }
      }
      if (!reset.empty()) {
        int64_t which = s.config.auto_offset_reset == "earliest" ? OffsetQuery::kEarliest
                                                                 : OffsetQuery::kLatest;
        for (const auto& [tp, offset] : list_offsets(s, reset, which, deadline)) {
          s.positions[tp] = offset;
        }
      }
    }
    if (!out.empty() || Clock::now() >= until) return out;
    if (refresh) {
      std::set<std::string> all;
      for (const auto& [tp, pos] : s.positions) all.insert(tp.topic);
      s.metadata.fetch(std::vector<std::string>(all.begin(), all.end()), deadline);
      std::this_thread::sleep_until(std::min(until, Clock::now() + delay));
      delay = std::min(delay * 2, std::chrono::milliseconds(1000));
    } else if (by_leader.empty()) {
      // Nothing assigned (yet): do not spin.
      std::this_thread::sleep_until(std::min(until, Clock::now() + std::chrono::milliseconds(100)));
    }
  }
}

void Consumer::seek(const TopicPartition& tp, int64_t offset) {
  auto it = state_->positions.find(tp);
  if (it == state_->positions.end()) {
    throw std::invalid_argument("No current assignment for partition " + tp.to_string());
  }
  it->second = offset;
}

void Consumer::seek_to_beginning(const std::vector<TopicPartition>& partitions) {
  for (const auto& [tp, offset] : list_offsets(*state_, partitions, OffsetQuery::kEarliest,
                                               state_->metadata.default_deadline())) {
    seek(tp, offset);
  }
}

void Consumer::seek_to_end(const std::vector<TopicPartition>& partitions) {
  for (const auto& [tp, offset] : list_offsets(*state_, partitions, OffsetQuery::kLatest,
                                               state_->metadata.default_deadline())) {
    seek(tp, offset);
  }
}

int64_t Consumer::position(const TopicPartition& tp) {
  auto it = state_->positions.find(tp);
  if (it == state_->positions.end()) {
    throw std::invalid_argument("No current assignment for partition " + tp.to_string());
  }
  if (!it->second) ensure_positions(*state_, state_->metadata.default_deadline());
  return *state_->positions.at(tp);
}

std::map<TopicPartition, CommittedOffset> Consumer::committed(
    const std::vector<TopicPartition>& tps) {
  if (!state_->group) throw std::invalid_argument("committed() needs a group.id");
  return state_->group->fetch_committed(state_->metadata, tps, state_->metadata.default_deadline());
}

void Consumer::commit_sync() {
  std::map<TopicPartition, int64_t> offsets;
  for (const auto& [tp, pos] : state_->positions) {
    if (pos) offsets[tp] = *pos;
  }
  commit_sync(offsets);
}

void Consumer::commit_sync(const std::map<TopicPartition, int64_t>& offsets) {
  if (!state_->group) throw std::invalid_argument("commit_sync() needs a group.id");
  state_->group->commit(state_->metadata, offsets, state_->metadata.default_deadline());
}

void Consumer::close() {
  State& s = *state_;
  if (s.closed) return;
  s.closed = true;
  if (!s.group) return;
  if (s.config.enable_auto_commit) {
    try {
      commit_sync();
    } catch (const std::exception&) {
      // Best effort, as the Java consumer's close(): the records were delivered already.
    }
  }
  s.group->leave(s.metadata, s.metadata.default_deadline());
  s.group.reset();
}

}  // namespace kb::clients
