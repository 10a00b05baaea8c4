#include "broker/storage/offset_map.h"

#include <algorithm>
#include <functional>
#include <string_view>

namespace kb::storage {
namespace {

// Two unrelated 64-bit hashes make the 128-bit digest: the standard library's (Murmur-based in
// libstdc++) and FNV-1a.
uint64_t hash_a(std::span<const uint8_t> key) {
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

uint64_t hash_b(std::span<const uint8_t> key) {
  uint64_t h = 14695981039346656037ull;
  for (uint8_t c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // Final avalanche so short keys spread over all bits.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

}  // namespace

OffsetMap::OffsetMap(size_t memory_bytes, double load_factor)
    : max_slots_(std::max<size_t>(memory_bytes / kEntryBytes, 2)),
      load_factor_(std::clamp(load_factor, 0.1, 1.0)) {
  max_keys_ =
      std::max<size_t>(1, static_cast<size_t>(static_cast<double>(max_slots_) * load_factor_));
  max_keys_ = std::min(max_keys_, max_slots_ - 1);  // one slot always stays empty to end probes
}

void OffsetMap::reset(size_t expected_keys) {
  size_t wanted = static_cast<size_t>(static_cast<double>(expected_keys) / load_factor_) + 2;
  size_t slots = std::clamp<size_t>(wanted, 16, max_slots_);
  table_.assign(slots, Entry{});
  limit_ =
      std::min(max_keys_,
               std::max<size_t>(1, static_cast<size_t>(static_cast<double>(slots) * load_factor_)));
  limit_ = std::min(limit_, slots - 1);
  size_ = 0;
  latest_offset_ = -1;
}

size_t OffsetMap::find_slot(uint64_t h1, uint64_t h2) const {
  size_t i = static_cast<size_t>(h1 % table_.size());
  while (table_[i].offset >= 0 && !(table_[i].h1 == h1 && table_[i].h2 == h2)) {
    i = i + 1 == table_.size() ? 0 : i + 1;
  }
  return i;
}

bool OffsetMap::put(std::span<const uint8_t> key, int64_t offset) {
  if (table_.empty()) reset(0);
  uint64_t h1 = hash_a(key), h2 = hash_b(key);
  Entry& e = table_[find_slot(h1, h2)];
  if (e.offset < 0) {
    if (size_ >= limit_) return false;
    e.h1 = h1;
    e.h2 = h2;
    ++size_;
  }
  e.offset = offset;
  return true;
}

int64_t OffsetMap::get(std::span<const uint8_t> key) const {
  if (table_.empty()) return -1;
  return table_[find_slot(hash_a(key), hash_b(key))].offset;
}

}  // namespace kb::storage
