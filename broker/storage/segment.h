#pragma once
// One log segment: `<base>.log` (batches exactly as on the wire, concatenated) plus its
// `<base>.index` and `<base>.timeindex`. The base offset is the first offset the segment may hold.
//
// Thread-safety: mutating calls (append, recover, truncate_to, make_appendable,
// on_become_inactive, close, rename_with_suffix) are serialised by the owning Log's appender lock.
// Reader calls (find_batch, find_offset_by_timestamp, size, the timestamp getters) may run
// concurrently with them: bytes are published by bumping an atomic size after the write, readers
// only pread, and the indexes guard their own mappings.
//
// After a crash: the `.log` tail may be torn or garbage; recover() validates every batch (header,
// CRC-32C, increasing offsets), truncates at the first bad one and rebuilds both indexes. A
// missing or insane index is rebuilt the same way even after a clean shutdown.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/storage/batch_scanner.h"
#include "broker/storage/log_config.h"
#include "broker/storage/offset_index.h"
#include "broker/storage/time_index.h"
#include "common/file_handle.h"
#include "common/types.h"

namespace kb::storage {

// What the indexes need to know about one batch being appended.
struct AppendBatchInfo {
  Offset last_offset;
  int64_t max_timestamp = -1;
  uint32_t size = 0;
};

class Segment {
 public:
  // New, empty files (leftovers with the same name are truncated). Throws std::system_error.
  // `file_suffix` (e.g. ".cleaned") is appended to all three file names: the log cleaner writes
  // its output under temporary names and renames them into place (rename_files).
  static std::shared_ptr<Segment> create(const std::string& dir, Offset base, const LogConfig& config,
                                         int64_t now_ms, std::string_view file_suffix = {});
  // Existing files; an absent or insane index only sets index_needs_rebuild(). Throws
  // std::system_error when the `.log` cannot be opened.
  static std::shared_ptr<Segment> open(const std::string& dir, Offset base, const LogConfig& config,
                                       int64_t now_ms);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  Offset base_offset() const { return base_; }
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }
  const std::shared_ptr<const FileHandle>& file() const { return file_; }
  bool index_needs_rebuild() const { return index_needs_rebuild_; }

  // ---- Appender side ----
  // Writes `bytes` (whole batches, offsets assigned) at the end and indexes them. False on an I/O
  // error (nothing is published then).
  bool append(std::span<const uint8_t> bytes, std::span<const AppendBatchInfo> batches);
  struct RecoveryResult {
    uint64_t truncated_bytes = 0;
    Offset next_offset;  // the offset after the last valid batch (base when empty)
  };
  // Re-reads every batch, validating it, rebuilds the indexes and cuts the file at the first
  // invalid batch.
  RecoveryResult recover();
  // The offset after the last batch (scans only from the last index entry).
  Offset read_next_offset() const;
  // Removes the batch holding `offset` and everything after it; returns the bytes removed.
  uint64_t truncate_to(Offset offset);
  // Grows the indexes for appending (the active segment only).
  void make_appendable();
  // On roll: the time index gets its final entry, both indexes are trimmed to size.
  void on_become_inactive();
  bool indexes_full() const { return offset_index_.is_full() || time_index_.is_full(); }
  void flush();
  void close();
  // Renames the three files to "<name><suffix>"; returns the new paths of the files that exist.
  std::vector<std::string> rename_with_suffix(std::string_view suffix);
  // Renames the three files to "<base>.<ext><new_suffix>" whatever their current suffix (the
  // cleaner's .cleaned -> .swap -> final steps). Throws std::system_error when the .log rename
  // fails; index renames that fail are logged (indexes can always be rebuilt).
  void rename_files(std::string_view new_suffix);
  // The .log file's modification time (Kafka's LogSegment.lastModified, which the cleaner's
  // tombstone horizon is based on) and its setter (a cleaned segment inherits its sources' time).
  int64_t last_modified_ms() const;
  void set_last_modified_ms(int64_t ms);

  // ---- Readers ----
  // The first batch whose last offset >= target, within the first `limit` bytes.
  std::optional<ScannedBatch> find_batch(Offset target, uint64_t limit) const;
  // A scanner over the first `limit` bytes starting at the indexed batch at or before `target`:
  // the batches it returns before the one holding `target` are the caller's to skip.
  BatchScanner scan_near(Offset target, uint64_t limit) const;
  // {timestamp, offset} of the first record with timestamp >= target and offset >= min_offset.
  std::optional<std::pair<int64_t, Offset>> find_offset_by_timestamp(int64_t target,
                                                                     Offset min_offset,
                                                                     uint64_t limit) const;
  // The largest record timestamp, or -1 when none is known.
  int64_t max_timestamp() const { return max_timestamp_.load(std::memory_order_acquire); }
  // For retention: the largest timestamp, else the file's modification time.
  int64_t largest_timestamp_for_retention() const;
  // For segment.ms: the first batch's timestamp, else the segment's creation time.
  int64_t rolling_base_ms() const;
  // The first batch's max timestamp, -1 when empty (max.compaction.lag.ms).
  int64_t first_batch_timestamp() const {
    return first_batch_timestamp_.load(std::memory_order_acquire);
  }

 private:
  Segment(const std::string& dir, Offset base, const LogConfig& config, int fd, int64_t now_ms,
          std::string_view file_suffix = {});
  // Index maintenance for one batch at `position` (shared by append and recover).
  void index_batch(uint64_t position, const AppendBatchInfo& batch);
  // Recomputes max timestamp and first-batch timestamp after load or truncation.
  void recompute_tail_state();
  // Allocates disk blocks past the end of the file ahead of appends reaching `end`, for segments
  // past a first few MB (see segment.cc); release_reservation gives back what was not used.
  void reserve_ahead(uint64_t end);
  void release_reservation();

  const std::string dir_;
  const Offset base_;
  const int32_t index_interval_bytes_;
  std::string log_path_;
  std::shared_ptr<const FileHandle> file_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  bool index_needs_rebuild_ = false;

  std::atomic<uint64_t> size_{0};
  std::atomic<int64_t> max_timestamp_{-1};
  std::atomic<int64_t> offset_of_max_timestamp_;
  std::atomic<int64_t> first_batch_timestamp_{-1};
  std::atomic<int64_t> created_ms_;
  uint32_t bytes_since_last_index_entry_ = 0;  // appender only
  const uint64_t max_bytes_;                   // segment.bytes: reservations stop there
  uint64_t reserved_end_ = 0;                  // appender only: blocks allocated up to here
  bool reserving_ = true;                      // appender only: off after fallocate fails
};

}  // namespace kb::storage
