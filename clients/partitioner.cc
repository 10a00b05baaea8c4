#include "clients/partitioner.h"

#include <algorithm>

namespace kb::clients {

int32_t murmur2(std::span<const uint8_t> data) {
  // Constants of MurmurHash2 as Kafka fixed them; the arithmetic is done on uint32_t so that
  // overflow wraps exactly like Java's int arithmetic (and is defined behaviour in C++).
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t m = 0x5bd1e995;
  constexpr int r = 24;
  const size_t length = data.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  const size_t blocks = length / 4;
  for (size_t i = 0; i < blocks; ++i) {
    // Little-endian 4-byte blocks, as Kafka reads them.
    const uint8_t* p = data.data() + i * 4;
    uint32_t k =
        uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint8_t* tail = data.data() + blocks * 4;
  switch (length % 4) {
    case 3:
      h ^= uint32_t(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= uint32_t(tail[0]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

PartitionId partition_for_key(std::span<const uint8_t> key, int32_t num_partitions) {
  return PartitionId{to_positive(murmur2(key)) % num_partitions};
}

PartitionId StickyPartitioner::partition(const std::string& topic,
                                         const std::vector<PartitionId>& available,
                                         int32_t num_partitions) {
  State& s = topics_[topic];
  bool still_valid = s.current >= 0 && s.current < num_partitions &&
                     (available.empty() || std::find(available.begin(), available.end(),
                                                     PartitionId{s.current}) != available.end());
  if (!still_valid) {
    if (available.empty()) {
      s.current = static_cast<int32_t>(s.counter++ % static_cast<uint32_t>(num_partitions));
    } else {
      s.current = available[s.counter++ % available.size()].value();
    }
  }
  return PartitionId{s.current};
}

void StickyPartitioner::on_new_batch(const std::string& topic, PartitionId previous) {
  auto it = topics_.find(topic);
  // Only the partition currently stuck to is released; a batch completing on a partition chosen
  // explicitly by the caller says nothing about the keyless records.
  if (it != topics_.end() && it->second.current == previous.value()) it->second.current = -1;
}

}  // namespace kb::clients
