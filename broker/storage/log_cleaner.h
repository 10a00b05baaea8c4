#pragma once
// The log cleaner: compacts logs whose cleanup.policy includes "compact" (Kafka 2.4 LogCleaner).
// `threads` threads (log.cleaner.threads) each repeatedly pick the log with the highest dirty
// ratio above its min.cleanable.dirty.ratio (or past max.compaction.lag.ms) that no other thread
// is cleaning, run one pass on it (cleaner_pass.h) and record how far it got in the
// `cleaner-offset-checkpoint` of the log's dir; with nothing to do a thread sleeps
// log.cleaner.backoff.ms. Each thread's offset map takes log.cleaner.dedupe.buffer.size / threads.
//
// Thread-safety: every public method is thread-safe. `mu_` guards the checkpoints and the set of
// logs being cleaned; passes run without it. stop() interrupts passes between batches (their
// temporary files are deleted) and joins the threads.
//
// After a crash: the checkpoint file is written through `.tmp` + rename; a checkpoint that is
// missing or behind only means cleaning again what was already clean.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/storage/checkpoint_file.h"
#include "broker/storage/cleaner_pass.h"
#include "broker/storage/log.h"
#include "common/types.h"

namespace kb::storage {

inline constexpr std::string_view kCleanerOffsetCheckpoint = "cleaner-offset-checkpoint";

struct LogCleanerOptions {
  std::vector<std::string> log_dirs;
  int threads = 1;                         // log.cleaner.threads
  int64_t dedupe_buffer_size = 134217728;  // log.cleaner.dedupe.buffer.size
  double io_buffer_load_factor = 0.9;      // log.cleaner.io.buffer.load.factor
  int64_t backoff_ms = 15000;              // log.cleaner.backoff.ms
  std::function<int64_t()> clock;          // null: the wall clock (ms)
};

// A log and the index of its dir in LogCleanerOptions::log_dirs.
struct CleanerLog {
  std::shared_ptr<Log> log;
  size_t dir_index = 0;
};

// Totals since start (for metrics and tests).
struct CleanerTotals {
  uint64_t passes = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t records_removed = 0;
};

class LogCleaner {
 public:
  // Reads the checkpoint of every dir (unreadable ones count as empty). `logs` lists the logs
  // to consider; it is called on every pick.
  LogCleaner(LogCleanerOptions options, std::function<std::vector<CleanerLog>()> logs);
  ~LogCleaner();
  LogCleaner(const LogCleaner&) = delete;
  LogCleaner& operator=(const LogCleaner&) = delete;

  void start();
  void stop();

  // One pick-and-clean with a map of this thread's share: true when a log was cleaned. Tests
  // call it directly instead of start().
  bool clean_filthiest(int64_t now_ms);
  // The checkpointed first dirty offset of `tp`, if any.
  std::optional<int64_t> checkpoint(const TopicPartition& tp) const;
  CleanerTotals totals() const;

 private:
  struct Pick {
    CleanerLog target;
    Log::CleanerView view;
    CleanableRange range;
  };
  std::optional<Pick> grab_filthiest(int64_t now_ms);
  bool clean_with(OffsetMap& map, int64_t now_ms);
  void write_checkpoint(size_t dir_index);
  void thread_main(int id);
  int64_t now() const;
  size_t map_bytes() const;

  const LogCleanerOptions options_;
  const std::function<std::vector<CleanerLog>()> logs_;

  mutable std::mutex mu_;
  std::vector<OffsetCheckpoint> checkpoints_;  // per dir; guarded by mu_
  std::set<TopicPartition> in_progress_;       // guarded by mu_
  CleanerTotals totals_;                       // guarded by mu_
  std::mutex checkpoint_write_mu_;             // one writer of the files at a time

  std::atomic<bool> stop_{false};
  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  std::vector<std::thread> threads_;
};

}  // namespace kb::storage
