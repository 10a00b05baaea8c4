#pragma once
// A Kafka consumer (Kafka 2.4 KafkaConsumer semantics, blocking API): manual assignment or group
// subscription with the "consumer" protocol and the range assignor, Fetch at the partition
// leaders, positions, seeks, committed offsets, auto commit.
//
// Group membership: subscribe() joins on the next poll() (FindCoordinator, JoinGroup, SyncGroup;
// the leader computes the range assignment). A background thread sends Heartbeats every
// heartbeat.interval.ms; when the coordinator answers REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION or
// UNKNOWN_MEMBER_ID the next poll() rejoins (committing first when auto commit is on, as the Java
// consumer does on revocation). close() commits (auto commit) and sends LeaveGroup.
//
// Thread-safety: one thread uses a Consumer; only the internal heartbeat thread runs beside it.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clients/client_config.h"
#include "clients/consumer_groups.h"
#include "clients/record_header.h"

namespace kb::clients {

struct ConsumerConfig {
  ClientConfig client;
  std::string group_id;  // empty: no group (assign() only, no commits)
  // "earliest", "latest" or "none" (poll() throws OFFSET_OUT_OF_RANGE instead of resetting).
  std::string auto_offset_reset = "latest";
  bool enable_auto_commit = true;
  std::chrono::milliseconds auto_commit_interval{5000};
  std::chrono::milliseconds session_timeout{10000};
  std::chrono::milliseconds heartbeat_interval{3000};
  std::chrono::milliseconds max_poll_interval{300000};  // the JoinGroup rebalance timeout
  int32_t fetch_min_bytes = 1;
  std::chrono::milliseconds fetch_max_wait{500};
  int32_t fetch_max_bytes = 52428800;
  int32_t max_partition_fetch_bytes = 1048576;
};

// Applies the client properties (apply_properties) and the consumer ones: group.id,
// auto.offset.reset, enable.auto.commit, auto.commit.interval.ms, session.timeout.ms,
// heartbeat.interval.ms, max.poll.interval.ms, fetch.min.bytes, fetch.max.wait.ms,
// fetch.max.bytes, max.partition.fetch.bytes. Unknown keys go to `ignored`. Throws
// std::invalid_argument for a bad value.
void apply_consumer_properties(ConsumerConfig& config,
                               const std::map<std::string, std::string>& props,
                               std::vector<std::string>* ignored = nullptr);

struct ConsumerRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = -1;
  bool log_append_time = false;  // timestamp type: LogAppendTime instead of CreateTime
  std::optional<std::string> key, value;
  std::vector<RecordHeader> headers;
};

// Kafka's RangeAssignor: for each topic, its partitions (0..n-1) are split among the members
// subscribed to it, sorted by member id; each gets n/m consecutive partitions and the first n%m
// members one more. `subscriptions`: member id -> topics; `partition_counts`: topic -> count
// (topics missing from it are skipped). Every member appears in the result (possibly empty).
std::map<std::string, std::vector<TopicPartition>> range_assign(
    const std::map<std::string, std::vector<std::string>>& subscriptions,
    const std::map<std::string, int32_t>& partition_counts);

class Consumer {
 public:
  explicit Consumer(ConsumerConfig config);
  ~Consumer();  // close() without throwing
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Manual assignment (replaces any subscription). Positions come from the committed offsets
  // (with a group) or auto.offset.reset.
  void assign(const std::vector<TopicPartition>& partitions);
  // Group subscription to `topics`; or, with subscribe_pattern, to every topic whose whole name
  // matches the ECMAScript regex (evaluated when joining). Throws std::invalid_argument without
  // group.id or for a bad regex.
  void subscribe(const std::vector<std::string>& topics);
  void subscribe_pattern(const std::string& regex);
  // The partitions currently assigned, sorted.
  std::vector<TopicPartition> assignment() const;

  // Waits up to `timeout` for records of the assigned partitions (returning as soon as a fetch
  // brings some). Joins or rejoins the group and auto-commits as needed. Throws ClientError for
  // non-retriable errors (OFFSET_OUT_OF_RANGE with auto.offset.reset=none, authorization),
  // NetworkError when no broker answers within default.api.timeout.ms.
  std::vector<ConsumerRecord> poll(std::chrono::milliseconds timeout);

  void seek(const TopicPartition& tp, int64_t offset);
  void seek_to_beginning(const std::vector<TopicPartition>& partitions);
  void seek_to_end(const std::vector<TopicPartition>& partitions);
  // The offset of the next record poll() returns (resolving it now when not yet known).
  int64_t position(const TopicPartition& tp);
  // The group's committed offsets (missing partitions have none).
  std::map<TopicPartition, CommittedOffset> committed(const std::vector<TopicPartition>& tps);
  // Commits the current positions of all assigned partitions, or the given offsets.
  void commit_sync();
  void commit_sync(const std::map<TopicPartition, int64_t>& offsets);

  // Commits (auto commit), leaves the group and closes the connections. Idempotent.
  void close();

  struct State;  // implementation (consumer.cc, consumer_group.cc)

 private:
  std::unique_ptr<State> state_;
};

}  // namespace kb::clients
