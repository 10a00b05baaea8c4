#pragma once
// The default partitioner of Kafka's Java producer, so that a keyed record lands on the same
// partition whichever client wrote it: toPositive(murmur2(key)) % numPartitions, with Kafka's
// murmur2 (Utils.murmur2, seed 0x9747b28c). Keyless records stick to one available partition
// until a batch for it is completed (KIP-480, the 2.4 default), then move on.
//
// Thread-safety: the free functions are pure; a StickyPartitioner belongs to one thread (the
// producer guards it with its own lock).
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/types.h"

namespace kb::clients {

// Kafka's Utils.murmur2 over `data`: the 32-bit result as Java's signed int.
int32_t murmur2(std::span<const uint8_t> data);

// Kafka's Utils.toPositive: clears the sign bit (not abs(), which overflows for INT_MIN).
inline int32_t to_positive(int32_t n) {
  return n & 0x7fffffff;
}

// The partition Java's DefaultPartitioner picks for a keyed record. Hashes over *all*
// partitions, available or not, as Java does: the mapping must not change when a leader fails.
// `num_partitions` must be > 0.
PartitionId partition_for_key(std::span<const uint8_t> key, int32_t num_partitions);

// Keyless records: the partition chosen per topic is kept until on_new_batch() says its batch
// was completed; then the next available partition is taken (round-robin rather than Java's
// random pick, which spreads the same way and is deterministic for tests).
class StickyPartitioner {
 public:
  // `available`: partitions with a leader (all partitions when none has one, so records wait
  // for a leader rather than failing). `num_partitions` must be > 0.
  PartitionId partition(const std::string& topic, const std::vector<PartitionId>& available,
                        int32_t num_partitions);
  // The batch of `topic` that `previous` fed is complete: move on from it.
  void on_new_batch(const std::string& topic, PartitionId previous);

 private:
  struct State {
    int32_t current = -1;  // -1: not chosen yet
    uint32_t counter = 0;
  };
  std::map<std::string, State> topics_;
};

}  // namespace kb::clients
