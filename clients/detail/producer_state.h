#pragma once
// Internal (not installed): the state shared by the producer's front end (producer.cc: send,
// flush, close, on the callers' threads) and its sender thread (producer_sender.cc).
// Everything under `mu` except the members marked sender-only.
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "clients/metadata.h"
#include "clients/partitioner.h"
#include "clients/producer.h"
#include "protocol/records/record_batch.h"

namespace kb::clients {

struct PendingRecord {
  std::optional<std::string> key, value;
  std::vector<records::Header> headers;
  int64_t timestamp = 0;
  std::promise<RecordMetadata> promise;
  DeliveryCallback callback;
};

struct Batch {
  TopicPartition tp;
  std::vector<PendingRecord> records;
  size_t bytes = 0;  // estimated, for batch.size
  Clock::time_point created;
  Clock::time_point retry_at{};  // not sent before (retry backoff)
  int attempts = 0;              // sends so far
  // Built on the first send and resent unchanged, so that a retry carries the same sequence
  // numbers and the broker can recognise a duplicate.
  std::vector<uint8_t> encoded;
  ErrorCode last_error = ErrorCode::kNone;
  std::string last_message;
};

struct TopicInfo {
  int32_t num_partitions = 0;  // 0: not known (yet)
  std::vector<PartitionId> available;
  ErrorCode error = ErrorCode::kNone;
};

// A record's outcome, applied outside the lock (callbacks may call send()).
struct Completion {
  PendingRecord record;
  DeliveryReport report;
};

struct Producer::Impl {
  explicit Impl(ProducerConfig c) : config(std::move(c)), metadata(config.client) {}

  const ProducerConfig config;

  std::mutex mu;
  std::condition_variable wake_sender;
  std::condition_variable state_changed;  // metadata arrived, records completed
  std::map<TopicPartition, std::deque<Batch>> queues;
  std::map<std::string, TopicInfo> topics;
  std::map<std::string, int> wanted;  // topics send() waits for -> number of waiters
  std::string last_metadata_error;    // why the last metadata fetch failed; empty when it worked
  bool last_metadata_error_is_network = false;
  bool metadata_ever_fetched = false;  // some broker has answered Metadata
  StickyPartitioner sticky;
  int flushing = 0;
  bool closing = false;
  Clock::time_point close_deadline{};
  size_t outstanding = 0;  // records queued or being sent
  std::thread sender;

  // Sender-only.
  MetadataClient metadata;
  std::map<TopicPartition, BrokerId> leaders;
  bool metadata_stale = true;
  Clock::time_point last_metadata_fetch{};
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::map<TopicPartition, int32_t> next_sequence;

  void run_sender();
  // Applies completions and wakes flush()/close(); takes `mu` itself.
  void finish(std::vector<Completion>& done);
};

// The report of a record that failed with `code`.
DeliveryReport failure_report(const TopicPartition& tp, ErrorCode code, std::string message);

}  // namespace kb::clients
