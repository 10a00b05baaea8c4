#include "broker/storage/time_index.h"

#include <limits>

#include "broker/storage/coding.h"

namespace kb::storage {

TimeIndex::TimeIndex(std::string path, Offset base_offset, int32_t max_index_bytes)
    : MappedIndex(std::move(path), kEntrySize, max_index_bytes), base_(base_offset) {}

bool TimeIndex::is_full() const {
  std::shared_lock lock(mu_);
  return entries_ + 1 >= max_bytes_ / entry_size_;
}

TimestampOffset TimeIndex::decode(size_t i) const {
  const uint8_t* p = entry_at(i);
  int64_t ts = static_cast<int64_t>(get_be64(p));
  int32_t rel = static_cast<int32_t>(get_be32(p + 8));
  return {ts, Offset(base_.value() + rel)};
}

bool TimeIndex::maybe_append(int64_t timestamp, Offset offset, bool final_entry) {
  int64_t rel = offset.value() - base_.value();
  if (timestamp < 0 || rel < 0 || rel > std::numeric_limits<int32_t>::max()) return false;
  std::unique_lock lock(mu_);
  if (entries_ > 0) {
    TimestampOffset last = decode(entries_ - 1);
    if (timestamp <= last.timestamp || offset < last.offset) return false;
  }
  size_t limit = final_entry ? capacity_ : std::min(capacity_, max_bytes_ / entry_size_ - 1);
  if (entries_ >= limit) return false;
  uint8_t* slot = append_slot();
  put_be64(slot, static_cast<uint64_t>(timestamp));
  put_be32(slot + 8, static_cast<uint32_t>(rel));
  ++entries_;
  return true;
}

TimestampOffset TimeIndex::lookup(int64_t target) const {
  std::shared_lock lock(mu_);
  size_t lo = 0, hi = entries_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (decode(mid).timestamp <= target) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return {-1, base_};
  return decode(lo - 1);
}

TimestampOffset TimeIndex::last_entry() const {
  std::shared_lock lock(mu_);
  if (entries_ == 0) return {-1, base_};
  return decode(entries_ - 1);
}

void TimeIndex::truncate_to(Offset offset) {
  std::unique_lock lock(mu_);
  size_t keep = 0;
  while (keep < entries_ && decode(keep).offset < offset) ++keep;
  entries_ = keep;
}

bool TimeIndex::sanity_check() const {
  std::shared_lock lock(mu_);
  for (size_t i = 0; i < entries_; ++i) {
    TimestampOffset e = decode(i);
    if (e.offset < base_ || e.timestamp < 0) return false;
    if (i > 0) {
      TimestampOffset prev = decode(i - 1);
      if (e.timestamp <= prev.timestamp || e.offset < prev.offset) return false;
    }
  }
  return true;
}

}  // namespace kb::storage
