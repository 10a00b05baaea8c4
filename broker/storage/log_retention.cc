// Retention: which leading segments of a log may go, and how their files leave the disk.
#include <algorithm>
#include <cstdio>

#include "broker/storage/file_util.h"
#include "broker/storage/log.h"
#include "common/logging.h"

namespace kb::storage {

void Log::delete_segment_files(const std::shared_ptr<Segment>& segment, const LogConfig& config,
                               bool immediately) {
  // The rename takes the files out of any future load at once; the removal waits for readers
  // that may still be sending the bytes (they hold the descriptor, so even unlinking is safe).
  auto paths = segment->rename_with_suffix(kDeletedSuffix);
  segment->close();
  if (deleter_ && !immediately) {
    deleter_->schedule(std::move(paths), now() + config.file_delete_delay_ms);
  } else {
    for (const auto& p : paths) std::remove(p.c_str());
  }
}

template <typename Predicate>
size_t Log::delete_leading_segments(Predicate should_delete, int64_t now_ms,
                                    const LogConfig& config) {
  // Caller holds append_mu_, so the map and offsets only change here.
  std::vector<std::shared_ptr<Segment>> doomed;
  Offset hw = high_watermark_;
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    auto next = std::next(it);
    const std::shared_ptr<Segment>* next_segment = next == segments_.end() ? nullptr : &next->second;
    // Only data every replica has (below the high watermark) may go.
    Offset upper = next_segment ? (*next_segment)->base_offset() : log_end_;
    if (hw < upper) break;
    if (!next_segment && it->second->empty()) break;  // never the empty active segment
    if (!should_delete(*it->second, next_segment ? next_segment->get() : nullptr)) break;
    doomed.push_back(it->second);
  }
  if (doomed.empty()) return 0;
  ++shape_version_;  // a cleaner working on these segments must not swap them back in
  if (doomed.size() == segments_.size()) {
    // Deleting everything: roll first so the log keeps an active segment at its end.
    roll(log_end_, now_ms, config);
  }
  {
    std::unique_lock lock(state_mu_);
    for (const auto& segment : doomed) segments_.erase(segment->base_offset().value());
    log_start_ = std::max(log_start_, Offset(segments_.begin()->first));
    high_watermark_ = std::max(high_watermark_, log_start_);
  }
  epochs_->truncate_from_start(log_start_offset().value());
  producers_.evict_below(log_start_offset().value());
  for (const auto& segment : doomed) {
    KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string() << ", dir=" << dir_
                           << "] Deleting segment " << segment->base_offset() << " (retention)";
    delete_segment_files(segment, config, /*immediately=*/false);
  }
  return doomed.size();
}

size_t Log::delete_old_segments(int64_t now_ms) {
  std::lock_guard append_lock(append_mu_);
  if (closed_) return 0;
  auto config = config_snapshot();
  size_t deleted = 0;
  if (config->deletes_by_retention() && config->retention_ms >= 0) {
    int64_t retention_ms = config->retention_ms;
    deleted += delete_leading_segments(
        [&](const Segment& s, const Segment*) {
          return now_ms - s.largest_timestamp_for_retention() > retention_ms;
        },
        now_ms, *config);
  }
  if (config->deletes_by_retention() && config->retention_bytes >= 0) {
    int64_t total = 0;
    for (const auto& [base, segment] : segments_) total += static_cast<int64_t>(segment->size());
    int64_t diff = total - config->retention_bytes;
    if (diff > 0) {
      deleted += delete_leading_segments(
          [&](const Segment& s, const Segment*) {
            if (diff - static_cast<int64_t>(s.size()) < 0) return false;
            diff -= static_cast<int64_t>(s.size());
            return true;
          },
          now_ms, *config);
    }
  }
  // By log start offset: applies whatever the cleanup policy.
  Offset start = log_start_;
  deleted += delete_leading_segments(
      [&](const Segment&, const Segment* next) { return next && next->base_offset() <= start; },
      now_ms, *config);
  return deleted;
}

}  // namespace kb::storage
