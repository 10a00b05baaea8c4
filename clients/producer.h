#pragma once
// A Kafka producer: send() queues a record and returns a future (and optionally calls a
// callback) with its partition and offset; a background sender thread batches records per
// partition (batch.size, linger.ms), compresses them (compression.type), sends Produce to each
// partition's leader with the configured acks, and retries what the error table
// (producer_policy.h) calls retriable until `retries` or delivery.timeout.ms is exhausted.
//
// With enable.idempotence the producer gets a producer id and epoch with InitProducerId and
// numbers every partition's batches; the broker then drops a retried batch it already has.
// This first version keeps one request in flight per broker and at most one batch per
// partition in flight (max.in.flight.requests.per.connection = 1), which keeps ordering and
// sequence numbers trivially right; it does not recover from OUT_OF_ORDER_SEQUENCE_NUMBER or
// UNKNOWN_PRODUCER_ID (those fail the batch). Transactions are not supported.
//
// Thread-safety: send(), flush() and close() may be called from any thread. Callbacks run on
// the sender thread (on the caller's thread for a record send() fails at once) and must not
// block.
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clients/client_config.h"
#include "clients/record_header.h"
#include "common/error_code.h"
#include "common/types.h"

namespace kb::clients {

enum class CompressionType : int8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

// "none", "gzip", "snappy", "lz4", "zstd" (Kafka's names). Throws std::invalid_argument.
CompressionType parse_compression_type(const std::string& name);

// acks: 0 (no response awaited), 1 (the leader's write), -1 ("all": the in-sync replicas').
enum class Acks : int16_t { kNone = 0, kLeader = 1, kAll = -1 };

// "0", "1", "all" or "-1". Throws std::invalid_argument.
Acks parse_acks(const std::string& text);

struct ProducerConfig {
  ClientConfig client;
  Acks acks = Acks::kLeader;  // Kafka 2.4's default
  size_t batch_size = 16384;
  std::chrono::milliseconds linger{0};
  CompressionType compression = CompressionType::kNone;
  int retries = 2147483647;
  std::chrono::milliseconds retry_backoff{100};
  // Bound on a record's whole life from send() to its completion, retries included.
  std::chrono::milliseconds delivery_timeout{120000};
  // Bound on send() waiting for the topic's metadata (max.block.ms).
  std::chrono::milliseconds max_block{60000};
  bool enable_idempotence = false;

  // Caps max.block.ms and the client's request, connect and API timeouts at `bound` (a tool's
  // --timeout-ms), then keeps delivery.timeout.ms >= linger.ms + request.timeout.ms as Java
  // requires.
  void cap_timeouts(std::chrono::milliseconds bound);
};

// Applies Kafka's producer property names onto `config` (and the client ones through
// apply_properties): acks, batch.size, linger.ms, compression.type, retries, retry.backoff.ms,
// delivery.timeout.ms, request.timeout.ms, max.block.ms, enable.idempotence,
// max.in.flight.requests.per.connection (accepted; only 1 is used). Unknown keys go to
// `ignored`. Throws std::invalid_argument for a bad value, or for idempotence with acks other
// than all (as Java does).
void apply_producer_properties(ProducerConfig& config,
                               const std::map<std::string, std::string>& props,
                               std::vector<std::string>* ignored = nullptr);

struct ProducerRecord {
  std::string topic;
  std::optional<PartitionId> partition;  // nullopt: the default partitioner chooses
  std::optional<std::string> key;        // nullopt: a null key
  std::optional<std::string> value;      // nullopt: a null value (a tombstone)
  std::vector<RecordHeader> headers;
  std::optional<int64_t> timestamp;  // ms since the epoch; nullopt: now
};

struct RecordMetadata {
  std::string topic;
  PartitionId partition{-1};
  int64_t offset = -1;  // -1 with acks=0: the broker does not say
  int64_t timestamp = -1;
};

// The outcome of one record: metadata, or an error code with a one-line message.
struct DeliveryReport {
  RecordMetadata metadata;
  ErrorCode error = ErrorCode::kNone;
  std::string message;
  bool ok() const { return error == ErrorCode::kNone; }
};
using DeliveryCallback = std::function<void(const DeliveryReport&)>;

class Producer {
 public:
  // Starts the sender thread (and, with idempotence, asks for a producer id on first use).
  // Throws std::invalid_argument for an invalid config (no bootstrap servers).
  explicit Producer(ProducerConfig config);
  // close() with the delivery timeout.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues the record. The future yields its metadata or throws ClientError (the broker's or
  // the table's error, REQUEST_TIMED_OUT when delivery.timeout.ms passed) or NetworkError. May
  // block up to max.block.ms for the topic's metadata; when the metadata cannot be had in that
  // time (or the topic does not exist, or the partition is out of range) the record completes
  // with that error at once. After close() the record fails at once.
  std::future<RecordMetadata> send(ProducerRecord record, DeliveryCallback callback = nullptr);

  // Sends everything queued now without waiting for linger.ms, and returns when all records
  // sent before the call have completed.
  void flush();

  // Flushes, waits at most `timeout` for outstanding records (those still queued then fail
  // with REQUEST_TIMED_OUT), and stops the sender thread. Idempotent.
  void close(std::chrono::milliseconds timeout);
  void close() { close(config().delivery_timeout); }

  const ProducerConfig& config() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::clients
