#pragma once
// Internal (not installed): the consumer's state shared by consumer.cc (fetching, positions) and
// consumer_group.cc (group membership, offsets).
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "clients/consumer.h"
#include "clients/metadata.h"
#include "common/error_code.h"

namespace kb::clients::detail {

// Group membership of one consumer: the main thread joins, syncs, commits and leaves through its
// MetadataClient; the heartbeat thread has its own (connections are not thread-safe) and only
// flips `rejoin_needed` when the coordinator asks for a rebalance.
// Appends the records of one partition's fetched data (v2 batches) at or after `position` and
// below the high watermark, skipping control batches; returns the new position (past skipped
// control batches and compacted-away offsets too). Throws ClientError(CORRUPT_MESSAGE) for a batch
// that does not decode.
int64_t take_records(const std::string& topic, int32_t partition, std::span<const uint8_t> data,
                     int64_t position, int64_t high_watermark, std::vector<ConsumerRecord>* out);

class GroupMember {
 public:
  explicit GroupMember(const ConsumerConfig& config);
  ~GroupMember();  // stops the heartbeat thread

  // Joins (or rejoins) with `topics` as the subscription and returns this member's assignment.
  std::vector<TopicPartition> join(MetadataClient& metadata, const std::vector<std::string>& topics,
                                   Clock::time_point deadline);
  bool needs_join() const { return !joined_ || rejoin_needed_.load(); }
  // OffsetCommit; as a member of the current generation when joined, else as a non-member
  // (generation -1), which is what a consumer with assign() does. Throws ClientError.
  void commit(MetadataClient& metadata, const std::map<TopicPartition, int64_t>& offsets,
              Clock::time_point deadline);
  std::map<TopicPartition, CommittedOffset> fetch_committed(MetadataClient& metadata,
                                                            const std::vector<TopicPartition>& tps,
                                                            Clock::time_point deadline);
  // LeaveGroup when joined; errors are ignored (the session times out anyway).
  void leave(MetadataClient& metadata, Clock::time_point deadline);

 private:
  // A connection to the coordinator (found once, forgotten after coordinator errors).
  Connection& coordinator(MetadataClient& metadata, std::optional<int32_t>& cached,
                          Clock::time_point deadline);
  // Runs `attempt` at the coordinator, retrying coordinator errors and network errors until
  // `deadline`; returns the first other error code.
  template <typename Attempt>
  ErrorCode at_coordinator(MetadataClient& metadata, std::optional<int32_t>& cached,
                           Clock::time_point deadline, Attempt attempt);
  void heartbeat_loop();

  ConsumerConfig config_;
  std::optional<int32_t> coordinator_;  // main thread's
  bool joined_ = false;
  std::atomic<bool> rejoin_needed_{false};

  std::mutex mu_;  // guards member_id_, generation_ (read by the heartbeat thread), stop_
  std::condition_variable cv_;
  std::string member_id_;
  int32_t generation_ = -1;
  bool stop_ = false;
  std::thread heartbeat_;
};

}  // namespace kb::clients::detail

namespace kb::clients {

struct Consumer::State {
  State(ConsumerConfig c, const ClientConfig& connections)
      : config(std::move(c)), metadata(connections) {}

  ConsumerConfig config;
  MetadataClient metadata;
  std::unique_ptr<detail::GroupMember> group;  // when group.id is set

  enum class Mode { kNone, kAssigned, kSubscribed };
  Mode mode = Mode::kNone;
  std::vector<std::string> topics;                             // subscription
  std::optional<std::regex> pattern;                           // subscribe_pattern
  std::map<TopicPartition, std::optional<int64_t>> positions;  // the assignment
  Clock::time_point next_auto_commit{};
  bool closed = false;
};

}  // namespace kb::clients
