#include "broker/storage/offset_index.h"

#include <limits>

#include "broker/storage/coding.h"
#include "common/logging.h"

namespace kb::storage {

OffsetIndex::OffsetIndex(std::string path, Offset base_offset, int32_t max_index_bytes)
    : MappedIndex(std::move(path), kEntrySize, max_index_bytes), base_(base_offset) {}

bool OffsetIndex::is_full() const {
  std::shared_lock lock(mu_);
  return entries_ >= max_bytes_ / entry_size_;
}

OffsetPosition OffsetIndex::decode(size_t i) const {
  const uint8_t* p = entry_at(i);
  int32_t rel = static_cast<int32_t>(get_be32(p));
  return {Offset(base_.value() + rel), get_be32(p + 4)};
}

bool OffsetIndex::append(Offset last_offset, uint32_t position) {
  int64_t rel = last_offset.value() - base_.value();
  if (rel < 0 || rel > std::numeric_limits<int32_t>::max()) return false;
  std::unique_lock lock(mu_);
  if (entries_ > 0 && decode(entries_ - 1).offset >= last_offset) {
    KB_LOG_WARN("storage") << "Offset " << last_offset << " not above the last entry of " << path();
    return false;
  }
  if (entries_ >= capacity_) return false;
  uint8_t* slot = append_slot();
  put_be32(slot, static_cast<uint32_t>(rel));
  put_be32(slot + 4, position);
  ++entries_;
  return true;
}

OffsetPosition OffsetIndex::lookup(Offset target) const {
  std::shared_lock lock(mu_);
  // Binary search for the last entry with offset <= target.
  size_t lo = 0, hi = entries_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (decode(mid).offset <= target) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return {base_, 0};
  return decode(lo - 1);
}

std::optional<OffsetPosition> OffsetIndex::last_entry() const {
  std::shared_lock lock(mu_);
  if (entries_ == 0) return std::nullopt;
  return decode(entries_ - 1);
}

void OffsetIndex::truncate_to(Offset offset) {
  std::unique_lock lock(mu_);
  size_t keep = 0;
  while (keep < entries_ && decode(keep).offset < offset) ++keep;
  entries_ = keep;
}

bool OffsetIndex::sanity_check(uint64_t log_size) const {
  std::shared_lock lock(mu_);
  for (size_t i = 0; i < entries_; ++i) {
    OffsetPosition e = decode(i);
    if (e.offset < base_ || e.position >= log_size) return false;
    if (i > 0) {
      OffsetPosition prev = decode(i - 1);
      if (e.offset <= prev.offset || e.position <= prev.position) return false;
    }
  }
  return true;
}

}  // namespace kb::storage
