// The Log's side of idempotent producers: checking a leader append against the producer state,
// rebuilding that state from snapshots and the log, and writing snapshots (see
// producer_state.h for the rules, producer_snapshot.h for the files).
#include <filesystem>
#include <map>
#include <system_error>

#include "broker/storage/batch_scanner.h"
#include "broker/storage/file_util.h"
#include "broker/storage/log.h"
#include "broker/storage/producer_snapshot.h"
#include "common/logging.h"

namespace kb::storage {
namespace fs = std::filesystem;

std::optional<AppendResult> Log::check_producers(std::span<const ProducerBatchFacts> batches,
                                                 const LogConfig& config,
                                                 ProducerStateManager::Staged* staged) {
  ProducerCheck check = producers_.check_leader_append(batches, staged);
  if (check.duplicate) {
    // Kafka answers a duplicate with the original batch's offsets and appends nothing, so the
    // client's retry succeeds without a second copy. Kafka reports the stored batch timestamp as
    // the append time even for CreateTime topics; we report it only for LogAppendTime topics,
    // where it is the append time, and -1 otherwise like any other CreateTime answer.
    KB_LOG_DEBUG("storage") << "[Log partition=" << tp_.to_string()
                            << "] Duplicate batch of producer " << batches.front().producer_id
                            << ", answering with offsets " << check.duplicate->first_offset << ".."
                            << check.duplicate->last_offset;
    AppendResult result;
    result.first_offset = Offset(check.duplicate->first_offset);
    result.last_offset = Offset(check.duplicate->last_offset);
    result.log_append_time = config.log_append_time ? check.duplicate->timestamp : -1;
    result.log_start_offset = log_start_offset();
    return result;
  }
  if (check.error != ErrorCode::kNone) {
    KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string() << "] Refused append ("
                           << error_name(check.error) << "): " << check.message;
    AppendResult result;
    result.error = check.error;
    result.log_start_offset = log_start_offset();
    return result;
  }
  return std::nullopt;
}

namespace {

constexpr size_t kSnapshotsKept = 3;  // older ones would only help a deep truncation

// offset -> path of every snapshot file in `dir`.
std::map<int64_t, std::string> list_snapshots(const std::string& dir) {
  std::map<int64_t, std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (auto offset =
            parse_segment_file_name(entry.path().filename().string(), kProducerSnapshotSuffix)) {
      out[*offset] = entry.path().string();
    }
  }
  return out;
}

void remove_file(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

}  // namespace

void Log::write_producer_snapshot(bool sync) {
  if (segments_.empty()) return;
  const Offset at = log_end_;
  try {
    auto bytes = encode_producer_snapshot(producers_);
    write_file_atomically(segment_file_path(dir_, at, kProducerSnapshotSuffix),
                          std::string(bytes.begin(), bytes.end()), sync);
    auto all = list_snapshots(dir_);
    while (all.size() > kSnapshotsKept) {
      remove_file(all.begin()->second);
      all.erase(all.begin());
    }
  } catch (const std::exception& e) {
    // Not fatal: the next load scans more of the log instead.
    KB_LOG_WARN("storage") << "[Log partition=" << tp_.to_string()
                           << "] Cannot write the producer snapshot at " << at << ": " << e.what();
  }
}

void Log::drop_producer_snapshots_after(int64_t offset) {
  for (const auto& [at, path] : list_snapshots(dir_)) {
    if (at > offset) remove_file(path);
  }
}

void Log::rebuild_producer_state() {
  // Start from the newest snapshot at or below the log end (one above it describes batches that
  // recovery or truncation removed), then scan the batch headers after it; without one, the
  // whole log. Headers only: the scanner skips over large batches' records.
  producers_.clear();
  const int64_t end = log_end_.value();
  int64_t from = -1;
  auto snapshots = list_snapshots(dir_);
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    const auto& [at, path] = *it;
    if (at <= end) {
      auto data = read_whole_file(path);
      if (data && decode_producer_snapshot(
                      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data->data()),
                                               data->size()),
                      &producers_)) {
        from = at;
        break;
      }
      KB_LOG_WARN("storage") << "[Log partition=" << tp_.to_string()
                             << "] Ignoring unreadable producer snapshot " << path;
    }
    remove_file(path);
  }
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    auto next = std::next(it);
    if (next != segments_.end() && next->first <= from) continue;  // wholly in the snapshot
    const auto& segment = it->second;
    BatchScanner scanner(segment->file()->fd(), 0, segment->size());
    ScannedBatch b;
    while (scanner.next(&b) == ScanStatus::kOk) {
      const auto& h = b.header;
      if (h.producer_id < 0 || h.is_control() || h.base_offset < from) continue;
      producers_.apply_unchecked(
          ProducerBatchFacts::from_header(h, h.base_offset, h.max_timestamp));
    }
  }
  producers_.evict_below(log_start_offset().value());
  if (producers_.size() > 0) {
    KB_LOG_INFO("storage") << "[Log partition=" << tp_.to_string() << "] Loaded the state of "
                           << producers_.size() << " producers ("
                           << (from >= 0 ? "snapshot at " + std::to_string(from) : "no snapshot")
                           << ", log end " << end << ")";
  }
}

size_t Log::remove_expired_producers(int64_t now_ms, int64_t max_age_ms) {
  std::lock_guard lock(append_mu_);
  return producers_.remove_expired(now_ms, max_age_ms);
}

}  // namespace kb::storage
