#pragma once
// All logs of this broker, across the configured log directories: loading (with recovery after
// an unclean shutdown), creation and deletion, and the background tasks (retention, flush,
// checkpoints of recovery points, log start offsets and high watermarks, deferred deletion).
//
// Thread-safety: every public method is thread-safe. `mu_` guards the partition map only; logs
// do their own locking and are never used under `mu_` except to open or close them.
// `checkpoint_mu_` serialises checkpoint writes (background thread, delete_log, shutdown). The
// background thread is started by start() and joined by shutdown() or the destructor.
//
// After a crash: a dir without `.kafka_cleanshutdown` is recovered log by log from the
// checkpointed recovery points (see Log). The marker is deleted before loading, so a crash during
// loading counts as unclean again.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "broker/storage/checkpoint_file.h"
#include "broker/storage/dir_lock.h"
#include "broker/storage/file_deleter.h"
#include "broker/storage/log.h"
#include "broker/storage/log_cleaner.h"
#include "broker/storage/log_config.h"
#include "broker/storage/meta_properties.h"
#include "common/types.h"

namespace kb::storage {

inline constexpr const char* kCleanShutdownFile = ".kafka_cleanshutdown";

struct LogManagerOptions {
  std::vector<std::string> log_dirs;
  LogConfig defaults;
  int64_t retention_check_interval_ms = 300000;
  int64_t flush_scheduler_interval_ms = std::numeric_limits<int64_t>::max();
  int64_t flush_offset_checkpoint_interval_ms = 60000;
  int64_t flush_start_offset_checkpoint_interval_ms = 60000;
  int64_t hw_checkpoint_interval_ms = 5000;
  // Idle idempotent producers are forgotten after this long (transactional.id.expiration.ms),
  // checked every producer_expiration_check_interval_ms (Kafka: 10 minutes, not configurable).
  int64_t producer_id_expiration_ms = 604800000;
  int64_t producer_expiration_check_interval_ms = 600000;
  int num_recovery_threads_per_data_dir = 1;
  std::function<int64_t()> clock;  // null: the wall clock (ms); tests inject their own
  // The log cleaner (log.cleaner.*): its threads run from start() when enabled; its log_dirs and
  // clock are taken from the fields above.
  bool cleaner_enable = true;
  LogCleanerOptions cleaner;
};

class LogManager {
 public:
  explicit LogManager(LogManagerOptions options);
  // Stops the background thread and releases the locks, without a clean-shutdown marker.
  ~LogManager();
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // Locks every dir and loads every `<topic>-<partition>` dir in it. Throws on a locked dir, a
  // malformed partition dir or an unrecoverable I/O error (startup only).
  void load();
  // Starts the background tasks.
  void start();
  // Stops the tasks, flushes and closes every log, writes the checkpoints and a
  // `.kafka_cleanshutdown` in each dir, releases the locks. Idempotent.
  void shutdown();

  std::shared_ptr<Log> get_log(const TopicPartition& tp) const;
  // Creates the log in the dir holding the fewest partitions when absent; an existing log (e.g.
  // loaded at startup with the defaults) takes `config`. Throws on I/O errors.
  std::shared_ptr<Log> get_or_create_log(const TopicPartition& tp, const LogConfig& config);
  // Closes the log, renames its dir to `<tp>.<32 hex>-delete` and removes it after
  // file.delete.delay.ms. False when there is no such log.
  bool delete_log(const TopicPartition& tp);
  // Applies to every partition of `topic`.
  void update_config(const std::string& topic, const LogConfig& config);
  std::vector<TopicPartition> all_partitions() const;

  // Reads meta.properties of every dir; nullopt when none has one. Throws MetaPropertiesError
  // when one is malformed or the dirs disagree (they belong to different brokers or clusters).
  std::optional<MetaProperties> read_meta_properties() const;
  // Writes meta.properties (version 0) into every dir that lacks it or differs.
  void write_meta_properties(int32_t broker_id, const std::string& cluster_id);

  // One pass of each background task (the thread calls these; tests may call them directly).
  size_t run_retention(int64_t now_ms);
  size_t remove_expired_producers(int64_t now_ms);
  void run_flush(int64_t now_ms);
  void checkpoint_recovery_points();
  void checkpoint_log_start_offsets();
  void checkpoint_high_watermarks();
  size_t run_pending_deletions(int64_t now_ms);
  const std::shared_ptr<FileDeleter>& deleter() const { return deleter_; }
  // Created by load() (whether or not its threads run); null before.
  LogCleaner* cleaner() const { return cleaner_.get(); }

 private:
  struct Entry {
    std::shared_ptr<Log> log;
    size_t dir_index = 0;
  };
  struct DirState {
    OffsetCheckpoint recovery_points;
    OffsetCheckpoint log_start_offsets;
    OffsetCheckpoint high_watermarks;
    bool clean = false;
  };

  int64_t now() const;
  void load_dir(size_t dir_index);
  std::shared_ptr<Log> open_log(const std::string& path, const TopicPartition& tp, size_t dir_index,
                                const DirState& state, const LogConfig& config);
  std::vector<Entry> snapshot() const;
  void write_checkpoint(std::string_view file_name, const std::function<int64_t(const Log&)>& value);
  void background_loop();
  void stop_thread();

  const LogManagerOptions options_;
  const std::shared_ptr<FileDeleter> deleter_ = std::make_shared<FileDeleter>();

  mutable std::mutex mu_;
  std::map<TopicPartition, Entry> logs_;  // guarded by mu_
  std::vector<std::unique_ptr<DirLock>> locks_;
  bool loaded_ = false;
  bool shut_down_ = false;

  std::mutex checkpoint_mu_;
  std::unique_ptr<LogCleaner> cleaner_;  // set by load(), stopped before the logs close

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stopping_ = false;  // guarded by thread_mu_
  std::thread thread_;
};

// Splits "<topic>-<partition>" at the last '-'; nullopt when it is not a partition dir name.
std::optional<TopicPartition> parse_partition_dir_name(const std::string& name);

}  // namespace kb::storage
