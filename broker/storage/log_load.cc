// Loading a partition directory at startup, and recovery after an unclean shutdown.
//
// Order (docs/formats/log-format.md, "After a crash"):
//  1. stray temporaries (*.deleted, *.cleaned, *.tmp, index *.swap) are removed; a
//     `<base>.log.swap` left by a cleaner swap a crash interrupted is completed
//     (log_compaction.cc); index files without a .log are removed;
//  2. every .log is opened in base-offset order; a missing or insane index marks the segment for
//     rebuilding;
//  3. without a clean-shutdown marker, every segment from the one holding the recovery point on
//     is re-validated batch by batch; at the first invalid batch that segment is cut and all later
//     segments are deleted;
//  4. segments still marked are rebuilt (clean shutdown with a damaged index);
//  5. the log start is max(checkpoint, first base); a log end below it, or no segment at all,
//     leaves one empty segment at the log start;
//  6. the recovery point becomes the log end after a clean shutdown, else min(checkpoint, end).
#include <filesystem>
#include <set>
#include <system_error>

#include "broker/storage/file_util.h"
#include "broker/storage/log.h"
#include "common/logging.h"

namespace kb::storage {
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void Log::load() {
  std::lock_guard append_lock(append_mu_);
  std::unique_lock state_lock(state_mu_);
  const LogConfig& config = *config_;
  int64_t now_ms = now();
  fs::create_directories(dir_);

  // 1. Temporaries and orphaned indexes.
  std::set<int64_t> bases;
  std::set<int64_t> swaps;
  std::vector<std::pair<int64_t, fs::path>> indexes;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    if (ends_with(name, ".swap")) {
      if (auto swap_base = parse_segment_file_name(name.substr(0, name.size() - 5), kLogSuffix)) {
        swaps.insert(*swap_base);
        continue;
      }
    }
    if (ends_with(name, kDeletedSuffix) || ends_with(name, ".cleaned") || ends_with(name, ".swap") ||
        ends_with(name, ".tmp")) {
      KB_LOG_INFO("storage") << "Removing leftover file " << entry.path().string();
      fs::remove(entry.path());
    } else if (auto base = parse_segment_file_name(name, kLogSuffix)) {
      bases.insert(*base);
    } else if (auto ibase = parse_segment_file_name(name, kIndexSuffix)) {
      indexes.emplace_back(*ibase, entry.path());
    } else if (auto tbase = parse_segment_file_name(name, kTimeIndexSuffix)) {
      indexes.emplace_back(*tbase, entry.path());
    }
  }
  for (int64_t swap_base : swaps) complete_swap(swap_base, &bases);
  for (const auto& [base, path] : indexes) {
    if (!bases.count(base) && fs::exists(path)) {
      KB_LOG_INFO("storage") << "Removing index without a segment " << path.string();
      fs::remove(path);
    }
  }

  // 2. Open every segment.
  for (int64_t base : bases) segments_[base] = Segment::open(dir_, Offset(base), config, now_ms);

  // 3. Recovery from the recovery point after an unclean shutdown.
  if (!had_clean_shutdown_ && !segments_.empty()) {
    auto it = segments_.upper_bound(recovery_point_.value());
    if (it != segments_.begin()) --it;
    KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string() << ", dir=" << dir_
                           << "] Recovering unflushed segments from offset " << it->first
                           << " (recovery point " << recovery_point_ << ")";
    for (; it != segments_.end(); ++it) {
      auto result = it->second->recover();
      if (result.truncated_bytes > 0) {
        // Everything after the first invalid batch is suspect, later segments included.
        auto later = std::next(it);
        while (later != segments_.end()) {
          KB_LOG_WARN("storage") << "Deleting segment " << later->first
                                 << " after the corruption in segment " << it->first;
          delete_segment_files(later->second, config, /*immediately=*/true);
          later = segments_.erase(later);
        }
        break;
      }
    }
  }

  // 4. Damaged indexes left (clean shutdown, or below the recovery point).
  for (auto& [base, segment] : segments_) {
    if (segment->index_needs_rebuild()) {
      auto result = segment->recover();
      if (result.truncated_bytes > 0) {
        KB_LOG_WARN("storage") << "Rebuilding the index of segment " << base << " in " << dir_
                               << " dropped " << result.truncated_bytes << " invalid bytes";
      }
    }
  }

  // 5. Offsets.
  Offset first_base = segments_.empty() ? Offset(0) : Offset(segments_.begin()->first);
  log_start_ = std::max(log_start_, first_base);
  log_end_ = segments_.empty() ? log_start_ : segments_.rbegin()->second->read_next_offset();
  if (segments_.empty() || log_end_ < log_start_) {
    for (auto& [base, segment] : segments_) delete_segment_files(segment, config, true);
    segments_.clear();
    segments_[log_start_.value()] = Segment::create(dir_, log_start_, config, now_ms);
    log_end_ = log_start_;
  }
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    if (std::next(it) == segments_.end()) {
      it->second->make_appendable();
    } else {
      it->second->on_become_inactive();
    }
  }

  // 6. Recovery point and high watermark.
  recovery_point_ = had_clean_shutdown_ ? log_end_ : std::min(recovery_point_, log_end_);
  high_watermark_ = log_start_;
  last_flush_ms_.store(now_ms);
  KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string() << ", dir=" << dir_
                         << "] Loaded " << segments_.size() << " segments, log start offset "
                         << log_start_ << ", log end offset " << log_end_;
}

}  // namespace kb::storage
