#include "broker/storage/producer_snapshot.h"

#include <limits>

#include "broker/storage/coding.h"
#include "protocol/records/crc32c.h"

namespace kb::storage {
namespace {

constexpr int16_t kVersion = 1;
constexpr size_t kHeaderSize = 2 + 4 + 4;  // version, crc, count
constexpr size_t kEntrySize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

// The batch's first sequence from its last one (sequences wrap from Int32 max to 0).
int32_t first_sequence(int32_t last_seq, int32_t delta) {
  int64_t first = int64_t{last_seq} - delta;
  if (first < 0) first += int64_t{std::numeric_limits<int32_t>::max()} + 1;
  return static_cast<int32_t>(first);
}

}  // namespace

std::vector<uint8_t> encode_producer_snapshot(const ProducerStateManager& state) {
  size_t count = 0;
  state.for_each([&](int64_t, const ProducerEntry& e) { count += e.batches.size(); });
  std::vector<uint8_t> out(kHeaderSize + count * kEntrySize);
  uint8_t* p = out.data();
  p[0] = 0;
  p[1] = kVersion;
  put_be32(p + 6, static_cast<uint32_t>(count));
  p += kHeaderSize;
  state.for_each([&](int64_t id, const ProducerEntry& e) {
    for (const auto& b : e.batches) {
      put_be64(p, static_cast<uint64_t>(id));
      p[8] = static_cast<uint8_t>(static_cast<uint16_t>(e.epoch) >> 8);
      p[9] = static_cast<uint8_t>(e.epoch);
      put_be32(p + 10, static_cast<uint32_t>(b.last_seq));
      put_be64(p + 14, static_cast<uint64_t>(b.last_offset));
      put_be32(p + 22, static_cast<uint32_t>(b.last_offset - b.first_offset));
      put_be64(p + 26, static_cast<uint64_t>(b.timestamp));
      put_be32(p + 34, static_cast<uint32_t>(-1));  // coordinator epoch: no transactions
      put_be64(p + 38, static_cast<uint64_t>(-1));  // current transaction's first offset
      p += kEntrySize;
    }
  });
  put_be32(out.data() + 2, records::crc32c(std::span<const uint8_t>(out).subspan(6)));
  return out;
}

bool decode_producer_snapshot(std::span<const uint8_t> data, ProducerStateManager* out) {
  if (data.size() < kHeaderSize) return false;
  const uint8_t* p = data.data();
  int16_t version = static_cast<int16_t>((p[0] << 8) | p[1]);
  if (version != kVersion) return false;
  if (get_be32(p + 2) != records::crc32c(data.subspan(6))) return false;
  uint32_t count = get_be32(p + 6);
  if ((data.size() - kHeaderSize) / kEntrySize != count ||
      (data.size() - kHeaderSize) % kEntrySize != 0) {
    return false;
  }
  ProducerStateManager state;
  p += kHeaderSize;
  for (uint32_t i = 0; i < count; ++i, p += kEntrySize) {
    ProducerBatchFacts b;
    b.producer_id = static_cast<int64_t>(get_be64(p));
    b.epoch = static_cast<int16_t>((p[8] << 8) | p[9]);
    int32_t last_seq = static_cast<int32_t>(get_be32(p + 10));
    int64_t last_offset = static_cast<int64_t>(get_be64(p + 14));
    b.last_offset_delta = static_cast<int32_t>(get_be32(p + 22));
    b.timestamp = static_cast<int64_t>(get_be64(p + 26));
    b.first_offset = last_offset - b.last_offset_delta;
    b.base_sequence = first_sequence(last_seq, b.last_offset_delta);
    state.apply_unchecked(b);
  }
  *out = std::move(state);
  return true;
}

}  // namespace kb::storage
