#include "broker/storage/log_cleaner.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "broker/storage/file_util.h"
#include "common/logging.h"

namespace kb::storage {

LogCleaner::LogCleaner(LogCleanerOptions options, std::function<std::vector<CleanerLog>()> logs)
    : options_(std::move(options)), logs_(std::move(logs)) {
  checkpoints_.resize(options_.log_dirs.size());
  for (size_t i = 0; i < options_.log_dirs.size(); ++i) {
    std::string path = options_.log_dirs[i] + "/" + std::string(kCleanerOffsetCheckpoint);
    try {
      checkpoints_[i] = read_offset_checkpoint(path).value_or(OffsetCheckpoint{});
    } catch (const std::exception& e) {
      // Only costs cleaning the clean sections again.
      KB_LOG_WARN("cleaner") << "Ignoring unreadable cleaner checkpoint " << e.what();
    }
  }
}

LogCleaner::~LogCleaner() {
  stop();
}

int64_t LogCleaner::now() const {
  return options_.clock ? options_.clock() : wall_clock_ms();
}

size_t LogCleaner::map_bytes() const {
  int64_t share = options_.dedupe_buffer_size / std::max(options_.threads, 1);
  return static_cast<size_t>(std::max<int64_t>(share, 0));
}

void LogCleaner::start() {
  std::lock_guard lock(thread_mu_);
  if (!threads_.empty()) return;
  stop_.store(false);
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { thread_main(i); });
  KB_LOG_INFO("cleaner") << "Started " << options_.threads << " log cleaner thread(s)";
}

void LogCleaner::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(thread_mu_);
    stop_.store(true);
    threads.swap(threads_);
  }
  thread_cv_.notify_all();
  for (auto& t : threads) t.join();
}

void LogCleaner::thread_main(int id) {
  OffsetMap map(map_bytes(), options_.io_buffer_load_factor);
  while (!stop_.load()) {
    bool cleaned = false;
    try {
      cleaned = clean_with(map, now());
    } catch (const std::exception& e) {
      KB_LOG_ERROR("cleaner") << "Cleaner " << id << " failed: " << e.what();
    }
    if (cleaned) continue;
    std::unique_lock lock(thread_mu_);
    thread_cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(options_.backoff_ms, 1)),
                        [this] { return stop_.load(); });
  }
}

bool LogCleaner::clean_filthiest(int64_t now_ms) {
  OffsetMap map(map_bytes(), options_.io_buffer_load_factor);
  return clean_with(map, now_ms);
}

std::optional<LogCleaner::Pick> LogCleaner::grab_filthiest(int64_t now_ms) {
  auto logs = logs_();  // outside mu_: the callback takes the log manager's lock
  std::lock_guard lock(mu_);
  std::optional<Pick> best;
  for (auto& entry : logs) {
    const TopicPartition& tp = entry.log->topic_partition();
    if (in_progress_.count(tp) || entry.dir_index >= checkpoints_.size()) continue;
    // Cheap test first: the view takes the log's appender lock.
    if (!entry.log->config().compacts()) continue;
    auto view = entry.log->cleaner_view();
    std::optional<Offset> checkpoint;
    if (auto it = checkpoints_[entry.dir_index].find(tp);
        it != checkpoints_[entry.dir_index].end()) {
      // Data appended after a truncation below the checkpoint is dirty (Kafka's
      // maybeTruncateCheckpoint).
      if (view.truncated_to && it->second > view.truncated_to->value()) {
        it->second = view.truncated_to->value();
      }
      checkpoint = Offset(it->second);
    }
    if (view.closed || !view.config->compacts()) continue;
    CleanableRange range = plan_cleaning(view, checkpoint, now_ms);
    if (!worth_cleaning(range, *view.config)) continue;
    if (!best || range.dirty_ratio() > best->range.dirty_ratio()) {
      best = Pick{entry, std::move(view), range};
    }
  }
  if (best) in_progress_.insert(best->target.log->topic_partition());
  return best;
}

bool LogCleaner::clean_with(OffsetMap& map, int64_t now_ms) {
  auto pick = grab_filthiest(now_ms);
  if (!pick) return false;
  Log& log = *pick->target.log;
  const TopicPartition& tp = log.topic_partition();
  KB_LOG_INFO("cleaner") << "Beginning cleaning of log " << tp.to_string() << " from offset "
                         << pick->range.first_dirty << " (dirty ratio " << pick->range.dirty_ratio()
                         << ")";
  CleanOutcome outcome;
  auto started = std::chrono::steady_clock::now();
  try {
    outcome = clean_log(log, pick->view, pick->range, map, stop_);
  } catch (const std::exception& e) {
    outcome.abort_reason = e.what();
  }
  {
    std::lock_guard lock(mu_);
    in_progress_.erase(tp);
    if (outcome.completed) {
      checkpoints_[pick->target.dir_index][tp] = outcome.end_offset.value();
      ++totals_.passes;
      totals_.bytes_read += outcome.stats.bytes_read;
      totals_.bytes_written += outcome.stats.bytes_written;
      totals_.records_removed += outcome.stats.records_read - outcome.stats.records_kept;
    }
  }
  if (!outcome.completed) {
    KB_LOG_WARN("cleaner") << "Cleaning of log " << tp.to_string()
                           << " stopped: " << outcome.abort_reason;
    return false;
  }
  write_checkpoint(pick->target.dir_index);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  const auto& st = outcome.stats;
  KB_LOG_INFO("cleaner") << "Log " << tp.to_string() << " cleaned up to offset "
                         << outcome.end_offset << " in " << ms << " ms: " << st.segments_replaced
                         << " segment(s) rewritten, " << st.records_kept << " of "
                         << st.records_read << " records kept, " << st.bytes_read << " bytes read, "
                         << st.bytes_written << " bytes written";
  return true;
}

void LogCleaner::write_checkpoint(size_t dir_index) {
  std::set<TopicPartition> present;
  for (const auto& entry : logs_()) {
    if (entry.dir_index == dir_index) present.insert(entry.log->topic_partition());
  }
  std::lock_guard write_lock(checkpoint_write_mu_);
  OffsetCheckpoint entries;
  {
    std::lock_guard lock(mu_);
    // Deleted partitions leave the file, so a recreated one starts dirty.
    auto& cp = checkpoints_[dir_index];
    for (auto it = cp.begin(); it != cp.end();) {
      it = present.count(it->first) ? std::next(it) : cp.erase(it);
    }
    entries = cp;
  }
  std::string path = options_.log_dirs[dir_index] + "/" + std::string(kCleanerOffsetCheckpoint);
  try {
    write_offset_checkpoint(path, entries);
  } catch (const std::exception& e) {
    KB_LOG_ERROR("cleaner") << "Cannot write " << path << ": " << e.what();
  }
}

std::optional<int64_t> LogCleaner::checkpoint(const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  for (const auto& cp : checkpoints_) {
    if (auto it = cp.find(tp); it != cp.end()) return it->second;
  }
  return std::nullopt;
}

CleanerTotals LogCleaner::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

}  // namespace kb::storage
