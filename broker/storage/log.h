#pragma once
// The log of one partition: an ordered map of segments (base offset -> Segment), the last one
// active, plus the offsets that describe it (log start, log end, high watermark, recovery point).
//
// Thread-safety: every public method is thread-safe. `append_mu_` serialises whoever changes the
// log's shape (appends, rolls, truncation, retention, cleaner swaps, close): one appender at a
// time. The log cleaner rewrites non-active segments without any lock and swaps the results in
// under the appender lock (log_compaction.cc); offsets of kept records never change. `state_mu_`
// (a shared mutex) guards the segment map and the offsets; appenders take it exclusively only for
// the instant they publish a new log end, so readers (read, fetch_offset_by_timestamp, the
// getters) run concurrently with appends. A reader snapshots the segments it needs (shared_ptrs)
// and the log end under the shared lock and then reads files without any lock; data beyond the
// snapshot is never returned. Returned FileSlices keep the segment's descriptor open, so
// retention may unlink a segment that is still being sent. `flush_mu_` serialises fsyncs, which
// also run outside the appender lock.
//
// After a crash: see log_load.cc and docs/formats/log-format.md (segments from the recovery
// point on are re-validated and the log is cut at the first invalid batch).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "broker/storage/file_deleter.h"
#include "broker/storage/leader_epoch_cache.h"
#include "broker/storage/log_config.h"
#include "broker/storage/producer_state.h"
#include "broker/storage/segment.h"
#include "common/error_code.h"
#include "common/file_handle.h"
#include "common/types.h"

namespace kb::storage {

struct AppendResult {
  ErrorCode error = ErrorCode::kNone;
  Offset first_offset{-1};
  Offset last_offset{-1};
  int64_t log_append_time = -1;  // the time stamped into the batches, when LogAppendTime is used
  Offset log_start_offset{-1};
};

struct ReadResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<FileSlice> slices;  // whole batches, in offset order
  uint32_t total_bytes = 0;
};

struct LogOptions {
  std::string dir;  // the partition directory "<log.dir>/<topic>-<partition>"
  TopicPartition topic_partition;
  LogConfig config;
  Offset recovery_point{0};                // from recovery-point-offset-checkpoint
  std::optional<Offset> log_start_offset;  // from log-start-offset-checkpoint
  bool had_clean_shutdown = false;         // the dir had .kafka_cleanshutdown
  std::shared_ptr<FileDeleter> deleter;    // null: files are removed at once
  std::function<int64_t()> clock;          // null: the wall clock (ms)
};

class Log {
 public:
  // Loads (and, after an unclean shutdown, recovers) the partition directory, creating it when
  // absent. Throws on I/O errors (startup only).
  static std::shared_ptr<Log> open(LogOptions options);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  const TopicPartition& topic_partition() const { return tp_; }
  const std::string& dir() const { return dir_; }

  // `batches`: one or more validated v2 batches as received. Assigns offsets from the log end by
  // rewriting each batch's base offset in place, stamps the leader epoch (and the log-append time
  // when configured), writes the bytes unchanged otherwise.
  AppendResult append_as_leader(std::span<uint8_t> batches, LeaderEpoch epoch, int64_t now_ms);
  // Offsets already assigned by the leader; the first must be >= the log end.
  AppendResult append_as_follower(std::span<const uint8_t> batches);

  // Whole batches from the one holding `start`; at most `max_bytes` unless `min_one_batch` and
  // the first batch is larger (then exactly that batch); never a batch reaching
  // `max_offset_exclusive`. kOffsetOutOfRange when start < log start or start > log end.
  ReadResult read(Offset start, int32_t max_bytes, Offset max_offset_exclusive,
                  bool min_one_batch) const;

  Offset log_start_offset() const;
  Offset log_end_offset() const;
  Offset high_watermark() const;
  // Clamped to [log start, log end].
  void set_high_watermark(Offset hw);
  Offset recovery_point() const;

  // {timestamp, offset} of the first record whose timestamp >= ts (-2: earliest, -1: latest).
  std::optional<std::pair<int64_t, Offset>> fetch_offset_by_timestamp(int64_t ts) const;

  // fsyncs everything up to the log end and moves the recovery point there.
  void flush();
  void flush_to(Offset offset);
  // Completes the fsync of segments rolled since the last call (Kafka does this asynchronously
  // after a roll; the LogManager's background thread calls it).
  void flush_rolled_segments();
  int64_t last_flush_ms() const;

  // Removes everything from the batch holding `offset` on (a follower's truncation).
  void truncate_to(Offset offset);
  // Drops every segment and starts empty at `offset`.
  void truncate_fully_and_start_at(Offset offset);
  // Raises the log start offset (DeleteRecords, or a leader's start beyond our end); retention
  // then deletes the segments below it.
  void set_log_start_offset(Offset offset);

  // Retention: deletes a leading run of segments by retention.ms, retention.bytes and the log
  // start offset, never past the high watermark. Returns the number of segments deleted.
  size_t delete_old_segments(int64_t now_ms);

  void update_config(const LogConfig& config);
  LogConfig config() const;
  size_t size_bytes() const;
  size_t segment_count() const;
  std::vector<Offset> segment_base_offsets() const;
  // Closes all segments (trimming the indexes); later appends fail with kKafkaStorageError.
  void close();
  // Idempotent producers idle for max_age_ms are forgotten (log_producers.cc).
  size_t remove_expired_producers(int64_t now_ms, int64_t max_age_ms);

  // ---- For the log cleaner (log_compaction.cc, log_cleaner.h) ----
  // A consistent picture of the log for planning a cleaning pass.
  struct CleanerView {
    std::vector<std::shared_ptr<Segment>> segments;  // in offset order; the last is the active one
    Offset log_start;
    Offset log_end;
    Offset high_watermark;
    uint64_t shape_version = 0;  // see replace_segments
    std::shared_ptr<const LogConfig> config;
    // Producer id -> the last sequence it appended: batches carrying it survive cleaning (as
    // empty batches if need be), or the producer's next append would look out of sequence.
    std::unordered_map<int64_t, int32_t> producer_last_sequences;
    bool closed = false;
    // The lowest offset the log was truncated to since the previous view (taking the view
    // consumes it): a cleaner checkpoint above it must come down, the data there is new.
    std::optional<Offset> truncated_to;
  };
  CleanerView cleaner_view();
  // Swaps `old` (consecutive segments) for `cleaned`, whose files carry the ".swap" suffix and
  // whose base offset is old.front()'s: renames the old files to ".deleted" (removed after
  // file.delete.delay.ms; readers holding them keep reading), the swap files to their final names,
  // and publishes the new segment map. Refused (false, nothing changed) when the log was closed
  // or changed shape (truncation, retention, another swap) since *shape_version was taken; on
  // success *shape_version is the new one.
  bool replace_segments(const std::shared_ptr<Segment>& cleaned,
                        const std::vector<std::shared_ptr<Segment>>& old, uint64_t* shape_version);

  // The leader epoch cache (leader-epoch-checkpoint). Appends assign epochs, truncation trims it.
  LeaderEpochCache& leader_epochs() { return *epochs_; }
  const LeaderEpochCache& leader_epochs() const { return *epochs_; }
  // OffsetForLeaderEpoch: (epoch, end offset) for `requested_epoch` (see LeaderEpochCache).
  std::pair<int32_t, int64_t> end_offset_for_epoch(int32_t requested_epoch) const;

 private:
  explicit Log(LogOptions options);
  void load();  // log_load.cc
  // Completes a cleaner swap interrupted by a crash (log_load.cc). `bases` are the segment base
  // offsets found; updated.
  void complete_swap(int64_t swap_base, std::set<int64_t>* bases);
  // Idempotent producers (log_producers.cc). Caller holds append_mu_.
  // Checks a leader append's idempotent batches; a result means "answer this, append nothing"
  // (a duplicate's original offsets, or the error).
  std::optional<AppendResult> check_producers(std::span<const ProducerBatchFacts> batches,
                                              const LogConfig& config,
                                              ProducerStateManager::Staged* staged);
  // Rebuilds the producer state from the newest usable snapshot and the batches after it (load,
  // truncation).
  void rebuild_producer_state();
  // Writes `<log end>.snapshot` (roll, close); keeps the newest few.
  void write_producer_snapshot(bool sync);
  void drop_producer_snapshots_after(int64_t offset);

  int64_t now() const { return clock_ ? clock_() : wall_clock(); }
  static int64_t wall_clock();
  std::shared_ptr<const LogConfig> config_snapshot() const;

  // Caller holds append_mu_.
  ErrorCode maybe_roll(uint64_t incoming_bytes, Offset first_offset, Offset last_offset,
                       int64_t now_ms, const LogConfig& config);
  void roll(Offset new_base, int64_t now_ms, const LogConfig& config);
  void truncate_fully_locked(Offset offset);
  void delete_segment_files(const std::shared_ptr<Segment>& segment, const LogConfig& config,
                            bool immediately);
  template <typename Predicate>
  size_t delete_leading_segments(Predicate should_delete, int64_t now_ms, const LogConfig& config);
  AppendResult finish_append(std::span<const uint8_t> bytes, std::vector<AppendBatchInfo> batches,
                             Offset first, Offset last, int64_t now_ms, const LogConfig& config);

  const std::string dir_;
  const TopicPartition tp_;
  const std::shared_ptr<FileDeleter> deleter_;
  const std::function<int64_t()> clock_;
  bool had_clean_shutdown_;

  std::mutex append_mu_;
  std::mutex flush_mu_;
  mutable std::shared_mutex state_mu_;
  // Guarded by state_mu_ (writers also hold append_mu_, so appenders may read without state_mu_).
  std::map<int64_t, std::shared_ptr<Segment>> segments_;
  std::shared_ptr<const LogConfig> config_;
  Offset log_start_{0};
  Offset log_end_{0};
  Offset high_watermark_{0};
  Offset recovery_point_{0};
  bool closed_ = false;
  uint64_t shape_version_ = 0;  // bumped whenever segments are removed or replaced (append_mu_)
  std::optional<Offset> truncated_since_view_;  // see CleanerView::truncated_to (append_mu_)

  std::unique_ptr<LeaderEpochCache> epochs_;
  ProducerStateManager producers_;  // guarded by append_mu_
  std::atomic<int64_t> last_flush_ms_{0};
  std::atomic<int64_t> pending_roll_flush_{-1};  // a rolled segment's end offset awaiting fsync
};

}  // namespace kb::storage
