#pragma once
// v2 record batches: decoding records (decompressing as needed), building batches, and the cheap
// validation the Produce path runs before a batch reaches the log.
// Thread-safety: free functions are pure; a RecordBatchBuilder is used by one thread at a time.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error_code.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/compression.h"

namespace kb::records {

struct Header {
  std::string key;
  std::optional<std::vector<uint8_t>> value;
  bool operator==(const Header&) const = default;
};

struct Record {
  int64_t offset = 0;     // absolute: base_offset + offset delta
  int64_t timestamp = 0;  // base_timestamp + delta, or the batch's max_timestamp for LogAppendTime
  std::optional<std::vector<uint8_t>> key, value;
  std::vector<Header> headers;
};

// Decodes every record of one v2 batch (`batch` starts at the batch and holds at least
// total_size() bytes; extra bytes after it are ignored). Records are appended to *out. Returns
// false with *error set on a bad header, a failed decompression, malformed records, or a record
// count that differs from the header's. Does not check the CRC (callers validate first).
bool read_records(std::span<const uint8_t> batch, std::vector<Record>* out, std::string* error);

// Splits a buffer of concatenated v2 batches. Whole batches are returned in order; stops at the
// first incomplete or unparsable batch and reports the bytes not consumed in *trailing (if
// non-null). Headers are only parsed, not validated.
std::vector<std::span<const uint8_t>> split_batches(std::span<const uint8_t> data,
                                                    size_t* trailing = nullptr);

// Builds one encoded v2 batch. Defaults match a plain, non-idempotent client: no compression,
// base offset 0, partition leader epoch -1, producer id -1, epoch -1, sequence -1, CreateTime.
class RecordBatchBuilder {
 public:
  RecordBatchBuilder& set_compression(Compression c) {
    compression_ = c;
    return *this;
  }
  RecordBatchBuilder& set_base_offset(int64_t o) {
    base_offset_ = o;
    return *this;
  }
  RecordBatchBuilder& set_partition_leader_epoch(int32_t e) {
    leader_epoch_ = e;
    return *this;
  }
  RecordBatchBuilder& set_producer(int64_t id, int16_t epoch, int32_t base_sequence) {
    producer_id_ = id;
    producer_epoch_ = epoch;
    base_sequence_ = base_sequence;
    return *this;
  }
  RecordBatchBuilder& set_transactional(bool t) {
    transactional_ = t;
    return *this;
  }
  RecordBatchBuilder& set_control(bool c) {
    control_ = c;
    return *this;
  }
  // Marks the batch LogAppendTime with the given append time (becomes MaxTimestamp).
  RecordBatchBuilder& set_log_append_time(int64_t now_ms) {
    log_append_time_ = now_ms;
    return *this;
  }

  // Appends a record at the next offset delta (0, 1, 2, ...). Null key/value = std::nullopt.
  // The batch's BaseTimestamp is the first record's timestamp, MaxTimestamp the largest.
  void add(std::optional<std::span<const uint8_t>> key,
           std::optional<std::span<const uint8_t>> value, const std::vector<Header>& headers,
           int64_t timestamp);
  // Same with an explicit offset delta (must be increasing; gaps are allowed, e.g. for
  // up-conversion of compacted data). LastOffsetDelta is the last delta added.
  void add_with_delta(int32_t offset_delta, std::optional<std::span<const uint8_t>> key,
                      std::optional<std::span<const uint8_t>> value,
                      const std::vector<Header>& headers, int64_t timestamp);

  // Keeps LastOffsetDelta at `delta` whatever the records added (the log cleaner rewrites a
  // batch with fewer records but must keep its last offset, which carries the producer's last
  // sequence). Must be >= the last delta added.
  RecordBatchBuilder& override_last_offset_delta(int32_t delta) {
    last_delta_override_ = delta;
    return *this;
  }

  int32_t record_count() const { return count_; }

  // Encodes the batch (header + possibly compressed records) with a correct CRC-32C. An empty
  // builder yields a batch with zero records, timestamps -1 and LastOffsetDelta -1; note that
  // validate_batches rejects that, as Kafka does for client-sent empty batches.
  std::vector<uint8_t> build() const;

 private:
  Compression compression_ = Compression::kNone;
  int64_t base_offset_ = 0;
  int32_t leader_epoch_ = -1;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  int32_t base_sequence_ = -1;
  bool transactional_ = false;
  bool control_ = false;
  std::optional<int64_t> log_append_time_;
  int32_t count_ = 0;
  int32_t last_delta_ = -1;
  std::optional<int32_t> last_delta_override_;
  int64_t base_timestamp_ = -1;
  int64_t max_timestamp_ = -1;
  std::vector<uint8_t> records_;  // encoded, uncompressed
};

struct ValidationResult {
  kb::ErrorCode error = kb::ErrorCode::kNone;
  std::string message;  // why, for the log; empty on success
  int32_t batch_count = 0;
  int64_t record_count = 0;        // sum of RecordsCount
  int64_t max_timestamp = -1;      // over all batches (header MaxTimestamp)
  bool has_idempotent = false;     // some batch has ProducerId >= 0
  bool has_transactional = false;  // some batch has the transactional bit
  bool uses_zstd = false;          // Produce < v7 must answer UNSUPPORTED_COMPRESSION_TYPE
  // Of the first batch; what the idempotence check needs when (as usual) there is one batch.
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t last_offset_delta = 0;
  bool ok() const { return error == kb::ErrorCode::kNone; }
};

// Validates a Produce payload of v2 batches. Per batch: magic 2 (else CORRUPT_MESSAGE), length at
// least a header and within `data` (else CORRUPT_MESSAGE), CRC-32C (else CORRUPT_MESSAGE), size
// <= max_message_bytes (else MESSAGE_TOO_LARGE), known codec, RecordsCount > 0 and equal to
// LastOffsetDelta + 1, ProducerId >= 0 implies BaseSequence >= 0, no control batches from
// clients; finally no bytes after the last batch (Kafka trims a partial trailing batch silently; we
// reject it, since a client never sends one). An empty `data` is valid (batch_count 0). Kafka 2.4
// reports these record-level problems as CORRUPT_MESSAGE (INVALID_RECORD only exists from 2.5), so
// we do too. With deep = true the records are also decoded (decompressing) and their count checked,
// which costs a decompression per batch; the default only checks headers and CRC.
// `require_keys` (a compacted topic) decodes too and refuses records without a key, as Kafka 2.4's
// LogValidator does (InvalidRecordException, a CORRUPT_MESSAGE on the wire before 2.5).
ValidationResult validate_batches(std::span<const uint8_t> data, int32_t max_message_bytes,
                                  bool deep = false, bool require_keys = false);

}  // namespace kb::records
