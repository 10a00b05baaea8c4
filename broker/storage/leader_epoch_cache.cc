#include "broker/storage/leader_epoch_cache.h"

#include <algorithm>
#include <sstream>

#include "broker/storage/checkpoint_file.h"
#include "broker/storage/file_util.h"
#include "common/logging.h"

namespace kb::storage {

std::string encode_leader_epoch_checkpoint(const std::vector<EpochEntry>& entries) {
  std::string out = "0\n" + std::to_string(entries.size()) + "\n";
  for (const auto& e : entries) {
    out += std::to_string(e.epoch) + " " + std::to_string(e.start_offset) + "\n";
  }
  return out;
}

std::vector<EpochEntry> parse_leader_epoch_checkpoint(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  auto next_line = [&](const char* what) {
    if (!std::getline(in, line)) throw CheckpointError(std::string("Missing ") + what);
    return line;
  };
  if (next_line("version") != "0") throw CheckpointError("Unrecognised version: " + line);
  size_t count = 0;
  try {
    size_t used = 0;
    long long n = std::stoll(next_line("entry count"), &used);
    if (used != line.size() || n < 0) throw CheckpointError("Bad entry count: " + line);
    count = static_cast<size_t>(n);
  } catch (const std::logic_error&) {
    throw CheckpointError("Bad entry count: " + line);
  }
  std::vector<EpochEntry> out;
  for (size_t i = 0; i < count; ++i) {
    std::istringstream fields(next_line("entry"));
    EpochEntry e;
    std::string rest;
    if (!(fields >> e.epoch >> e.start_offset) || (fields >> rest)) {
      throw CheckpointError("Malformed leader epoch entry: " + line);
    }
    out.push_back(e);
  }
  while (std::getline(in, line)) {
    if (!line.empty()) throw CheckpointError("Expected " + std::to_string(count) + " entries");
  }
  return out;
}

LeaderEpochCache::LeaderEpochCache(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  try {
    if (auto text = read_whole_file(path_)) entries_ = parse_leader_epoch_checkpoint(*text);
  } catch (const std::exception& e) {
    KB_LOG_WARN("storage") << "Ignoring unreadable " << path_ << ": " << e.what();
    entries_.clear();
  }
}

void LeaderEpochCache::assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0) return;  // batches from before KIP-101 carry no epoch
  std::lock_guard lock(mu_);
  if (!entries_.empty()) {
    const auto& last = entries_.back();
    if (last.epoch == epoch && start_offset >= last.start_offset) return;
  }
  std::erase_if(entries_, [&](const EpochEntry& e) {
    return e.epoch >= epoch || e.start_offset >= start_offset;
  });
  entries_.push_back({epoch, start_offset});
  // Not fsynced: a LeaderAndIsr for 10,000 partitions would otherwise wait for 20,000 fsyncs
  // (seconds to minutes). The file still survives a process crash (page cache); after a power
  // loss a missing newest entry is what a log truncated at load time leaves behind too, and the
  // batches themselves carry their epochs (Kafka 3.x moved this flush off the request path too).
  flush_locked(/*sync=*/false);
}

std::optional<int32_t> LeaderEpochCache::latest_epoch() const {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.back().epoch;
}

std::optional<int64_t> LeaderEpochCache::latest_start_offset() const {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.back().start_offset;
}

std::pair<int32_t, int64_t> LeaderEpochCache::end_offset_for(int32_t requested,
                                                             int64_t log_end_offset) const {
  std::lock_guard lock(mu_);
  const std::pair<int32_t, int64_t> undefined{kUndefinedEpoch, kUndefinedEpochOffset};
  if (requested == kUndefinedEpoch || entries_.empty()) return undefined;
  if (entries_.back().epoch == requested) return {requested, log_end_offset};
  // First entry with a larger epoch: its start is where `requested` (or the epoch before) ends.
  auto later = std::find_if(entries_.begin(), entries_.end(),
                            [&](const EpochEntry& e) { return e.epoch > requested; });
  if (later == entries_.end()) return undefined;
  if (later == entries_.begin()) return {requested, later->start_offset};
  return {std::prev(later)->epoch, later->start_offset};
}

void LeaderEpochCache::truncate_from_end(int64_t end_offset) {
  std::lock_guard lock(mu_);
  if (end_offset < 0 || entries_.empty() || entries_.back().start_offset < end_offset) return;
  std::erase_if(entries_, [&](const EpochEntry& e) { return e.start_offset >= end_offset; });
  flush_locked();
}

void LeaderEpochCache::truncate_from_start(int64_t start_offset) {
  std::lock_guard lock(mu_);
  if (entries_.empty() || entries_.front().start_offset >= start_offset) return;
  // The last entry starting at or below the new start survives, moved up to it.
  auto covering = std::find_if(entries_.rbegin(), entries_.rend(),
                               [&](const EpochEntry& e) { return e.start_offset <= start_offset; });
  EpochEntry kept{covering->epoch, start_offset};
  std::erase_if(entries_, [&](const EpochEntry& e) { return e.start_offset <= start_offset; });
  entries_.insert(entries_.begin(), kept);
  flush_locked();
}

void LeaderEpochCache::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
  flush_locked();
}

std::vector<EpochEntry> LeaderEpochCache::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

void LeaderEpochCache::detach() {
  std::lock_guard lock(mu_);
  path_.clear();
}

void LeaderEpochCache::flush_locked(bool sync) {
  if (path_.empty()) return;
  try {
    write_file_atomically(path_, encode_leader_epoch_checkpoint(entries_), sync);
  } catch (const std::exception& e) {
    KB_LOG_ERROR("storage") << "Cannot write " << path_ << ": " << e.what();
  }
}

}  // namespace kb::storage
