#pragma once
// The sparse offset index of one segment (`.index`): 8-byte entries {int32 relative offset,
// int32 position}, big-endian. An entry maps the LAST offset of a batch to the byte position
// where that batch starts in the `.log`, so "largest entry <= target" is a safe place to start
// scanning for the batch that holds `target`.
//
// Thread-safety: as MappedIndex (one appender, concurrent lookups).
// After a crash: sanity_check() fails on zero-filled or out-of-order entries and the owning
// segment rebuilds the index by scanning its log.
#include <optional>

#include "broker/storage/mapped_index.h"
#include "common/types.h"

namespace kb::storage {

struct OffsetPosition {
  Offset offset;
  uint32_t position = 0;
};

class OffsetIndex : public MappedIndex {
 public:
  static constexpr size_t kEntrySize = 8;

  OffsetIndex(std::string path, Offset base_offset, int32_t max_index_bytes);

  Offset base_offset() const { return base_; }
  bool is_full() const;
  // Appends unless the offset does not increase or does not fit (then logs and returns false).
  bool append(Offset last_offset, uint32_t position);
  // Largest entry whose offset <= target; {base, 0} when there is none.
  OffsetPosition lookup(Offset target) const;
  std::optional<OffsetPosition> last_entry() const;
  // Drops entries whose offset >= `offset`.
  void truncate_to(Offset offset);
  // Offsets strictly increasing and >= base, positions strictly increasing and < log_size.
  bool sanity_check(uint64_t log_size) const;

 private:
  OffsetPosition decode(size_t i) const;  // caller holds mu_
  const Offset base_;
};

}  // namespace kb::storage
