#pragma once
// The log cleaner's key -> latest offset map (Kafka's SkimpyOffsetMap): an open-addressing table
// of 24-byte entries (a 128-bit digest of the key and the offset), so its memory is fixed by the
// cleaner thread's share of log.cleaner.dedupe.buffer.size whatever the key sizes. As in Kafka,
// two keys with the same digest would be taken for one; with 128 bits that is negligible.
//
// Thread-safety: none; each cleaner thread owns one.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace kb::storage {

class OffsetMap {
 public:
  static constexpr size_t kEntryBytes = 24;

  // `memory_bytes`: the most the table may take; `load_factor`: the share of slots that may be
  // used (log.cleaner.io.buffer.load.factor).
  OffsetMap(size_t memory_bytes, double load_factor);

  // Empties the map for a new pass. The table is allocated for about `expected_keys` (the record
  // count of the dirty section, an upper bound on its distinct keys), never beyond the memory
  // bound, so small logs do not pay for the whole buffer.
  void reset(size_t expected_keys);
  // Records `offset` for `key` (offsets only grow during a pass). False when the key is new and
  // the map holds as many keys as it may: the caller stops mapping there.
  bool put(std::span<const uint8_t> key, int64_t offset);
  // The offset recorded for `key`, -1 when absent.
  int64_t get(std::span<const uint8_t> key) const;

  size_t size() const { return size_; }
  // Keys the map may hold at most, across any reset.
  size_t max_keys() const { return max_keys_; }
  // The last offset the map covers (every keyed record up to it is in the map); -1 when none.
  int64_t latest_offset() const { return latest_offset_; }
  void set_latest_offset(int64_t offset) { latest_offset_ = offset; }

 private:
  struct Entry {
    uint64_t h1 = 0;
    uint64_t h2 = 0;
    int64_t offset = -1;  // -1: empty slot
  };
  size_t find_slot(uint64_t h1, uint64_t h2) const;

  size_t max_slots_;
  size_t max_keys_;
  double load_factor_;
  std::vector<Entry> table_;
  size_t limit_ = 0;  // keys allowed in the current table
  size_t size_ = 0;
  int64_t latest_offset_ = -1;
};

}  // namespace kb::storage
