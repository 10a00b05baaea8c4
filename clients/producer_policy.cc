#include "clients/producer_policy.h"

namespace kb::clients {

ErrorAction produce_error_action(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNone:
      return ErrorAction::kSuccess;
    // The leader moved or is not known yet, or the connection broke: the metadata is stale.
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kLeaderNotAvailable:
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kNetworkException:
    case ErrorCode::kBrokerNotAvailable:
    case ErrorCode::kReplicaNotAvailable:
    case ErrorCode::kKafkaStorageError:
    case ErrorCode::kNotController:
      return ErrorAction::kRefreshAndRetry;
    // The same leader is expected to succeed later.
    case ErrorCode::kRequestTimedOut:
    case ErrorCode::kNotEnoughReplicas:
    case ErrorCode::kNotEnoughReplicasAfterAppend:
    case ErrorCode::kCorruptMessage:  // retriable in Java: the bytes may have been damaged in
                                      // flight
    case ErrorCode::kConcurrentTransactions:
    case ErrorCode::kCoordinatorLoadInProgress:
      return ErrorAction::kRetry;
    case ErrorCode::kDuplicateSequenceNumber:
      return ErrorAction::kAlreadyWritten;
    default:
      // MESSAGE_TOO_LARGE, INVALID_* , authorization, UNSUPPORTED_*, and the idempotence errors
      // (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_EPOCH) that this
      // first version does not recover from.
      return ErrorAction::kFail;
  }
}

bool should_retry(ErrorAction action, int attempts, int retries, bool delivery_expired) {
  if (action != ErrorAction::kRetry && action != ErrorAction::kRefreshAndRetry) return false;
  return attempts <= retries && !delivery_expired;
}

size_t estimate_record_size(size_t key_size, size_t value_size, size_t header_bytes,
                            size_t header_count) {
  return 21 + key_size + value_size + header_bytes + header_count * 10;
}

bool fits_in_batch(size_t batch_bytes, int batch_records, size_t record_size, size_t batch_size) {
  if (batch_records == 0) return true;
  return batch_bytes + record_size <= batch_size;
}

bool batch_ready(bool full, std::chrono::milliseconds age, std::chrono::milliseconds linger,
                 bool flushing, bool backing_off) {
  if (backing_off) return false;
  return full || flushing || age >= linger;
}

}  // namespace kb::clients
