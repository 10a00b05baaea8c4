#include "broker/storage/log_manager.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <exception>
#include <filesystem>

#include "broker/storage/file_util.h"
#include "common/logging.h"

namespace kb::storage {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kDeleteDirSuffix = "-delete";
constexpr std::string_view kFutureDirSuffix = "-future";
// Deferred deletions and post-roll fsyncs are checked this often.
constexpr int64_t kHousekeepingIntervalMs = 1000;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t add_saturating(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

// Unreadable recovery-point or log-start checkpoints are treated as empty (with a warning).
OffsetCheckpoint read_checkpoint_or_empty(const std::string& path) {
  try {
    return read_offset_checkpoint(path).value_or(OffsetCheckpoint{});
  } catch (const std::exception& e) {
    KB_LOG_WARN("storage") << "Ignoring unreadable checkpoint " << e.what();
    return {};
  }
}

}  // namespace

std::optional<TopicPartition> parse_partition_dir_name(const std::string& name) {
  size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  TopicPartition tp;
  tp.topic = name.substr(0, dash);
  const char* begin = name.data() + dash + 1;
  const char* end = name.data() + name.size();
  auto [ptr, ec] = std::from_chars(begin, end, tp.partition);
  if (ec != std::errc() || ptr != end || tp.partition < 0) return std::nullopt;
  return tp;
}

LogManager::LogManager(LogManagerOptions options) : options_(std::move(options)) {
  if (options_.log_dirs.empty()) throw std::invalid_argument("LogManager needs at least one log dir");
}

LogManager::~LogManager() {
  if (cleaner_) cleaner_->stop();
  stop_thread();
  std::lock_guard lock(mu_);
  logs_.clear();  // closes the logs (no flush, no marker: not a clean shutdown)
  locks_.clear();
}

int64_t LogManager::now() const { return options_.clock ? options_.clock() : wall_clock_ms(); }

// ---------------------------------------------------------------------------------------------
// Loading

void LogManager::load() {
  std::vector<std::exception_ptr> errors(options_.log_dirs.size());
  std::vector<std::thread> threads;
  // Dirs load in parallel (each typically its own disk); partitions within one dir use
  // num.recovery.threads.per.data.dir threads inside load_dir.
  for (size_t i = 0; i < options_.log_dirs.size(); ++i) {
    fs::create_directories(options_.log_dirs[i]);
    locks_.push_back(std::make_unique<DirLock>(options_.log_dirs[i]));
  }
  for (size_t i = 0; i < options_.log_dirs.size(); ++i) {
    threads.emplace_back([this, i, &errors] {
      try {
        load_dir(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  LogCleanerOptions cleaner_options = options_.cleaner;
  cleaner_options.log_dirs = options_.log_dirs;
  cleaner_options.clock = options_.clock;
  cleaner_ = std::make_unique<LogCleaner>(std::move(cleaner_options), [this] {
    std::vector<CleanerLog> out;
    for (const auto& entry : snapshot()) out.push_back({entry.log, entry.dir_index});
    return out;
  });
  std::lock_guard lock(mu_);
  loaded_ = true;
  KB_LOG_INFO("storage") << "Loaded " << logs_.size() << " logs from " << options_.log_dirs.size()
                         << " log dirs";
}

void LogManager::load_dir(size_t dir_index) {
  const std::string& dir = options_.log_dirs[dir_index];
  DirState state;
  std::string marker = dir + "/" + kCleanShutdownFile;
  state.clean = fs::exists(marker);
  // Deleted before loading, so that a crash during loading counts as unclean.
  if (state.clean) fs::remove(marker);
  state.recovery_points = read_checkpoint_or_empty(dir + "/" + std::string(kRecoveryPointCheckpoint));
  state.log_start_offsets = read_checkpoint_or_empty(dir + "/" + std::string(kLogStartOffsetCheckpoint));
  state.high_watermarks = read_checkpoint_or_empty(dir + "/" + std::string(kHighWatermarkCheckpoint));
  KB_LOG_INFO("storage") << "Loading logs from " << dir
                         << (state.clean ? " (clean shutdown)" : " (recovering after an unclean shutdown)");

  std::vector<std::pair<std::string, TopicPartition>> work;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    if (ends_with(name, kDeleteDirSuffix)) {
      deleter_->schedule({entry.path().string()}, now());
      continue;
    }
    if (ends_with(name, kFutureDirSuffix)) continue;  // log-dir moves are not supported
    auto tp = parse_partition_dir_name(name);
    if (!tp) {
      KB_LOG_WARN("storage") << "Skipping " << entry.path().string() << ": not a partition dir";
      continue;
    }
    work.emplace_back(entry.path().string(), *tp);
  }

  std::atomic<size_t> next{0};
  std::mutex error_mu;
  std::exception_ptr error;
  auto worker = [&] {
    for (size_t i = next++; i < work.size(); i = next++) {
      try {
        open_log(work[i].first, work[i].second, dir_index, state, options_.defaults);
      } catch (...) {
        std::lock_guard lock(error_mu);
        if (!error) error = std::current_exception();
      }
    }
  };
  int n = std::max(1, options_.num_recovery_threads_per_data_dir);
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

std::shared_ptr<Log> LogManager::open_log(const std::string& path, const TopicPartition& tp,
                                          size_t dir_index, const DirState& state,
                                          const LogConfig& config) {
  LogOptions o;
  o.dir = path;
  o.topic_partition = tp;
  o.config = config;
  if (auto it = state.recovery_points.find(tp); it != state.recovery_points.end()) {
    o.recovery_point = Offset(it->second);
  }
  if (auto it = state.log_start_offsets.find(tp); it != state.log_start_offsets.end()) {
    o.log_start_offset = Offset(it->second);
  }
  o.had_clean_shutdown = state.clean;
  o.deleter = deleter_;
  o.clock = options_.clock;
  auto log = Log::open(std::move(o));
  if (auto it = state.high_watermarks.find(tp); it != state.high_watermarks.end()) {
    log->set_high_watermark(Offset(it->second));
  }
  std::lock_guard lock(mu_);
  auto [entry, inserted] = logs_.emplace(tp, Entry{log, dir_index});
  if (!inserted) {
    throw std::runtime_error("Duplicate log directories for " + tp.to_string() + ": " +
                             entry->second.log->dir() + " and " + path);
  }
  return log;
}

// ---------------------------------------------------------------------------------------------
// Partitions

std::shared_ptr<Log> LogManager::get_log(const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : it->second.log;
}

std::shared_ptr<Log> LogManager::get_or_create_log(const TopicPartition& tp, const LogConfig& config) {
  std::shared_ptr<Log> existing;
  {
    std::lock_guard lock(mu_);
    if (auto it = logs_.find(tp); it != logs_.end()) existing = it->second.log;
  }
  if (existing) {
    // Logs loaded at startup run on the broker defaults until their topic's config is known,
    // which is now (a compacted topic must not be cleaned by retention, nor skipped by the
    // cleaner, after a restart).
    existing->update_config(config);
    return existing;
  }
  // Creation is serialised by checkpoint_mu_ so two creators cannot race for the same dir.
  std::lock_guard create_lock(checkpoint_mu_);
  std::vector<size_t> counts(options_.log_dirs.size(), 0);
  {
    std::lock_guard lock(mu_);
    if (auto it = logs_.find(tp); it != logs_.end()) return it->second.log;
    for (const auto& [p, entry] : logs_) ++counts[entry.dir_index];
  }
  size_t dir_index = static_cast<size_t>(std::min_element(counts.begin(), counts.end()) - counts.begin());
  DirState fresh;
  fresh.clean = true;  // a new dir has nothing to recover
  auto log = open_log(options_.log_dirs[dir_index] + "/" + tp.to_string(), tp, dir_index, fresh, config);
  KB_LOG_INFO("storage") << "Created log for partition " << tp.to_string() << " in "
                         << options_.log_dirs[dir_index];
  return log;
}

bool LogManager::delete_log(const TopicPartition& tp) {
  Entry entry;
  {
    std::lock_guard lock(mu_);
    auto it = logs_.find(tp);
    if (it == logs_.end()) return false;
    entry = std::move(it->second);
    logs_.erase(it);
  }
  int64_t delay = entry.log->config().file_delete_delay_ms;
  entry.log->close();
  std::string target = options_.log_dirs[entry.dir_index] + "/" + tp.to_string() + "." +
                       random_hex32() + std::string(kDeleteDirSuffix);
  std::error_code ec;
  fs::rename(entry.log->dir(), target, ec);
  if (ec) {
    KB_LOG_ERROR("storage") << "Cannot rename " << entry.log->dir() << " for deletion: " << ec.message();
    deleter_->schedule({entry.log->dir()}, now() + delay);
  } else {
    fsync_path(options_.log_dirs[entry.dir_index]);
    deleter_->schedule({target}, now() + delay);
  }
  KB_LOG_INFO("storage") << "Log for partition " << tp.to_string() << " is scheduled for deletion";
  // The checkpoints must stop naming the partition, or a recreated one would inherit its offsets.
  checkpoint_recovery_points();
  checkpoint_log_start_offsets();
  checkpoint_high_watermarks();
  return true;
}

void LogManager::update_config(const std::string& topic, const LogConfig& config) {
  for (const auto& entry : snapshot()) {
    if (entry.log->topic_partition().topic == topic) entry.log->update_config(config);
  }
}

std::vector<TopicPartition> LogManager::all_partitions() const {
  std::lock_guard lock(mu_);
  std::vector<TopicPartition> out;
  for (const auto& [tp, entry] : logs_) out.push_back(tp);
  return out;
}

std::vector<LogManager::Entry> LogManager::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<Entry> out;
  for (const auto& [tp, entry] : logs_) out.push_back(entry);
  return out;
}

// ---------------------------------------------------------------------------------------------
// meta.properties

std::optional<MetaProperties> LogManager::read_meta_properties() const {
  std::optional<MetaProperties> found;
  std::string found_in;
  for (const auto& dir : options_.log_dirs) {
    auto meta = read_meta_properties_file(dir + "/" + kMetaPropertiesFile);
    if (!meta) continue;
    if (found && (found->broker_id != meta->broker_id || found->cluster_id != meta->cluster_id)) {
      throw MetaPropertiesError("BrokerMetadata is not consistent across log.dirs: " + found_in +
                                " has broker.id=" + std::to_string(found->broker_id) +
                                " cluster.id=" + found->cluster_id + ", " + dir + " has broker.id=" +
                                std::to_string(meta->broker_id) + " cluster.id=" + meta->cluster_id);
    }
    if (!found) {
      found = meta;
      found_in = dir;
    }
  }
  return found;
}

void LogManager::write_meta_properties(int32_t broker_id, const std::string& cluster_id) {
  MetaProperties meta{0, broker_id, cluster_id};
  for (const auto& dir : options_.log_dirs) {
    std::string path = dir + "/" + kMetaPropertiesFile;
    std::optional<MetaProperties> existing;
    try {
      existing = read_meta_properties_file(path);
    } catch (const MetaPropertiesError&) {
      // Rewritten below.
    }
    if (existing && *existing == meta) continue;
    fs::create_directories(dir);
    write_meta_properties_file(path, meta);
  }
}

// ---------------------------------------------------------------------------------------------
// Background tasks

size_t LogManager::run_retention(int64_t now_ms) {
  size_t deleted = 0;
  for (const auto& entry : snapshot()) deleted += entry.log->delete_old_segments(now_ms);
  if (deleted > 0) checkpoint_log_start_offsets();
  return deleted;
}

size_t LogManager::remove_expired_producers(int64_t now_ms) {
  size_t removed = 0;
  for (const auto& entry : snapshot())
    removed += entry.log->remove_expired_producers(now_ms, options_.producer_id_expiration_ms);
  if (removed > 0) {
    KB_LOG_INFO("storage") << "Expired " << removed << " idle producer id(s)";
  }
  return removed;
}

void LogManager::run_flush(int64_t now_ms) {
  for (const auto& entry : snapshot()) {
    entry.log->flush_rolled_segments();
    int64_t flush_ms = entry.log->config().flush_ms;
    if (flush_ms == std::numeric_limits<int64_t>::max()) continue;
    if (now_ms - entry.log->last_flush_ms() >= flush_ms) entry.log->flush();
  }
}

void LogManager::write_checkpoint(std::string_view file_name,
                                  const std::function<int64_t(const Log&)>& value) {
  std::vector<OffsetCheckpoint> per_dir(options_.log_dirs.size());
  for (const auto& entry : snapshot()) {
    per_dir[entry.dir_index][entry.log->topic_partition()] = value(*entry.log);
  }
  std::lock_guard lock(checkpoint_mu_);
  for (size_t i = 0; i < per_dir.size(); ++i) {
    try {
      write_offset_checkpoint(options_.log_dirs[i] + "/" + std::string(file_name), per_dir[i]);
    } catch (const std::exception& e) {
      KB_LOG_ERROR("storage") << "Cannot write " << file_name << " in " << options_.log_dirs[i]
                              << ": " << e.what();
    }
  }
}

void LogManager::checkpoint_recovery_points() {
  write_checkpoint(kRecoveryPointCheckpoint, [](const Log& l) { return l.recovery_point().value(); });
}

void LogManager::checkpoint_log_start_offsets() {
  write_checkpoint(kLogStartOffsetCheckpoint, [](const Log& l) { return l.log_start_offset().value(); });
}

void LogManager::checkpoint_high_watermarks() {
  write_checkpoint(kHighWatermarkCheckpoint, [](const Log& l) { return l.high_watermark().value(); });
}

size_t LogManager::run_pending_deletions(int64_t now_ms) { return deleter_->run_due(now_ms); }

void LogManager::start() {
  if (cleaner_ && options_.cleaner_enable && options_.cleaner.threads > 0) cleaner_->start();
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { background_loop(); });
}

void LogManager::background_loop() {
  struct Task {
    int64_t interval_ms;
    std::function<void(int64_t)> run;
    int64_t due_ms = 0;
  };
  std::vector<Task> tasks = {
      {options_.retention_check_interval_ms, [this](int64_t t) { run_retention(t); }},
      {std::min(options_.flush_scheduler_interval_ms, kHousekeepingIntervalMs),
       [this](int64_t t) { run_flush(t); }},
      {options_.flush_offset_checkpoint_interval_ms, [this](int64_t) { checkpoint_recovery_points(); }},
      {options_.flush_start_offset_checkpoint_interval_ms,
       [this](int64_t) { checkpoint_log_start_offsets(); }},
      {options_.hw_checkpoint_interval_ms, [this](int64_t) { checkpoint_high_watermarks(); }},
      {kHousekeepingIntervalMs, [this](int64_t t) { run_pending_deletions(t); }},
      {options_.producer_expiration_check_interval_ms,
       [this](int64_t t) { remove_expired_producers(t); }},
  };
  using Clock = std::chrono::steady_clock;
  auto since_start = [start = Clock::now()] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  };
  for (auto& t : tasks) t.due_ms = add_saturating(0, std::max<int64_t>(t.interval_ms, 1));
  std::unique_lock lock(thread_mu_);
  while (!stopping_) {
    int64_t next_due = std::numeric_limits<int64_t>::max();
    for (const auto& t : tasks) next_due = std::min(next_due, t.due_ms);
    int64_t wait = std::clamp<int64_t>(next_due - since_start(), 0, kHousekeepingIntervalMs);
    thread_cv_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    int64_t elapsed = since_start();
    for (auto& t : tasks) {
      if (t.due_ms > elapsed) continue;
      try {
        t.run(now());
      } catch (const std::exception& e) {
        KB_LOG_ERROR("storage") << "Background storage task failed: " << e.what();
      }
      t.due_ms = add_saturating(elapsed, std::max<int64_t>(t.interval_ms, 1));
    }
    lock.lock();
  }
}

void LogManager::stop_thread() {
  {
    std::lock_guard lock(thread_mu_);
    stopping_ = true;
  }
  thread_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogManager::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (shut_down_ || !loaded_) {
      shut_down_ = true;
      return;
    }
    shut_down_ = true;
  }
  KB_LOG_INFO("storage") << "Shutting down the log manager";
  if (cleaner_) cleaner_->stop();  // passes in flight are abandoned; their temporaries deleted
  stop_thread();
  bool all_closed = true;
  for (const auto& entry : snapshot()) {
    try {
      entry.log->flush();
      entry.log->close();
    } catch (const std::exception& e) {
      all_closed = false;
      KB_LOG_ERROR("storage") << "Cannot close " << entry.log->dir() << ": " << e.what();
    }
  }
  checkpoint_recovery_points();
  checkpoint_log_start_offsets();
  checkpoint_high_watermarks();
  if (all_closed) {
    for (const auto& dir : options_.log_dirs) {
      try {
        write_file_atomically(dir + "/" + kCleanShutdownFile, "");
      } catch (const std::exception& e) {
        KB_LOG_ERROR("storage") << "Cannot mark " << dir << " clean: " << e.what();
      }
    }
  }
  std::lock_guard lock(mu_);
  logs_.clear();
  locks_.clear();
  KB_LOG_INFO("storage") << "Log manager shut down";
}

}  // namespace kb::storage
