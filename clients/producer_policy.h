#pragma once
// The producer's decisions as pure functions, so that they can be tested without a broker: what
// to do about each error a Produce can end with (ONE table, used by the sender for partition
// errors and network failures alike), and when a batch is full or ready to send.
//
// Thread-safety: pure functions.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "common/error_code.h"

namespace kb::clients {

enum class ErrorAction {
  kSuccess,          // not an error
  kRetry,            // transient on the same leader (timeouts, not enough replicas yet)
  kRefreshAndRetry,  // leadership or the connection may have moved: refresh metadata first
  kAlreadyWritten,   // DUPLICATE_SEQUENCE_NUMBER: the broker has the batch, it is a success
  kFail,             // fatal for the batch: complete its records with the error
};

// What the producer does when a partition's Produce ends with `code`. The retriable codes are
// those whose Java exception is a RetriableException.
ErrorAction produce_error_action(ErrorCode code);

// A failure to reach or hear from the leader (connect, send, receive, timeout) is handled like
// NETWORK_EXCEPTION.
inline ErrorAction network_error_action() {
  return produce_error_action(ErrorCode::kNetworkException);
}

// Whether to retry after an attempt failed with `action`: only retriable actions, while
// `attempts` (sends so far) <= `retries` and the delivery deadline has not passed.
bool should_retry(ErrorAction action, int attempts, int retries, bool delivery_expired);

// Bytes a record adds to a batch, estimated from its parts (v2 record framing at most ~21
// bytes of varints and attributes, plus per-header framing).
size_t estimate_record_size(size_t key_size, size_t value_size, size_t header_bytes,
                            size_t header_count);

// Whether a record of `record_size` bytes goes into the open batch of `batch_bytes` (with
// `batch_records` records), or starts a new one. A record larger than batch.size still gets a
// batch of its own, as in Java.
bool fits_in_batch(size_t batch_bytes, int batch_records, size_t record_size, size_t batch_size);

// A batch is sent when it is full, when linger.ms has passed since it was opened, or when the
// producer is flushing/closing — and never before its retry backoff has passed.
bool batch_ready(bool full, std::chrono::milliseconds age, std::chrono::milliseconds linger,
                 bool flushing, bool backing_off);

}  // namespace kb::clients
