#pragma once
// Per-partition leader epoch cache (KIP-101/279): for every leader epoch the offset of the first
// record written in it, persisted in "<partition dir>/leader-epoch-checkpoint" in Kafka's text
// format:
//   line 1: format version, "0"
//   line 2: number of entries
//   then one "<epoch> <start offset>" line per entry, epochs and offsets strictly increasing.
// Followers use it to find where their log diverged from the leader's (OffsetForLeaderEpoch).
//
// Thread-safety: every public method is thread-safe (one internal mutex). Every change rewrites
// the file atomically (tmp + fsync + rename), as Kafka flushes on each change; an empty path
// keeps the cache in memory only (tests).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kb::storage {

inline constexpr std::string_view kLeaderEpochCheckpoint = "leader-epoch-checkpoint";
inline constexpr int32_t kUndefinedEpoch = -1;
inline constexpr int64_t kUndefinedEpochOffset = -1;

struct EpochEntry {
  int32_t epoch = 0;
  int64_t start_offset = 0;
  bool operator==(const EpochEntry&) const = default;
};

std::string encode_leader_epoch_checkpoint(const std::vector<EpochEntry>& entries);
// Throws CheckpointError (checkpoint_file.h) on a wrong version, count or malformed line.
std::vector<EpochEntry> parse_leader_epoch_checkpoint(std::string_view text);

class LeaderEpochCache {
 public:
  // Loads `path` when it exists; a malformed file is logged and ignored (the cache starts
  // empty, as the follower then falls back to high-watermark truncation).
  explicit LeaderEpochCache(std::string path);

  // Records that `epoch` starts at `start_offset` unless the latest entry already says so.
  // Entries with an epoch >= `epoch` or a start offset >= `start_offset` are dropped first.
  void assign(int32_t epoch, int64_t start_offset);
  // Latest epoch, or nullopt when empty.
  std::optional<int32_t> latest_epoch() const;
  // Start offset of the latest epoch, or nullopt when empty.
  std::optional<int64_t> latest_start_offset() const;
  // Kafka's endOffsetFor: (epoch, end offset) of the largest epoch <= `requested`; the end
  // offset is the start of the next larger epoch, or `log_end_offset` for the latest epoch.
  // (kUndefinedEpoch, kUndefinedEpochOffset) when the requested epoch is undefined, the cache
  // is empty or the requested epoch is newer than every entry.
  std::pair<int32_t, int64_t> end_offset_for(int32_t requested, int64_t log_end_offset) const;
  // Drops entries starting at or after `end_offset` (log truncation).
  void truncate_from_end(int64_t end_offset);
  // The log start moved to `start_offset`: entries wholly below it go, the one covering it is
  // moved up to start there.
  void truncate_from_start(int64_t start_offset);
  void clear();
  std::vector<EpochEntry> entries() const;
  // Stop writing the file (the log was closed or its directory renamed for deletion).
  void detach();

 private:
  void flush_locked(bool sync = true);

  std::string path_;
  mutable std::mutex mu_;
  std::vector<EpochEntry> entries_;
};

}  // namespace kb::storage
