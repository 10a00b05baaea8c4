// The Log's side of idempotent producers: checking a leader append against the producer state,
// and rebuilding that state from the log (see producer_state.h for the rules).
#include "broker/storage/batch_scanner.h"
#include "broker/storage/log.h"
#include "common/logging.h"

namespace kb::storage {

std::optional<AppendResult> Log::check_producers(std::span<const ProducerBatchFacts> batches,
                                                 const LogConfig& config,
                                                 ProducerStateManager::Staged* staged) {
  ProducerCheck check = producers_.check_leader_append(batches, staged);
  if (check.duplicate) {
    // Kafka answers a duplicate with the original batch's offsets and appends nothing, so the
    // client's retry succeeds without a second copy. Kafka reports the stored batch timestamp as
    // the append time even for CreateTime topics; we report it only for LogAppendTime topics,
    // where it is the append time, and -1 otherwise like any other CreateTime answer.
    KB_LOG_DEBUG("storage") << "[Log partition=" << tp_.to_string()
                            << "] Duplicate batch of producer " << batches.front().producer_id
                            << ", answering with offsets " << check.duplicate->first_offset
                            << ".." << check.duplicate->last_offset;
    AppendResult result;
    result.first_offset = Offset(check.duplicate->first_offset);
    result.last_offset = Offset(check.duplicate->last_offset);
    result.log_append_time = config.log_append_time ? check.duplicate->timestamp : -1;
    result.log_start_offset = log_start_offset();
    return result;
  }
  if (check.error != ErrorCode::kNone) {
    KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string() << "] Refused append ("
                           << error_name(check.error) << "): " << check.message;
    AppendResult result;
    result.error = check.error;
    result.log_start_offset = log_start_offset();
    return result;
  }
  return std::nullopt;
}

void Log::rebuild_producer_state() {
  // No snapshots yet: scan every batch header from the log start. Headers only (the scanner reads
  // in large chunks), so this costs a sequential read of the headers, not of the records.
  producers_.clear();
  const int64_t start = log_start_offset().value();
  for (const auto& [base, segment] : segments_) {
    BatchScanner scanner(segment->file()->fd(), 0, segment->size());
    ScannedBatch b;
    while (scanner.next(&b) == ScanStatus::kOk) {
      const auto& h = b.header;
      if (h.producer_id < 0 || h.is_control() || h.last_offset() < start) continue;
      producers_.apply_unchecked(ProducerBatchFacts::from_header(h, h.base_offset, h.max_timestamp));
    }
  }
  if (producers_.size() > 0) {
    KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string() << "] Rebuilt the state of "
                           << producers_.size() << " producers from the log";
  }
}

}  // namespace kb::storage
