#pragma once
// The time index of one segment (`.timeindex`): 12-byte entries {int64 timestamp, int32 relative
// offset}, big-endian. An entry says "the largest timestamp seen up to this offset is T"; entries
// are only added when T grows. The last slot is kept for the entry written when the segment rolls
// or closes (append with `final_entry`).
//
// Thread-safety: as MappedIndex (one appender, concurrent lookups).
// After a crash: sanity_check() fails on zero-filled or out-of-order entries and the owning
// segment rebuilds the index by scanning its log.
#include "broker/storage/mapped_index.h"
#include "common/types.h"

namespace kb::storage {

struct TimestampOffset {
  int64_t timestamp = -1;
  Offset offset;
};

class TimeIndex : public MappedIndex {
 public:
  static constexpr size_t kEntrySize = 12;

  TimeIndex(std::string path, Offset base_offset, int32_t max_index_bytes);

  // Full when only the reserved last slot is left.
  bool is_full() const;
  // Appends when `timestamp` is above the last entry's and `offset` not below it. A final entry
  // may use the reserved slot.
  bool maybe_append(int64_t timestamp, Offset offset, bool final_entry = false);
  // Largest entry whose timestamp <= target; {-1, base} when there is none.
  TimestampOffset lookup(int64_t target) const;
  // The last entry, or {-1, base} when empty.
  TimestampOffset last_entry() const;
  // Drops entries whose offset >= `offset`.
  void truncate_to(Offset offset);
  // Timestamps strictly increasing, offsets non-decreasing and >= base.
  bool sanity_check() const;

 private:
  TimestampOffset decode(size_t i) const;  // caller holds mu_
  const Offset base_;
};

}  // namespace kb::storage
