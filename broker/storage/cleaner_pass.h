#pragma once
// One compaction pass over one log (Kafka 2.4's LogCleanerManager.cleanableOffsets, LogToClean and
// Cleaner.doClean), without threads or checkpoints (log_cleaner.h owns those).
//
// Planning: the dirty section starts at the cleaner checkpoint (the log start when there is none
// or it lies outside the log) and ends at the first uncleanable offset: the active segment's base,
// the high watermark (only replicated data is rewritten), and with min.compaction.lag.ms the first
// segment holding a record younger than the lag. dirty ratio = dirty bytes / (clean + dirty).
//
// Cleaning: 1. the offset map gets key -> latest offset over the dirty section, batch by batch,
// until the section ends or the map is full (then the pass covers only what was mapped: the end
// offset is the map's last offset + 1). 2. Every segment from the log start below the end offset
// is rewritten, in groups of consecutive segments that fit one segment (segment.bytes, offsets
// relative to the base within int32), keeping a record when its offset is past the map's range,
// or it is the latest for its key and has a value, or it is a tombstone whose segment was last
// modified after the delete horizon (the clean section's last segment's modification time minus
// delete.retention.ms). Keyless records are dropped. 3. Each group is swapped in (Log::
// replace_segments). The returned end offset becomes the new checkpoint.
//
// Thread-safety: a pass reads segments concurrently with appends and readers; the swap takes the
// log's appender lock. At most one pass per log at a time (the LogCleaner ensures it).
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "broker/storage/log.h"
#include "broker/storage/offset_map.h"
#include "common/types.h"

namespace kb::storage {

struct CleanableRange {
  Offset first_dirty{0};
  Offset first_uncleanable{0};
  uint64_t clean_bytes = 0;
  uint64_t cleanable_bytes = 0;
  bool needs_compaction_now = false;  // max.compaction.lag.ms is exceeded
  double dirty_ratio() const {
    uint64_t total = clean_bytes + cleanable_bytes;
    return total == 0 ? 0.0 : static_cast<double>(cleanable_bytes) / static_cast<double>(total);
  }
};

CleanableRange plan_cleaning(const Log::CleanerView& view, std::optional<Offset> checkpoint,
                             int64_t now_ms);
// Kafka's rule: something to clean, and a dirty ratio above min.cleanable.dirty.ratio (strictly)
// or max.compaction.lag.ms exceeded.
bool worth_cleaning(const CleanableRange& range, const LogConfig& config);

struct CleanerStats {
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t records_read = 0;
  uint64_t records_kept = 0;
  uint64_t segments_replaced = 0;
};

struct CleanOutcome {
  bool completed = false;  // every group swapped in; end_offset may be checkpointed
  Offset end_offset{-1};
  CleanerStats stats;
  std::string abort_reason;  // when !completed
};

// Runs the pass planned by `range` on `view` (taken from `log` just before).
CleanOutcome clean_log(Log& log, const Log::CleanerView& view, const CleanableRange& range,
                       OffsetMap& map, const std::atomic<bool>& stop);

}  // namespace kb::storage
