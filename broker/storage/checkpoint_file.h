#pragma once
// Kafka's offset checkpoint files (recovery-point-offset-checkpoint, log-start-offset-checkpoint,
// replication-offset-checkpoint): UTF-8 text,
//   line 1: format version, "0"
//   line 2: number of entries
//   then one "<topic> <partition> <offset>" line per entry.
// Writes go to "<file>.tmp", are fsynced and renamed over the target, so after a crash the file
// is either the previous or the new version.
//
// Thread-safety: free functions without shared state; callers serialise writes to one path.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/types.h"

namespace kb::storage {

inline constexpr std::string_view kRecoveryPointCheckpoint = "recovery-point-offset-checkpoint";
inline constexpr std::string_view kLogStartOffsetCheckpoint = "log-start-offset-checkpoint";
inline constexpr std::string_view kHighWatermarkCheckpoint = "replication-offset-checkpoint";

using OffsetCheckpoint = std::map<TopicPartition, int64_t>;

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string encode_offset_checkpoint(const OffsetCheckpoint& entries);
// Throws CheckpointError on a wrong version, a malformed line or a wrong entry count.
OffsetCheckpoint parse_offset_checkpoint(std::string_view text);

// Throws std::system_error on I/O errors.
void write_offset_checkpoint(const std::string& path, const OffsetCheckpoint& entries);
// nullopt when the file does not exist; throws CheckpointError when it is malformed.
std::optional<OffsetCheckpoint> read_offset_checkpoint(const std::string& path);

}  // namespace kb::storage
