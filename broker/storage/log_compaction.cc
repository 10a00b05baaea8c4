// The Log's side of compaction: the view the cleaner plans from, the swap of cleaned segments
// into the log, and the completion of a swap a crash interrupted.
//
// Swap protocol (the same steps as Kafka's LogCleaner, so a crash at any point loses nothing):
//  1. the cleaner writes `<base>.log.cleaned` (+ indexes) and fsyncs it; a crash leaves a
//     `.cleaned` file that loading deletes (the old segments are untouched);
//  2. it renames the files to `.swap` and fsyncs the directory: from here on the swap file is
//     complete and authoritative for the offsets it covers;
//  3. under the appender lock the old segments are renamed to `.deleted` and the swap files to
//     their final names. A crash between 2 and the end of 3 leaves a `.log.swap`: loading deletes
//     every segment whose base lies in [swap base, swap's next offset) and renames the swap into
//     place (complete_swap), and `.deleted` files are removed as always.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

#include "broker/storage/batch_scanner.h"
#include "broker/storage/file_util.h"
#include "broker/storage/log.h"
#include "common/logging.h"

namespace kb::storage {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSwapSuffix = ".swap";

// The offset after the last readable batch of the file at `path` (`base` when none).
int64_t next_offset_of_file(const std::string& path, int64_t base) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return base;
  uint64_t size = static_cast<uint64_t>(std::max<off_t>(::lseek(fd, 0, SEEK_END), 0));
  BatchScanner scanner(fd, 0, size);
  ScannedBatch b;
  int64_t next = base;
  while (scanner.next(&b) == ScanStatus::kOk) next = b.header.last_offset() + 1;
  ::close(fd);
  return next;
}

void remove_segment_files(const std::string& dir, int64_t base) {
  std::error_code ec;
  for (auto suffix : {kLogSuffix, kIndexSuffix, kTimeIndexSuffix}) {
    fs::remove(segment_file_path(dir, Offset(base), suffix), ec);
  }
}

}  // namespace

Log::CleanerView Log::cleaner_view() {
  std::lock_guard append_lock(append_mu_);
  CleanerView view;
  view.truncated_to = std::exchange(truncated_since_view_, std::nullopt);
  producers_.for_each([&](int64_t id, const ProducerEntry& entry) {
    if (!entry.batches.empty()) view.producer_last_sequences[id] = entry.last_seq();
  });
  std::shared_lock lock(state_mu_);
  for (const auto& [base, segment] : segments_) view.segments.push_back(segment);
  view.log_start = log_start_;
  view.log_end = log_end_;
  view.high_watermark = high_watermark_;
  view.shape_version = shape_version_;
  view.config = config_;
  view.closed = closed_;
  return view;
}

bool Log::replace_segments(const std::shared_ptr<Segment>& cleaned,
                           const std::vector<std::shared_ptr<Segment>>& old,
                           uint64_t* shape_version) {
  std::lock_guard append_lock(append_mu_);
  if (closed_ || old.empty() || *shape_version != shape_version_) return false;
  for (const auto& segment : old) {
    auto it = segments_.find(segment->base_offset().value());
    if (it == segments_.end() || it->second != segment) return false;
  }
  if (segments_.rbegin()->second == old.back()) return false;  // never the active segment
  auto config = config_snapshot();
  // Old files leave their names first, so the swap can take the first one's.
  for (const auto& segment : old) delete_segment_files(segment, *config, /*immediately=*/false);
  try {
    cleaned->rename_files("");
  } catch (const std::exception& e) {
    // The `.swap` files are complete; the next load finishes the rename. In memory the new
    // segment is used through its open descriptor either way.
    KB_LOG_ERROR("storage") << "Cannot rename the cleaned segment of " << tp_.to_string()
                            << " into place: " << e.what();
  }
  fsync_path(dir_);
  {
    std::unique_lock lock(state_mu_);
    for (const auto& segment : old) segments_.erase(segment->base_offset().value());
    segments_[cleaned->base_offset().value()] = cleaned;
  }
  *shape_version = ++shape_version_;
  return true;
}

void Log::complete_swap(int64_t swap_base, std::set<int64_t>* bases) {
  std::string swap_log =
      segment_file_path(dir_, Offset(swap_base), kLogSuffix) + std::string(kSwapSuffix);
  int64_t next = next_offset_of_file(swap_log, swap_base);
  // The swap holds everything its sources kept; those sources are the segments in its range.
  for (auto it = bases->lower_bound(swap_base);
       it != bases->end() && *it < std::max(next, swap_base + 1);) {
    KB_LOG_INFO("storage") << "Deleting segment " << *it << " of " << dir_
                           << " replaced by an interrupted cleaner swap";
    remove_segment_files(dir_, *it);
    it = bases->erase(it);
  }
  remove_segment_files(dir_, swap_base);  // stale indexes must not be taken for the swap's
  fs::rename(swap_log, segment_file_path(dir_, Offset(swap_base), kLogSuffix));
  bases->insert(swap_base);
  fsync_path(dir_);
  KB_LOG_INFO("storage") << "Completed the interrupted cleaner swap of segment " << swap_base
                         << " in " << dir_ << " (offsets up to " << next << ")";
}

}  // namespace kb::storage
