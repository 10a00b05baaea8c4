#pragma once
// Per-partition storage settings. The broker fills this from the topic-config table (topic
// overrides over broker defaults); storage never parses configuration itself.
#include <cstdint>
#include <limits>
#include <string>

namespace kb::storage {

struct LogConfig {
  int64_t segment_bytes = 1073741824;        // segment.bytes
  int64_t segment_ms = 604800000;            // segment.ms
  int32_t index_interval_bytes = 4096;       // index.interval.bytes
  int32_t segment_index_bytes = 10485760;    // segment.index.bytes
  int64_t retention_ms = 604800000;          // retention.ms (-1: unlimited)
  int64_t retention_bytes = -1;              // retention.bytes (-1: unlimited)
  int64_t flush_messages = std::numeric_limits<int64_t>::max();  // flush.messages
  int64_t flush_ms = std::numeric_limits<int64_t>::max();        // flush.ms
  int64_t file_delete_delay_ms = 60000;      // file.delete.delay.ms
  int32_t max_message_bytes = 1048588;       // max.message.bytes
  std::string cleanup_policy = "delete";     // cleanup.policy: delete, compact or compact,delete
  int64_t delete_retention_ms = 86400000;    // delete.retention.ms (tombstones after compaction)
  double min_cleanable_dirty_ratio = 0.5;    // min.cleanable.dirty.ratio
  int64_t min_compaction_lag_ms = 0;         // min.compaction.lag.ms
  int64_t max_compaction_lag_ms = std::numeric_limits<int64_t>::max();  // max.compaction.lag.ms
  bool log_append_time = false;              // message.timestamp.type=LogAppendTime
  bool preallocate = false;                  // preallocate (accepted, not acted on)

  // Retention by time and size applies only to "delete" logs (also "compact,delete").
  bool deletes_by_retention() const { return cleanup_policy.find("delete") != std::string::npos; }
  // The log cleaner compacts "compact" and "compact,delete" logs (log_cleaner.h).
  bool compacts() const { return cleanup_policy.find("compact") != std::string::npos; }
};

}  // namespace kb::storage
