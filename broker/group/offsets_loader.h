#pragma once
// Rebuilds the state a group coordinator needs from one `__consumer_offsets` partition: what a
// broker does when it becomes the partition's leader (Kafka's loadGroupsAndOffsets).
//
// Thread-safety: a pure function of the log's contents; Log is internally synchronised, so loading
// may run while the log is appended to (records past `up_to_offset` are simply not read).
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "broker/group/offsets_records.h"

namespace kb::storage {
class Log;
}

namespace kb::broker::group {

struct LoadedOffsets {
  // group -> (topic, partition) -> the latest committed offset.
  std::map<std::string /*group*/, std::map<std::pair<std::string, int32_t>, OffsetValue>> offsets;
  std::map<std::string, GroupValue> groups;
  // Groups whose last group record was a tombstone. Their offsets (if any) are still in `offsets`:
  // Kafka deletes offsets with their own tombstones and loads them independently of the group.
  std::set<std::string> removed_groups;
  // The offset after the last batch read: where loading continued would start. The log start
  // offset when nothing was read.
  int64_t end_offset = 0;
  size_t records = 0;    // data records read (including skipped ones; control records excluded)
  size_t malformed = 0;  // records skipped as unreadable (also logged)
  // Transactional offset commits (TxnOffsetCommit) whose transaction has no marker below
  // up_to_offset: not applied, counted so that a caller can tell.
  size_t pending_transactional = 0;
};

// Reads [log start, up_to_offset) in chunks (decompressing batches as needed) and applies the
// records in offset order: a later value replaces an earlier one; a tombstone removes the offset,
// or for a group key the group. Transactional batches are applied when their COMMIT marker is
// read and dropped on ABORT (as Kafka does); control batches are otherwise skipped. Batches are
// never split: one that reaches up_to_offset is not read (storage::Log::read's rule). Malformed
// records and batches (bad CRC, undecodable records, unknown key versions) are logged and skipped;
// nothing here throws for bad data.
LoadedOffsets load_offsets_partition(const storage::Log& log, int64_t up_to_offset);

}  // namespace kb::broker::group
