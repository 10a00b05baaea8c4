#include "broker/storage/log.h"

#include <algorithm>
#include <limits>

#include "broker/storage/file_util.h"
#include "common/logging.h"
#include "protocol/records/batch_header.h"

namespace kb::storage {

Log::Log(LogOptions options)
    : dir_(std::move(options.dir)),
      tp_(std::move(options.topic_partition)),
      deleter_(std::move(options.deleter)),
      clock_(std::move(options.clock)),
      had_clean_shutdown_(options.had_clean_shutdown),
      config_(std::make_shared<const LogConfig>(std::move(options.config))),
      log_start_(options.log_start_offset.value_or(Offset(0))),
      recovery_point_(options.recovery_point) {
  // Remember whether a checkpoint supplied the start: load() only raises it to the first segment.
  if (!options.log_start_offset) log_start_ = Offset(-1);
  epochs_ = std::make_unique<LeaderEpochCache>(dir_ + "/" + std::string(kLeaderEpochCheckpoint));
}

std::shared_ptr<Log> Log::open(LogOptions options) {
  std::shared_ptr<Log> log(new Log(std::move(options)));
  log->load();
  // Recovery may have cut the log: epochs beyond its end (or below its start) are stale.
  log->epochs_->truncate_from_end(log->log_end_offset().value());
  log->epochs_->truncate_from_start(log->log_start_offset().value());
  {
    std::lock_guard append_lock(log->append_mu_);
    log->rebuild_producer_state();
  }
  return log;
}

Log::~Log() { close(); }

int64_t Log::wall_clock() { return wall_clock_ms(); }

std::shared_ptr<const LogConfig> Log::config_snapshot() const {
  std::shared_lock lock(state_mu_);
  return config_;
}

// ---------------------------------------------------------------------------------------------
// Appends

AppendResult Log::append_as_leader(std::span<uint8_t> batches, LeaderEpoch epoch, int64_t now_ms) {
  std::lock_guard append_lock(append_mu_);
  AppendResult result;
  if (closed_) {
    result.error = ErrorCode::kKafkaStorageError;
    return result;
  }
  auto config = config_snapshot();
  std::vector<AppendBatchInfo> infos;
  std::vector<ProducerBatchFacts> producer_batches;  // the idempotent ones
  int64_t next = log_end_.value();
  Offset first(next);
  size_t pos = 0;
  while (pos < batches.size()) {
    records::BatchHeader h{};
    if (batches.size() - pos < records::kBatchHeaderSize ||
        !records::parse_batch_header(batches.subspan(pos, records::kBatchHeaderSize), &h) ||
        h.magic != 2 ||
        h.batch_length < static_cast<int32_t>(records::kBatchHeaderSize - records::kLogOverhead) || h.total_size() > batches.size() - pos) {
      result.error = ErrorCode::kCorruptMessage;
      return result;
    }
    if (h.total_size() > static_cast<size_t>(std::max(config->max_message_bytes, 0))) {
      result.error = ErrorCode::kMessageTooLarge;
      return result;
    }
    std::span<uint8_t> batch = batches.subspan(pos, h.total_size());
    records::set_base_offset(batch, next);
    records::set_partition_leader_epoch(batch, epoch.value());
    int64_t max_ts = h.max_timestamp;
    if (config->log_append_time) {
      records::set_log_append_time(batch, now_ms);
      max_ts = now_ms;
    }
    if (h.producer_id >= 0)
      producer_batches.push_back(ProducerBatchFacts::from_header(h, next, max_ts));
    int64_t last = next + h.last_offset_delta;
    infos.push_back({Offset(last), max_ts, static_cast<uint32_t>(h.total_size())});
    next = last + 1;
    pos += h.total_size();
  }
  if (infos.empty()) {
    result.log_start_offset = log_start_offset();
    return result;
  }
  ProducerStateManager::Staged staged_producers;
  if (!producer_batches.empty()) {
    if (auto answer = check_producers(producer_batches, *config, &staged_producers)) return *answer;
  }
  result = finish_append(batches, std::move(infos), first, Offset(next - 1), now_ms, *config);
  if (result.error == ErrorCode::kNone) producers_.commit(std::move(staged_producers));
  if (result.error == ErrorCode::kNone) epochs_->assign(epoch.value(), first.value());
  if (result.error == ErrorCode::kNone && config->log_append_time) result.log_append_time = now_ms;
  return result;
}

AppendResult Log::append_as_follower(std::span<const uint8_t> batches) {
  std::lock_guard append_lock(append_mu_);
  AppendResult result;
  if (closed_) {
    result.error = ErrorCode::kKafkaStorageError;
    return result;
  }
  auto config = config_snapshot();
  std::vector<AppendBatchInfo> infos;
  std::vector<EpochEntry> epoch_starts;  // (batch leader epoch, base offset) per batch
  std::vector<ProducerBatchFacts> producer_batches;  // the idempotent ones
  int64_t expected = log_end_.value();
  int64_t first = -1;
  size_t pos = 0;
  while (pos < batches.size()) {
    records::BatchHeader h{};
    if (batches.size() - pos < records::kBatchHeaderSize ||
        !records::parse_batch_header(batches.subspan(pos, records::kBatchHeaderSize), &h) ||
        h.magic != 2 ||
        h.batch_length < static_cast<int32_t>(records::kBatchHeaderSize - records::kLogOverhead) || h.total_size() > batches.size() - pos) {
      result.error = ErrorCode::kCorruptMessage;
      return result;
    }
    if (h.base_offset < expected) {
      // The replica fetcher must truncate first; appending would reorder the log.
      KB_LOG_WARN("storage") << "Follower append to " << tp_.to_string() << " at offset "
                             << h.base_offset << " below the expected " << expected;
      result.error = ErrorCode::kOffsetOutOfRange;
      return result;
    }
    if (!records::batch_crc_ok(batches.subspan(pos, h.total_size()))) {
      result.error = ErrorCode::kCorruptMessage;
      return result;
    }
    if (first < 0) first = h.base_offset;
    epoch_starts.push_back({h.partition_leader_epoch, h.base_offset});
    if (h.producer_id >= 0)
      producer_batches.push_back(
          ProducerBatchFacts::from_header(h, h.base_offset, h.max_timestamp));
    infos.push_back({Offset(h.last_offset()), h.max_timestamp, static_cast<uint32_t>(h.total_size())});
    expected = h.last_offset() + 1;
    pos += h.total_size();
  }
  if (infos.empty()) {
    result.log_start_offset = log_start_offset();
    return result;
  }
  result = finish_append(batches, std::move(infos), Offset(first), Offset(expected - 1),
                         wall_clock(), *config);
  if (result.error == ErrorCode::kNone) {
    for (const auto& e : epoch_starts) epochs_->assign(e.epoch, e.start_offset);
    for (const auto& b : producer_batches) producers_.apply_unchecked(b);
  }
  return result;
}

AppendResult Log::finish_append(std::span<const uint8_t> bytes, std::vector<AppendBatchInfo> batches,
                                Offset first, Offset last, int64_t now_ms, const LogConfig& config) {
  AppendResult result;
  if (bytes.size() > static_cast<uint64_t>(std::max<int64_t>(config.segment_bytes, 0))) {
    result.error = ErrorCode::kRecordListTooLarge;
    return result;
  }
  result.error = maybe_roll(bytes.size(), first, last, now_ms, config);
  if (result.error != ErrorCode::kNone) return result;
  std::shared_ptr<Segment> active = segments_.rbegin()->second;
  if (!active->append(bytes, batches)) {
    result.error = ErrorCode::kKafkaStorageError;
    return result;
  }
  Offset recovery_point;
  {
    std::unique_lock lock(state_mu_);
    log_end_ = Offset(last.value() + 1);
    result.log_start_offset = log_start_;
    recovery_point = recovery_point_;
  }
  result.first_offset = first;
  result.last_offset = last;
  if (last.value() + 1 - recovery_point.value() >= config.flush_messages) flush_to(Offset(last.value() + 1));
  return result;
}

ErrorCode Log::maybe_roll(uint64_t incoming_bytes, Offset first_offset, Offset last_offset,
                          int64_t now_ms, const LogConfig& config) {
  const auto& active = segments_.rbegin()->second;
  uint64_t size = active->size();
  bool overflow = last_offset.value() - active->base_offset().value() >
                  std::numeric_limits<int32_t>::max();
  bool by_size = size > 0 && size > static_cast<uint64_t>(config.segment_bytes) - incoming_bytes;
  bool by_time = size > 0 && now_ms - active->rolling_base_ms() > config.segment_ms;
  if (!(by_size || by_time || overflow || active->indexes_full())) return ErrorCode::kNone;
  try {
    roll(Offset(std::max(first_offset.value(), log_end_.value())), now_ms, config);
  } catch (const std::exception& e) {
    KB_LOG_ERROR("storage") << "Cannot roll a new segment for " << tp_.to_string() << ": " << e.what();
    return ErrorCode::kKafkaStorageError;
  }
  return ErrorCode::kNone;
}

void Log::roll(Offset new_base, int64_t now_ms, const LogConfig& config) {
  std::shared_ptr<Segment> old = segments_.empty() ? nullptr : segments_.rbegin()->second;
  if (old && old->empty() && old->base_offset() == new_base) return;
  auto created = Segment::create(dir_, new_base, config, now_ms);
  {
    std::unique_lock lock(state_mu_);
    if (old && old->empty()) segments_.erase(old->base_offset().value());
    segments_[new_base.value()] = created;
  }
  if (old && !old->empty()) write_producer_snapshot(/*sync=*/false);  // batches below the log end
  if (old) {
    if (old->empty()) {
      // An empty active segment at another base (e.g. before an offset jump) is just replaced.
      if (old->base_offset() != new_base) delete_segment_files(old, config, /*immediately=*/true);
    } else {
      old->on_become_inactive();
      pending_roll_flush_.store(new_base.value());
    }
  }
  KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string() << ", dir=" << dir_
                         << "] Rolled new log segment at offset " << new_base;
}

// ---------------------------------------------------------------------------------------------
// Reads

ReadResult Log::read(Offset start, int32_t max_bytes, Offset max_offset_exclusive,
                     bool min_one_batch) const {
  ReadResult result;
  std::vector<std::pair<std::shared_ptr<Segment>, uint64_t>> segments;
  Offset end;
  {
    std::shared_lock lock(state_mu_);
    if (start < log_start_ || start > log_end_) {
      result.error = ErrorCode::kOffsetOutOfRange;
      return result;
    }
    end = log_end_;
    auto it = segments_.upper_bound(start.value());
    if (it != segments_.begin()) --it;
    for (; it != segments_.end(); ++it) segments.emplace_back(it->second, it->second->size());
  }
  Offset limit = std::min(max_offset_exclusive, end);
  if (start >= limit) return result;
  uint64_t budget = static_cast<uint64_t>(std::max(max_bytes, 0));
  bool done = false;
  for (size_t i = 0; i < segments.size() && !done; ++i) {
    const auto& [segment, size_limit] = segments[i];
    // One scan finds the first batch and then extends the slice over the ones after it, so the
    // bytes near the fetch offset are read once.
    BatchScanner scanner = i == 0 ? segment->scan_near(start, size_limit)
                                  : BatchScanner(segment->file()->fd(), 0, size_limit);
    std::optional<uint64_t> slice_start;
    uint64_t slice_end = 0;
    ScannedBatch b;
    while (true) {
      if (scanner.next(&b) != ScanStatus::kOk) break;
      if (!slice_start) {
        if (b.header.last_offset() < start.value()) continue;  // before the fetch offset
        slice_start = slice_end = b.position;
      }
      if (b.header.last_offset() >= limit.value()) {
        done = true;
        break;
      }
      uint64_t total = result.total_bytes + (slice_end - *slice_start);
      if (total + b.size() > budget) {
        if (total == 0 && min_one_batch) {
          slice_end = b.position + b.size();
        }
        done = true;
        break;
      }
      slice_end = b.position + b.size();
    }
    if (slice_start && slice_end > *slice_start) {
      result.slices.push_back(FileSlice{segment->file(), *slice_start,
                                        static_cast<uint32_t>(slice_end - *slice_start)});
      result.total_bytes += static_cast<uint32_t>(slice_end - *slice_start);
    }
  }
  return result;
}

std::optional<std::pair<int64_t, Offset>> Log::fetch_offset_by_timestamp(int64_t ts) const {
  std::vector<std::pair<std::shared_ptr<Segment>, uint64_t>> segments;
  Offset start, end;
  {
    std::shared_lock lock(state_mu_);
    start = log_start_;
    end = log_end_;
    for (const auto& [base, segment] : segments_) segments.emplace_back(segment, segment->size());
  }
  if (ts == -2) return std::make_pair(int64_t{-1}, start);
  if (ts == -1) return std::make_pair(int64_t{-1}, end);
  for (const auto& [segment, size_limit] : segments) {
    if (segment->max_timestamp() < ts) continue;
    if (auto found = segment->find_offset_by_timestamp(ts, start, size_limit)) {
      if (found->second < end) return found;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Offsets, flush, truncation, configuration

Offset Log::log_start_offset() const {
  std::shared_lock lock(state_mu_);
  return log_start_;
}

Offset Log::log_end_offset() const {
  std::shared_lock lock(state_mu_);
  return log_end_;
}

Offset Log::high_watermark() const {
  std::shared_lock lock(state_mu_);
  return high_watermark_;
}

void Log::set_high_watermark(Offset hw) {
  std::unique_lock lock(state_mu_);
  high_watermark_ = std::clamp(hw, log_start_, log_end_);
}

Offset Log::recovery_point() const {
  std::shared_lock lock(state_mu_);
  return recovery_point_;
}

int64_t Log::last_flush_ms() const { return last_flush_ms_.load(); }

void Log::flush() { flush_to(log_end_offset()); }

void Log::flush_to(Offset offset) {
  std::lock_guard flush_lock(flush_mu_);
  std::vector<std::shared_ptr<Segment>> to_sync;
  {
    std::shared_lock lock(state_mu_);
    if (offset <= recovery_point_) return;
    // Segments overlapping [recovery point, offset).
    auto it = segments_.upper_bound(recovery_point_.value());
    if (it != segments_.begin()) --it;
    for (; it != segments_.end() && it->first < offset.value(); ++it) to_sync.push_back(it->second);
  }
  for (const auto& segment : to_sync) segment->flush();
  fsync_path(dir_);  // new segment files must survive too
  std::unique_lock lock(state_mu_);
  recovery_point_ = std::max(recovery_point_, std::min(offset, log_end_));
  last_flush_ms_.store(now());
}

void Log::flush_rolled_segments() {
  int64_t pending = pending_roll_flush_.exchange(-1);
  if (pending >= 0) flush_to(Offset(pending));
}

void Log::truncate_to(Offset offset) {
  std::lock_guard append_lock(append_mu_);
  if (closed_ || offset >= log_end_) return;
  auto config = config_snapshot();
  if (offset < log_start_ || segments_.begin()->first >= offset.value()) {
    truncate_fully_locked(offset);
    return;
  }
  KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string() << "] Truncating to offset " << offset;
  ++shape_version_;
  truncated_since_view_ = std::min(truncated_since_view_.value_or(offset), offset);
  std::vector<std::shared_ptr<Segment>> dropped;
  {
    std::unique_lock lock(state_mu_);
    while (segments_.rbegin()->first >= offset.value()) {
      dropped.push_back(segments_.rbegin()->second);
      segments_.erase(std::prev(segments_.end()));
    }
    auto& active = segments_.rbegin()->second;
    active->truncate_to(offset);
    active->make_appendable();
    log_end_ = active->read_next_offset();
    high_watermark_ = std::min(high_watermark_, log_end_);
    recovery_point_ = std::min(recovery_point_, log_end_);
  }
  epochs_->truncate_from_end(offset.value());
  drop_producer_snapshots_after(offset.value());
  rebuild_producer_state();  // the dropped batches may be among a producer's last five
  for (const auto& segment : dropped) delete_segment_files(segment, *config, /*immediately=*/false);
}

void Log::truncate_fully_and_start_at(Offset offset) {
  std::lock_guard append_lock(append_mu_);
  if (!closed_) truncate_fully_locked(offset);
}

void Log::truncate_fully_locked(Offset offset) {
  KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string()
                         << "] Truncating fully and starting at offset " << offset;
  auto config = config_snapshot();
  ++shape_version_;
  auto created = Segment::create(dir_, offset, *config, now());
  std::vector<std::shared_ptr<Segment>> dropped;
  {
    std::unique_lock lock(state_mu_);
    for (auto& [base, segment] : segments_) {
      if (segment != created && base != offset.value()) dropped.push_back(segment);
    }
    segments_.clear();
    segments_[offset.value()] = created;
    log_start_ = log_end_ = high_watermark_ = recovery_point_ = offset;
  }
  epochs_->clear();
  producers_.clear();
  drop_producer_snapshots_after(-1);
  for (const auto& segment : dropped) delete_segment_files(segment, *config, /*immediately=*/false);
}

void Log::set_log_start_offset(Offset offset) {
  std::lock_guard append_lock(append_mu_);
  if (closed_ || offset <= log_start_offset()) return;
  if (offset > log_end_) {
    truncate_fully_locked(offset);
    return;
  }
  {
    std::unique_lock lock(state_mu_);
    log_start_ = offset;
    high_watermark_ = std::max(high_watermark_, log_start_);
  }
  epochs_->truncate_from_start(offset.value());
  producers_.evict_below(offset.value());
}

std::pair<int32_t, int64_t> Log::end_offset_for_epoch(int32_t requested_epoch) const {
  return epochs_->end_offset_for(requested_epoch, log_end_offset().value());
}

void Log::update_config(const LogConfig& config) {
  std::unique_lock lock(state_mu_);
  config_ = std::make_shared<const LogConfig>(config);
}

LogConfig Log::config() const { return *config_snapshot(); }

size_t Log::size_bytes() const {
  std::shared_lock lock(state_mu_);
  size_t total = 0;
  for (const auto& [base, segment] : segments_) total += segment->size();
  return total;
}

size_t Log::segment_count() const {
  std::shared_lock lock(state_mu_);
  return segments_.size();
}

std::vector<Offset> Log::segment_base_offsets() const {
  std::shared_lock lock(state_mu_);
  std::vector<Offset> out;
  for (const auto& [base, segment] : segments_) out.emplace_back(base);
  return out;
}

void Log::close() {
  std::lock_guard append_lock(append_mu_);
  if (closed_) return;
  closed_ = true;
  write_producer_snapshot(/*sync=*/true);  // the next load need not scan the log
  epochs_->detach();  // the directory may be renamed for deletion next
  std::shared_lock lock(state_mu_);
  for (const auto& [base, segment] : segments_) segment->close();
}

}  // namespace kb::storage
