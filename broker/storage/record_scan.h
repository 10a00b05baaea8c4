#pragma once
// Finds, inside one stored v2 batch, the first record whose timestamp reaches a target (for
// ListOffsets by timestamp). Records are decoded (decompressing) with the record library.
//
// Thread-safety: pure function.
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

namespace kb::storage {

// Returns {timestamp, offset} of the first record with timestamp >= target and offset >=
// min_offset, or nullopt. When the records cannot be decoded the answer falls back to the batch
// level: the batch's max timestamp and its first offset >= min_offset (conservative: a consumer
// seeking there misses nothing).
std::optional<std::pair<int64_t, int64_t>> find_record_by_timestamp(std::span<const uint8_t> batch,
                                                                    int64_t target,
                                                                    int64_t min_offset);

}  // namespace kb::storage
